"""Campaigns and special job fairs: the campaign, a fair's listing and invites, the booklet."""
