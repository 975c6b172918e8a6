"""Running a job: its lock, its slot, its record in the run history.

Every job, whoever starts it (the schedule, a request, the CLI), runs through ``run_job``:

1. take the job's database lock (``matcher.core.locks``); if another process holds it, skip
   with a log line (or wait, for the CLI's ``refresh``);
2. mark runs of the same lock still "running" as failed: holding the lock, we know their
   process died;
3. a scheduled run whose slot (the day, hour or week it stands for) already succeeded is
   skipped: re-running a slot changes nothing (SECURITY.md item 22);
4. record a ``job_run`` row, run, and record how it ended (counts, duration, error).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.engine import Engine
from sqlmodel import col

from matcher.core import clock
from matcher.core.db import read_session, write_session
from matcher.core.job_requests import mark_handled, open_requests
from matcher.core.locks import job_lock, process_name
from matcher.core.models import JobRequest, JobRun
from matcher.matching.refresh import Progress, Refresher

__all__ = ["Job", "JobContext", "Outcome", "day_slot", "hour_slot", "run_job"]

log = logging.getLogger("jobbridge.jobs")


@dataclass
class JobContext:
    """What jobs share in one process: the engine and the warm refresher. Their time is
    the process's clock (``matcher.core.clock``), in the service's timezone."""

    engine: Engine
    progress: Progress | None = None  # the CLI's progress bar
    _refresher: Refresher | None = field(default=None, repr=False)

    @property
    def refresher(self) -> Refresher:
        """One per process, kept between runs: incremental refreshes stay cheap."""
        if self._refresher is None:
            self._refresher = Refresher(self.engine)
        return self._refresher


def day_slot(now: datetime) -> str:
    """The slot of a daily job: the local date."""
    return now.date().isoformat()


def hour_slot(now: datetime) -> str:
    """The slot of an hourly job: the local date and hour."""
    return now.strftime("%Y-%m-%dT%H")


@dataclass(frozen=True)
class Job:
    name: str
    run: Callable[[JobContext, list[JobRequest]], dict[str, Any]]
    lock: str = ""  # jobs that must not overlap share a lock; default: the job's name
    slot: Callable[[datetime], str] | None = None  # the period a scheduled run stands for
    on_recover: Callable[[Engine], Any] | None = None  # clean up after a dead run
    label: tuple[str, str] = ("", "")  # zh, en

    @property
    def lock_name(self) -> str:
        return self.lock or self.name


@dataclass(frozen=True)
class Outcome:
    status: str  # succeeded / failed / skipped
    reason: str = ""
    run_id: int | None = None
    counts: dict[str, Any] = field(default_factory=dict)
    error: str | None = None


def run_job(
    ctx: JobContext,
    job: Job,
    *,
    trigger: str,
    slot: str = "",
    wait: bool = False,
    on_wait: Callable[[], None] | None = None,
    sharing: tuple[Job, ...] = (),
) -> Outcome:
    """Run ``job`` once under its lock and record it. ``trigger``: schedule, request or cli.
    A "request" run takes the job's open requests and marks them handled. ``sharing``: the
    jobs that share its lock (their dead runs are marked too)."""
    with job_lock(ctx.engine, job.lock_name, wait=wait, on_wait=on_wait) as held:
        if not held:
            log.info("job %s skipped: another process holds lock %r", job.name, job.lock_name)
            return Outcome("skipped", "lock held")
        _recover(ctx.engine, job, sharing)
        if slot and _slot_done(ctx.engine, job.name, slot):
            log.info("job %s skipped: slot %s is already done", job.name, slot)
            _handle(ctx.engine, job.name, slot, None)
            return Outcome("skipped", "slot done")
        requests: list[JobRequest] = []
        if trigger == "request":
            with read_session(ctx.engine) as session:
                requests = [r for r in open_requests(session, job.name) if r.slot == slot]
            if not requests:
                return Outcome("skipped", "nothing requested")
        run_id = _start(ctx.engine, job.name, slot, trigger)
        started = time.perf_counter()
        try:
            counts = job.run(ctx, requests)
        except Exception as exc:  # recorded, logged; the scheduler goes on
            error = f"{type(exc).__name__}: {exc}"[:500]
            _end(ctx.engine, run_id, "failed", started, {}, error)
            log.exception("job %s (run %s) failed", job.name, run_id)
            return Outcome("failed", run_id=run_id, error=error)
        _end(ctx.engine, run_id, "succeeded", started, counts, None)
        if requests:
            with write_session(ctx.engine) as session:
                mark_handled(session, [r.id for r in requests if r.id is not None], run_id)
        log.info("job %s (run %s) succeeded: %s", job.name, run_id, counts)
        return Outcome("succeeded", run_id=run_id, counts=counts)


def _recover(engine: Engine, job: Job, sharing: tuple[Job, ...]) -> None:
    names = {job.name, *(other.name for other in sharing)}
    runs = JobRun.__table__  # type: ignore[attr-defined]
    with write_session(engine) as session:
        dead = session.execute(
            update(runs)
            .where(runs.c.job.in_(names), runs.c.status == "running")
            .values(
                status="failed",
                finished_at=clock.utcnow(),
                error="interrupted: the process ended before the run finished",
            )
        )
    if dead.rowcount:  # type: ignore[attr-defined]
        log.warning("job %s: %s interrupted run(s) marked failed", job.name, dead.rowcount)  # type: ignore[attr-defined]
    for each in (job, *sharing):
        if each.on_recover is not None:
            each.on_recover(engine)
            break


def _slot_done(engine: Engine, name: str, slot: str) -> bool:
    with read_session(engine) as session:
        found = session.execute(
            select(col(JobRun.id)).where(
                col(JobRun.job) == name, col(JobRun.slot) == slot, col(JobRun.status) == "succeeded"
            )
        ).first()
    return found is not None


def _handle(engine: Engine, name: str, slot: str, run_id: int | None) -> None:
    """Requests to run a slot that is done need nothing more."""
    with write_session(engine) as session:
        ids = [r.id for r in open_requests(session, name) if r.slot == slot and r.id is not None]
        if ids:
            mark_handled(session, ids, run_id)


def _start(engine: Engine, name: str, slot: str, trigger: str) -> int:
    with write_session(engine) as session:
        run = JobRun(job=name, slot=slot, trigger=trigger, host=process_name()[:120])
        session.add(run)
        session.flush()
        assert run.id is not None
        return run.id


def _end(
    engine: Engine,
    run_id: int,
    status: str,
    started: float,
    counts: dict[str, Any],
    error: str | None,
) -> None:
    with write_session(engine) as session:
        session.execute(
            update(JobRun)
            .where(col(JobRun.id) == run_id)
            .values(
                status=status,
                finished_at=clock.utcnow(),
                duration_s=round(time.perf_counter() - started, 3),
                counts=counts,
                error=error,
            )
        )
