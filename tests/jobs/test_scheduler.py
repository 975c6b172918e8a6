"""The scheduler: its configuration, and (with a controllable clock) that schedules fire as
configured, missed runs coalesce to one, and a run missed beyond the grace time is dropped.

APScheduler reads the time through ``datetime.now`` in its scheduler and executor modules;
the tests point that at the service's clock (``matcher.core.clock``), which they freeze and set,
so the scheduler and the jobs it fires read one clock; the due jobs are processed by hand
through a scheduler whose wake-ups do nothing. The moments are relative to today."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
from apscheduler.executors.debug import DebugExecutor
from apscheduler.schedulers.base import BaseScheduler

from matcher import jobs
from matcher.core import clock as service_clock
from matcher.core.config import ConfigError
from matcher.jobs.base import Job
from matcher.jobs.scheduler import add_jobs, load_schedule


class Clock(datetime):
    """A ``datetime`` whose ``now`` is the service's clock."""

    @classmethod
    def now(cls, tz=None):  # type: ignore[override]
        moment = service_clock.utcnow()
        return moment.astimezone(tz) if tz else moment


class HandScheduler(BaseScheduler):
    """Runs due jobs only when the test calls ``process``, in the calling thread."""

    def wakeup(self) -> None:
        pass

    def shutdown(self, wait: bool = True) -> None:
        super().shutdown(wait)

    def process(self) -> None:
        self._process_jobs()


DAY = service_clock.today()  # the real date in Beijing (or faketime's)


def shanghai(days: int, hour: int, minute: int, second: int = 0) -> datetime:
    """A moment in Beijing, ``days`` after today."""
    return datetime.combine(
        DAY + timedelta(days=days), time(hour, minute, second), service_clock.service_zone()
    )


@pytest.fixture
def clock(monkeypatch, frozen_clock):
    monkeypatch.setattr("apscheduler.schedulers.base.datetime", Clock)
    monkeypatch.setattr("apscheduler.executors.base.datetime", Clock)
    return frozen_clock.set


@pytest.fixture
def fired(monkeypatch):
    """Every scheduled job replaced by one that notes the slot it ran for."""
    seen: list[tuple[str, str]] = []
    for name in jobs.SCHEDULED:
        original = jobs.JOBS[name]

        def note(ctx, requests, name=name):
            seen.append((name, service_clock.now().isoformat()))
            return {}

        monkeypatch.setitem(jobs.JOBS, name, Job(name, note, slot=original.slot))
    return seen


def hand_scheduler(engine, environ) -> HandScheduler:
    schedule = load_schedule(environ)
    ctx = jobs.JobContext(engine)
    scheduler = HandScheduler(timezone=schedule.zone, executors={"default": DebugExecutor()})
    add_jobs(scheduler, ctx, schedule)
    scheduler.start()
    return scheduler


ONLY = {
    "JOBBRIDGE_SCHEDULE_KPI_SNAPSHOT": "off",
    "JOBBRIDGE_SCHEDULE_REMINDERS": "off",
    "JOBBRIDGE_SCHEDULE_WEEKLY_CHANGES": "off",
    "JOBBRIDGE_SCHEDULE_CLOSE_POSTINGS": "off",
    "JOBBRIDGE_SCHEDULE_FAIR_ANALYSIS": "off",
    "JOBBRIDGE_SCHEDULE_REQUESTS": "off",
}


def test_the_nightly_refresh_fires_at_its_time_in_beijing(engine, clock, fired):
    clock(shanghai(0, 2, 29, 0))
    scheduler = hand_scheduler(engine, ONLY)
    (job,) = scheduler.get_jobs()
    assert job.max_instances == 1 and job.coalesce and job.misfire_grace_time == 3600
    assert job.next_run_time == shanghai(0, 2, 30)  # data/schedule.yaml
    scheduler.process()
    assert fired == []
    clock(shanghai(0, 2, 30, 1))
    scheduler.process()
    clock(shanghai(0, 2, 45))
    scheduler.process()
    assert [name for name, _ in fired] == ["full_refresh"]
    clock(shanghai(1, 2, 30, 0))
    scheduler.process()
    assert len(fired) == 2
    scheduler.shutdown()


