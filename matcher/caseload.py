"""The one-to-one service list (一对一服务清单): a case worker's seekers, what each needs next.

One query gathers, per seeker in the viewer's scope, which of the "four ones" are done, the
pending follow-up and the recommendations; the list is then sorted by what needs doing
first: overdue follow-ups, graduates without 3 postings sent, unfinished "four ones".
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from typing import IO, Any

from sqlalchemy import Select, String, Subquery, case, cast, func, select
from sqlalchemy.engine import Connection
from sqlmodel import Session, col

from matcher.access import Viewer, in_area, seeker_scope
from matcher.areas import areas
from matcher.codes import code_list
from matcher.exports import write_table
from matcher.models import Jobseeker, Recommendation, Reminder, ServiceRecord

__all__ = [
    "FOUR_ONES",
    "Caseload",
    "CaseloadFilter",
    "CaseloadRow",
    "FollowUps",
    "caseload",
    "export_caseload",
    "follow_ups",
    "four_ones_kinds",
    "recommendation_summary",
    "record_summary",
    "reminder_of",
]

FOUR_ONES = ("info_check", "capability_assessment", "need_registration", "employment_service")
GRADUATE_TARGET = 3  # postings each graduate should have been sent


@cache
def four_ones_kinds() -> dict[str, tuple[str, ...]]:
    """Each of the "four ones" and the service kinds that count as it (data/codes.yaml)."""
    kinds: dict[str, list[str]] = {step: [] for step in FOUR_ONES}
    for kind in code_list("service_kinds"):
        step = kind.extra.get("four_ones")
        if step:
            kinds[str(step)].append(kind.key)
    return {step: tuple(keys) for step, keys in kinds.items()}


@dataclass(frozen=True)
class CaseloadFilter:
    area: str | None = None
    graduate: bool | None = None
    disability_type: str | None = None
    status: str | None = None  # employment status
    overdue: bool = False
    name: str = ""


@dataclass(frozen=True)
class CaseloadRow:
    id: int
    external_id: str
    name: str
    area_code: str
    is_graduate: bool
    disability_types: tuple[str, ...]
    employment_status: str
    done: dict[str, bool]  # each of FOUR_ONES
    recommendations: int
    sent: int
    follow_up: date | None  # pending follow-up, if any
    today: date

    @property
    def overdue(self) -> bool:
        return self.follow_up is not None and self.follow_up < self.today

    @property
    def four_ones_done(self) -> int:
        return sum(self.done.values())

    @property
    def needs_postings(self) -> bool:
        return self.is_graduate and self.sent < GRADUATE_TARGET

    @property
    def area_name(self) -> str:
        return areas().full_name(self.area_code)


def record_summary(seekers: Select[*tuple[Any, ...]] | None = None) -> Subquery:
    """Per seeker (of the id query ``seekers``, else all): which of the "four ones" are
    done, the latest follow-up date asked for (``due``) and the latest service date."""
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


def recommendation_summary(seekers: Select[*tuple[Any, ...]] | None = None) -> Subquery:
    """Per seeker: active recommendations (``total``) and how many were sent (``sent``)."""
    query: Select[*tuple[Any, ...]] = select(
        col(Recommendation.seeker_id).label("seeker_id"),
        func.count().label("total"),
        func.sum(case((col(Recommendation.status) != "new", 1), else_=0)).label("sent"),
    ).where(col(Recommendation.active).is_(True))
    if seekers is not None:
        query = query.where(col(Recommendation.seeker_id).in_(seekers))
    return query.group_by(col(Recommendation.seeker_id)).subquery()


@dataclass(frozen=True)
class Caseload:
    rows: list[CaseloadRow]  # the requested slice, most urgent first
    total: int  # seekers that pass the filter
    overdue: int  # of those, with an overdue follow-up


def caseload(
    session: Session,
    *,
    viewer: Viewer,
    today: date,
    where: CaseloadFilter = CaseloadFilter(),
    offset: int = 0,
    limit: int | None = None,
) -> Caseload:
    """The viewer's seekers that pass ``where``, most urgent first; rows ``offset`` to
    ``offset + limit`` in full.

    The urgency of every seeker comes from three narrow queries, each served by an index
    (the seekers; their service records and their active recommendations summed per
    seeker); only the requested rows are then read in full. Core execution throughout:
    rows as plain tuples, without the ORM's per-row loading."""
    conditions = [seeker_scope(viewer)]
    if where.area:
        conditions.append(in_area(col(Jobseeker.area_code), where.area))
    if where.graduate is not None:
        conditions.append(col(Jobseeker.is_graduate).is_(where.graduate))
    if where.disability_type:
        pattern = f'%"{where.disability_type}"%'
        conditions.append(cast(col(Jobseeker.disability_types), String).like(pattern))
    if where.status:
        conditions.append(col(Jobseeker.employment_status) == where.status)
    if where.name.strip():
        conditions.append(col(Jobseeker.name).contains(where.name.strip()))
    connection = session.connection()
    ranked = []
    overdue_count = 0
    for standing in _standings(connection, conditions, today):
        if where.overdue and not standing.overdue:
            continue
        overdue_count += standing.overdue
        # Most urgent first: overdue follow-ups (oldest first), then graduates short of
        # postings, then the fewest "four ones" done.
        key = (
            0 if standing.overdue else 1,
            0 if standing.needs_postings else 1,
            sum(standing.flags),
            standing.pending or date.max,
            standing.name,
        )
        ranked.append((key, standing))
    ranked.sort(key=lambda item: item[0])
    chosen = [
        standing for _, standing in ranked[offset : None if limit is None else offset + limit]
    ]
    details = _details(connection, [standing.id for standing in chosen])
    rows = []
    for standing in chosen:
        external, area, graduate, types, status = details[standing.id]
        rows.append(
            CaseloadRow(
                id=standing.id,
                external_id=external,
                name=standing.name,
                area_code=area,
                is_graduate=graduate,
                disability_types=tuple(types),
                employment_status=status,
                done={step: bool(f) for step, f in zip(FOUR_ONES, standing.flags, strict=True)},
                recommendations=standing.total,
                sent=standing.sent,
                follow_up=standing.pending,
                today=today,
            )
        )
    return Caseload(rows=rows, total=len(ranked), overdue=overdue_count)


