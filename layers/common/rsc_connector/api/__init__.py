"""The HTTP API: one Powertools resolver factory, error mapping, and the routes of each function."""
