"""Production faults, with real processes: two schedulers against one PostgreSQL, a refresh
killed with SIGKILL halfway, and 20 threads editing and importing while a refresh runs
(SECURITY.md items 19-24)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError
from sqlmodel import col

from matcher import demo, jobs
from matcher.core.db import read_session, write_session
from matcher.core.models import JobRun, Jobseeker, Recommendation, RefreshRun, User
from matcher.intake import import_file
from matcher.people.access import Viewer
from matcher.reference.profiles import dimension_keys
from matcher.seekers import file as seeker_file
from tests.conftest import TEST_DATA_KEY
from tests.helpers import TODAY, posting_row, write_csv

pytestmark = pytest.mark.slow
JOBBRIDGE = [str(Path(sys.executable).with_name("jobbridge"))]


def environment(database_url: str, tmp_path: Path, **extra: str) -> dict[str, str]:
    return (
        os.environ
        | {
            "DATABASE_URL": database_url,
            "JOBBRIDGE_INSTANCE": str(tmp_path / "instance"),
            "JOBBRIDGE_DATA_KEY": TEST_DATA_KEY,
            "JOBBRIDGE_LEASE_SECONDS": "3",
        }
        | extra
    )


def active_pairs(engine) -> set[tuple[int, int]]:
    with read_session(engine) as session:
        return set(
            session.execute(
                select(col(Recommendation.seeker_id), col(Recommendation.posting_id)).where(
                    col(Recommendation.active).is_(True)
                )
            ).all()
        )


@pytest.mark.postgres
def test_two_scheduler_processes_run_each_job_once(postgres_demo_url, tmp_path):
    url, engine = postgres_demo_url
    schedule = tmp_path / "schedule.yaml"
    schedule.write_text(
        "timezone: Asia/Shanghai\n"
        "jobs:\n"
        + "".join(
            f"  {name}: 'every 1s'\n"
            for name in (
                "full_refresh",
                "kpi_snapshot",
                "reminders",
                "weekly_changes",
                "close_postings",
                "fair_analysis",
            )
        )
        + "requests: 'every 1s'\n",
        encoding="utf-8",
    )
    env = environment(url, tmp_path, JOBBRIDGE_SCHEDULE_FILE=str(schedule))
    logs = [tmp_path / f"scheduler{k}.log" for k in (1, 2)]
    handles = [log.open("w") for log in logs]
    processes = [
        subprocess.Popen([*JOBBRIDGE, "scheduler"], env=env, stderr=handle) for handle in handles
    ]
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            with read_session(engine) as session:
                done = set(
                    session.execute(
                        select(col(JobRun.job)).where(col(JobRun.status) == "succeeded")
                    ).scalars()
                )
            if len(done) == len(jobs.SCHEDULED):
                break
            time.sleep(0.5)
        time.sleep(4)  # a few more firings of every job in both processes
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
        codes = [process.wait(60) for process in processes]
        for handle in handles:
            handle.close()
    assert codes == [0, 0]
    with read_session(engine) as session:
        per_slot = session.execute(
            select(col(JobRun.job), col(JobRun.slot), func.count())
            .where(col(JobRun.status) == "succeeded")
            .group_by(col(JobRun.job), col(JobRun.slot))
        ).all()
        fulls = session.execute(select(func.count()).where(col(RefreshRun.kind) == "full")).scalar()
    assert {job for job, _, _ in per_slot} == set(jobs.SCHEDULED)
    assert all(count == 1 for _, _, count in per_slot), per_slot  # each slot ran once
    assert fulls == 2  # the one the fixture made, and one scheduled
    text = "".join(log.read_text() for log in logs)
    assert "skipped: slot" in text or "skipped: another process holds lock" in text
    assert "Traceback" not in text


@pytest.fixture
def postgres_demo_url(postgres_template, vault):
    """A PostgreSQL database with demo data and one full refresh (this test is about
    PostgreSQL's advisory locks; the SQLite lease has its own test in test_jobs)."""
    import uuid

    from sqlalchemy import text

    from matcher.core.db import make_engine
    from tests.conftest import POSTGRES_URL, _with_database

    admin, template = postgres_template
    name = f"jb_test_{uuid.uuid4().hex[:10]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    url = _with_database(POSTGRES_URL, name)
    engine = make_engine(url)
    demo.load(engine, vault, seekers=300, postings=100, seed=3)
    jobs.run(jobs.JobContext(engine), "full_refresh", trigger="cli")
    yield url, engine
    engine.dispose()
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def test_a_refresh_killed_halfway_leaves_the_previous_recommendations(
    database_url, engine, vault, tmp_path
):
    demo.load(engine, vault, seekers=6000, postings=1200, seed=8)
    env = environment(database_url, tmp_path)
    subprocess.run([*JOBBRIDGE, "refresh"], env=env, check=True, capture_output=True)
    with read_session(engine) as session:
        first = session.execute(select(RefreshRun)).scalar_one()
    took = (first.finished_at - first.started_at).total_seconds()
    before = active_pairs(engine)
    assert before
    with write_session(engine) as session:  # something for the next refresh to change
        session.execute(
            Jobseeker.__table__.update().values(desired_jobs="数据标注")  # type: ignore[attr-defined]
        )
    victim = subprocess.Popen([*JOBBRIDGE, "refresh"], env=env, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with read_session(engine) as session:
            running = session.execute(
                select(func.count()).where(col(RefreshRun.status) == "running")
            ).scalar()
        if running:
            break
        time.sleep(0.05)
    assert running, "the refresh started"
    time.sleep(took / 2)
    victim.send_signal(signal.SIGKILL)
    assert victim.wait(30) == -signal.SIGKILL, "killed before it finished"
    victim.stderr.close()
    assert active_pairs(engine) == before  # readers still see the old set, whole
    with read_session(engine) as session:
        dead = session.execute(
            select(RefreshRun).where(col(RefreshRun.status) == "running")
        ).scalar_one()
    finished = subprocess.run([*JOBBRIDGE, "refresh"], env=env, capture_output=True, text=True)
    assert finished.returncode == 0, finished.stderr
    with read_session(engine) as session:
        marked = session.get(RefreshRun, dead.id)
        leftovers = session.execute(
            select(func.count()).where(col(Recommendation.run_id) == dead.id)
        ).scalar()
        latest = session.execute(
            select(RefreshRun).order_by(col(RefreshRun.id).desc()).limit(1)
        ).scalar_one()
    assert marked is not None and marked.status == "failed" and "interrupted" in marked.error
    assert leftovers == 0
    assert latest.status == "succeeded" and active_pairs(engine) != before


def test_skip_if_running_says_so_and_succeeds(database_url, engine, vault, tmp_path):
    from matcher.core.locks import job_lock

    demo.load(engine, vault, seekers=50, postings=20, seed=2)
    env = environment(database_url, tmp_path)
    with job_lock(engine, "refresh"):
        result = subprocess.run(
            [*JOBBRIDGE, "refresh", "--skip-if-running"], env=env, capture_output=True, text=True
        )
    assert result.returncode == 0
    assert "another refresh is running; skipped" in result.stdout
    with read_session(engine) as session:
        assert session.execute(select(func.count()).select_from(RefreshRun)).scalar() == 0


def test_twenty_threads_edit_and_import_while_a_refresh_runs(engine, vault, tmp_path):
    demo.load(engine, vault, seekers=1500, postings=300, seed=4)
    ctx = jobs.JobContext(engine)
    jobs.run(ctx, "full_refresh", trigger="cli")
    with read_session(engine) as session:
        worker = session.execute(
            select(User).where(col(User.username) == "caseworker")
        ).scalar_one()
        me = Viewer.of(worker)
        mine = list(
            session.execute(
                select(col(Jobseeker.id), col(Jobseeker.version))
                .where(col(Jobseeker.case_worker_id) == worker.id)
                .order_by(col(Jobseeker.id))
                .limit(11)
            ).all()
        )
    shared_id, shared_version = mine[0]
    levels = {key: "1" for key in dimension_keys()}
    errors: list[BaseException] = []
    stale: list[int] = []
    saved: list[int] = []
    go = threading.Barrier(21)

    def assess(k: int, seeker_id: int, version: int) -> None:
        with write_session(engine) as session:
            seeker_file.save_assessment(
                session,
                viewer=me,
                seeker_id=seeker_id,
                levels=levels,
                notes=f"assessed by thread {k}",
                version=version,
                today=TODAY,
            )

    def editor(k: int) -> None:
        go.wait()
        try:
            if k < 10:  # ten people save the same file, all from the same version
                assess(k, shared_id, shared_version)
                saved.append(k)
            else:  # the others each their own file, then a service record
                seeker_id, version = mine[k - 9]
                assess(k, seeker_id, version)
                with write_session(engine) as session:
                    seeker_file.add_record(
                        session,
                        viewer=me,
                        seeker_id=seeker_id,
                        kind="follow_up",
                        served_on="2026-11-20",
                        notes="call",
                        next_follow_up="",
                        today=TODAY,
                    )
        except seeker_file.Stale:
            stale.append(k)
        except BaseException as exc:  # every other error fails the test
            errors.append(exc)

    def importer(k: int) -> None:
        go.wait()
        try:
            rows = [posting_row(1000 * k + n, 用人单位=f"并发测试单位{k}") for n in range(20)]
            report = import_file(
                engine, vault, kind="postings", path=write_csv(tmp_path / f"p{k}.csv", rows)
            )
            assert report.ok and report.written, report.summary()
        except BaseException as exc:
            errors.append(exc)

    refresh = threading.Thread(target=lambda: jobs.run(ctx, "full_refresh", trigger="cli"))
    threads = [threading.Thread(target=editor, args=(k,)) for k in range(18)]
    threads += [threading.Thread(target=importer, args=(k,)) for k in range(18, 20)]
    refresh.start()
    for thread in threads:
        thread.start()
    go.wait()
    for thread in [*threads, refresh]:
        thread.join(300)
    assert not [e for e in errors if isinstance(e, OperationalError)], errors  # never "locked"
    assert errors == []
    assert len(saved) == 1 and len(stale) == 9  # the first save wins, nine are refused
    with read_session(engine) as session:
        seeker = session.get(Jobseeker, shared_id)
        refreshes = (
            session.execute(select(col(RefreshRun.status)).order_by(col(RefreshRun.id)))
            .scalars()
            .all()
        )
    assert seeker is not None and seeker.version == shared_version + 1  # no lost update
    assert refreshes[-1] == "succeeded"


def test_a_killed_server_takes_its_scheduler_with_it(tmp_path):
    """``serve --with-scheduler`` killed outright (kill -9, no chance to stop its child):
    the scheduler dies too, rather than run on under pid 1 beside the next one."""
    url = f"sqlite:///{tmp_path / 'serve.sqlite3'}"
    env = environment(url, tmp_path)
    assert subprocess.run([*JOBBRIDGE, "init-db"], env=env, capture_output=True).returncode == 0
    with socket.socket() as probe:  # a free port
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [*JOBBRIDGE, "serve", "--with-scheduler", "--port", str(port)],
        env=env | {"PYTHONUNBUFFERED": "1"},
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert server.stdout is not None
        line = server.stdout.readline()
        assert "scheduler started (process" in line, line
        child = int(line.split("process ")[1].rstrip(")\n"))
        os.kill(server.pid, signal.SIGKILL)
        server.wait(30)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                os.kill(child, 0)
            except ProcessLookupError:
                break
            # a dead child stays a zombie until reaped: its parent is gone, pid 1 reaps it
            if Path(f"/proc/{child}/stat").read_text().split()[2] == "Z":
                break
            time.sleep(0.2)
        else:
            os.kill(child, signal.SIGKILL)
            pytest.fail("the scheduler outlived the server that started it")
    finally:
        if server.poll() is None:
            server.kill()
            server.wait(30)
        if server.stdout is not None:
            server.stdout.close()