@dataclass(frozen=True)
class _Standing:
    id: int
    name: str
    is_graduate: bool
    flags: tuple[int, ...]  # each of FOUR_ONES done (1) or not (0)
    total: int
    sent: int
    pending: date | None  # the follow-up asked for and not yet served
    overdue: bool

    @property
    def needs_postings(self) -> bool:
        return self.is_graduate and self.sent < GRADUATE_TARGET


def _standings(connection: Connection, conditions: list[Any], today: date) -> Iterator[_Standing]:
    """Where each seeker passing ``conditions`` stands: "four ones", recommendations sent,
    pending follow-up. Three narrow queries, each served by an index."""
    ids = select(col(Jobseeker.id)).where(*conditions)
    seekers = connection.execute(
        select(col(Jobseeker.id), col(Jobseeker.name), col(Jobseeker.is_graduate)).where(
            *conditions
        )
    ).all()
    records = record_summary(ids)
    done_by_seeker = {row[0]: row[1:] for row in connection.execute(select(*records.c))}
    recs = recommendation_summary(ids)
    recs_by_seeker = {row[0]: row[1:] for row in connection.execute(select(*recs.c))}
    nothing = (0, 0, 0, 0, None, None)
    for sid, name, graduate in seekers:
        *flags, due, last_served = done_by_seeker.get(sid, nothing)
        total, sent = recs_by_seeker.get(sid, (0, 0))
        pending = due if due is not None and (last_served is None or due > last_served) else None
        yield _Standing(
            id=int(sid or 0),
            name=name,
            is_graduate=bool(graduate),
            flags=tuple(int(f or 0) for f in flags),
            total=int(total or 0),
            sent=int(sent or 0),
            pending=pending,
            overdue=pending is not None and pending < today,
        )


