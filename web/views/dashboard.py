"""The supervisor's dashboard: the plan's figures against their targets, per area."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, render_template

from matcher.db import read_session
from matcher.kpi import dashboard
from web.security import allow, engine, viewer

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard")


@bp.get("/")
@allow("supervisor", "admin")
def index() -> str:
    with read_session(engine()) as session:
        figures = dashboard(session, viewer=viewer(), today=date.today())
    return render_template("dashboard.html", figures=figures)
