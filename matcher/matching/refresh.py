"""Refreshing recommendations: load, rank, and switch readers to the new set atomically.

Every refresh is a ``refresh_run`` row. One transaction writes its recommendations, retires
the ones they replace and marks the run succeeded: a reader sees the old set or the new one,
never half, and a refresh that dies midway leaves the old set in place (the next run marks
it failed).

Recommendations a seeker is acting on (sent, viewed, applied, interview) are kept while
still feasible, and a pair's status carries over to its new row. Declined postings are
never recommended to that seeker again.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np
from sqlalchemy import and_, delete, func, or_, select, update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col

from matcher.core import clock, standings
from matcher.core.bulk import bulk_insert
from matcher.core.db import read_session, transact, write_session
from matcher.core.models import (
    CapabilityProfile,
    Jobseeker,
    Posting,
    Recommendation,
    RefreshRun,
    table_of,
)
from matcher.matching.inputs import (
    PINNED_STATUSES,
    load_postings,
    load_seekers,
    update_stale_profiles,
)
from matcher.ranker.engine import Ranker, SeekerSet
from matcher.ranker.inputs import PostingInput
from matcher.ranker.run import RankedRun, rank_with
from matcher.ranker.selection import LIST_LENGTH
from matcher.ranker.weights import RankerSettings, load_settings

__all__ = ["RefreshSummary", "Refresher", "full_refresh", "recover_interrupted"]

# Web workers and the scheduler may run on machines whose clocks differ by this much.
CLOCK_MARGIN = timedelta(minutes=5)
log = logging.getLogger(__name__)
Progress = Callable[[str, int, int], None]


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


@dataclass
class _Warm:
    """What the last refresh built, kept for the next one in a long-running process."""

    as_of: datetime  # changes at or after this time are not in the state yet
    today: date
    postings: list[PostingInput]
    ranker: Ranker
    seekers: SeekerSet
    row_of: dict[int, int]  # seeker id -> its current row in ``seekers``


class Refresher:
    """Runs refreshes for one process, keeping the ranker between them.

    The scheduler keeps one: its incremental refreshes then cost in proportion to what
    changed. A refresher without state (a new process) first builds it from the database.
    """

    # Beyond this share of changed postings, a full refresh is as cheap and refits the text
    # model and the skill weights.
    INCREMENTAL_LIMIT = 0.2
    # Beyond this share of the changed postings' bigrams that the text model has never seen
    # (new kinds of job, new wording), the model is refitted by a full refresh too.
    UNSEEN_LIMIT = 0.3

    def __init__(
        self,
        engine: Engine,
        *,
        settings: RankerSettings | None = None,
    ) -> None:
        self.engine = engine
        self.settings = settings or load_settings()
        self._warm: _Warm | None = None

    def full(self, *, progress: Progress | None = None) -> RefreshSummary:
        """Rank every seeker who may be matched against every open posting."""
        started, as_of, today = time.perf_counter(), clock.utcnow(), clock.today()
        report = progress or (lambda stage, done, total: None)
        with write_session(self.engine) as session:
            update_stale_profiles(session)
        run_id = _start_run(self.engine, "full")
        try:
            report("loading", 0, 1)
            warm = self._build(today, as_of)
            with read_session(self.engine) as session:
                pinned = _pinned(session, None)
            report("loading", 1, 1)
            ranked = rank_with(warm.ranker, warm.seekers, pinned=pinned, progress=report)
            _store(
                self.engine,
                run_id,
                ranked,
                replace_seekers=None,
                progress=report,
                unfit=_unfit(warm.ranker, ranked),
            )
        except BaseException as exc:
            _fail_run(self.engine, run_id, exc)
            self._warm = None
            raise
        self._warm = warm
        return _finish(run_id, "full", ranked, started)

    def seekers(self, seeker_ids: Iterable[int], *, kind: str = "single") -> RefreshSummary:
        """Rank some seekers again, within what the other seekers already take of each
        posting (on demand, for one seeker)."""
        started, today = time.perf_counter(), clock.today()
        wanted = sorted(set(seeker_ids))
        run_id = _start_run(self.engine, kind)
        try:
            ranker = self._current_ranker(today)
            with read_session(self.engine) as session:
                inputs = load_seekers(session, ids=wanted)
                pinned = _pinned(session, wanted)
            seeker_set = ranker.seeker_set(inputs)

            def elsewhere(postings: list[int]) -> dict[int, int]:
                with read_session(self.engine) as session:
                    return _exposure(session, excluding=wanted, postings=postings)

            ranked = rank_with(ranker, seeker_set, pinned=pinned, exposure_elsewhere=elsewhere)
            _store(self.engine, run_id, ranked, replace_seekers=wanted)
        except BaseException as exc:
            _fail_run(self.engine, run_id, exc)
            raise
        return _finish(run_id, kind, ranked, started)

    def incremental(self, *, progress: Progress | None = None) -> RefreshSummary:
        """Bring the recommendations up to date with what changed since the last refresh:
        new, changed and closed postings, changed seekers, new declines. Only the seekers
        it touches are ranked again."""
        started, as_of, today = time.perf_counter(), clock.utcnow(), clock.today()
        since = self._warm.as_of if self._warm else _last_success(self.engine)
        if since is None:
            return self.full(progress=progress)
        if self._warm is None or self._warm.today != today:
            self._warm = self._build(today, since)  # a new process, or a new day
        warm = self._warm
        with write_session(self.engine) as session:
            update_stale_profiles(session)
        with read_session(self.engine) as session:
            posting_ids, seeker_ids = _changed_since(session, since, today)
            if len(posting_ids) > self.INCREMENTAL_LIMIT * max(1, len(warm.postings)):
                return self.full(progress=progress)
            changed_postings = load_postings(session, today=today, ids=posting_ids)
            unseen = warm.ranker.text_model.unseen_share([p.text for p in changed_postings])
            if unseen > self.UNSEEN_LIMIT:
                log.info("%.0f%% of the changed postings' bigrams are new: refit", unseen * 100)
                return self.full(progress=progress)
            changed_seekers = load_seekers(session, ids=seeker_ids)
            holding = _holders(session, posting_ids)
            thresholds = _thresholds(session)
        run_id = _start_run(self.engine, "incremental")
        try:
            ranker = warm.ranker.with_changes(
                removed=posting_ids, added=changed_postings, today=today
            )
            postings = ranker.postings
            seekers, row_of = warm.seekers, dict(warm.row_of)
            if changed_seekers:
                for seeker in changed_seekers:  # their old rows stop counting
                    if seeker.id in row_of:
                        seekers.eligible[row_of[seeker.id]] = False
                first = len(seekers.items)
                seekers = seekers.extend(changed_seekers)
                row_of.update({s.id: first + k for k, s in enumerate(changed_seekers)})
            affected = set(seeker_ids) | holding
            affected |= _gaining(ranker, seekers, row_of, posting_ids, thresholds)
            rows = np.array(sorted(row_of[s] for s in affected if s in row_of), dtype=np.int64)
            with read_session(self.engine) as session:
                pinned = _pinned(session, sorted(affected))

            def elsewhere(reachable: list[int]) -> dict[int, int]:
                with read_session(self.engine) as session:
                    return _exposure(session, excluding=sorted(affected), postings=reachable)

            ranked = rank_with(
                ranker,
                seekers,
                rows=rows,
                pinned=pinned,
                exposure_elsewhere=elsewhere,
                progress=progress,
            )
            _store(self.engine, run_id, ranked, replace_seekers=sorted(affected))
        except BaseException as exc:
            _fail_run(self.engine, run_id, exc)
            self._warm = None
            raise
        self._warm = _Warm(
            as_of=as_of,
            today=today,
            postings=postings,
            ranker=ranker,
            seekers=seekers,
            row_of=row_of,
        )
        return _finish(run_id, "incremental", ranked, started)

    def current(self) -> tuple[Ranker, SeekerSet]:
        """The warm ranker and seekers, as of the last refresh (built now in a new process
        or on a new day): for work that scores against them without storing
        recommendations, such as a fair's fit figures."""
        today = clock.today()
        if self._warm is not None and self._warm.today == today:
            return self._warm.ranker, self._warm.seekers
        since = _last_success(self.engine)
        warm = self._build(today, since or clock.utcnow())
        if since is not None:  # with no refresh yet, the first one must be a full one
            self._warm = warm
        return warm.ranker, warm.seekers

    def _build(self, today: date, as_of: datetime) -> _Warm:
        with read_session(self.engine) as session:
            postings = load_postings(session, today=today)
            seekers = load_seekers(session)
        ranker = Ranker(postings, self.settings, today=today)
        seeker_set = ranker.seeker_set(seekers)
        return _Warm(
            as_of=as_of,
            today=today,
            postings=postings,
            ranker=ranker,
            seekers=seeker_set,
            row_of={s.id: k for k, s in enumerate(seekers)},
        )

    def _current_ranker(self, today: date) -> Ranker:
        """The warm ranker if it is up to date with the postings, else a new one."""
        with read_session(self.engine) as session:
            latest = session.execute(select(func.max(col(Posting.updated_at)))).scalar()
        warm = self._warm
        if warm is None or warm.today != today or (latest is not None and latest >= warm.as_of):
            with read_session(self.engine) as session:
                postings = load_postings(session, today=today)
            return Ranker(postings, self.settings, today=today)
        return warm.ranker


