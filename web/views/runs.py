"""The scheduler's run history (admin and supervisor), and starting a job by hand (admin):
the request goes to the scheduler process, which runs it within seconds."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from matcher.core.db import read_session, write_session
from matcher.jobs import history as job_history
from web.security import allow, engine, viewer

bp = Blueprint("runs", __name__, url_prefix="/runs")


@bp.get("/")
@allow("supervisor", "admin")
def index() -> str:
    with read_session(engine()) as session:
        jobs = job_history.job_views(session)
        runs = job_history.recent_runs(session)
    return render_template(
        "runs.html",
        jobs=jobs,
        runs=runs,
        labels=job_history.LABELS,
        startable=job_history.STARTABLE,
    )


@bp.post("/")
@allow("admin")
def start() -> Response:
    job = request.form.get("job", "")
    try:
        with write_session(engine()) as session:
            job_history.ask(session, viewer=viewer(), job=job)
    except job_history.NotAllowed:
        abort(400)
    flash(_("The job was requested; the scheduler starts it within seconds."))
    return redirect(url_for("runs.index"))
