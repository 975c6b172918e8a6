"""Campaigns: list, create and edit; upload an employer's postings file with a preview,
then confirm."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("campaigns", __name__, url_prefix="/campaigns")
