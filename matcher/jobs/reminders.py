"""Each case worker's reminders for the day: follow-ups due and overdue, and graduates who
have not yet had 3 postings sent. The caseload page shows them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlmodel import col

from matcher.core import clock, standings
from matcher.core.bulk import upsert
from matcher.core.db import write_session
from matcher.core.models import JobRequest, Reminder, User, table_of
from matcher.jobs.base import Job, JobContext, day_slot
from matcher.people.access import Viewer
from matcher.seekers.caseload import follow_ups

__all__ = ["REMINDERS", "make_reminders"]


def make_reminders(ctx: JobContext, requests: list[JobRequest] | None = None) -> dict[str, Any]:
    today, now = clock.today(), clock.utcnow()
    rows = []
    with write_session(ctx.engine) as session:
        # The standings follow every change in its own transaction; this daily check
        # corrects (and counts) any a bulk statement may have missed.
        repaired = standings.repair(session.connection())
        workers = session.execute(
            select(User).where(col(User.role) == "case_worker", col(User.active).is_(True))
        ).scalars()
        for worker in workers:
            found = follow_ups(session, viewer=Viewer.of(worker), today=today)
            rows.append(
                {
                    "day": today,
                    "worker_id": worker.id,
                    "due": len(found.due),
                    "overdue": len(found.overdue),
                    "graduates_short": len(found.graduates_short),
                    "seekers": {
                        "due": found.due,
                        "overdue": found.overdue,
                        "graduates_short": found.graduates_short,
                    },
                    "made_at": now,
                }
            )
        upsert(session, table_of(Reminder), rows, keys=("day", "worker_id"))
    return {
        "standings_repaired": repaired,
        "case_workers": len(rows),
        "due": sum(r["due"] for r in rows),
        "overdue": sum(r["overdue"] for r in rows),
        "graduates_short": sum(r["graduates_short"] for r in rows),
    }


REMINDERS = Job(
    "reminders",
    make_reminders,
    slot=day_slot,
    label=("回访与推送提醒", "Follow-up reminders"),
)
