"""Employers: an employer's page (postings, campaigns, the 1.5% quota) and the list of
employers below quota in an area."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("employers", __name__, url_prefix="/employers")