def full_refresh(
    engine: Engine,
    *,
    settings: RankerSettings | None = None,
    progress: Progress | None = None,
) -> RefreshSummary:
    """Rank every seeker who may be matched against every open posting."""
    return Refresher(engine, settings=settings).full(progress=progress)


# --- runs ---------------------------------------------------------------------------------


def recover_interrupted(engine: Engine) -> int:
    """Mark refreshes still "running" as failed and drop their rows. Only for a caller that
    holds the refresh lock: then no refresh is running, and these died midway (killed,
    or the machine stopped). Their readers never saw them; the old set stays active."""
    runs = table_of(RefreshRun)
    with write_session(engine) as session:
        dead = list(session.execute(select(runs.c.id).where(runs.c.status == "running")).scalars())
        if not dead:
            return 0
        session.execute(
            update(runs)
            .where(runs.c.id.in_(dead))
            .values(
                status="failed",
                finished_at=clock.utcnow(),
                error="interrupted: the process ended before the run finished",
            )
        )
        session.execute(
            delete(table_of(Recommendation)).where(table_of(Recommendation).c.run_id.in_(dead))
        )
    log.warning("refresh runs %s were interrupted; marked failed, their rows removed", dead)
    return len(dead)


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
                status="failed",
                finished_at=clock.utcnow(),
                error=f"{type(exc).__name__}: {exc}"[:500],
            )
        )
        session.execute(
            delete(table_of(Recommendation)).where(table_of(Recommendation).c.run_id == run_id)
        )
    log.error("refresh %s failed: %s", run_id, exc)


