"""Chinese (default) and English through Flask-Babel, and the reader's display preferences
(language, large text with high contrast), both kept in long-lived cookies so they persist
across visits and sign-ins."""

from __future__ import annotations

from flask import Blueprint, Flask, make_response, redirect, request
from flask_babel import Babel
from werkzeug.wrappers import Response

from web.security import ANYONE, allow, safe_next

__all__ = ["bp", "install", "lang", "large_text"]

LOCALES = {"zh": "zh_CN", "en": "en"}
LANG_COOKIE, TEXT_COOKIE = "jb_lang", "jb_text"
ONE_YEAR = 365 * 24 * 3600

bp = Blueprint("prefs", __name__)


def lang() -> str:
    """``zh`` or ``en``: the reader's language."""
    chosen = request.cookies.get(LANG_COOKIE, "zh")
    return chosen if chosen in LOCALES else "zh"


def large_text() -> bool:
    return request.cookies.get(TEXT_COOKIE) == "large"


@bp.post("/prefs")
@allow(ANYONE)
def set_prefs() -> Response:
    response = make_response(redirect(safe_next(request.form.get("next"), "/")))
    secure = request.is_secure
    chosen = request.form.get("lang")
    if chosen in LOCALES:
        response.set_cookie(
            LANG_COOKIE, chosen, max_age=ONE_YEAR, samesite="Lax", httponly=True, secure=secure
        )
    text = request.form.get("text")
    if text in ("large", "normal"):
        response.set_cookie(
            TEXT_COOKIE, text, max_age=ONE_YEAR, samesite="Lax", httponly=True, secure=secure
        )
    return response


def install(app: Flask) -> None:
    Babel(
        app,
        locale_selector=lambda: LOCALES[lang()],
        default_locale="zh_CN",
        default_timezone="Asia/Shanghai",
    )
    app.register_blueprint(bp)
