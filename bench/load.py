"""Load on gunicorn (4 workers) over PostgreSQL with the 100,000-seeker demo database, with
and without a full refresh running at the same time.

    python -m bench.load [--seekers 100000] [--postings 20000] [--seed 2026]
                         [--users 50] [--duration 60] [--warmup 20] [--think 1 5]
                         [--no-refresh] [--postgres-url URL]

Builds, or reuses, a PostgreSQL database named after the size and the seed
(``jobbridge_load_100000x20000_s2026`` on the server of ``--postgres-url``, default
JOBBRIDGE_TEST_POSTGRES_URL) with the demo data and one full refresh (``jobbridge init-db``,
``demo``, ``refresh``, then ANALYZE). Then, once per run, it starts
``gunicorn -w 4 -b 127.0.0.1:PORT web.wsgi:app`` as production does (JOBBRIDGE_ENV=production,
DATABASE_URL, SECRET_KEY, JOBBRIDGE_DATA_KEY; a temporary JOBBRIDGE_INSTANCE), waits for
``/healthz``, and drives it on loopback with locust, headless (bench/load_users.py):
``--users`` simulated users, each signing in once through the form, then one page after
another with a think time drawn from ``--think`` seconds between pages. That bounds the load:
a fixed number of users, each with at most one request in flight. The mix: case workers
(several demo accounts, largest caseloads first) 85% of the users, graduates 15%; a case
worker's pages are caseload 30 (first page, later pages, filters), own seekers' files 35,
postings list or search 10, a posting's page 10.

Requests that start in the measured window are measured: it opens after ``--warmup`` and
lasts ``--duration`` seconds. The first run is the baseline, without a refresh; in the
second, ``jobbridge refresh`` (a full refresh, in its own process) starts as the window
opens and starts again whenever it ends, and the window stays open until the refresh
running at its end has finished: so it holds whole refreshes, their database-heavy last
phase (writing and switching the rows) included. Reported per page kind and overall:
the window's length, requests/s, p50/p95/p99 ms and
errors (an exception, a status of 400 or more, or a redirect to the sign-in page), and each
refresh's duration next to the build's refresh (without the web load). The table is printed and
the results are written to ``bench/results/load-<seekers>x<postings>.json``.
Target: zero errors and p95 ≤ 300 ms at 50 users, with the refresh running.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import random
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import date
from pathlib import Path
from types import FrameType
from typing import Any

from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url
from sqlmodel import Session, col

from bench.common import table
from bench.load_cpu import CpuShare
from matcher.core.db import make_engine, normalize_url
from matcher.core.models import Jobseeker, Posting, RefreshRun, User
from matcher.jobs.scheduler import load_schedule
from matcher.people.access import Viewer, seeker_scope

ROOT = Path(__file__).resolve().parent.parent
KEY_TEXT = "YmVuY2gta2V5LWJlbmNoLWtleS1iZW5jaC1rZXktMzI="  # bench only, as in web_pages
PASSWORD = "jobbridge-demo"
KINDS = ("caseload", "seeker file", "postings list/search", "posting page", "graduate portal")
TARGET_P95_MS = 300
MAX_EXTENSION_S = 900  # how long a window may wait for the refresh running at its end
GRADUATE_SHARE = 0.15
CLI = [sys.executable, "-c", "from matcher.cli import main; main()"]


# --- processes ---------------------------------------------------------------------------


class Children:
    """The processes this benchmark started, each in its own process group; all of them are
    stopped on the way out (also on Ctrl+C, SIGTERM or an error)."""

    def __init__(self) -> None:
        self.running: list[subprocess.Popen[bytes]] = []
        self.interrupt: set[int] = set()  # stopped with SIGINT first

    def start(
        self, argv: list[str], env: dict[str, str], log: Path, *, interrupt: bool = False
    ) -> subprocess.Popen[bytes]:
        with log.open("ab") as out:
            child = subprocess.Popen(
                argv,
                env=env,
                cwd=ROOT,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.running.append(child)
        if interrupt:
            self.interrupt.add(child.pid)
        return child

    def stop(self, child: subprocess.Popen[bytes], first: int = signal.SIGTERM) -> None:
        """``first`` to the child's process group, then SIGKILL if it lingers."""
        for sig, grace in ((first, 30), (signal.SIGKILL, 10)):
            if child.poll() is not None:
                break
            try:
                os.killpg(child.pid, sig)
            except ProcessLookupError:
                break
            try:
                child.wait(grace)
            except subprocess.TimeoutExpired:
                continue
        if child in self.running:
            self.running.remove(child)

    def stop_all(self) -> None:
        for child in reversed(self.running[:]):
            # A refresh interrupted by SIGINT marks its run failed and removes its rows.
            self.stop(child, signal.SIGINT if child.pid in self.interrupt else signal.SIGTERM)


