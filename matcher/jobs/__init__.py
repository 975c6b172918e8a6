"""The scheduler's jobs, by name, and how requests left for the scheduler are taken up.

``run(ctx, name, ...)`` runs one job through ``base.run_job`` (lock, slot, history);
``take_requests(ctx, debounce)`` runs what web workers, imports and the admin page asked for.
"""

from __future__ import annotations

import logging

from sqlalchemy import select
from sqlmodel import col

from matcher.core import clock
from matcher.core.db import read_session, write_session
from matcher.core.job_requests import CHANGES, Debounce, pending, request
from matcher.core.models import JobRequest
from matcher.jobs.base import Job, JobContext, Outcome, run_job
from matcher.jobs.changes import WEEKLY_CHANGES
from matcher.jobs.closing import CLOSE_POSTINGS
from matcher.jobs.fair_analysis import FAIR_ANALYSIS
from matcher.jobs.refreshing import FULL, INCREMENTAL, SEEKERS
from matcher.jobs.reminders import REMINDERS
from matcher.jobs.snapshots import KPI_SNAPSHOT

__all__ = [
    "JOBS",
    "RUNNABLE",
    "SCHEDULED",
    "JobContext",
    "Outcome",
    "run",
    "scheduled",
    "take_requests",
]

log = logging.getLogger("jobbridge.jobs")

JOBS: dict[str, Job] = {
    job.name: job
    for job in (
        FULL,
        INCREMENTAL,
        SEEKERS,
        CLOSE_POSTINGS,
        KPI_SNAPSHOT,
        REMINDERS,
        WEEKLY_CHANGES,
        FAIR_ANALYSIS,
    )
}
# The jobs that run on a schedule (the others run on request).
SCHEDULED = (
    "full_refresh",
    "close_postings",
    "kpi_snapshot",
    "reminders",
    "weekly_changes",
    "fair_analysis",
)
# The jobs a person may run by name (the CLI's run-job, the admin page): all but the one
# that ranks the seekers a request names.
RUNNABLE = tuple(sorted(name for name in JOBS if name != SEEKERS.name))


def run(ctx: JobContext, name: str, *, trigger: str, **options: object) -> Outcome:
    """Run the job called ``name`` (see ``base.run_job`` for the options)."""
    job = JOBS[name]
    sharing = tuple(other for other in JOBS.values() if other.lock_name == job.lock_name)
    return run_job(ctx, job, trigger=trigger, sharing=sharing, **options)  # type: ignore[arg-type]


def scheduled(ctx: JobContext, name: str) -> Outcome:
    """A scheduled firing: the slot of now. If another process holds the lock, leave a
    request for this slot, so that it runs once the lock is free unless done by then."""
    job = JOBS[name]
    slot = job.slot(clock.now()) if job.slot else ""
    outcome = run(ctx, name, trigger="schedule", slot=slot)
    if outcome.reason == "lock held":
        with write_session(ctx.engine) as session:
            request(session, name, reason="put off: lock held", slot=slot)
    return outcome


def take_requests(ctx: JobContext, debounce: Debounce) -> list[Outcome]:
    """Run the jobs that have open requests: at once, except the incremental refresh after
    edits and imports, which waits for them to stop coming (``debounce``)."""
    with read_session(ctx.engine) as session:
        waiting = pending(session)
        slots = {
            (job, slot)
            for job, slot in session.execute(
                select(col(JobRequest.job), col(JobRequest.slot))
                .where(col(JobRequest.handled_at).is_(None))
                .distinct()
            )
        }
    outcomes = []
    for job, slot in sorted(slots):
        if job not in JOBS:
            log.warning("request for an unknown job %r ignored", job)
            continue
        if job == CHANGES and not debounce.due(waiting[job], clock.utcnow()):
            continue
        outcomes.append(run(ctx, job, trigger="request", slot=slot))
    return outcomes