def test_five_missed_runs_coalesce_into_one(engine, clock, fired):
    clock(shanghai(0, 8, 0, 30))
    scheduler = hand_scheduler(engine, ONLY | {"JOBBRIDGE_SCHEDULE_FULL_REFRESH": "0 * * * *"})
    clock(shanghai(0, 13, 20))  # 09:00 … 13:00 all missed (the machine slept)
    scheduler.process()
    assert len(fired) == 1
    (job,) = scheduler.get_jobs()
    assert job.next_run_time == shanghai(0, 14, 0)
    scheduler.shutdown()


def test_a_run_missed_beyond_the_grace_time_is_dropped(engine, clock, fired):
    clock(shanghai(0, 2, 0))
    scheduler = hand_scheduler(engine, ONLY)
    clock(shanghai(0, 4, 0))  # 02:30 missed by 90 minutes; grace is 60
    scheduler.process()
    assert fired == []
    scheduler.shutdown()


def test_every_job_is_configured_and_the_requests_are_polled(engine, clock):
    clock(shanghai(0, 0, 0))
    scheduler = hand_scheduler(engine, {})
    assert {job.id for job in scheduler.get_jobs()} == {*jobs.SCHEDULED, "requests"}
    assert all(job.max_instances == 1 and job.coalesce for job in scheduler.get_jobs())
    scheduler.shutdown()


def test_schedules_come_from_the_file_and_the_environment(tmp_path):
    schedule = load_schedule({"JOBBRIDGE_SCHEDULE_FULL_REFRESH": "every 2h"})
    assert schedule.jobs["full_refresh"] == "every 2h"
    assert schedule.jobs["kpi_snapshot"] == "0 4 * * *"
    assert schedule.zone.key == "Asia/Shanghai"
    custom = tmp_path / "schedule.yaml"
    custom.write_text("jobs:\n  reminders: '15 8 * * 1-5'\n", encoding="utf-8")
    other = load_schedule({"JOBBRIDGE_SCHEDULE_FILE": str(custom)})
    assert other.jobs["reminders"] == "15 8 * * 1-5" and other.jobs["full_refresh"] == "off"


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"JOBBRIDGE_SCHEDULE_FULL_REFRESH": "at two"}, "schedule of full_refresh: 'at two'"),
        ({"JOBBRIDGE_SCHEDULE_REMINDERS": "61 * * * *"}, "schedule of reminders"),
        ({"JOBBRIDGE_SCHEDULE_REQUESTS": "every 0s"}, "schedule of requests"),
    ],
)
def test_a_wrong_schedule_is_refused_at_start_with_its_name(environ, message):
    with pytest.raises(ConfigError, match=message):
        load_schedule(environ)


def test_an_unknown_job_in_the_file_is_refused(tmp_path):
    custom = tmp_path / "schedule.yaml"
    custom.write_text("jobs:\n  full_refresh: '0 3 * * *'\n  backups: '0 1 * * *'\n")
    with pytest.raises(ConfigError, match="no such scheduled job backups"):
        load_schedule({"JOBBRIDGE_SCHEDULE_FILE": str(custom)})


def test_creating_the_web_app_starts_no_scheduler(monkeypatch, database_url):
    import threading

    from tests.webapp import make_app

    before = set(threading.enumerate())
    app = make_app(monkeypatch, database_url)
    assert app.test_client().get("/healthz").status_code == 200
    assert set(threading.enumerate()) == before  # no scheduler thread (SECURITY.md item 19)
    app.extensions["jobbridge.engine"].dispose()


def test_the_first_start_asks_for_a_full_refresh_once(engine):
    from matcher.jobs.scheduler import first_refresh

    assert first_refresh(engine) is True
    assert first_refresh(engine) is False  # already asked
    outcome = jobs.take_requests(jobs.JobContext(engine), load_schedule({}).debounce)
    assert [o.status for o in outcome] == ["succeeded"] * 3
    assert first_refresh(engine) is False  # done
