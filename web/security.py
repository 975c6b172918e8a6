"""Who may call what: the signed-in user, per-endpoint policies (deny by default), session
lifetime and versions, and the response headers (SECURITY.md items 3-6, 9, 11).

Every view declares its policy with ``@allow(...)``; a request to an endpoint without one is
refused, and a test walks the URL map to make sure none is missing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import urlsplit

from flask import Flask, abort, current_app, g, redirect, request, session, url_for
from sqlmodel import Session
from werkzeug.wrappers import Response

from matcher.core import clock
from matcher.core.db import write_session
from matcher.core.models import User
from matcher.core.text import control_character
from matcher.people import audit
from matcher.people.access import Viewer
from web.errors import ControlCharacter

__all__ = [
    "ANYONE",
    "SIGNED_IN",
    "allow",
    "engine",
    "install",
    "not_found",
    "policy_of",
    "safe_next",
    "start_session",
    "viewer",
]

F = TypeVar("F", bound=Callable[..., Any])
ANYONE = "anyone"  # signed in or not
SIGNED_IN = "signed_in"  # any role
ROLES = ("admin", "supervisor", "case_worker", "organizer", "graduate")
OPEN_ENDPOINTS = {"static": frozenset({ANYONE})}

IDLE_SECONDS = 30 * 60
LIFETIME_SECONDS = 12 * 3600


def allow(*who: str) -> Callable[[F], F]:
    """Declare who may use a view: roles, ``SIGNED_IN`` or ``ANYONE``."""
    unknown = set(who) - {*ROLES, ANYONE, SIGNED_IN}
    if unknown or not who:
        raise ValueError(f"unknown policy {sorted(unknown)}")

    def mark(view: F) -> F:
        view.jobbridge_policy = frozenset(who)  # type: ignore[attr-defined]
        return view

    return mark


def policy_of(app: Flask, endpoint: str) -> frozenset[str] | None:
    if endpoint in OPEN_ENDPOINTS:
        return OPEN_ENDPOINTS[endpoint]
    view = app.view_functions.get(endpoint)
    return getattr(view, "jobbridge_policy", None)


def viewer() -> Viewer:
    """The signed-in user (views behind a role policy always have one)."""
    found: Viewer | None = g.get("viewer")
    if found is None:
        abort(401)
    return found


def engine() -> Any:
    return current_app.extensions["jobbridge.engine"]


def start_session(user_id: int, version: int, seeker_id: int | None) -> None:
    """Clear whatever the session held before (fixation), then sign in (item 3)."""
    keep = {key: session[key] for key in ("lang",) if key in session}
    session.clear()
    now = clock.timestamp()
    session.update(
        keep | {"uid": user_id, "ver": version, "sid": seeker_id, "iat": now, "seen": now}
    )
    session.permanent = False


def safe_next(target: str | None, default: str) -> str:
    """Only a path on this site: no scheme, no host, no ``//`` or ``\\`` tricks."""
    if not target:
        return default
    parts = urlsplit(target)
    if (
        parts.scheme
        or parts.netloc
        or not target.startswith("/")
        or target.startswith(("//", "/\\"))
    ):
        return default
    return target


def _load_viewer() -> Viewer | None:
    uid = session.get("uid")
    if uid is None:
        return None
    now = clock.timestamp()
    if (
        now - session.get("seen", 0) > IDLE_SECONDS
        or now - session.get("iat", 0) > LIFETIME_SECONDS
    ):
        session.clear()
        return None
    with Session(engine()) as db:
        user = db.get(User, uid)
        if user is None or not user.active or user.session_version != session.get("ver"):
            session.clear()
            return None
        found = Viewer.of(user, session.get("sid"))
    session["seen"] = now
    return found


def _refuse(viewer_: Viewer, reason: str) -> None:
    with write_session(engine()) as db:
        audit.record(
            db,
            actor=viewer_,
            action="refuse",
            object_type="endpoint",
            object_id=request.endpoint or "",
            detail={"reason": reason},
        )


def _enforce() -> Response | None:
    endpoint = request.endpoint
    # Static files need no user: no database query for each stylesheet.
    g.viewer = None if endpoint == "static" else _load_viewer()
    if endpoint is None:  # 404 or 405: let Flask answer
        return None
    policy = policy_of(current_app, endpoint)
    if policy is None:
        current_app.logger.error("endpoint %s has no access policy; refused", endpoint)
        abort(403)
    if ANYONE in policy:
        return None
    if g.viewer is None:
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    if SIGNED_IN in policy or g.viewer.role in policy:
        return None
    _refuse(g.viewer, "role")
    abort(403)


def _headers(response: Response) -> Response:
    headers = response.headers
    headers.setdefault(
        "Content-Security-Policy",
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "object-src 'none'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'",
    )
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "same-origin")
    if current_app.config["JOBBRIDGE_SETTINGS"].production and request.is_secure:
        headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    if request.endpoint != "static":
        # Pages carry personal data: never kept by the browser or a proxy (item 11).
        headers["Cache-Control"] = "no-store"
    return response


def _refuse_control_characters() -> None:
    """No query parameter, form field or path holds NUL or another control character: the
    request is answered with a message before anything reads it (item 31)."""
    inputs = [("path", request.path)]
    for source in (request.args, request.form):
        inputs += [(key, key) for key in source] + list(source.items(multi=True))
    for where, text in inputs:
        found = control_character(text)
        if found is not None:
            field = where if control_character(where) is None else "?"
            raise ControlCharacter(field[:40], found)


def install(app: Flask) -> None:
    app.before_request(_refuse_control_characters)
    app.before_request(_enforce)
    app.after_request(_headers)


def not_found(kind: str, object_id: object) -> Any:
    """Answer 404 for an id the viewer may not see (or that does not exist), and log the
    refusal: object-level scoping never says "forbidden", so ids cannot be probed (item 7)."""
    me = g.get("viewer")
    if me is not None:
        with write_session(engine()) as db:
            audit.record(db, actor=me, action="refuse", object_type=kind, object_id=object_id)
    abort(404)
