"""Matching against the database: the ranker's inputs, refreshes, recommendations read."""
