"""The home page (sends each role to its own start page) and the health check."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, redirect, url_for
from sqlalchemy import text
from sqlmodel import Session
from werkzeug.wrappers import Response

from web.security import ANYONE, allow, engine
from web.templating import current_viewer

bp = Blueprint("status", __name__)


@bp.get("/")
@allow(ANYONE)
def index() -> Response:
    from web.views.auth import HOME

    me = current_viewer()
    return redirect(url_for(HOME[me.role] if me else "auth.login"))


@bp.get("/healthz")
@allow(ANYONE)
def healthz() -> Any:
    """Whether the app answers and reaches its database; nothing about what it holds."""
    with Session(engine()) as session:
        session.execute(text("SELECT 1"))
    return jsonify(status="ok")
