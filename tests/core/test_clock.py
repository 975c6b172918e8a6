"""One clock for the web pages, the jobs and the command line: every moment from
``matcher.core.clock``, and one "today", the date in the schedule's timezone (Beijing), whatever
the server's own clock says, checked on both sides of midnight in Beijing while it is
still the same day in UTC."""

from __future__ import annotations

import os
import re
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlmodel import col

from matcher import jobs
from matcher.core import clock
from matcher.core.db import read_session, write_session
from matcher.core.models import Reminder, ServiceRecord, User
from matcher.intake.records import SeekerRecord
from matcher.intake.store import insert_seekers
from matcher.people.passwords import hash_password
from tests.helpers import ROOT
from tests.webapp import DEMO_PASSWORD, make_app, signed_in

DAY = datetime.now(UTC).date()  # the real date (under faketime, the shifted one)
BEFORE = datetime.combine(DAY, datetime.min.time(), UTC) + timedelta(hours=15, minutes=59)
AFTER = BEFORE + timedelta(minutes=2)  # 00:01 on the next day in Beijing, still DAY in UTC
FOLLOW_UP = DAY


@pytest.fixture
def server_on_utc(monkeypatch):
    """The process's local time is UTC, as on many servers and containers."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    if "TZ" not in os.environ:
        time.tzset()


def test_today_is_the_date_in_beijing_not_on_the_servers_clock(server_on_utc):
    with clock.frozen(AFTER):
        assert datetime.fromtimestamp(AFTER.timestamp()).date() == DAY  # local time: UTC
        assert clock.today() == DAY + timedelta(days=1)
        assert clock.today(at=BEFORE) == DAY
        assert clock.now().utcoffset() == timedelta(hours=8)
        assert clock.utcnow() == AFTER and clock.utcnow().utcoffset() == timedelta(0)
        assert clock.timestamp() == int(AFTER.timestamp())


def test_a_frozen_clock_is_the_processs_in_every_thread_and_is_put_back():
    seen = []
    with clock.frozen(AFTER) as stopped:
        worker = threading.Thread(target=lambda: seen.append(clock.utcnow()))
        worker.start()
        worker.join()
        stopped.advance(minutes=5)
        assert clock.utcnow() == AFTER + timedelta(minutes=5)
    assert seen == [AFTER]
    assert isinstance(clock.current(), clock.SystemClock)
    assert abs(clock.utcnow() - datetime.now(UTC)) < timedelta(seconds=5)
    with pytest.raises(ValueError, match="timezone-aware"):
        clock.FrozenClock(datetime(2030, 1, 1))  # a naive moment says nothing


def test_the_zone_is_the_schedules(tmp_path, monkeypatch):
    schedule = tmp_path / "schedule.yaml"
    schedule.write_text("timezone: UTC\n", encoding="utf-8")
    monkeypatch.setenv("JOBBRIDGE_SCHEDULE_FILE", str(schedule))
    clock.service_zone.cache_clear()
    try:
        assert clock.today(at=AFTER) == DAY
        with clock.frozen(AFTER):
            assert clock.today() == DAY and clock.now().utcoffset() == timedelta(0)
    finally:
        monkeypatch.undo()
        clock.service_zone.cache_clear()
    assert clock.service_zone().key == "Asia/Shanghai"


@pytest.fixture
def one_follow_up(engine, vault):
    """A case worker whose one seeker has a follow-up due on DAY."""
    with write_session(engine) as session:
        worker = User(
            username="cw",
            password_hash=hash_password(DEMO_PASSWORD),
            role="case_worker",
            area_codes=["520102"],
        )
        session.add(worker)
        session.flush()
        ids = insert_seekers(
            session,
            vault,
            [
                SeekerRecord(
                    external_id="Z-1",
                    name="午夜",
                    disability_types=["physical"],
                    disability_grade=3,
                    area_code="520102",
                    consent=True,
                )
            ],
        )
        session.add(
            ServiceRecord(
                seeker_id=ids["Z-1"],
                kind="info_check",
                served_on=DAY - timedelta(days=21),
                next_follow_up=FOLLOW_UP,
                worker_id=worker.id,
            )
        )
        return worker.id, ids["Z-1"]


@pytest.mark.parametrize(("moment", "overdue"), [(BEFORE, False), (AFTER, True)])
def test_web_and_jobs_agree_across_midnight_in_beijing(
    server_on_utc, monkeypatch, database_url, engine, one_follow_up, moment, overdue
):
    worker, seeker = one_follow_up
    beijing = moment.astimezone(clock.service_zone()).date()
    # the job, at that moment
    with clock.frozen(moment):
        outcome = jobs.run(jobs.JobContext(engine), "reminders", trigger="cli")
    assert outcome.status == "succeeded"
    with read_session(engine) as session:
        reminder = session.execute(
            select(Reminder).where(col(Reminder.worker_id) == worker)
        ).scalar_one()
    assert reminder.day == beijing
    assert (seeker in reminder.seekers["overdue"]) is overdue
    assert (seeker in reminder.seekers["due"]) is not overdue
    # the web pages, at the same moment
    with clock.frozen(moment):
        app = make_app(monkeypatch, database_url)
        client = signed_in(app, "cw")
        listed = client.get("/caseload/?overdue=1").get_data(as_text=True)
        export = client.get("/caseload/export?format=csv&overdue=1")
        app.extensions["jobbridge.engine"].dispose()
    assert ("午夜" in listed) is overdue
    assert f"caseload-{beijing.isoformat()}.csv" in export.headers["Content-Disposition"]
    assert ("午夜" in export.get_data().decode("utf-8-sig")) is overdue


def test_four_hundred_days_ahead_the_jobs_caseload_reminders_and_standings_agree(
    engine, vault, database_url, frozen_clock, monkeypatch
):
    """The whole day's work with the clock 400 days ahead of the real date: the demo is
    made then, every scheduled job runs for that day's slot, and the caseload, the
    reminders and the standings agree with each other and with that day."""
    from matcher import demo
    from matcher.core import standings
    from matcher.core.job_requests import CHANGES, Debounce, request
    from matcher.core.models import JobRun, Posting
    from matcher.people.access import Viewer
    from matcher.seekers.caseload import CaseloadFilter, caseload, follow_ups
    from tests.helpers import noon

    frozen_clock.set(noon(400))
    day = clock.today()
    assert day == DAY + timedelta(days=400) or day == DAY + timedelta(days=401)
    demo.load(engine, vault, seekers=200, postings=80, seed=4)
    ctx = jobs.JobContext(engine)
    for name in jobs.SCHEDULED:
        assert jobs.scheduled(ctx, name).status == "succeeded", name
    with read_session(engine) as session:
        slots = dict(session.execute(select(col(JobRun.job), col(JobRun.slot))).all())
        worker = session.execute(select(User).where(col(User.username) == "caseworker")).one()[0]
        viewer = Viewer.of(worker)
        found = follow_ups(session, viewer=viewer, today=day)
        overdue = caseload(session, viewer=viewer, today=day, where=CaseloadFilter(overdue=True))
        reminder = session.execute(
            select(Reminder).where(col(Reminder.worker_id) == worker.id)
        ).scalar_one()
        connection = session.connection()
        ids = list(session.execute(select(col(ServiceRecord.seeker_id)).distinct()).scalars())
        assert standings.stale(connection) == []
        assert standings.stored(connection, ids) == {
            i: standings.live(connection, [i]).get(i, standings.NOTHING) for i in ids
        }
        expired = session.execute(
            select(func.count()).where(col(Posting.status) == "open", col(Posting.deadline) < day)
        ).scalar_one()
    assert slots["full_refresh"] == slots["kpi_snapshot"] == str(day)
    assert slots["close_postings"].startswith(str(day))
    assert expired == 0  # closed at their deadline, on that day's calendar
    assert reminder.day == day and reminder.made_at == frozen_clock.utcnow()
    assert sorted(reminder.seekers["overdue"]) == sorted(found.overdue)
    assert overdue.total == reminder.overdue == len(found.overdue) > 0
    # an edit stamped by that clock is taken up once it has been quiet for the debounce
    with write_session(engine) as session:
        request(session, CHANGES, reason="seeker file")
    debounce = Debounce(quiet=timedelta(seconds=30))
    assert jobs.take_requests(ctx, debounce) == []
    frozen_clock.advance(seconds=31)
    assert [o.status for o in jobs.take_requests(ctx, debounce)] == ["succeeded"]
    # and the case worker's page, at that moment, counts what the reminder counts
    app = make_app(monkeypatch, database_url)
    page = signed_in(app, "caseworker").get("/caseload/?overdue=1").get_data(as_text=True)
    app.extensions["jobbridge.engine"].dispose()
    n = reminder.overdue
    assert f"其中 {n} 人回访已逾期" in page  # the list's own count
    assert f"回访逾期：{n} 人" in page  # and the day's reminder beside it


WALL_CLOCK = re.compile(
    r"datetime\.now\(|datetime\.utcnow\(|date\.today\(|time\.time\(|time\.localtime\("
    r"|func\.now\(|func\.current_(date|timestamp)|CURRENT_(DATE|TIMESTAMP)|(?<![.\w])now\(\)"
    r"|datetime\('now'|date\('now'"
)


def test_nothing_but_the_clock_reads_the_wall_clock_or_the_databases():
    """Every moment the service writes or compares comes from matcher.core.clock: no other module
    of matcher/ or web/ reads the machine's time, and no SQL asks the database server for
    its own (a PostgreSQL server keeps real time whatever the process is told)."""
    root = ROOT
    found = [
        f"{path.relative_to(root)}:{number}: {line.strip()}"
        for package in ("matcher", "web")
        for path in sorted((root / package).rglob("*.py"))
        if path != Path(clock.__file__).resolve()
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if WALL_CLOCK.search(line)
    ]
    assert found == []
