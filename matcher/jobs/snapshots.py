"""The daily snapshot of the plan's figures, per area: the dashboard's trends."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from matcher.core import clock
from matcher.core.bulk import upsert
from matcher.core.db import write_session
from matcher.core.models import JobRequest, KpiSnapshot, table_of
from matcher.jobs.base import Job, JobContext, day_slot
from matcher.people.access import Viewer
from matcher.seekers.kpi import dashboard, outcomes_by_area, quarter_start

__all__ = ["KPI_SNAPSHOT", "take_snapshot"]

EVERYONE = Viewer(id=0, username="scheduler", role="admin")


def take_snapshot(ctx: JobContext, requests: list[JobRequest] | None = None) -> dict[str, Any]:
    """Today's figures per area, replacing any taken earlier today."""
    today, now = clock.today(), clock.utcnow()
    with write_session(ctx.engine) as session:
        figures = dashboard(session, viewer=EVERYONE, today=today)
        outcomes = outcomes_by_area(session, viewer=EVERYONE, since=quarter_start(today))
        rows = [
            asdict(area)
            | {"day": today, "outcomes": outcomes.get(area.area_code, {}), "taken_at": now}
            for area in figures.areas
        ]
        upsert(session, table_of(KpiSnapshot), rows, keys=("day", "area_code"))
    return {"day": today.isoformat(), "areas": len(rows), "seekers": figures.total.seekers}


KPI_SNAPSHOT = Job(
    "kpi_snapshot",
    take_snapshot,
    slot=day_slot,
    label=("每日指标快照", "Daily KPI snapshot"),
)