def _terminate(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def _run_cli(args: list[str], env: dict[str, str]) -> str:
    done = subprocess.run([*CLI, *args], env=env, cwd=ROOT, capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"jobbridge {' '.join(args)} failed:\n{done.stdout}{done.stderr}")
    return done.stdout.strip()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _environment(database_url: str, folder: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JOBBRIDGE_", "DATABASE_"))}
    return env | {
        "JOBBRIDGE_ENV": "production",
        "DATABASE_URL": database_url,
        "SECRET_KEY": secrets.token_urlsafe(48),
        "JOBBRIDGE_DATA_KEY": KEY_TEXT,
        "JOBBRIDGE_INSTANCE": str(folder / "instance"),
        "PYTHONPATH": str(ROOT),
    }


# --- the database --------------------------------------------------------------------------


def _database(server_url: str, name: str) -> str:
    return (
        make_url(normalize_url(server_url)).set(database=name).render_as_string(hide_password=False)
    )


def _complete(url: str, seekers: int) -> bool:
    """The database holds the demo data of this size and a full refresh that succeeded."""
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            count = session.execute(select(func.count()).select_from(Jobseeker)).scalar_one()
            refreshed = session.execute(
                select(func.count())
                .select_from(RefreshRun)
                .where(col(RefreshRun.kind) == "full", col(RefreshRun.status) == "succeeded")
            ).scalar_one()
        return bool(count == seekers and refreshed)
    except Exception:
        return False
    finally:
        engine.dispose()


def ensure_database(args: argparse.Namespace, folder: Path) -> str:
    """Reuse the database of this size and seed if it is complete, else build it anew."""
    name = f"jobbridge_load_{args.seekers}x{args.postings}_s{args.seed}"
    url = _database(args.postgres_url, name)
    admin = create_engine(normalize_url(args.postgres_url), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            exists = connection.execute(
                text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}
            ).first()
            if exists and _complete(url, args.seekers):
                print(f"reusing database {name}")
                _run_cli(["init-db"], _environment(url, folder))  # upgrade if needed
                return url
            if exists:
                connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()
    env = _environment(url, folder)
    started = time.perf_counter()
    _run_cli(["init-db"], env)
    print(
        _run_cli(
            [
                "demo",
                f"--seekers={args.seekers}",
                f"--postings={args.postings}",
                f"--seed={args.seed}",
            ],
            env,
        )
    )
    print(_run_cli(["refresh"], env))
    engine = make_engine(url)
    with engine.connect() as connection:
        connection.execute(text("ANALYZE"))
        connection.commit()
    engine.dispose()
    print(f"built database {name} in {time.perf_counter() - started:.0f} s")
    return url


def build_refresh_seconds(url: str) -> float | None:
    """How long the database's first full refresh took (the build's, on an idle server)."""
    engine = make_engine(url)
    with Session(engine) as session:
        run = session.execute(
            select(RefreshRun)
            .where(col(RefreshRun.kind) == "full", col(RefreshRun.status) == "succeeded")
            .order_by(col(RefreshRun.id))
            .limit(1)
        ).scalar_one_or_none()
    engine.dispose()
    if run is None or run.finished_at is None:
        return None
    return (run.finished_at - run.started_at).total_seconds()


# --- the plan ------------------------------------------------------------------------------


def make_plan(url: str, args: argparse.Namespace, folder: Path) -> dict[str, Any]:
    """Who signs in and what they read: the accounts with the largest caseloads and their
    own seekers, open postings, search words taken from posting titles."""
    graduates = max(1, round(args.users * GRADUATE_SHARE)) if args.users > 1 else 0
    staff_users = args.users - graduates
    rng = random.Random(args.seed)
    engine = make_engine(url)
    with Session(engine) as session:
        workers = (
            session.execute(
                select(User).where(col(User.role) == "case_worker", col(User.active).is_(True))
            )
            .scalars()
            .all()
        )
        accounts = []
        for worker in workers:
            mine = list(
                session.execute(
                    select(col(Jobseeker.id)).where(seeker_scope(Viewer.of(worker)))
                ).scalars()
            )
            if mine:
                accounts.append({"username": worker.username, "seekers": mine})
        accounts.sort(key=lambda a: (-len(a["seekers"]), a["username"]))
        accounts = accounts[: max(1, staff_users)]
        for account in accounts:
            account["caseload"] = len(account["seekers"])
            account["pages"] = math.ceil(len(account["seekers"]) / 50)
            account["seekers"] = rng.sample(account["seekers"], min(2000, len(account["seekers"])))
        open_ids = list(
            session.execute(select(col(Posting.id)).where(col(Posting.status) == "open")).scalars()
        )
        titles = session.execute(
            select(col(Posting.title), func.count())
            .group_by(col(Posting.title))
            .order_by(func.count().desc(), col(Posting.title))
            .limit(40)
        ).all()
    engine.dispose()
    queries = list(dict.fromkeys(title[:2] for title, _ in titles))[:8]
    return {
        "window": [0, 0],
        "samples": str(folder / "samples.json"),
        "password": PASSWORD,
        "think": list(args.think),
        "timeout": 30,
        "caseworkers": accounts,
        "graduate": "graduate",
        "graduates": graduates,
        "postings": rng.sample(open_ids, min(1000, len(open_ids))),
        "posting_pages": max(2, min(10, math.ceil(len(open_ids) / 50))),
        "queries": queries,
    }


# --- one run -------------------------------------------------------------------------------


def _wait_healthy(base: str, server: subprocess.Popen[bytes], log: Path) -> dict[str, Any]:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn exited ({server.returncode}):\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=5) as response:
                found: dict[str, Any] = json.loads(response.read())
                return found
        except OSError:
            time.sleep(0.5)
    raise SystemExit(f"gunicorn did not answer /healthz in 120 s:\n{log.read_text()[-3000:]}")


def _percentiles(samples: list[float]) -> tuple[float, float, float]:
    ordered = sorted(samples)

    def at(q: float) -> float:
        return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]

    return at(0.5), at(0.95), at(0.99)


