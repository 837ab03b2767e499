"""Matching: explainable scores between staff profiles and opportunities.

`scoring` is pure: plain data in, scores with their reasons and gaps out (no Flask, no database).
"""