@dataclass(frozen=True)
class FollowUps:
    """A case worker's day: follow-ups due today and overdue, graduates short of postings."""

    due: list[int] = field(default_factory=list)
    overdue: list[int] = field(default_factory=list)
    graduates_short: list[int] = field(default_factory=list)


def follow_ups(session: Session, *, viewer: Viewer, today: date) -> FollowUps:
    """The seekers (ids) of ``viewer``'s caseload that need a follow-up or postings."""
    found = FollowUps()
    for standing in _standings(session.connection(), [seeker_scope(viewer)], today):
        if standing.pending == today:
            found.due.append(standing.id)
        if standing.overdue:
            found.overdue.append(standing.id)
        if standing.needs_postings:
            found.graduates_short.append(standing.id)
    return found


def reminder_of(session: Session, *, viewer: Viewer, today: date) -> Reminder | None:
    """A case worker's latest reminders up to ``today`` (the scheduler's reminders job)."""
    found: Reminder | None = session.execute(
        select(Reminder)
        .where(col(Reminder.worker_id) == viewer.id, col(Reminder.day) <= today)
        .order_by(col(Reminder.day).desc())
        .limit(1)
    ).scalar_one_or_none()
    return found


def _details(connection: Connection, seeker_ids: list[int]) -> dict[int, tuple[Any, ...]]:
    found: dict[int, tuple[Any, ...]] = {}
    for start in range(0, len(seeker_ids), 5000):
        chunk = seeker_ids[start : start + 5000]
        query = select(
            col(Jobseeker.id),
            col(Jobseeker.external_id),
            col(Jobseeker.area_code),
            col(Jobseeker.is_graduate),
            col(Jobseeker.disability_types),
            col(Jobseeker.employment_status),
        ).where(col(Jobseeker.id).in_(chunk))
        found.update((int(row[0] or 0), tuple(row[1:])) for row in connection.execute(query))
    return found


_HEADERS_ZH = (
    *("编号", "姓名", "地区", "高校毕业生", "残疾类别", "就业状态"),
    *("基础信息核对", "职业能力评估", "就业需求登记", "就业服务"),
    *("推荐岗位数", "已推送", "下次回访", "逾期"),
)
_HEADERS_EN = (
    *("ID", "Name", "Area", "Graduate", "Disability", "Employment status"),
    *("Info check", "Capability assessment", "Need registration", "Employment service"),
    *("Recommendations", "Sent", "Next follow-up", "Overdue"),
)


def export_caseload(rows: list[CaseloadRow], *, fmt: str, lang: str, out: IO[bytes]) -> int:
    """The list as a spreadsheet: names and statuses, never identifiers or grades."""
    zh = lang == "zh"
    types, statuses = code_list("disability_types"), code_list("employment_statuses")
    headers = list(_HEADERS_ZH if zh else _HEADERS_EN)
    yes, no = ("是", "否") if zh else ("yes", "no")
    locale = "zh" if zh else "en"

    def table() -> Iterator[list[str]]:
        for row in rows:
            yield [
                row.external_id,
                row.name,
                row.area_name,
                yes if row.is_graduate else no,
                "、".join(types.get(t).name(locale) for t in row.disability_types),
                statuses.get(row.employment_status).name(locale),
                *(yes if row.done[step] else no for step in FOUR_ONES),
                str(row.recommendations),
                str(row.sent),
                row.follow_up.isoformat() if row.follow_up else "",
                yes if row.overdue else no,
            ]

    return write_table(headers, table(), fmt=fmt, out=out)
