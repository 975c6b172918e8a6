"""Employers: the list below the quota, each employer's page, and finding postings."""
