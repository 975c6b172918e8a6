"""The weekly change list per area: new and closed postings, seekers whose recommendations
changed, and open postings that fit nobody (the employers to call)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlmodel import col

from matcher.core import clock
from matcher.core.bulk import upsert
from matcher.core.db import write_session
from matcher.core.models import JobRequest, Jobseeker, Posting, RefreshRun, WeeklyChange, table_of
from matcher.jobs.base import Job, JobContext

__all__ = ["WEEKLY_CHANGES", "last_week", "make_change_list"]

KINDS = ("new_postings", "closed_postings", "changed_seekers", "unfit_postings")


def last_week(now: datetime) -> date:
    """The Monday of the last full week before ``now`` (local time)."""
    monday = now.date() - timedelta(days=now.weekday())
    return monday - timedelta(days=7)


def make_change_list(ctx: JobContext, requests: list[JobRequest] | None = None) -> dict[str, Any]:
    week = last_week(clock.now())
    start, end = (
        _moment(week, clock.service_zone()),
        _moment(week + timedelta(days=7), clock.service_zone()),
    )
    found: dict[str, dict[str, list[int]]] = defaultdict(lambda: {kind: [] for kind in KINDS})
    with write_session(ctx.engine) as session:

        def gather(kind: str, query: Any) -> None:
            for object_id, area in session.execute(query):
                found[area][kind].append(object_id)

        posting = (col(Posting.id), col(Posting.area_code))
        gather(
            "new_postings",
            select(*posting).where(col(Posting.created_at) >= start, col(Posting.created_at) < end),
        )
        gather(
            "closed_postings",
            select(*posting).where(col(Posting.closed_at) >= start, col(Posting.closed_at) < end),
        )
        gather(
            "changed_seekers",
            select(col(Jobseeker.id), col(Jobseeker.area_code)).where(
                col(Jobseeker.matches_changed_at) >= start, col(Jobseeker.matches_changed_at) < end
            ),
        )
        unfit = session.execute(
            select(col(RefreshRun.unfit_postings))
            .where(col(RefreshRun.kind) == "full", col(RefreshRun.status) == "succeeded")
            .order_by(col(RefreshRun.id).desc())
            .limit(1)
        ).scalar()
        for chunk in _chunks(sorted(unfit or [])):
            gather(
                "unfit_postings",
                select(*posting).where(col(Posting.id).in_(chunk), col(Posting.status) == "open"),
            )
        rows: list[dict[str, Any]] = [
            {"week_start": week, "area_code": area, "made_at": clock.utcnow()}
            | {kind: len(ids[kind]) for kind in KINDS}
            | {"detail": {kind: sorted(ids[kind]) for kind in KINDS}}
            for area, ids in sorted(found.items())
        ]
        upsert(session, table_of(WeeklyChange), rows, keys=("week_start", "area_code"))
    totals = {kind: sum(row[kind] for row in rows) for kind in KINDS}
    return {"week_start": week.isoformat(), "areas": len(rows)} | totals


def _moment(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time.min, tzinfo=zone)


def _chunks(ids: list[int], size: int = 5000) -> list[list[int]]:
    return [ids[start : start + size] for start in range(0, len(ids), size)]


def _week(now: datetime) -> str:
    return last_week(now).isoformat()


WEEKLY_CHANGES = Job(
    "weekly_changes",
    make_change_list,
    slot=_week,
    label=("每周变化清单", "Weekly change list"),
)
