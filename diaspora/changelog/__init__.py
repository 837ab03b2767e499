"""The log of changes that the copies kept in memory catch up from (`changes`, `mirror`)."""
