"""Tele-teaching bookings: places held in the database, the waiting list, calendar files."""
