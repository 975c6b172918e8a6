"""A fair's listing booklet: accessible HTML, print layout (A4, large print) and PDF."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("booklets", __name__, url_prefix="/campaigns")
