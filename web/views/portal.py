"""The jobseeker's own page: their postings with the reasons in plain language, interest or
not, and their service contacts. Nothing else."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from matcher.core.db import transact, write_session
from matcher.seekers import file as seeker_file
from web.security import allow, engine, not_found, viewer

bp = Blueprint("portal", __name__, url_prefix="/me")


@bp.get("/")
@allow("graduate")
def index() -> str:
    me = viewer()
    if me.seeker_id is None:
        return render_template("portal.html", file=None)
    with write_session(engine()) as session:
        view = seeker_file.load_file(session, viewer=me, seeker_id=me.seeker_id)
        return render_template("portal.html", file=view)


@bp.post("/recommendations/<int:rec_id>")
@allow("graduate")
def respond(rec_id: int) -> Response:
    interested = request.form.get("interested") == "yes"
    try:
        transact(
            engine(),
            lambda session: seeker_file.respond(
                session,
                viewer=viewer(),
                rec_id=rec_id,
                interested=interested,
                reason=request.form.get("reason", "")[:500],
            ),
        )
    except seeker_file.NotFound:
        return not_found("recommendation", rec_id)
    flash(
        _("Thank you. Your case worker will contact you about this posting.")
        if interested
        else _("Noted. This posting will not be recommended to you again.")
    )
    return redirect(url_for("portal.index"))
