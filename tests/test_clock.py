"""One "today" for web pages and jobs: the date in the schedule's timezone (Beijing),
whatever the server's own clock says, checked on both sides of midnight in Beijing while
it is still the same day in UTC."""

from __future__ import annotations

import os
import time
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select
from sqlmodel import col

from matcher import clock, jobs
from matcher.db import read_session, write_session
from matcher.models import Reminder, ServiceRecord, User
from matcher.passwords import hash_password
from matcher.records import SeekerRecord
from matcher.store import insert_seekers
from tests.webapp import DEMO_PASSWORD, make_app, signed_in

BEFORE = datetime(2026, 11, 22, 15, 59, tzinfo=UTC)  # 23:59 on the 22nd in Beijing
AFTER = datetime(2026, 11, 22, 16, 1, tzinfo=UTC)  # 00:01 on the 23rd in Beijing, 22nd in UTC
FOLLOW_UP = date(2026, 11, 22)


@pytest.fixture
def server_on_utc(monkeypatch):
    """The process's local time is UTC, as on many servers and containers."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    if "TZ" not in os.environ:
        time.tzset()


def test_today_is_the_date_in_beijing_not_on_the_servers_clock(server_on_utc, monkeypatch):
    monkeypatch.setattr(clock, "utcnow", lambda: AFTER)
    assert datetime.fromtimestamp(AFTER.timestamp()).date() == date(2026, 11, 22)  # local: UTC
    assert clock.today() == date(2026, 11, 23)
    assert clock.today(at=BEFORE) == date(2026, 11, 22)
    assert clock.now().utcoffset().total_seconds() == 8 * 3600  # type: ignore[union-attr]
    assert jobs.JobContext(engine=None, clock=lambda: AFTER).today() == date(2026, 11, 23)  # type: ignore[arg-type]


def test_the_zone_is_the_schedules(tmp_path, monkeypatch):
    schedule = tmp_path / "schedule.yaml"
    schedule.write_text("timezone: UTC\n", encoding="utf-8")
    monkeypatch.setenv("JOBBRIDGE_SCHEDULE_FILE", str(schedule))
    clock.service_zone.cache_clear()
    try:
        assert clock.today(at=AFTER) == date(2026, 11, 22)
        assert jobs.JobContext(engine=None).zone.key == "UTC"  # type: ignore[arg-type]
    finally:
        monkeypatch.undo()
        clock.service_zone.cache_clear()
    assert clock.service_zone().key == "Asia/Shanghai"


@pytest.fixture
def one_follow_up(engine, vault):
    """A case worker whose one seeker has a follow-up due on the 22nd."""
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
                served_on=date(2026, 11, 1),
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
    outcome = jobs.run(jobs.JobContext(engine, clock=lambda: moment), "reminders", trigger="cli")
    assert outcome.status == "succeeded"
    with read_session(engine) as session:
        reminder = session.execute(
            select(Reminder).where(col(Reminder.worker_id) == worker)
        ).scalar_one()
    assert reminder.day == beijing
    assert (seeker in reminder.seekers["overdue"]) is overdue
    assert (seeker in reminder.seekers["due"]) is not overdue
    # the web pages, at the same moment
    monkeypatch.setattr(clock, "utcnow", lambda: moment)
    app = make_app(monkeypatch, database_url)
    client = signed_in(app, "cw")
    listed = client.get("/caseload/?overdue=1").get_data(as_text=True)
    export = client.get("/caseload/export?format=csv&overdue=1")
    app.extensions["jobbridge.engine"].dispose()
    assert ("午夜" in listed) is overdue
    assert f"caseload-{beijing.isoformat()}.csv" in export.headers["Content-Disposition"]
    assert ("午夜" in export.get_data().decode("utf-8-sig")) is overdue
