"""Engagements: a staff member on an opportunity, from interest to completion."""
