"""Refreshing recommendations: load, rank, and switch readers to the new set atomically.

Every refresh is a ``refresh_run`` row. Its recommendations are written inactive, then one
transaction deactivates the recommendations they replace, activates the new ones and marks
the run succeeded: a reader sees the old set or the new one, never half, and a refresh that
dies midway leaves the old set in place (its inactive rows are removed by the next run).

Recommendations a seeker is acting on (sent, viewed, applied, interview) are kept while
still feasible, and a pair's status carries over to its new row. Declined postings are
never recommended to that seeker again.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col

from matcher.bulk import bulk_insert
from matcher.db import read_session, write_session
from matcher.models import Jobseeker, Recommendation, RefreshRun, table_of, utcnow
from matcher.ranker.run import RankedRun, rank
from matcher.ranker.weights import RankerSettings, load_settings
from matcher.ranking_inputs import (
    PINNED_STATUSES,
    load_postings,
    load_seekers,
    update_stale_profiles,
)

__all__ = ["RefreshSummary", "SeekerNotFound", "full_refresh", "refresh_seekers"]

log = logging.getLogger(__name__)
Progress = Callable[[str, int, int], None]


class SeekerNotFound(LookupError):
    pass


@dataclass
class RefreshSummary:
    run_id: int
    kind: str
    seekers: int
    postings: int
    feasible_pairs: int
    recommendations: int
    seconds: float
    over_capacity: int = 0
    graduates_short: int = 0

    def line(self) -> str:
        return (
            f"refresh {self.run_id} ({self.kind}): {self.seekers} seekers, {self.postings} "
            f"postings, {self.feasible_pairs} feasible pairs, {self.recommendations} "
            f"recommendations in {self.seconds:.1f} s"
        )


def full_refresh(
    engine: Engine,
    *,
    today: date | None = None,
    settings: RankerSettings | None = None,
    progress: Progress | None = None,
) -> RefreshSummary:
    """Rank every seeker who may be matched against every open posting."""
    started = time.perf_counter()
    today = today or date.today()
    settings = settings or load_settings()
    report = progress or (lambda stage, done, total: None)
    with write_session(engine) as session:
        update_stale_profiles(session)
    run_id = _start_run(engine, "full")
    try:
        report("loading", 0, 1)
        with read_session(engine) as session:
            postings = load_postings(session, today=today)
            seekers = load_seekers(session)
            pinned = _pinned(session, None)
        report("loading", 1, 1)
        ranked = rank(postings, seekers, settings, today=today, pinned=pinned, progress=report)
        _store(engine, run_id, ranked, replace_seekers=None, progress=report)
    except BaseException as exc:
        _fail_run(engine, run_id, exc)
        raise
    return _finish(engine, run_id, "full", ranked, started)


def refresh_seekers(
    engine: Engine,
    seeker_ids: Iterable[int],
    *,
    kind: str = "single",
    today: date | None = None,
    settings: RankerSettings | None = None,
) -> RefreshSummary:
    """Rank some seekers again, within what the other seekers already take of each posting."""
    started = time.perf_counter()
    today = today or date.today()
    settings = settings or load_settings()
    wanted = sorted(set(seeker_ids))
    run_id = _start_run(engine, kind)
    try:
        with read_session(engine) as session:
            postings = load_postings(session, today=today)
            seekers = [s for s in load_seekers(session, ids=wanted) if s.eligible]
            pinned = _pinned(session, wanted)
            elsewhere = _exposure(session, excluding=wanted)
        ranked = rank(
            postings, seekers, settings, today=today, pinned=pinned, exposure_elsewhere=elsewhere
        )
        _store(engine, run_id, ranked, replace_seekers=wanted)
    except BaseException as exc:
        _fail_run(engine, run_id, exc)
        raise
    return _finish(engine, run_id, kind, ranked, started)


def seeker_id_of(engine: Engine, external_id: str) -> int:
    with read_session(engine) as session:
        found = session.execute(
            select(col(Jobseeker.id)).where(col(Jobseeker.external_id) == external_id)
        ).scalar()
    if found is None:
        raise SeekerNotFound(f"no seeker has the id {external_id}")
    return int(found)


# --- runs ---------------------------------------------------------------------------------


def _start_run(engine: Engine, kind: str) -> int:
    with write_session(engine) as session:
        run = RefreshRun(kind=kind, status="running")
        session.add(run)
        session.flush()
        assert run.id is not None
        return run.id


def _fail_run(engine: Engine, run_id: int, exc: BaseException) -> None:
    with write_session(engine) as session:
        session.execute(
            update(table_of(RefreshRun))
            .where(table_of(RefreshRun).c.id == run_id)
            .values(
                status="failed", finished_at=utcnow(), error=f"{type(exc).__name__}: {exc}"[:500]
            )
        )
        session.execute(
            delete(table_of(Recommendation)).where(table_of(Recommendation).c.run_id == run_id)
        )
    log.error("refresh %s failed: %s", run_id, exc)


def _finish(
    engine: Engine, run_id: int, kind: str, ranked: RankedRun, started: float
) -> RefreshSummary:
    summary = RefreshSummary(
        run_id=run_id,
        kind=kind,
        seekers=ranked.seekers,
        postings=ranked.postings,
        feasible_pairs=ranked.feasible_pairs,
        recommendations=len(ranked.rows),
        seconds=time.perf_counter() - started,
        over_capacity=ranked.over_capacity,
        graduates_short=ranked.graduates_short,
    )
    log.info(
        "refresh finished run=%s kind=%s seekers=%s postings=%s pairs=%s recs=%s seconds=%.1f",
        run_id,
        kind,
        summary.seekers,
        summary.postings,
        summary.feasible_pairs,
        summary.recommendations,
        summary.seconds,
    )
    return summary


# --- reading what is there ---------------------------------------------------------------


def _pinned(session: Session, seeker_ids: list[int] | None) -> set[tuple[int, int]]:
    query = select(col(Recommendation.seeker_id), col(Recommendation.posting_id)).where(
        col(Recommendation.active).is_(True), col(Recommendation.status).in_(PINNED_STATUSES)
    )
    if seeker_ids is not None:
        query = query.where(col(Recommendation.seeker_id).in_(seeker_ids))
    return {(s, p) for s, p in session.execute(query)}


def _exposure(session: Session, *, excluding: list[int]) -> dict[int, int]:
    query = (
        select(col(Recommendation.posting_id), func.count())
        .where(
            col(Recommendation.active).is_(True), col(Recommendation.seeker_id).not_in(excluding)
        )
        .group_by(col(Recommendation.posting_id))
    )
    return {p: n for p, n in session.execute(query)}


# --- writing --------------------------------------------------------------------------------


def _store(
    engine: Engine,
    run_id: int,
    ranked: RankedRun,
    *,
    replace_seekers: list[int] | None,
    progress: Progress | None = None,
) -> None:
    """Write the run's rows inactive, then switch to them in one transaction."""
    report = progress or (lambda stage, done, total: None)
    table = table_of(Recommendation)
    with read_session(engine) as session:
        carried = _statuses(session, replace_seekers)
    now = utcnow()
    rows = []
    for row in ranked.rows:
        status = carried.get((row["seeker_id"], row["posting_id"]))
        rows.append(
            row
            | {
                "run_id": run_id,
                "active": False,
                "status": status[0] if status else "new",
                "status_reason": status[1] if status else "",
                "status_at": status[2] if status else None,
                "created_at": now,
            }
        )
    report("storing", 0, len(rows))
    with write_session(engine) as session:
        bulk_insert(session, table, rows)
    report("storing", len(rows), len(rows))
    with write_session(engine) as session:
        replaced: Any = table.c.active.is_(True)
        if replace_seekers is not None:
            replaced = replaced & table.c.seeker_id.in_(replace_seekers)
        session.execute(update(table).where(replaced).values(active=False))
        session.execute(update(table).where(table.c.run_id == run_id).values(active=True))
        session.execute(
            update(table_of(RefreshRun))
            .where(table_of(RefreshRun).c.id == run_id)
            .values(
                status="succeeded",
                finished_at=utcnow(),
                seekers=ranked.seekers,
                postings=ranked.postings,
                feasible_pairs=ranked.feasible_pairs,
                recommendations=len(rows),
            )
        )
    _clean_up(engine, run_id)


