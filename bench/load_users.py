"""The simulated users of the load benchmark (a locustfile; bench/load.py runs it headless).

Not run on its own: bench/load.py writes the plan (accounts, seekers, postings, think time,
the measured window) to a JSON file and names it in JOBBRIDGE_LOAD_PLAN. Each simulated
user signs in once, as a real browser would (the sign-in form with its CSRF token), then
loops: one page, a think time, the next page. Case workers (several demo accounts, round
robin, largest caseloads first) read their caseload (first page, later pages, filters),
files of their own seekers, and postings (list, search, a posting's page); graduates read
their portal. Requests that start after the measured window opens are recorded with their
start times, and every sign-in; when bench/load.py stops this process (the window has
closed), they go to the plan's ``samples`` file, and bench/load.py keeps those that started
before the window closed.

An error is an exception (connection, time-out), a status of 400 or more, or a redirect to
the sign-in page (a lost session); pages are asked for without following redirects.

The session cookie is Secure in production; each user's cookie jar counts loopback http as
secure and sends it back, as browsers do for localhost (the server is not told otherwise:
no proxy headers, no setting changed).
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
import time
from collections import defaultdict
from http.cookiejar import DefaultCookiePolicy
from pathlib import Path
from typing import Any

from locust import FastHttpUser, between, events, task

PLAN: dict[str, Any] = json.loads(
    Path(os.environ["JOBBRIDGE_LOAD_PLAN"]).read_text(encoding="utf-8")
)
WINDOW_START = PLAN["window"][0]  # it closes when bench/load.py stops this process
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
# Per page kind: [start time, milliseconds] and [start time, error text].
SAMPLES: dict[str, list[tuple[float, float]]] = defaultdict(list)
ERRORS: dict[str, list[tuple[float, str]]] = defaultdict(list)
_accounts = itertools.count()


@events.request.add_listener
def _record(
    name: str,
    response_time: float,
    exception: BaseException | None = None,
    start_time: float | None = None,
    **_: Any,
) -> None:
    started = start_time if start_time is not None else time.time() - response_time / 1000
    # Sign-ins happen in the warm-up: kept wherever they fall, reported on their own.
    if name != "sign-in" and started < WINDOW_START:
        return
    SAMPLES[name].append((started, response_time))
    if exception is not None:
        ERRORS[name].append((started, f"{type(exception).__name__}: {exception}"[:200]))


@events.quitting.add_listener
def _write(**_: Any) -> None:
    Path(PLAN["samples"]).write_text(
        json.dumps({"samples": SAMPLES, "errors": ERRORS}), encoding="utf-8"
    )


class _Signed(FastHttpUser):
    abstract = True
    wait_time = between(*PLAN["think"])
    network_timeout = connection_timeout = PLAN["timeout"]

    def sign_in(self, username: str) -> None:
        assert self.host and self.host.startswith("http://127."), "loopback only"
        self.client.cookiejar.set_policy(
            DefaultCookiePolicy(secure_protocols=("https", "wss", "http"))
        )
        page = self.client.get("/login", name="sign-in")
        found = TOKEN.search(page.text or "")
        data = {
            "csrf_token": found.group(1) if found else "",
            "username": username,
            "password": PLAN["password"],
        }
        with self.client.post(
            "/login", data=data, name="sign-in", allow_redirects=False, catch_response=True
        ) as response:
            if response.status_code != 302:
                response.failure(f"{username} could not sign in: {response.status_code}")

    def page(self, url: str, kind: str) -> None:
        with self.client.get(
            url, name=kind, allow_redirects=False, catch_response=True
        ) as response:
            status = response.status_code
            location = response.headers.get("Location", "") if response.headers else ""
            if status >= 400 or not status:
                response.failure(f"status {status}")
            elif 300 <= status < 400 and "/login" in location:
                response.failure("redirected to sign-in")
            else:
                response.success()


class CaseWorker(_Signed):
    """Case load 30, seeker files 35, postings 20 (list or search 10, a posting 10)."""

    weight = 1

    def on_start(self) -> None:
        staff = PLAN["caseworkers"]
        self.account = staff[next(_accounts) % len(staff)]
        self.rng = random.Random(self.account["username"] + str(id(self)))
        self.sign_in(self.account["username"])

    @task(30)
    def caseload(self) -> None:
        pages = self.account["pages"]
        choice = self.rng.choice(
            ["first", "first", "first", "page", "page", "overdue", "name", "type", "status"]
        )
        url = {
            "first": "/caseload/",
            "page": f"/caseload/?page={self.rng.randint(2, max(2, pages))}",
            "overdue": "/caseload/?graduate=yes&overdue=1",
            "name": "/caseload/?name=王",
            "type": f"/caseload/?type={self.rng.choice(['physical', 'hearing', 'visual'])}",
            "status": "/caseload/?status=unemployed",
        }[choice]
        self.page(url, "caseload")

    @task(35)
    def seeker_file(self) -> None:
        self.page(f"/seekers/{self.rng.choice(self.account['seekers'])}", "seeker file")

    @task(10)
    def postings(self) -> None:
        choice = self.rng.choice(["first", "search", "search", "page"])
        url = {
            "first": "/postings/",
            "search": f"/postings/?q={self.rng.choice(PLAN['queries'])}",
            "page": f"/postings/?page={self.rng.randint(2, PLAN['posting_pages'])}",
        }[choice]
        self.page(url, "postings list/search")

    @task(10)
    def posting(self) -> None:
        self.page(f"/postings/{self.rng.choice(PLAN['postings'])}", "posting page")


class Graduate(_Signed):
    """The graduate's own portal (one demo sign-in, shared by these users)."""

    fixed_count = PLAN["graduates"]
    abstract = not PLAN["graduates"]

    def on_start(self) -> None:
        self.sign_in(PLAN["graduate"])

    @task
    def portal(self) -> None:
        self.page("/me/", "graduate portal")