def _summary(samples: list[float], errors: list[str], seconds: float) -> dict[str, Any]:
    p50, p95, p99 = _percentiles(samples) if samples else (math.nan,) * 3
    return {
        "requests": len(samples),
        "per_second": round(len(samples) / seconds, 2),
        "p50_ms": round(p50, 1),
        "p95_ms": round(p95, 1),
        "p99_ms": round(p99, 1),
        "errors": len(errors),
        "error_examples": sorted(set(errors))[:5],
    }


def run_once(
    url: str,
    plan: dict[str, Any],
    args: argparse.Namespace,
    folder: Path,
    children: Children,
    *,
    refresh: bool,
) -> dict[str, Any]:
    label = "during full refresh" if refresh else "without refresh"
    env = _environment(url, folder)
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    log = folder / f"gunicorn-{port}.log"
    load_before = os.getloadavg()
    server = children.start(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "-w",
            str(args.workers),
            "-b",
            f"127.0.0.1:{port}",
            "--error-logfile",
            "-",
            "web.wsgi:app",
        ],
        env,
        log,
    )
    refreshes: list[dict[str, Any]] = []
    try:
        health = _wait_healthy(base, server, log)
        launched = time.time()
        opens = launched + args.warmup
        # The window closes ``duration`` seconds after it opens or, during a refresh, when
        # the refresh then running ends, whichever is later: it holds whole refreshes,
        # their database-heavy last phase (writing and switching the rows) included.
        closes = opens + args.duration
        plan = plan | {"window": [opens, None]}
        plan_path = folder / "plan.json"
        plan_path.write_text(json.dumps(plan), encoding="utf-8")
        Path(plan["samples"]).unlink(missing_ok=True)
        spawn_rate = max(1.0, args.users / max(1.0, args.warmup / 2))
        print(
            f"{label}: {args.users} users on {base}, warm-up {args.warmup:g} s, "
            f"measured {args.duration:g} s"
            + (" or until the refresh then running ends" if refresh else ""),
            flush=True,
        )
        locust = children.start(
            [
                sys.executable,
                "-m",
                "locust",
                "-f",
                str(ROOT / "bench" / "load_users.py"),
                "--headless",
                "--only-summary",
                "--loglevel",
                "WARNING",
                "-H",
                base,
                "-u",
                str(args.users),
                "-r",
                f"{spawn_rate:g}",
                "-t",  # a bound only: stopped (SIGTERM, a clean stop) when the window closes
                f"{math.ceil(args.warmup + args.duration + MAX_EXTENSION_S)}s",
                "--stop-timeout",
                "30",
            ],
            env | {"JOBBRIDGE_LOAD_PLAN": str(plan_path)},
            folder / "locust.log",
        )
        current: tuple[subprocess.Popen[bytes], float] | None = None
        refresh_log = folder / "refresh.log"
        cpu = CpuShare(database=make_url(url).database or "")
        cpu_phase, next_sample = "before", 0.0
        while locust.poll() is None or current is not None:
            now = time.time()
            if current is not None and current[0].poll() is not None:
                refreshes.append(_refresh_result(current, now, refresh_log, children))
                current = None
            if cpu_phase == "before" and now >= opens:
                cpu.start()
                cpu_phase, next_sample = "measuring", now + 1
            elif cpu_phase == "measuring" and now >= closes and current is None:
                closes = now
                cpu_used = cpu.stop(now - opens)
                cpu_phase = "after"
                locust.send_signal(signal.SIGTERM)  # writes its samples and stops
            elif cpu_phase == "measuring" and now >= next_sample:
                cpu.sample()
                next_sample = now + 1
            if refresh and current is None and cpu_phase == "measuring":
                refresh_log.write_text("")
                # At the scheduler's niceness (data/schedule.yaml): in production the
                # refresh runs in `jobbridge scheduler`, which lowers its own priority.
                niced = ["nice", "-n", str(load_schedule().nice), *CLI, "refresh"]
                current = (
                    children.start(niced, env, refresh_log, interrupt=True),
                    now,
                )
            if server.poll() is not None:
                raise SystemExit(f"gunicorn exited during the run:\n{log.read_text()[-3000:]}")
            if locust.poll() is not None and cpu_phase != "after":
                raise SystemExit(
                    f"locust stopped before the window closed:\n"
                    f"{(folder / 'locust.log').read_text()[-3000:]}"
                )
            time.sleep(0.2)
        if locust.returncode not in (0, 1):  # 1: some requests failed, counted below
            raise SystemExit(
                f"locust exited {locust.returncode}:\n{(folder / 'locust.log').read_text()[-3000:]}"
            )
        children.running.remove(locust)
    finally:
        children.stop(server)
    load_after = os.getloadavg()
    if cpu_phase != "after":
        raise SystemExit("the run ended before its measured window closed")
    recorded = json.loads(Path(plan["samples"]).read_text(encoding="utf-8"))
    seconds = closes - opens

    def inside(kind: str, key: str) -> list[Any]:
        """What started inside the window (sign-ins: all, they happen in the warm-up)."""
        found = recorded[key].get(kind, [])
        return [v for t, v in found if kind == "sign-in" or opens <= t < closes]

    samples = {kind: inside(kind, "samples") for kind in recorded["samples"]}
    errors = {kind: inside(kind, "errors") for kind in recorded["errors"]}
    pages = {kind: _summary(samples.get(kind, []), errors.get(kind, []), seconds) for kind in KINDS}
    everything = [ms for kind in KINDS for ms in samples.get(kind, [])]
    # A failed sign-in counts as an error, although it happens in the warm-up.
    every_error = [e for kind in (*KINDS, "sign-in") for e in errors.get(kind, [])]
    others = sorted(k for k in set(samples) - {*KINDS, "sign-in"} if samples[k])
    covered = sum(max(0.0, min(r["ended"], closes) - max(r["started"], opens)) for r in refreshes)
    return {
        "run": label,
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in load_after],
        "health": health,
        "pages": pages,
        "window_s": round(seconds, 1),
        "overall": _summary(everything, every_error, seconds),
        "sign_in": _summary(samples.get("sign-in", []), errors.get("sign-in", []), args.warmup),
        "other_requests_in_window": {k: len(samples[k]) for k in others},
        "refreshes": [
            {k: v for k, v in r.items() if k not in ("started", "ended")} for r in refreshes
        ],
        "refresh_share_of_window": round(covered / seconds, 3) if refresh else 0.0,
        "cpu_in_window": cpu_used,
    }


