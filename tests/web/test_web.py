"""The web app factory: configuration from the environment, no side effects."""

import threading

from matcher.core import schema
from matcher.core.db import make_engine
from web import create_app


def test_create_app_reads_the_environment_and_serves_the_status(monkeypatch, database_url):
    monkeypatch.setenv("DATABASE_URL", database_url)
    threads_before = threading.active_count()
    app = create_app()
    assert threading.active_count() == threads_before  # no scheduler or other thread started
    client = app.test_client()
    health = client.get("/healthz")
    assert health.status_code == 200 and health.json == {"status": "ok"}  # no counts
    page = client.get("/login")
    assert page.status_code == 200 and '<html lang="zh-CN"' in page.get_data(as_text=True)
    assert "default-src 'self'" in page.headers["Content-Security-Policy"]
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    app.extensions["jobbridge.engine"].dispose()


def test_the_embedded_default_keeps_its_secret_key(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    engine = make_engine(url)
    schema.upgrade(engine)
    engine.dispose()
    monkeypatch.setenv("DATABASE_URL", url)
    first, second = create_app(), create_app()
    assert first.secret_key == second.secret_key
    for app in (first, second):
        app.extensions["jobbridge.engine"].dispose()