def _unfit(ranker: Ranker, ranked: RankedRun) -> list[int]:
    """Open postings that no seeker could be offered (after a run over everyone)."""
    counts = ranked.candidates.feasible_per_posting if ranked.candidates else None
    if counts is None:
        return []
    return sorted(ranker.posting_id[(counts == 0) & ranker.open].tolist())


def _finish(run_id: int, kind: str, ranked: RankedRun, started: float) -> RefreshSummary:
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


def _last_success(engine: Engine) -> datetime | None:
    """When the last refresh that succeeded started (changes after it are not in it)."""
    with read_session(engine) as session:
        found: datetime | None = session.execute(
            select(func.max(col(RefreshRun.started_at))).where(
                col(RefreshRun.status) == "succeeded"
            )
        ).scalar()
    return found


def _changed_since(session: Session, since: datetime, today: date) -> tuple[list[int], list[int]]:
    """Postings new, changed or closed since ``since``; seekers changed, assessed or with a
    posting declined since then."""
    postings = set(
        session.execute(
            select(col(Posting.id)).where(
                or_(
                    col(Posting.updated_at) >= since,
                    and_(col(Posting.deadline) >= since.date(), col(Posting.deadline) < today),
                )
            )
        ).scalars()
    )
    seekers = set(
        session.execute(
            select(col(Jobseeker.id)).where(col(Jobseeker.updated_at) >= since)
        ).scalars()
    )
    seekers |= set(
        session.execute(
            select(col(CapabilityProfile.seeker_id)).where(
                col(CapabilityProfile.assessed_at) >= since
            )
        ).scalars()
    )
    seekers |= set(
        session.execute(
            select(col(Recommendation.seeker_id)).where(
                col(Recommendation.status) == "declined", col(Recommendation.status_at) >= since
            )
        ).scalars()
    )
    return sorted(postings), sorted(seekers)


def _holders(session: Session, posting_ids: list[int]) -> set[int]:
    """Seekers who are recommended one of these postings now."""
    if not posting_ids:
        return set()
    return set(
        session.execute(
            select(col(Recommendation.seeker_id)).where(
                col(Recommendation.active).is_(True),
                col(Recommendation.posting_id).in_(posting_ids),
            )
        ).scalars()
    )


