"""Fixtures for the browser tests: one live server over a small demo database, one headless
Chromium for the whole session, and axe-core to check each page.

The server runs the real app (``web.create_app()``) in a daemon thread, so the browser sees
exactly what a user sees: the security headers (CSP), the cookies, the redirects. Chromium is
Debian's (``/usr/bin/chromium``); Playwright never downloads a browser here. Without it the
tests skip locally and fail under CI=true, where nothing may skip.
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import Any

import pytest
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select
from werkzeug.serving import WSGIRequestHandler, make_server

from matcher import demo, jobs
from matcher.core.config import load_settings
from matcher.core.db import make_engine
from matcher.core.models import Campaign, Jobseeker, Posting, Recommendation, User
from matcher.fairs import listing
from matcher.jobs.scheduler import add_jobs, load_schedule
from matcher.matching.refresh import full_refresh
from matcher.people.access import Viewer
from matcher.people.identifiers import Vault
from web import create_app

CI = os.environ.get("CI", "").lower() == "true"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]
PASSWORD = demo.DEMO_PASSWORD
# The areas of the demo case worker "caseworker" (matcher/demo/generate.py).
CASEWORKER_AREAS = ("520102", "520103")
# What axe checks: WCAG 2.0-2.2 A and AA, axe's best practices, and the experimental rules
# that test a WCAG success criterion (2.5.3 label in name, 1.3.1 tables and headings, 1.3.4).
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
AXE_EXTRA_RULES = [
    "css-orientation-lock",
    "label-content-name-mismatch",
    "p-as-heading",
    "table-fake-caption",
    "td-has-header",
]


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """A line per request would bury a failing test's report; errors are still logged."""


@dataclass(frozen=True)
class Demo:
    """Ids in the demo data that the tests visit."""

    seeker: int  # in the case worker's areas, with recommendations: the pages under test
    flow_seeker: int  # another one, changed by the case worker's flow
    why_posting: str  # the external id of one of ``seeker``'s recommended postings
    posting: int  # that posting's id
    graduate_seeker: int  # the seeker the demo sign-in "graduate" is linked to
    graduate_worker: str  # the username of that seeker's case worker
    fair: int  # a campaign in the case worker's city whose fair is built and analysed


@dataclass(frozen=True)
class LiveServer:
    url: str
    engine: Engine
    demo: Demo


@pytest.fixture(scope="session")
def live_server(
    tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path
) -> Iterator[LiveServer]:
    root = tmp_path_factory.mktemp("browser")
    path = root / "jobbridge.sqlite3"
    shutil.copy(sqlite_template, path)
    environ = {"DATABASE_URL": f"sqlite:///{path}", "JOBBRIDGE_INSTANCE": str(root / "instance")}
    # Embedded mode keeps the data key in the instance folder: the demo data is encrypted
    # with the key the app will read there.
    settings = load_settings(environ)
    engine = make_engine(settings.database_url)
    demo.load(engine, Vault(settings.data_key), seekers=600, postings=150, seed=2026)
    full_refresh(engine)
    ids = _demo_ids(engine, fair=_demo_fair(engine))
    # The factory reads os.environ; the function-scoped autouse fixture cannot serve a
    # session fixture, so the environment is set only while the app is built.
    with pytest.MonkeyPatch.context() as patch:
        for name in ("JOBBRIDGE_ENV", "SECRET_KEY", "JOBBRIDGE_DATA_KEY", "JOBBRIDGE_PROXY_HOPS"):
            patch.delenv(name, raising=False)
        for name, value in environ.items():
            patch.setenv(name, value)
        app = create_app()
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    scheduler = _scheduler(engine)
    try:
        yield LiveServer(f"http://127.0.0.1:{server.server_port}", engine, ids)
    finally:
        scheduler.shutdown()
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        app.extensions["jobbridge.engine"].dispose()
        engine.dispose()


def _scheduler(engine: Engine) -> BackgroundScheduler:
    """The scheduler beside the server, as `jobbridge scheduler` runs it, taking up the
    requests the pages leave (refresh now) every second; its timed jobs are off."""
    off = {f"JOBBRIDGE_SCHEDULE_{name.upper()}": "off" for name in jobs.SCHEDULED}
    schedule = load_schedule(off | {"JOBBRIDGE_SCHEDULE_REQUESTS": "every 1s"})
    scheduler = BackgroundScheduler(timezone=schedule.zone)
    add_jobs(scheduler, jobs.JobContext(engine), schedule)
    scheduler.start()
    return scheduler


