"""Plain error pages in the reader's language: no tracebacks, no debug pages (item 12)."""

from __future__ import annotations

from flask import Flask, render_template
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import BadRequest, HTTPException, InternalServerError

__all__ = ["ControlCharacter", "install"]


class ControlCharacter(BadRequest):
    """A query or form input holds NUL or another control character (SECURITY.md item 31)."""

    def __init__(self, where: str, character: str) -> None:
        super().__init__()
        self.where, self.character = where, character


def _page(code: int, **context: str) -> tuple[str, int]:
    return render_template("error.html", code=code, **context), code


def install(app: Flask) -> None:
    @app.errorhandler(ControlCharacter)
    def control_character(error: ControlCharacter) -> tuple[str, int]:
        return _page(400, where=error.where, character=error.character)

    @app.errorhandler(CSRFError)
    def csrf_refused(_error: CSRFError) -> tuple[str, int]:
        return _page(400)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> tuple[str, int]:
        return _page(error.code or 500)

    @app.errorhandler(Exception)
    def unexpected(error: Exception) -> tuple[str, int]:
        if isinstance(error, HTTPException):
            return _page(error.code or 500)
        app.logger.exception("unhandled error", exc_info=error)
        return _page(InternalServerError.code)
