"""The one-to-one service list (一对一服务清单): a case worker's seekers, what each needs next.

The list is sorted by what needs doing first: overdue follow-ups, graduates without 3
postings sent, unfinished "four ones". Each seeker's standing (which of the "four ones" are
done, the pending follow-up, the recommendations sent) is kept per seeker by
``matcher.core.standings``; one query over the viewer's seekers joined with their standings
sorts them and returns the requested page, with the counts.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import IO, Any

from sqlalchemy import ColumnElement, String, and_, case, cast, func, over, select
from sqlmodel import Session, col

from matcher.core.codes import code_list
from matcher.core.models import Jobseeker, Reminder, SeekerStanding, table_of
from matcher.core.standings import FOUR_ONES, GRADUATE_TARGET, four_ones_kinds
from matcher.intake.exports import write_table
from matcher.people.access import Viewer, in_area, seeker_scope
from matcher.reference.areas import areas

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
    "reminder_of",
]


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


@dataclass(frozen=True)
class Caseload:
    rows: list[CaseloadRow]  # the requested slice, most urgent first
    total: int  # seekers that pass the filter
    overdue: int  # of those, with an overdue follow-up


_STANDING = table_of(SeekerStanding)
_DETAILS = (
    col(Jobseeker.id),
    col(Jobseeker.external_id),
    col(Jobseeker.name),
    col(Jobseeker.area_code),
    col(Jobseeker.is_graduate),
    col(Jobseeker.disability_types),
    col(Jobseeker.employment_status),
    *(_STANDING.c[step] for step in FOUR_ONES),
    _STANDING.c.follow_up,
    _STANDING.c.recommendations,
    _STANDING.c.sent,
)


def _conditions(viewer: Viewer, where: CaseloadFilter) -> list[ColumnElement[bool]]:
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
    return conditions


def _urgency(today: date, dialect: str) -> list[ColumnElement[Any]]:
    """Most urgent first: overdue follow-ups (oldest first), then graduates short of
    postings, then the fewest "four ones" done; then the pending follow-up (none last),
    the name (by code point, as Python compares strings) and the id."""
    standing = _STANDING.c
    overdue = standing.follow_up < today  # NULL (none pending, or no row): not overdue
    short = and_(
        col(Jobseeker.is_graduate).is_(True),
        func.coalesce(standing.sent, 0) < GRADUATE_TARGET,
    )
    done = sum(case((standing[step], 1), else_=0) for step in FOUR_ONES)
    name: Any = col(Jobseeker.name)
    if dialect == "postgresql":
        name = name.collate("C")
    return [
        case((overdue, 0), else_=1),
        case((short, 0), else_=1),
        done,
        case((standing.follow_up.is_(None), 1), else_=0),
        standing.follow_up,
        name,
        col(Jobseeker.id),
    ]


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
    ``offset + limit`` in full, and how many pass and are overdue.

    The viewer's seekers (served by the area and case-worker indexes) joined with their
    standings are counted and sorted by urgency in the database, which returns only the
    ids of the requested rows; then those rows are read in full (a sort that carried every
    seeker's whole row cost half as much again). Core execution: plain tuples."""
    conditions = _conditions(viewer, where)
    overdue = _STANDING.c.follow_up < today
    if where.overdue:
        conditions.append(overdue)
    connection = session.connection()
    ranked = (
        select(
            col(Jobseeker.id),
            over(func.count()).label("total"),
            over(func.sum(case((overdue, 1), else_=0))).label("overdue"),
        )
        .select_from(Jobseeker)
        .outerjoin(_STANDING, _STANDING.c.seeker_id == col(Jobseeker.id))
        .where(*conditions)
        .order_by(*_urgency(today, connection.dialect.name))
        .offset(offset)
        .limit(limit)
    )
    found = connection.execute(ranked).all()
    if found:
        total, overdue_count = int(found[0][1]), int(found[0][2] or 0)
    else:  # past the last page: the counts on their own
        counts = (
            select(func.count(), func.sum(case((overdue, 1), else_=0)))
            .select_from(Jobseeker)
            .outerjoin(_STANDING, _STANDING.c.seeker_id == col(Jobseeker.id))
            .where(*conditions)
        )
        total, overdue_sum = connection.execute(counts).one()
        total, overdue_count = int(total), int(overdue_sum or 0)
    ids = [int(row[0]) for row in found]
    details: dict[int, tuple[Any, ...]] = {}
    for start in range(0, len(ids), 2000):
        query = (
            select(*_DETAILS)
            .select_from(Jobseeker)
            .outerjoin(_STANDING, _STANDING.c.seeker_id == col(Jobseeker.id))
            .where(col(Jobseeker.id).in_(ids[start : start + 2000]))
        )
        details.update((int(row[0]), tuple(row)) for row in connection.execute(query))
    return Caseload(rows=[_row(details[i], today) for i in ids], total=total, overdue=overdue_count)


def _row(values: tuple[Any, ...], today: date) -> CaseloadRow:
    sid, external, name, area, graduate, types, status, *done, follow_up, total, sent = values
    return CaseloadRow(
        id=int(sid),
        external_id=external,
        name=name,
        area_code=area,
        is_graduate=bool(graduate),
        disability_types=tuple(types or ()),
        employment_status=status,
        done={step: bool(flag) for step, flag in zip(FOUR_ONES, done, strict=True)},
        recommendations=int(total or 0),
        sent=int(sent or 0),
        follow_up=follow_up,
        today=today,
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
    query = (
        select(
            col(Jobseeker.id),
            col(Jobseeker.is_graduate),
            _STANDING.c.follow_up,
            _STANDING.c.sent,
        )
        .outerjoin(_STANDING, _STANDING.c.seeker_id == col(Jobseeker.id))
        .where(seeker_scope(viewer))
        .order_by(col(Jobseeker.id))
    )
    for sid, graduate, pending, sent in session.connection().execute(query):
        if pending == today:
            found.due.append(sid)
        if pending is not None and pending < today:
            found.overdue.append(sid)
        if graduate and (sent or 0) < GRADUATE_TARGET:
            found.graduates_short.append(sid)
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