def _demo_fair(engine: Engine) -> int:
    """The case worker's city's quarterly fair with its own postings listed, analysed."""
    with Session(engine) as session:
        admin = session.exec(select(User).where(col(User.username) == "admin")).one()
        campaign = session.exec(
            select(Campaign).where(
                col(Campaign.kind) == "quarterly_fair",
                col(Campaign.area_code) == CASEWORKER_AREAS[0][:4] + "00",  # the city
            )
        ).one()
        fair = campaign.id
        assert fair is not None
        own, _, _ = listing.postings_to_add(session, campaign_id=fair)
        listing.add_postings(
            session,
            viewer=Viewer.of(admin),
            campaign_id=campaign.id,
            posting_ids=[p.id for p in own],
        )
        session.commit()
    outcome = jobs.run(jobs.JobContext(engine), "fair_analysis", trigger="request")
    assert outcome.status == "succeeded" and outcome.counts["seekers"] > 0, outcome
    return fair


def _demo_ids(engine: Engine, *, fair: int) -> Demo:
    with Session(engine) as session:
        active = (
            select(col(Recommendation.seeker_id))
            .where(col(Recommendation.active).is_(True))
            .group_by(col(Recommendation.seeker_id))
            .having(func.count() >= 3)
        )
        seekers = session.exec(
            select(col(Jobseeker.id))
            .where(col(Jobseeker.area_code).in_(CASEWORKER_AREAS))
            .where(col(Jobseeker.consent).is_(True))
            .where(col(Jobseeker.id).in_(active))
            .order_by(col(Jobseeker.id))
            .limit(2)
        ).all()
        assert len(seekers) == 2, "the demo data has too few seekers with recommendations"
        posting, external = session.exec(
            select(col(Posting.id), col(Posting.external_id))
            .join(Recommendation, col(Recommendation.posting_id) == col(Posting.id))
            .where(col(Recommendation.seeker_id) == seekers[0])
            .where(col(Recommendation.active).is_(True))
            .order_by(col(Recommendation.rank))
        ).first()
        graduate = session.exec(
            select(Jobseeker)
            .join(User, col(User.id) == col(Jobseeker.user_id))
            .where(col(User.username) == "graduate")
        ).one()
        worker = session.get(User, graduate.case_worker_id)
        assert graduate.id is not None and worker is not None
        return Demo(
            seeker=seekers[0],
            flow_seeker=seekers[1],
            why_posting=external,
            posting=posting,
            graduate_seeker=graduate.id,
            graduate_worker=worker.username,
            fair=fair,
        )


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        message = (
            f"the browser tests need Debian's chromium at {CHROMIUM} (apt-get install chromium)"
        )
        if CI:
            pytest.fail(f"CI=true and {message}")
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


def prefs_cookies(url: str, *, lang: str, text: str) -> list[dict[str, Any]]:
    """The display preferences as the app's POST /prefs would set them (web/i18n.py)."""
    return [
        {"name": "jb_lang", "value": lang, "url": url},
        {"name": "jb_text", "value": text, "url": url},
    ]


@pytest.fixture
def new_context(browser: Any, live_server: LiveServer) -> Iterator[Callable[..., Any]]:
    """Fresh browser contexts (own cookies) for one test, closed after it."""
    made: list[Any] = []

    def make(**options: Any) -> Any:
        options.setdefault("locale", "en-US")
        context = browser.new_context(base_url=live_server.url, **options)
        context.set_default_timeout(15_000)
        made.append(context)
        return context

    yield make
    for context in made:
        context.close()


def sign_in(page: Any, username: str, password: str = PASSWORD) -> None:
    """Sign in through the form, as a person would."""
    page.goto("/login")
    page.locator("#username").fill(username)
    page.locator("#password").fill(password)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    assert "/login" not in page.url, f"{username} could not sign in"


def sign_out(page: Any) -> None:
    with page.expect_navigation():
        page.locator("header form[action='/logout'] button").click()


@pytest.fixture(scope="session")
def axe_source() -> str:
    return files("axe_playwright_python").joinpath("axe.min.js").read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def axe(axe_source: str) -> Callable[[Any], list[dict[str, Any]]]:
    """Run axe-core on the page and return its violations.

    The app's CSP allows no inline script, so axe is not added as a <script> tag: Playwright's
    ``evaluate`` runs in the page without being subject to the page's CSP.
    """
    options = {
        "runOnly": {"type": "tag", "values": AXE_TAGS},
        "rules": {rule: {"enabled": True} for rule in AXE_EXTRA_RULES},
        "resultTypes": ["violations"],
    }

    def run(page: Any) -> list[dict[str, Any]]:
        if not page.evaluate("typeof window.axe === 'object'"):
            page.evaluate(axe_source)
        result = page.evaluate("options => axe.run(document, options)", options)
        return list(result["violations"])

    return run


def describe_violations(where: str, violations: list[dict[str, Any]]) -> str:
    lines = [f"{where}: {len(violations)} accessibility violation(s)"]
    for violation in violations:
        lines.append(
            f"  {violation['id']} ({violation['impact']}): {violation['help']} "
            f"<{violation['helpUrl']}>"
        )
        for node in violation["nodes"]:
            summary = " / ".join(
                line.strip() for line in node.get("failureSummary", "").splitlines()[1:]
            )
            lines.append(f"    at {node['target']}: {summary}")
    return "\n".join(lines)
