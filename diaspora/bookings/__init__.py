"""Tele-teaching bookings: places, the waiting list, attendance, calendar files and feeds."""
