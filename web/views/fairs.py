"""A campaign's fair: pick its postings, read the fit figures, and the invite list."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("fairs", __name__, url_prefix="/campaigns")
