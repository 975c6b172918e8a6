"""Hostile input in every parameter a view reads (SECURITY.md items 10, 17, 31).

The parameters are found from the code: an AST scan of the web views for the keys they read
from ``request.args`` and ``request.form`` (directly, or through a local ``args``/``form``).
Each is sent, on every route of its view module, through a set of hostile values: NUL and
other control characters, out-of-range and unpaired code points, very long strings, SQL and
template syntax. No answer may be a 5xx or log a traceback, and a control character gets a 400 that
says so. On both databases.
"""

from __future__ import annotations

import ast
import logging
from urllib.parse import quote

import pytest
from sqlalchemy import select
from sqlmodel import Session, col

from matcher.core.db import make_engine
from matcher.core.models import Campaign, Employer, Jobseeker, Posting, Recommendation, User
from tests.helpers import ROOT
from tests.webapp import Client, make_app, signed_in

HOSTILE = [
    "\x00",
    "南明\x00区",
    "\x1b[31m",
    "\U0010ffff",
    "%F4%8F%BF%BF",  # sent raw: the URL's own escape for U+10FFFF
    "%ED%A0%80",  # an unpaired surrogate's UTF-8, which is not UTF-8
    "长" * 5000,
    "' OR 1=1 --",
    "{{7*7}}{% raw %}",
    "-99999999999999999999",
]
CONTROL = {"\x00", "南明\x00区", "\x1b[31m"}


def view_parameters() -> dict[str, dict[str, set[str]]]:
    """Per view module (its blueprint's name), the keys it reads from args and from form."""
    found: dict[str, dict[str, set[str]]] = {}
    for path in sorted((ROOT / "web" / "views").glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        keys = found.setdefault(path.stem, {"args": set(), "form": set()})
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
                continue
            if node.func.attr not in {"get", "getlist"} or not node.args:
                continue
            key = node.args[0]
            if not (isinstance(key, ast.Constant) and isinstance(key.value, str)):
                continue
            source = node.func.value
            name = (
                source.attr
                if isinstance(source, ast.Attribute)
                and isinstance(source.value, ast.Name)
                and source.value.id == "request"
                else source.id
                if isinstance(source, ast.Name)
                else ""
            )
            if name in keys:
                keys[name].add(key.value)
    return found


def test_the_scan_finds_the_parameters():
    found = view_parameters()
    assert sum(len(k["args"]) for k in found.values()) >= 15
    assert sum(len(k["form"]) for k in found.values()) >= 15
    assert {"name", "area", "page"} <= found["caseload"]["args"]
    assert "username" in found["auth"]["form"]


@pytest.fixture(scope="module")
def ids(demo_database_url) -> dict[str, str]:
    engine = make_engine(demo_database_url)
    with Session(engine) as session:
        worker = session.execute(select(User).where(col(User.username) == "caseworker")).one()[0]
        seeker, rec = session.execute(
            select(col(Jobseeker.id), col(Recommendation.id))
            .join(Recommendation, col(Recommendation.seeker_id) == col(Jobseeker.id))
            .where(col(Jobseeker.case_worker_id) == worker.id, col(Recommendation.active))
            .order_by(col(Jobseeker.id))
        ).first()
        fair = session.execute(
            select(col(Campaign.id)).where(col(Campaign.kind) == "quarterly_fair")
        ).scalars()
        values = {
            "seeker_id": seeker,
            "rec_id": rec,
            "posting_id": session.execute(select(col(Posting.id))).scalars().first(),
            "campaign_id": fair.first(),
            "employer_id": session.execute(select(col(Employer.id))).scalars().first(),
        }
    engine.dispose()
    return {key: str(value) for key, value in values.items()} | {
        "token": "0" * 32,
        "kind": "postings",
        "ext": "csv",
    }


@pytest.fixture
def app(monkeypatch, demo_database_url):
    app = make_app(monkeypatch, demo_database_url)
    yield app
    app.extensions["jobbridge.engine"].dispose()


def routes(app, ids: dict[str, str]) -> list[tuple[str, str, str]]:
    """(module, method, url) of every route but static files and signing out."""
    found = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint in {"static", "auth.logout"}:
            continue
        url = rule.rule
        for argument in rule.arguments:
            url = url.replace(f"<{argument}>", ids[argument])
            for converter in ("int", "any(postings, employers, seekers)", "any(xlsx, csv)"):
                url = url.replace(f"<{converter}:{argument}>", ids[argument])
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            found.append((rule.endpoint.split(".")[0], method, url))
    return found


def _sent(value: str) -> str:
    """The value as it goes into a query string: raw escapes stay, the rest is quoted."""
    return value if value.startswith("%") else quote(value, safe="")


def test_hostile_values_in_every_parameter_answer_without_a_server_error(app, ids, caplog):
    parameters = view_parameters()
    admin, worker = signed_in(app, "admin"), signed_in(app, "caseworker")
    graduate, anonymous = signed_in(app, "graduate"), Client(app)
    answered = 0
    with caplog.at_level(logging.WARNING):
        for module, method, url in routes(app, ids):
            keys = parameters.get(module, {"args": set(), "form": set()})
            client = {"portal": graduate, "auth": anonymous, "status": anonymous}.get(
                module, worker if module == "seekers" else admin
            )
            for value in HOSTILE:
                if method == "GET":
                    query = "&".join(f"{key}={_sent(value)}" for key in sorted(keys["args"]))
                    response = client.get(f"{url}?{query}" if query else url)
                else:
                    form = dict.fromkeys(sorted(keys["form"] | keys["args"]), value)
                    client.get("/login" if client is anonymous else "/")  # a fresh token
                    response = client.post(url, form)
                answered += 1
                where = f"{method} {url} with {value[:20]!r}"
                assert response.status_code < 500, where
                page = response.get_data().decode("utf-8", "replace")
                if value in CONTROL and (keys["args"] if method == "GET" else keys["form"]):
                    assert response.status_code == 400, where
                    assert "U+00" in page, where
    assert answered > 300
    assert not [r for r in caplog.records if r.exc_info], "no traceback was logged"


def test_a_nul_in_the_sign_in_name_is_refused_with_a_message(app):
    client = Client(app)
    client.get("/login")
    response = client.post("/login", {"username": "admin\x00", "password": "x"})
    assert response.status_code == 400
    assert "U+0000" in response.get_data(as_text=True)
    search = signed_in(app, "caseworker").get("/caseload/?name=%00&area=%F4%8F%BF%BF")
    assert search.status_code == 400 and "U+0000" in search.get_data(as_text=True)
    out_of_range = signed_in(app, "caseworker").get("/caseload/?area=%F4%8F%BF%BF")
    assert out_of_range.status_code == 200  # a code point past the range: no such area
    postings = signed_in(app, "caseworker").get("/postings/?area=%F4%8F%BF%BF")
    assert postings.status_code == 200
