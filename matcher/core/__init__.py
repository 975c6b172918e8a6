"""What every part stands on: the tables, the database, the clock, code lists and paths.

Also: configuration, the migrations, units of work, bulk writes, locks, backups, the
requests left for the scheduler, and the seekers' standings kept on every flush.
"""
