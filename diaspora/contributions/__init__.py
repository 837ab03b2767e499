"""Contributions: hours and learners logged against engagements, and certificates for them."""
