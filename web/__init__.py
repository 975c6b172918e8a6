"""The JobBridge web app: ``create_app()`` reads its configuration from the environment.

``flask --app 'web:create_app()' run`` and ``gunicorn 'web:create_app()'`` both work. The
factory has no side effects beyond building the app: no scheduler, no network, no output.
"""

from __future__ import annotations

from typing import Any

from flask import Flask

from matcher.config import load_settings
from matcher.db import make_engine

__all__ = ["create_app"]


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    settings = load_settings()
    app = Flask(__name__, instance_path=str(settings.instance_dir))
    app.config.update(
        SECRET_KEY=settings.secret_key,
        JOBBRIDGE_SETTINGS=settings,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.production,
    )
    if test_config:
        app.config.update(test_config)
    app.extensions["jobbridge.engine"] = make_engine(
        app.config.get("DATABASE_URL", settings.database_url)
    )

    from web import status

    app.register_blueprint(status.bp)

    @app.after_request
    def security_headers(response: Any) -> Any:
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'",
        )
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        return response

    return app
