"""Sign in and sign out."""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from matcher.core.db import write_session
from matcher.people import audit
from matcher.people.access import Viewer
from matcher.people.accounts import SignInRefused, TooManyAttempts, bump_session_version, sign_in
from web.security import ANYONE, SIGNED_IN, allow, engine, safe_next, start_session, viewer

bp = Blueprint("auth", __name__)

HOME = {
    "admin": "dashboard.index",
    "supervisor": "dashboard.index",
    "case_worker": "caseload.index",
    "organizer": "postings.index",
    "graduate": "portal.index",
}


@bp.route("/login", methods=["GET", "POST"])
@allow(ANYONE)
def login() -> Response | tuple[str, int] | str:
    error = None
    if request.method == "POST":
        username = request.form.get("username", "")
        try:
            signed = sign_in(
                engine(),
                username=username,
                password=request.form.get("password", ""),
                address=request.remote_addr or "",
            )
        except TooManyAttempts:
            return render_template(
                "login.html", error=_("Too many failed sign-ins. Wait 15 minutes and try again.")
            ), 429
        except SignInRefused:
            error = _("The username or password is incorrect.")
            current_app.logger.info("sign-in refused")
        else:
            start_session(signed.user_id, signed.session_version, signed.seeker_id)
            with write_session(engine()) as db:
                audit.record(
                    db,
                    actor=Viewer(signed.user_id, username.strip(), signed.role),
                    action="login",
                )
            target = url_for(HOME.get(signed.role, "status.index"))
            return redirect(safe_next(request.args.get("next"), target))
    return render_template("login.html", error=error), 401 if error else 200


@bp.post("/logout")
@allow(SIGNED_IN)
def logout() -> Response:
    from flask import session

    me = viewer()
    bump_session_version(engine(), me.id)
    with write_session(engine()) as db:
        audit.record(db, actor=me, action="logout")
    session.clear()
    return redirect(url_for("auth.login"))
