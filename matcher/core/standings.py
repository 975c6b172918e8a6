"""Where each seeker stands in the one-to-one service (``SeekerStanding``), kept with the
changes that move it.

The caseload sorts a case worker's seekers by what needs doing first. Summing the service
records and recommendations of 3,000 seekers on every request cost 120-160 ms; the
standing keeps the sums per seeker, so a caseload page reads one narrow row per seeker and
sorts in SQL. Time plays no part in it: "overdue" is ``follow_up < today``, decided by the
reader, so nothing goes stale at midnight.

The rows are derived from their sources (``derived``) and written in the same transaction
as every change to them:

* ORM flushes that add, change or delete a ``ServiceRecord`` or a ``Recommendation``
  derive their seekers' rows again (a session listener that ``matcher.core.db`` installs): the
  seeker file, the graduate portal, and any later service that writes through the ORM;
* statements that bypass the ORM call ``repair`` themselves: the refresh's switch, the
  demo;
* the daily reminders job repairs every row and counts those it had to correct (none is
  expected; a count is a bug to look for).

On PostgreSQL (READ COMMITTED), two transactions deriving one seeker's row at the same time
could each write what it read before the other committed. ``sync`` therefore takes the
rows' locks first, then reads the sources, then writes: the second waits for the first and
then reads its committed changes.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import date
from functools import cache
from typing import Any, NamedTuple

from sqlalchemy import (
    ColumnElement,
    Select,
    Subquery,
    and_,
    bindparam,
    case,
    event,
    false,
    func,
    literal,
    null,
    or_,
    select,
    update,
)
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session
from sqlmodel import col

from matcher.core.codes import code_list
from matcher.core.models import Jobseeker, Recommendation, SeekerStanding, ServiceRecord, table_of

__all__ = [
    "FOUR_ONES",
    "GRADUATE_TARGET",
    "NOTHING",
    "Standing",
    "derived",
    "fill",
    "four_ones_kinds",
    "install",
    "recommendation_summary",
    "record_summary",
    "repair",
    "stale",
    "stored",
    "sync",
]

FOUR_ONES = ("info_check", "capability_assessment", "need_registration", "employment_service")
GRADUATE_TARGET = 3  # postings each graduate should have been sent
CHUNK = 2000  # seekers per statement


class Standing(NamedTuple):
    info_check: bool
    capability_assessment: bool
    need_registration: bool
    employment_service: bool
    follow_up: date | None  # asked for and not served since
    recommendations: int  # active
    sent: int  # active, with an outcome past "new"

    @property
    def done(self) -> tuple[bool, bool, bool, bool]:
        return (
            self.info_check,
            self.capability_assessment,
            self.need_registration,
            self.employment_service,
        )


NOTHING = Standing(False, False, False, False, None, 0, 0)
COLUMNS = Standing._fields


@cache
def four_ones_kinds() -> dict[str, tuple[str, ...]]:
    """Each of the "four ones" and the service kinds that count as it (data/codes.yaml)."""
    kinds: dict[str, list[str]] = {step: [] for step in FOUR_ONES}
    for kind in code_list("service_kinds"):
        step = kind.extra.get("four_ones")
        if step:
            kinds[str(step)].append(kind.key)
    return {step: tuple(keys) for step, keys in kinds.items()}


Seekers = Select[*tuple[Any, ...]] | Sequence[int] | None


def record_summary(seekers: Seekers = None) -> Subquery:
    """Per seeker (of the id query or list ``seekers``, else all): which of the "four
    ones" are done, the latest follow-up date asked for (``due``) and the latest service
    date."""
    steps = four_ones_kinds()
    query: Select[*tuple[Any, ...]] = select(
        col(ServiceRecord.seeker_id).label("seeker_id"),
        *(
            func.max(case((col(ServiceRecord.kind).in_(steps[step]), 1), else_=0)).label(step)
            for step in FOUR_ONES
        ),
        func.max(col(ServiceRecord.next_follow_up)).label("due"),
        func.max(col(ServiceRecord.served_on)).label("last_served"),
    )
    if seekers is not None:
        query = query.where(col(ServiceRecord.seeker_id).in_(seekers))
    return query.group_by(col(ServiceRecord.seeker_id)).subquery()


def recommendation_summary(seekers: Seekers = None) -> Subquery:
    """Per seeker: active recommendations (``total``) and how many were sent (``sent``)."""
    query: Select[*tuple[Any, ...]] = select(
        col(Recommendation.seeker_id).label("seeker_id"),
        func.count().label("total"),
        func.sum(case((col(Recommendation.status) != "new", 1), else_=0)).label("sent"),
    ).where(col(Recommendation.active).is_(True))
    if seekers is not None:
        query = query.where(col(Recommendation.seeker_id).in_(seekers))
    return query.group_by(col(Recommendation.seeker_id)).subquery()


def derived(seekers: Seekers = None) -> Subquery:
    """The standing of each seeker (``id`` and the columns of ``Standing``) as the service
    records and active recommendations give it now: the truth the stored rows keep."""
    records, recs = record_summary(seekers), recommendation_summary(seekers)
    due, served = records.c.due, records.c.last_served
    query: Select[*tuple[Any, ...]] = (
        select(
            col(Jobseeker.id).label("id"),
            *((func.coalesce(records.c[step], 0) == 1).label(step) for step in FOUR_ONES),
            case(
                (and_(due.is_not(None), or_(served.is_(None), due > served)), due),
                else_=null(),
            ).label("follow_up"),
            func.coalesce(recs.c.total, 0).label("recommendations"),
            func.coalesce(recs.c.sent, 0).label("sent"),
        )
        .outerjoin(records, records.c.seeker_id == col(Jobseeker.id))
        .outerjoin(recs, recs.c.seeker_id == col(Jobseeker.id))
    )
    if seekers is not None:
        query = query.where(col(Jobseeker.id).in_(seekers))
    return query.subquery()


def _standing(row: Sequence[Any]) -> Standing:
    info, assessed, registered, served, follow_up, total, sent = row
    return Standing(
        bool(info),
        bool(assessed),
        bool(registered),
        bool(served),
        follow_up,
        int(total or 0),
        int(sent or 0),
    )


def _chunks(ids: Iterable[int]) -> Iterator[list[int]]:
    ordered = sorted(set(ids))
    for start in range(0, len(ordered), CHUNK):
        yield ordered[start : start + CHUNK]


def live(connection: Connection, seeker_ids: Iterable[int]) -> dict[int, Standing]:
    """The standing of these seekers computed from the sources now (``derived``)."""
    found: dict[int, Standing] = {}
    for chunk in _chunks(seeker_ids):
        truth = derived(chunk)
        found.update(
            (int(row[0]), _standing(row[1:]))
            for row in connection.execute(select(*truth.c).order_by(truth.c.id))
        )
    return found


def stored(connection: Connection, seeker_ids: Iterable[int]) -> dict[int, Standing]:
    """The standing kept for these seekers (``NOTHING`` where no row is kept)."""
    table = table_of(SeekerStanding)
    found: dict[int, Standing] = {}
    for chunk in _chunks(seeker_ids):
        found.update(dict.fromkeys(chunk, NOTHING))
        query = select(table.c.seeker_id, *(table.c[name] for name in COLUMNS)).where(
            table.c.seeker_id.in_(chunk)
        )
        found.update((int(row[0]), _standing(row[1:])) for row in connection.execute(query))
    return found


def _differs(truth: Subquery, kept: Any) -> ColumnElement[bool]:
    """A stored row (``kept``, outer-joined: NULL when missing) differs from the truth."""
    tests: list[ColumnElement[bool]] = [
        func.coalesce(kept.c[step], false()) != truth.c[step] for step in FOUR_ONES
    ]
    tests.append(kept.c.follow_up.is_distinct_from(truth.c.follow_up))
    tests += [
        func.coalesce(kept.c[name], 0) != truth.c[name] for name in ("recommendations", "sent")
    ]
    return or_(*tests)


def stale(connection: Connection, seeker_ids: Iterable[int] | None = None) -> list[int]:
    """The seekers whose stored standing differs from the truth (one statement per chunk
    of seekers, all of them when ``seeker_ids`` is None)."""
    table = table_of(SeekerStanding)
    chunks: Iterable[list[int] | None] = [None] if seeker_ids is None else _chunks(seeker_ids)
    found: list[int] = []
    for chunk in chunks:
        truth = derived(chunk)
        query = (
            select(truth.c.id)
            .select_from(truth)
            .outerjoin(table, table.c.seeker_id == truth.c.id)
            .where(_differs(truth, table))
            .order_by(truth.c.id)
        )
        found += [int(i) for i in connection.execute(query).scalars()]
    return found


def _insert_missing(connection: Connection, chunk: list[int]) -> None:
    """A row for each seeker of ``chunk`` that has none (and still exists), as NOTHING;
    a row another transaction is inserting makes this wait until it commits."""
    table = table_of(SeekerStanding)
    nothing = [*(false() for _ in FOUR_ONES), null(), literal(0), literal(0)]
    rows = select(col(Jobseeker.id), *nothing).where(col(Jobseeker.id).in_(chunk))
    statement: Any
    if connection.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        statement = pg_insert(table)
    else:
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        statement = sqlite_insert(table)
    statement = statement.from_select(["seeker_id", *COLUMNS], rows).on_conflict_do_nothing(
        index_elements=["seeker_id"]
    )
    connection.execute(statement)


def sync(connection: Connection, seeker_ids: Iterable[int]) -> int:
    """Derive these seekers' rows again and write those that differ; return how many.

    Locks first, reads after (see the module's note): every row exists and is locked
    before the sources are read, so a concurrent writer of the same seeker either finished
    before (and is read) or waits until this transaction ends (and then reads it)."""
    table = table_of(SeekerStanding)
    written = 0
    statement = (
        update(table)
        .where(table.c.seeker_id == bindparam("key"))
        .values({name: bindparam(f"new_{name}") for name in COLUMNS})
    )
    for chunk in _chunks(seeker_ids):
        _insert_missing(connection, chunk)
        kept = {
            int(row[0]): _standing(row[1:])
            for row in connection.execute(
                select(table.c.seeker_id, *(table.c[name] for name in COLUMNS))
                .where(table.c.seeker_id.in_(chunk))
                .order_by(table.c.seeker_id)
                .with_for_update()
            )
        }
        truth = live(connection, kept)
        changes = [
            {"key": sid, **{f"new_{name}": value for name, value in zip(COLUMNS, now, strict=True)}}
            for sid, now in truth.items()
            if kept[sid] != now
        ]
        if changes:
            connection.execute(statement, changes)
        written += len(changes)
    return written


def fill(connection: Connection) -> int:
    """Write the rows of the seekers who have none, in one statement: after a bulk load
    into new tables (the demo), where nobody else writes yet. Returns how many."""
    table = table_of(SeekerStanding)
    truth = derived()
    something = or_(
        *(truth.c[step].is_(True) for step in FOUR_ONES),
        truth.c.follow_up.is_not(None),
        truth.c.recommendations > 0,
    )
    missing = ~select(table.c.seeker_id).where(table.c.seeker_id == truth.c.id).exists()
    rows = select(truth.c.id, *(truth.c[name] for name in COLUMNS)).where(something, missing)
    statement: Any
    if connection.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        statement = pg_insert(table)
    else:
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        statement = sqlite_insert(table)
    statement = statement.from_select(["seeker_id", *COLUMNS], rows).on_conflict_do_nothing(
        index_elements=["seeker_id"]
    )
    return int(connection.execute(statement.execution_options(preserve_rowcount=True)).rowcount)


def repair(connection: Connection, seeker_ids: Iterable[int] | None = None) -> int:
    """Bring every stored row (of ``seeker_ids``, else all) in line with the truth; return
    how many had to change. After a bulk write that bypassed the ORM, or as a daily check."""
    return sync(connection, stale(connection, seeker_ids))


# --- the session listener ------------------------------------------------------------------

_PENDING = "jobbridge_standings"  # Session.info key: seekers whose sources this flush writes
_SOURCES = (ServiceRecord, Recommendation)


def _collect(session: Session, _context: Any, _instances: Any) -> None:
    touched = {
        obj.seeker_id
        for obj in (*session.new, *session.dirty, *session.deleted)
        if isinstance(obj, _SOURCES) and obj.seeker_id is not None
    }
    if touched:
        session.info.setdefault(_PENDING, set()).update(touched)


def _apply(session: Session, _context: Any) -> None:
    touched = session.info.pop(_PENDING, None)
    if touched:
        sync(session.connection(), touched)


def install() -> None:
    """Derive the standings of the seekers each ORM flush touches, in its transaction
    (for every session of the process; ``matcher.core.db`` calls this once)."""
    if not event.contains(Session, "before_flush", _collect):
        event.listen(Session, "before_flush", _collect)
        event.listen(Session, "after_flush", _apply)
