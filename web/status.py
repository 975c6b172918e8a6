"""The status page and the health check (the full UI arrives with the case-worker pages)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, jsonify, render_template
from sqlalchemy import func, select
from sqlmodel import Session

from matcher.models import Employer, Jobseeker, Posting

bp = Blueprint("status", __name__)


def _counts() -> dict[str, int]:
    with Session(current_app.extensions["jobbridge.engine"]) as session:
        return {
            name: session.execute(select(func.count()).select_from(model)).scalar_one()
            for name, model in (
                ("seekers", Jobseeker),
                ("employers", Employer),
                ("postings", Posting),
            )
        }


@bp.get("/")
def index() -> str:
    return render_template("index.html", counts=_counts())


@bp.get("/healthz")
def healthz() -> Any:
    return jsonify(status="ok", **_counts())