def _statuses(
    session: Session, seeker_ids: list[int] | None
) -> dict[tuple[int, int], tuple[str, str, Any]]:
    """The outcome so far of each active pair that has one, to carry to the new row."""
    query = select(
        col(Recommendation.seeker_id),
        col(Recommendation.posting_id),
        col(Recommendation.status),
        col(Recommendation.status_reason),
        col(Recommendation.status_at),
    ).where(col(Recommendation.active).is_(True), col(Recommendation.status) != "new")
    if seeker_ids is not None:
        query = query.where(col(Recommendation.seeker_id).in_(seeker_ids))
    return {(s, p): (status, reason, at) for s, p, status, reason, at in session.execute(query)}


def _clean_up(engine: Engine, run_id: int) -> None:
    """Drop replaced rows that never got an outcome, and rows of runs that did not finish.
    Rows with an outcome stay: they are the history that the KPI figures and learning use."""
    table = table_of(Recommendation)
    runs = table_of(RefreshRun)
    finished = select(runs.c.id).where(runs.c.status != "running")
    failed = select(runs.c.id).where(runs.c.status == "failed")
    with write_session(engine) as session:
        session.execute(
            delete(table).where(
                table.c.active.is_(False),
                ((table.c.status == "new") & table.c.run_id.in_(finished))
                | table.c.run_id.in_(failed),
            )
        )