def _thresholds(session: Session) -> dict[int, float]:
    """Per seeker with a full list, the lowest score in it: a new posting must beat it."""
    query = (
        select(col(Recommendation.seeker_id), func.count(), func.min(col(Recommendation.score)))
        .where(col(Recommendation.active).is_(True))
        .group_by(col(Recommendation.seeker_id))
    )
    return {sid: low for sid, count, low in session.execute(query) if count >= LIST_LENGTH}


def _gaining(
    ranker: Ranker,
    seekers: SeekerSet,
    row_of: dict[int, int],
    posting_ids: list[int],
    thresholds: dict[int, float],
) -> set[int]:
    """Seekers whom a new or changed posting could now reach: those for whom it beats the
    weakest of a full list (or who have room), and of those, per posting, only as many as
    its exposure limit lets in, best first. So the cost follows what changed."""
    wanted = np.flatnonzero(np.isin(ranker.posting_id, posting_ids) & ranker.open)
    if not len(wanted):
        return set()
    rows = np.array(sorted(row_of.values()), dtype=np.int64)
    found = ranker.candidates(seekers, rows=rows, postings=wanted, keep=LIST_LENGTH)
    seeker_ids = np.array([seekers.items[row].id for row in found.seeker.tolist()])
    beats = found.score > np.array([thresholds.get(s, -1.0) for s in seeker_ids.tolist()])
    limit = ranker.settings.exposure_per_opening * ranker.openings
    gaining: set[int] = set()
    order = np.lexsort((-found.score[beats], found.posting[beats]))
    posting, seeker_id = found.posting[beats][order], seeker_ids[beats][order]
    first = np.concatenate(([True], posting[1:] != posting[:-1])) if len(posting) else posting
    place = np.arange(len(posting)) - np.maximum.accumulate(
        np.where(first, np.arange(len(posting)), 0)
    )
    gaining.update(seeker_id[place < limit[posting]].tolist())
    return gaining


def _pinned(session: Session, seeker_ids: list[int] | None) -> set[tuple[int, int]]:
    query = select(col(Recommendation.seeker_id), col(Recommendation.posting_id)).where(
        col(Recommendation.active).is_(True), col(Recommendation.status).in_(PINNED_STATUSES)
    )
    if seeker_ids is not None:
        query = query.where(col(Recommendation.seeker_id).in_(seeker_ids))
    return {(s, p) for s, p in session.execute(query)}


def _exposure(
    session: Session, *, excluding: list[int], postings: list[int] | None = None
) -> dict[int, int]:
    """How many seekers (other than ``excluding``) see each posting now (of ``postings``
    only, if given: for one seeker, the postings they could be given)."""
    query = (
        select(col(Recommendation.posting_id), func.count())
        .where(
            col(Recommendation.active).is_(True), col(Recommendation.seeker_id).not_in(excluding)
        )
        .group_by(col(Recommendation.posting_id))
    )
    if postings is not None:
        query = query.where(col(Recommendation.posting_id).in_(postings))
    return {p: n for p, n in session.execute(query)}


# --- writing --------------------------------------------------------------------------------


