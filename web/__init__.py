"""The JobBridge web app: ``create_app()`` reads its configuration from the environment.

``flask --app 'web:create_app()' run`` and ``gunicorn 'web:create_app()'`` both work. The
factory has no side effects beyond building the app: no scheduler, no network, no output.
"""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask_wtf.csrf import CSRFProtect
from werkzeug.middleware.proxy_fix import ProxyFix

from matcher.core.config import load_settings
from matcher.core.db import make_engine

__all__ = ["create_app"]


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    settings = load_settings()
    app = Flask(__name__, instance_path=str(settings.instance_dir))
    app.config.update(
        SECRET_KEY=settings.secret_key,
        JOBBRIDGE_SETTINGS=settings,
        SESSION_COOKIE_NAME="jobbridge_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.production,
        WTF_CSRF_TIME_LIMIT=None,  # the token lives as long as the session
        MAX_CONTENT_LENGTH=20 * 1024 * 1024,
        # How many proxies in front of the app may set X-Forwarded-For (item 2); 0 = none.
        PROXY_HOPS=settings.proxy_hops,
    )
    if test_config:
        app.config.update(test_config)
    if app.config["PROXY_HOPS"]:
        hops = app.config["PROXY_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]
    app.extensions["jobbridge.engine"] = make_engine(
        app.config.get("DATABASE_URL", settings.database_url)
    )
    CSRFProtect(app)

    from web import errors, i18n, security, templating
    from web.views import (
        auth,
        booklets,
        campaigns,
        caseload,
        dashboard,
        employers,
        fairs,
        portal,
        postings,
        runs,
        seekers,
        status,
    )

    i18n.install(app)
    templating.install(app)
    security.install(app)
    errors.install(app)
    for module in (
        status,
        auth,
        caseload,
        seekers,
        postings,
        portal,
        dashboard,
        runs,
        campaigns,
        fairs,
        booklets,
        employers,
    ):
        app.register_blueprint(module.bp)
    return app
