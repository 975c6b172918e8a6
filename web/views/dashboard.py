"""The supervisor's dashboard: the plan's figures against their targets, per area."""

from __future__ import annotations

from flask import Blueprint, render_template, request

from matcher.core import clock
from matcher.core.db import read_session
from matcher.jobs.history import LABELS, latest_failures
from matcher.seekers.kpi import current, trend
from web.security import allow, engine, viewer

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard")


@bp.get("/")
@allow("supervisor", "admin")
def index() -> str:
    me = viewer()
    with read_session(engine()) as session:
        # Today's snapshot when there is one; "?live=1" computes the figures now.
        figures = current(
            session, viewer=me, today=clock.today(), live=request.args.get("live") == "1"
        )
        days = trend(session, viewer=me)
        failures = latest_failures(session)
    return render_template(
        "dashboard.html", figures=figures, trend=days, failures=failures, labels=LABELS
    )
