"""Opportunities posted by verified partner organisations: projects, tele-teaching, placements."""
