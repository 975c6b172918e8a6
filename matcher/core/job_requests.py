"""Work left for the scheduler: the one process that ranks (SECURITY.md item 19).

Profile edits, declines and imports leave a ``changes`` request in the same transaction as
the change; the scheduler runs one incremental refresh once they stop coming for a while
(``Debounce``): ten edits in a minute cause one run. A case worker's "refresh now" leaves a
request for one seeker, and the admin page one for any job; the scheduler takes them up
within seconds.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import case, func, select, update
from sqlmodel import Session, col

from matcher.core import clock
from matcher.core.models import JobRequest

__all__ = [
    "BY_HAND",
    "CHANGES",
    "SEEKER",
    "Debounce",
    "Pending",
    "mark_handled",
    "open_requests",
    "pending",
    "request",
    "request_changes",
    "waiting_since",
]

CHANGES = "incremental_refresh"  # the job that brings recommendations up to date
SEEKER = "seeker_refresh"  # one seeker ranked again now
BY_HAND = "by hand"  # the reason of a request from the admin page: run it without waiting


def request(
    session: Session,
    job: str,
    *,
    reason: str,
    seeker_id: int | None = None,
    requested_by: int | None = None,
    slot: str = "",
) -> None:
    """Ask the scheduler to run ``job`` (in the caller's transaction)."""
    session.add(
        JobRequest(
            job=job, reason=reason[:40], seeker_id=seeker_id, requested_by=requested_by, slot=slot
        )
    )


def request_changes(session: Session, reason: str, *, requested_by: int | None = None) -> None:
    """Say that something matching reads has changed (debounced into one refresh)."""
    request(session, CHANGES, reason=reason, requested_by=requested_by)


@dataclass(frozen=True)
class Pending:
    """The unhandled requests of one job: how many, the first and the last."""

    job: str
    count: int
    first: datetime
    last: datetime
    urgent: bool  # asked for by a person (the admin page): no waiting for quiet


def pending(session: Session) -> dict[str, Pending]:
    """Per job, its unhandled requests."""
    urgent = func.max(case((col(JobRequest.reason) == BY_HAND, 1), else_=0))
    query = (
        select(
            col(JobRequest.job),
            func.count(),
            func.min(col(JobRequest.requested_at)),
            func.max(col(JobRequest.requested_at)),
            urgent,
        )
        .where(col(JobRequest.handled_at).is_(None))
        .group_by(col(JobRequest.job))
    )
    return {
        job: Pending(job, count, first, last, bool(by_person))
        for job, count, first, last, by_person in session.execute(query)
    }


def open_requests(session: Session, job: str) -> list[JobRequest]:
    """The unhandled requests of ``job``, oldest first."""
    return list(
        session.execute(
            select(JobRequest)
            .where(col(JobRequest.job) == job, col(JobRequest.handled_at).is_(None))
            .order_by(col(JobRequest.id))
        ).scalars()
    )


def mark_handled(session: Session, ids: list[int], run_id: int | None) -> None:
    for start in range(0, len(ids), 5000):
        session.execute(
            update(JobRequest)
            .where(col(JobRequest.id).in_(ids[start : start + 5000]))
            .values(handled_at=clock.utcnow(), job_run_id=run_id)
        )


def waiting_since(session: Session, seeker_id: int) -> datetime | None:
    """When a refresh of this seeker was asked for and is not done yet, if one is."""
    found: datetime | None = session.execute(
        select(func.min(col(JobRequest.requested_at))).where(
            col(JobRequest.job) == SEEKER,
            col(JobRequest.seeker_id) == seeker_id,
            col(JobRequest.handled_at).is_(None),
        )
    ).scalar()
    return found


@dataclass(frozen=True)
class Debounce:
    """Run once the requests stop coming for ``quiet``, and never later than ``longest``
    after the first of them (a steady stream of edits still gets refreshed)."""

    quiet: timedelta = timedelta(seconds=30)
    longest: timedelta = timedelta(minutes=5)

    def due(self, waiting: Pending, now: datetime) -> bool:
        if waiting.urgent:
            return True
        return now - waiting.last >= self.quiet or now - waiting.first >= self.longest
