"""Cohorts: the groups of volunteers a coordinator's organisation brings together."""
