"""The scheduler process (``jobbridge scheduler``): one per deployment (SECURITY.md item 19).

APScheduler 3 runs each job of ``data/schedule.yaml`` on its schedule, with
``max_instances=1``, ``coalesce=True`` and a misfire grace time (item 20), and polls the
requests that web workers, imports and the admin page leave (``matcher.core.job_requests``).
Every run goes through ``matcher.jobs``: a database lock per job, so a second scheduler
started by mistake skips what the first is doing, and a slot done once is not done again.

APScheduler decides when a trigger fires from the machine's clock; what a run stands for
(its slot), and every time it stamps or compares, comes from ``matcher.core.clock``, which in a
deployment is that same clock (the tests point APScheduler at ``matcher.core.clock`` too), in
the service's timezone.

Creating the web app never starts a scheduler; nothing under ``web/`` imports this module.
"""

from __future__ import annotations

import logging
import os
import re
import signal
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlmodel import col

from matcher.core import clock
from matcher.core.config import ConfigError
from matcher.core.db import write_session
from matcher.core.job_requests import Debounce, request
from matcher.core.models import JobRequest, RefreshRun
from matcher.jobs import JOBS, SCHEDULED, JobContext, scheduled, take_requests

__all__ = ["Schedule", "add_jobs", "load_schedule", "run_scheduler", "trigger_of"]

log = logging.getLogger("jobbridge.scheduler")
REQUESTS_JOB = "requests"
_EVERY = re.compile(r"^every\s+(\d+)\s*([smh])$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours"}
DEFAULT = Debounce()


@dataclass(frozen=True)
class Schedule:
    zone: ZoneInfo
    misfire_grace_seconds: int
    jobs: dict[str, str]  # job name -> schedule ("off" for none)
    requests: str
    debounce: Debounce
    nice: int = 10  # added to the process's niceness: the web comes first for the CPU


def load_schedule(environ: Mapping[str, str] | None = None) -> Schedule:
    """The schedule of ``data/schedule.yaml`` (or JOBBRIDGE_SCHEDULE_FILE), with the
    per-job overrides JOBBRIDGE_SCHEDULE_<JOB>; every entry checked."""
    env = os.environ if environ is None else environ
    path, data = clock.read_schedule(env)
    zone = clock.service_zone()  # the file's timezone, read once: the zone of every "today"
    jobs = {name: str(spec) for name, spec in (data.get("jobs") or {}).items()}
    unknown = sorted(set(jobs) - set(SCHEDULED))
    if unknown:
        raise ConfigError(
            f"schedule file {path}: no such scheduled job {', '.join(unknown)} "
            f"(the jobs are {', '.join(SCHEDULED)})"
        )
    for name in SCHEDULED:
        override = env.get(f"JOBBRIDGE_SCHEDULE_{name.upper()}", "").strip()
        if override:
            jobs[name] = override
        jobs.setdefault(name, "off")
    debounce = data.get("debounce") or {}
    schedule = Schedule(
        zone=zone,
        misfire_grace_seconds=int(data.get("misfire_grace_seconds", 3600)),
        jobs=jobs,
        requests=str(env.get("JOBBRIDGE_SCHEDULE_REQUESTS") or data.get("requests", "every 5s")),
        debounce=Debounce(
            quiet=timedelta(seconds=float(debounce.get("quiet_seconds", DEFAULT.quiet.seconds))),
            longest=timedelta(
                seconds=float(debounce.get("longest_seconds", DEFAULT.longest.seconds))
            ),
        ),
        nice=int(data.get("nice", 10)),
    )
    for name, spec in [*schedule.jobs.items(), (REQUESTS_JOB, schedule.requests)]:
        trigger_of(spec, zone, name=name)  # a mistake is reported at start, not at 2 a.m.
    return schedule


def trigger_of(spec: str, zone: ZoneInfo, *, name: str = "") -> BaseTrigger | None:
    """The trigger of one schedule entry, or None for "off"."""
    text = spec.strip().lower()
    if text == "off":
        return None
    every = _EVERY.match(text)
    try:
        if every:
            amount, unit = int(every.group(1)), _UNITS[every.group(2)]
            if amount <= 0:
                raise ValueError("the interval must be positive")
            return IntervalTrigger(timezone=zone, **{unit: amount})
        return CronTrigger.from_crontab(spec.strip(), timezone=zone)
    except ValueError as exc:
        raise ConfigError(
            f"schedule of {name or 'a job'}: {spec!r} is not a crontab line of five fields, "
            f"'every N s|m|h' or 'off' ({exc})"
        ) from exc


def add_jobs(scheduler: BaseScheduler, ctx: JobContext, schedule: Schedule) -> None:
    """Put every scheduled job and the request poll on ``scheduler``."""
    defaults: dict[str, Any] = {
        "max_instances": 1,
        "coalesce": True,
        "misfire_grace_time": schedule.misfire_grace_seconds,
        "replace_existing": True,
    }
    for name, spec in schedule.jobs.items():
        trigger = trigger_of(spec, schedule.zone, name=name)
        if trigger is not None:
            scheduler.add_job(scheduled, trigger, args=(ctx, name), id=name, name=name, **defaults)
    poll = trigger_of(schedule.requests, schedule.zone, name=REQUESTS_JOB)
    if poll is not None:
        scheduler.add_job(
            take_requests,
            poll,
            args=(ctx, schedule.debounce),
            id=REQUESTS_JOB,
            name=REQUESTS_JOB,
            **defaults,
        )


def first_refresh(engine: Engine) -> bool:
    """On a database no refresh has filled yet, ask for a full one now, and for the day's
    KPI snapshot and reminders after it (the embedded default starts with demo data and
    nothing else). Returns whether it asked."""
    with write_session(engine) as session:
        done = session.execute(
            select(func.count()).where(col(RefreshRun.status) == "succeeded")
        ).scalar()
        waiting = session.execute(
            select(func.count()).where(
                col(JobRequest.job) == "full_refresh", col(JobRequest.handled_at).is_(None)
            )
        ).scalar()
        if done or waiting:
            return False
        for job in ("full_refresh", "kpi_snapshot", "reminders"):  # run in this order
            request(session, job, reason="first start")
    return True


def run_scheduler(engine: Engine, schedule: Schedule) -> None:
    """Run the scheduler in this process until SIGINT or SIGTERM."""
    ctx = JobContext(engine)
    scheduler = BlockingScheduler(timezone=schedule.zone)
    add_jobs(scheduler, ctx, schedule)

    def stop(signum: int, _frame: Any) -> None:
        log.info("signal %s: stopping after the running jobs", signum)
        scheduler.shutdown(wait=False)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    if schedule.nice and hasattr(os, "nice"):
        os.nice(schedule.nice)  # ranking shares the machine with the web workers
    if first_refresh(engine):
        log.info("no refresh has run yet: a full refresh is queued")
    for job in scheduler.get_jobs():
        log.info("job %s: %s", job.id, job.trigger)
    log.info("scheduler started (%s); jobs known: %s", schedule.zone.key, ", ".join(JOBS))
    scheduler.start()
