"""Server time of the case worker's pages on the 100,000-seeker demo database.

    python -m bench.web_pages [--seekers 100000] [--postings 20000] [--requests 200]
                              [--database sqlite:///path]   # reuse a built database

Builds (or reuses) a SQLite database with the demo data and one full refresh, then serves
requests in-process through the WSGI app (Flask's test client: server time, without the
network), signed in as the demo case worker and the demo supervisor. Per page: median, p95
and p99 of ``--requests`` requests over different seekers. Side by side:
- the floor: the sign-in page (templates, session, headers; no query);
- the baseline: the same caseload computed the obvious way, one query per seeker for its
  service records and recommendations (N+1), on the same data.
Target (issue 4): caseload and seeker-file pages p95 ≤ 150 ms.
"""

from __future__ import annotations

import argparse
import base64
import os
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from bench.common import table
from matcher import demo
from matcher.core import schema
from matcher.core.db import make_engine
from matcher.core.models import Jobseeker, Recommendation, ServiceRecord, User
from matcher.matching.refresh import full_refresh
from matcher.people.access import Viewer, seeker_scope
from matcher.people.identifiers import Vault
from matcher.seekers.caseload import FOUR_ONES, four_ones_kinds

KEY_TEXT = "YmVuY2gta2V5LWJlbmNoLWtleS1iZW5jaC1rZXktMzI="
TARGET_MS = 150


def build(url: str, seekers: int, postings: int) -> None:
    engine = make_engine(url)
    schema.upgrade(engine)
    started = time.perf_counter()
    demo.load(engine, Vault(base64.urlsafe_b64decode(KEY_TEXT)), seekers=seekers, postings=postings)
    full_refresh(engine)
    print(f"built {seekers:,} × {postings:,} in {time.perf_counter() - started:.0f} s")
    engine.dispose()


def _percentiles(samples: list[float]) -> tuple[float, float, float]:
    ordered = sorted(samples)

    def at(q: float) -> float:
        return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]

    return statistics.median(ordered), at(0.95), at(0.99)


def _timed(call: Callable[[], Any], n: int) -> list[float]:
    samples = []
    for _ in range(n):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def naive_caseload(engine: Any, viewer: Viewer) -> int:
    """The baseline: each seeker's records and recommendations by their own queries."""
    steps = four_ones_kinds()
    rows = 0
    with Session(engine) as session:
        seekers = session.execute(select(Jobseeker).where(seeker_scope(viewer))).scalars().all()
        for seeker in seekers:
            kinds = set(
                session.execute(
                    select(col(ServiceRecord.kind)).where(col(ServiceRecord.seeker_id) == seeker.id)
                ).scalars()
            )
            recs = (
                session.execute(
                    select(col(Recommendation.status)).where(
                        col(Recommendation.seeker_id) == seeker.id,
                        col(Recommendation.active).is_(True),
                    )
                )
                .scalars()
                .all()
            )
            _ = {step: bool(kinds & set(steps[step])) for step in FOUR_ONES}, len(recs)
            rows += 1
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seekers", type=int, default=100_000)
    parser.add_argument("--postings", type=int, default=20_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--database", help="reuse this database (built if empty)")
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="jobbridge-web-bench-"))
    url = args.database or f"sqlite:///{folder / 'bench.sqlite3'}"
    engine = make_engine(url)
    schema.upgrade(engine)
    with Session(engine) as session:
        empty = session.execute(select(col(Jobseeker.id)).limit(1)).first() is None
    if empty:
        build(url, args.seekers, args.postings)

    os.environ.update(
        DATABASE_URL=url, JOBBRIDGE_DATA_KEY=KEY_TEXT, JOBBRIDGE_INSTANCE=str(folder / "instance")
    )
    # As servers load it (web/wsgi.py): the page modules loaded, start-up objects frozen.
    import gc

    import matcher.matching.recommendations  # noqa: F401
    from web import create_app

    app = create_app({"WTF_CSRF_ENABLED": False})
    gc.freeze()
    clients = {}
    for username in ("caseworker", "supervisor"):
        client = app.test_client()
        response = client.post("/login", data={"username": username, "password": "jobbridge-demo"})
        assert response.status_code == 302, f"{username} cannot sign in"
        clients[username] = client

    with Session(engine) as session:
        worker = session.execute(
            select(User).where(col(User.username) == "caseworker")
        ).scalar_one()
        viewer = Viewer.of(worker)
        mine = list(
            session.execute(select(col(Jobseeker.id)).where(seeker_scope(viewer))).scalars()
        )
        total = session.execute(select(col(Jobseeker.id))).scalars().all()
    rng = random.Random(7)
    n = args.requests

    def get(client: Any, url: str) -> Callable[[], Any]:
        def call() -> None:
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)

        return call

    def seeker_file() -> None:
        response = clients["caseworker"].get(f"/seekers/{rng.choice(mine)}")
        assert response.status_code == 200

    worker_client, supervisor_client = clients["caseworker"], clients["supervisor"]
    cases: list[tuple[str, Callable[[], Any], int]] = [
        ("floor: sign-in page", get(app.test_client(), "/login"), n),
        ("caseload, first page (case worker)", get(worker_client, "/caseload/"), n),
        (
            "caseload, graduates overdue (case worker)",
            get(worker_client, "/caseload/?graduate=yes&overdue=1"),
            n,
        ),
        ("caseload, name search (case worker)", get(worker_client, "/caseload/?name=王"), n),
        ("seeker file (random seeker)", seeker_file, n),
        (
            "caseload, first page (supervisor, whole city)",
            get(supervisor_client, "/caseload/"),
            n // 4,
        ),
        ("dashboard (supervisor)", get(supervisor_client, "/dashboard/"), n // 4),
        ("baseline: caseload N+1 queries (case worker)", lambda: naive_caseload(engine, viewer), 5),
    ]
    results = []
    for name, call, count in cases:
        call()  # warm: templates compiled, caches filled
        p50, p95, p99 = _percentiles(_timed(call, count))
        results.append((name, count, p50, p95, p99))
    caseload_p50 = results[1][2]
    print(
        f"\n{len(total):,} seekers; the case worker's caseload: {len(mine):,} seekers; "
        f"{date.today()}\n"
    )
    print(
        table(
            ["page", "requests", "p50 ms", "p95 ms", "p99 ms", "p50 × caseload"],
            [
                [name, count, f"{p50:.1f}", f"{p95:.1f}", f"{p99:.1f}", f"{p50 / caseload_p50:.2f}"]
                for name, count, p50, p95, p99 in results
            ],
        )
    )
    worst = max(
        p95 for name, _, _, p95, _ in results if "case worker" in name and "baseline" not in name
    )
    file_p95 = results[4][3]
    verdict = "meets" if max(worst, file_p95) <= TARGET_MS else "misses"
    print(
        f"\ncase-worker pages p95 ≤ {TARGET_MS} ms: {verdict} (worst {max(worst, file_p95):.0f} ms)"
    )
    app.extensions["jobbridge.engine"].dispose()
    engine.dispose()


if __name__ == "__main__":
    main()
