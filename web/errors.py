"""Plain error pages in the reader's language: no tracebacks, no debug pages (item 12)."""

from __future__ import annotations

from flask import Flask, render_template
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

__all__ = ["install"]


def _page(code: int) -> tuple[str, int]:
    return render_template("error.html", code=code), code


def install(app: Flask) -> None:
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
