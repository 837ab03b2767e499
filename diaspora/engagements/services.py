"""Engagement rules: applying, deciding, employer release, and telling the other side."""
