"""JobBridge (就业桥): matching disabled jobseekers with postings, and the services around it.

This package holds everything but the web app: the tables, storage, imports and exports,
reference data, the ranker, services and scheduled jobs. It never imports Flask.
"""
