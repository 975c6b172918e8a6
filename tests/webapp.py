"""Helpers for web tests: an app on a given database, and a client that signs in and
sends the CSRF token the way a browser form would."""

from __future__ import annotations

import re
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import TEST_DATA_KEY
from web import create_app

DEMO_PASSWORD = "jobbridge-demo"
_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def make_app(monkeypatch: Any, database_url: str, **config: Any) -> Flask:
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("JOBBRIDGE_DATA_KEY", TEST_DATA_KEY)
    return create_app(config or None)


class Client:
    """A test client that keeps the CSRF token of the last page it read."""

    def __init__(self, app: Flask, *, address: str = "127.0.0.1") -> None:
        self.app = app
        self.http: FlaskClient = app.test_client()
        self.http.environ_base["REMOTE_ADDR"] = address
        self.token = ""

    def get(self, url: str, **kwargs: Any) -> Any:
        response = self.http.get(url, **kwargs)
        found = response.mimetype == "text/html" and _TOKEN.search(response.get_data(as_text=True))
        if found:
            self.token = found.group(1)
        return response

    def post(self, url: str, data: dict[str, Any] | None = None, **kwargs: Any) -> Any:
        if not self.token:
            self.get("/login")
        return self.http.post(url, data={"csrf_token": self.token, **(data or {})}, **kwargs)

    def sign_in(self, username: str, password: str = DEMO_PASSWORD) -> Any:
        self.get("/login")
        response = self.post("/login", {"username": username, "password": password})
        assert response.status_code == 302, f"{username} could not sign in"
        self.get(response.headers["Location"])
        return response


def signed_in(app: Flask, username: str) -> Client:
    client = Client(app)
    client.sign_in(username)
    return client
