"""Closing postings past their deadline or with no openings left.

A closed posting leaves the recommendations in the incremental refresh that the closing
asks for (the seekers who held it get their lists filled again); an outcome already
recorded on it stays in the history.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import or_, select, update
from sqlmodel import col

from matcher.core import clock
from matcher.core.db import write_session
from matcher.core.job_requests import request_changes
from matcher.core.models import JobRequest, Posting
from matcher.jobs.base import Job, JobContext, hour_slot

__all__ = ["CLOSE_POSTINGS", "close_postings"]


def close_postings(ctx: JobContext, requests: list[JobRequest] | None = None) -> dict[str, Any]:
    today, now = clock.today(), clock.utcnow()
    due = or_(col(Posting.deadline) < today, col(Posting.openings) <= 0)
    with write_session(ctx.engine) as session:
        ids = list(
            session.execute(
                select(col(Posting.id)).where(col(Posting.status) == "open", due)
            ).scalars()
        )
        for start in range(0, len(ids), 5000):
            session.execute(
                update(Posting)
                .where(col(Posting.id).in_(ids[start : start + 5000]))
                .values(
                    status="closed",
                    closed_at=now,
                    updated_at=now,
                    version=col(Posting.version) + 1,
                )
            )
        if ids:
            request_changes(session, "postings closed")
    return {"closed": len(ids)}


CLOSE_POSTINGS = Job(
    "close_postings",
    close_postings,
    slot=hour_slot,
    label=("关闭到期或满员岗位", "Close postings past deadline or filled"),
)
