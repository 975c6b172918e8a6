"""The one-to-one service: a seeker's file, the caseload and the dashboard figures."""