def _store(
    engine: Engine,
    run_id: int,
    ranked: RankedRun,
    *,
    replace_seekers: list[int] | None,
    progress: Progress | None = None,
    unfit: list[int] | None = None,
) -> None:
    """Write the run's rows and switch readers to them, in one transaction.

    The new rows go in active, unseen by readers until the commit; the rows they replace
    are deleted if they never got an outcome (the clean-up would delete them anyway) and
    otherwise kept, inactive, as history. Writing the new rows once, rather than inactive
    and then switched, spares the database a second write of every row: at 100,000
    seekers, a fifth of a full refresh's database work, which competes with web pages."""
    report = progress or (lambda stage, done, total: None)
    table = table_of(Recommendation)
    read_at = clock.utcnow() - CLOCK_MARGIN
    with read_session(engine) as session:
        carried = _statuses(session, replace_seekers)
        changed = _changed_seekers(session, replace_seekers, ranked.rows)
    now = clock.utcnow()
    rows = []
    for row in ranked.rows:
        status = carried.get((row["seeker_id"], row["posting_id"]))
        rows.append(
            row
            | {
                "run_id": run_id,
                "active": True,
                "status": status[0] if status else "new",
                "status_reason": status[1] if status else "",
                "status_at": status[2] if status else None,
                "created_at": now,
            }
        )

    def switch(session: Session) -> None:
        report("storing", 0, len(rows))
        bulk_insert(session, table, rows)
        report("storing", len(rows), len(rows))
        # Seeker rows first, then recommendations, then standings: the order in which an
        # edit of a file takes them (matcher.seekers.file), so the two never wait on each
        # other in a circle.
        seekers = table_of(Jobseeker)
        for start in range(0, len(changed), 5000):
            session.execute(
                update(seekers)
                .where(seekers.c.id.in_(changed[start : start + 5000]))
                .values(matches_changed_at=now)
            )
        replaced: Any = table.c.active.is_(True) & (table.c.run_id != run_id)
        if replace_seekers is not None:
            replaced = replaced & table.c.seeker_id.in_(replace_seekers)
        session.execute(delete(table).where(replaced & (table.c.status == "new")))
        session.execute(update(table).where(replaced).values(active=False))
        # An outcome recorded while this run ranked is on the row just replaced (now
        # locked by the update above): the new row of the same pair takes it over. Found
        # from the few such rows, then each updated by the run's unique key (a join from
        # the new rows would be planned on stale statistics for a table just filled).
        since = (table.c.run_id != run_id) & (table.c.status_at >= read_at)
        if replace_seekers is not None:  # a few seekers: found by the seeker index
            since = since & table.c.seeker_id.in_(replace_seekers)
        recorded = session.execute(
            select(
                table.c.seeker_id,
                table.c.posting_id,
                table.c.status,
                table.c.status_reason,
                table.c.status_at,
            ).where(since)
        ).all()
        for seeker_id, posting_id, status, reason, status_at in recorded:
            session.execute(
                update(table)
                .where(
                    table.c.run_id == run_id,
                    table.c.seeker_id == seeker_id,
                    table.c.posting_id == posting_id,
                )
                .values(status=status, status_reason=reason, status_at=status_at)
            )
        session.execute(
            update(table_of(RefreshRun))
            .where(table_of(RefreshRun).c.id == run_id)
            .values(
                status="succeeded",
                finished_at=clock.utcnow(),
                seekers=ranked.seekers,
                postings=ranked.postings,
                feasible_pairs=ranked.feasible_pairs,
                recommendations=len(rows),
                unfit_postings=unfit,
            )
        )
        # The caseload's counts of recommendations and sent ones follow the switch: they
        # change for the seekers whose set of postings changed, and for any whose outcome
        # was recorded while this run ranked (the new row carries the status read before).
        outcomes = select(table.c.seeker_id).where(table.c.status_at >= read_at).distinct()
        touched = set(changed) | set(session.execute(outcomes).scalars())
        standings.repair(session.connection(), touched)

    transact(engine, switch)  # run again if chosen as a deadlock's victim
    _clean_up(engine, replace_seekers)


def _changed_seekers(
    session: Session, seeker_ids: list[int] | None, rows: list[dict[str, Any]]
) -> list[int]:
    """Seekers whose set of postings the new rows change (the weekly change list)."""
    query = select(col(Recommendation.seeker_id), col(Recommendation.posting_id)).where(
        col(Recommendation.active).is_(True)
    )
    if seeker_ids is not None:
        query = query.where(col(Recommendation.seeker_id).in_(seeker_ids))
    before = np.array(session.execute(query).all(), dtype=np.int64).reshape(-1, 2)
    after = np.array(
        [(row["seeker_id"], row["posting_id"]) for row in rows], dtype=np.int64
    ).reshape(-1, 2)

    def keys(pairs: np.ndarray) -> np.ndarray:
        return np.asarray((pairs[:, 0] << 32) | pairs[:, 1])

    differing = np.setxor1d(keys(before), keys(after))
    return [int(s) for s in np.unique(differing >> 32).tolist()]


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


def _clean_up(engine: Engine, seekers: list[int] | None) -> None:
    """Drop replaced rows that never got an outcome, and rows of runs that did not finish
    (of the given seekers only, after a run for some). Rows with an outcome stay: they are
    the history that the KPI figures and learning use."""
    table = table_of(Recommendation)
    runs = table_of(RefreshRun)
    finished = select(runs.c.id).where(runs.c.status != "running")
    failed = select(runs.c.id).where(runs.c.status == "failed")
    condition = table.c.active.is_(False) & (
        ((table.c.status == "new") & table.c.run_id.in_(finished)) | table.c.run_id.in_(failed)
    )
    if seekers is not None:
        condition = condition & table.c.seeker_id.in_(seekers)
    with write_session(engine) as session:
        session.execute(delete(table).where(condition))