def _refresh_result(
    current: tuple[subprocess.Popen[bytes], float], now: float, log: Path, children: Children
) -> dict[str, Any]:
    child, started = current
    children.running.remove(child)
    output = log.read_text(encoding="utf-8", errors="replace")
    found = re.search(r"recommendations in ([0-9.]+) s", output)
    if child.returncode:
        print(f"refresh failed ({child.returncode}):\n{output[-2000:]}", file=sys.stderr)
    return {
        "started": started,
        "ended": now,
        "wall_seconds": round(now - started, 1),
        "refresh_seconds": float(found.group(1)) if found else None,
        "returncode": child.returncode,
    }


# --- report --------------------------------------------------------------------------------


def report(results: dict[str, Any]) -> str:
    rows = []
    for run in results["runs"]:
        for kind, figures in [*run["pages"].items(), ("overall", run["overall"])]:
            rows.append(
                [
                    run["run"],
                    kind,
                    f"{figures['requests']:,}",
                    f"{figures['per_second']:.1f}",
                    f"{figures['p50_ms']:.0f}",
                    f"{figures['p95_ms']:.0f}",
                    f"{figures['p99_ms']:.0f}",
                    figures["errors"],
                ]
            )
    lines = [
        table(["run", "page", "requests", "req/s", "p50 ms", "p95 ms", "p99 ms", "errors"], rows)
    ]
    alone = results["build_refresh_seconds"]
    for run in results["runs"]:
        if run["refreshes"]:
            durations = ", ".join(
                f"{r['refresh_seconds'] or r['wall_seconds']:.1f} s"
                + ("" if r["returncode"] == 0 else f" (exit {r['returncode']})")
                for r in run["refreshes"]
            )
            share = run["refresh_share_of_window"]
            lines.append(
                f"\nfull refresh under load: {durations} (a refresh ran through {share:.0%} of "
                "the measured window)" + (f"; alone, at build time: {alone:.1f} s" if alone else "")
            )
        lines.append(f"{run['run']}: measured window {run['window_s']:.0f} s")
        signed = run["sign_in"]
        lines.append(
            f"{run['run']}: sign-in requests (form and post, in the warm-up) "
            f"{signed['requests']}, p50 {signed['p50_ms']:.0f} ms, {signed['errors']} failed"
        )
        cpu = run["cpu_in_window"]
        lines.append(
            f"{run['run']}: CPU in the measured window (of {cpu['capacity_cpu_s']:.0f} CPU s): "
            f"this benchmark {cpu.get('benchmark_cpu_s', 0):.0f} s, database background "
            f"{cpu.get('database background_cpu_s', 0):.0f} s, other work on the machine "
            f"{cpu.get('others_cpu_s', 0):.0f} s ({cpu['others_share']:.0%}); load average "
            f"before {run['load_average_before'][0]:.2f}, after {run['load_average_after'][0]:.2f}"
        )
        overall = run["overall"]
        verdict = (
            "meets" if overall["errors"] == 0 and overall["p95_ms"] <= TARGET_P95_MS else "misses"
        )
        lines.append(
            f"{run['run']}: zero errors and p95 ≤ {TARGET_P95_MS} ms: {verdict} "
            f"(p95 {overall['p95_ms']:.0f} ms, {overall['errors']} errors, "
            f"{overall['per_second']:.1f} requests/s)"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seekers", type=int, default=100_000)
    parser.add_argument("--postings", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--duration", type=float, default=60, help="measured seconds")
    parser.add_argument("--warmup", type=float, default=20, help="seconds before measuring")
    parser.add_argument(
        "--think",
        type=float,
        nargs=2,
        default=(1.0, 5.0),
        metavar=("MIN", "MAX"),
        help="seconds between a user's pages, drawn uniformly",
    )
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument("--no-refresh", action="store_true", help="only the baseline run")
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("JOBBRIDGE_TEST_POSTGRES_URL"),
        help="a PostgreSQL server where databases may be created "
        "(default: JOBBRIDGE_TEST_POSTGRES_URL)",
    )
    args = parser.parse_args()
    if not args.postgres_url:
        parser.error("give --postgres-url or set JOBBRIDGE_TEST_POSTGRES_URL")

    # Ctrl+C and SIGTERM unwind through the clean-up below, even when started in the
    # background of a shell that ignores SIGINT (the refresh children then get it back too).
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _terminate)
    children = Children()
    folder = Path(tempfile.mkdtemp(prefix="jobbridge-load-"))
    try:
        url = ensure_database(args, folder)
        plan = make_plan(url, args, folder)
        staff = plan["caseworkers"]
        print(
            f"{len(staff)} case-worker accounts (caseloads {staff[0]['caseload']:,} to "
            f"{staff[-1]['caseload']:,}), {plan['graduates']} graduate users; logs in {folder}"
        )
        runs = [run_once(url, plan, args, folder, children, refresh=False)]
        if not args.no_refresh:
            runs.append(run_once(url, plan, args, folder, children, refresh=True))
    finally:
        children.stop_all()
    results = {
        "benchmark": "load",
        "date": date.today().isoformat(),
        "machine": {"cores": os.cpu_count(), "python": platform.python_version()},
        "seekers": args.seekers,
        "postings": args.postings,
        "seed": args.seed,
        "users": args.users,
        "graduate_users": plan["graduates"],
        "case_worker_accounts": [a["username"] for a in staff],
        "duration_s": args.duration,
        "warmup_s": args.warmup,
        "think_s": list(args.think),
        "gunicorn_workers": args.workers,
        "build_refresh_seconds": build_refresh_seconds(url),
        "runs": runs,
    }
    print(
        f"\n{args.seekers:,} seekers × {args.postings:,} postings; {args.users} users, "
        f"think {args.think[0]:g}-{args.think[1]:g} s; {date.today()}\n"
    )
    print(report(results))
    out = ROOT / "bench" / "results" / f"load-{args.seekers}x{args.postings}.json"
    out.parent.mkdir(exist_ok=True)
    partial = out.with_suffix(".json.tmp")
    partial.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    partial.replace(out)
    print(f"\nresults: {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
