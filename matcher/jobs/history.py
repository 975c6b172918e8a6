"""What the scheduler did and what it is asked to do: the admin page's run history, the
failures the dashboard warns of, and starting a job by hand (a request the scheduler
takes up)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlmodel import Session, col

from matcher.core.job_requests import BY_HAND, Pending, pending, request
from matcher.core.models import JobRun
from matcher.jobs import JOBS
from matcher.people.access import Viewer

__all__ = [
    "LABELS",
    "STARTABLE",
    "JobView",
    "ask",
    "job_views",
    "latest_failures",
    "recent_runs",
]

# The jobs an admin may start by hand (a seeker's refresh starts from their file).
STARTABLE = (
    "full_refresh",
    "incremental_refresh",
    "close_postings",
    "kpi_snapshot",
    "reminders",
    "weekly_changes",
    "fair_analysis",
)

LABELS = {name: job.label for name, job in JOBS.items()}  # name -> (zh, en)


class NotAllowed(Exception):
    """Only an admin starts jobs, and only those in STARTABLE."""


@dataclass(frozen=True)
class JobView:
    name: str
    label: tuple[str, str]  # zh, en
    last: JobRun | None
    waiting: Pending | None


def recent_runs(session: Session, *, limit: int = 50) -> list[JobRun]:
    return list(
        session.execute(select(JobRun).order_by(col(JobRun.id).desc()).limit(limit)).scalars()
    )


def _latest(session: Session) -> dict[str, JobRun]:
    """Per job, its latest finished run."""
    newest = (
        select(func.max(col(JobRun.id)))
        .where(col(JobRun.status) != "running")
        .group_by(col(JobRun.job))
    )
    runs = session.execute(select(JobRun).where(col(JobRun.id).in_(newest))).scalars()
    return {run.job: run for run in runs}


def job_views(session: Session) -> list[JobView]:
    latest, waiting = _latest(session), pending(session)
    return [
        JobView(name, job.label, latest.get(name), waiting.get(name)) for name, job in JOBS.items()
    ]


def latest_failures(session: Session) -> list[JobRun]:
    """Jobs whose latest run failed (the dashboard shows them until a run succeeds)."""
    return sorted(
        (run for run in _latest(session).values() if run.status == "failed"),
        key=lambda run: run.job,
    )


def ask(session: Session, *, viewer: Viewer, job: str) -> None:
    """An admin starts ``job`` now: the scheduler takes the request up within seconds."""
    if viewer.role != "admin" or job not in STARTABLE:
        raise NotAllowed(job)
    request(session, job, reason=BY_HAND, requested_by=viewer.id)
