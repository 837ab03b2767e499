"""Impact: what the volunteering achieved, for coordinators, partners and administrators."""
