"""The figures the action plans report on, per area, for the supervisor's dashboard:
filing rate (建档率), service rate (就业服务率), the "four ones", graduates with 3 postings,
and this quarter's outcomes."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import UTC, date, datetime, time

from sqlalchemy import ColumnElement, and_, case, false, func, or_, select, true
from sqlmodel import Session, col

from matcher.core.codes import code_list
from matcher.core.models import Jobseeker, KpiSnapshot, Recommendation, SeekerStanding, table_of
from matcher.core.standings import FOUR_ONES, GRADUATE_TARGET
from matcher.people.access import Viewer, in_area, seeker_scope

__all__ = [
    "AreaFigures",
    "Dashboard",
    "current",
    "dashboard",
    "outcomes_by_area",
    "quarter_start",
    "trend",
]


@dataclass
class AreaFigures:
    area_code: str
    seekers: int = 0
    filed: int = 0  # basic information checked: the file exists (一人一档)
    seeking: int = 0  # unemployed and of working age, seeking work
    served: int = 0  # of those seeking, given an employment service
    four_ones: int = 0  # of those seeking, all four done
    graduates: int = 0
    graduates_with_postings: int = 0  # ≥ 3 postings sent

    @staticmethod
    def rate(part: int, whole: int) -> float:
        return part / whole if whole else 0.0

    @property
    def filing_rate(self) -> float:
        return self.rate(self.filed, self.seekers)

    @property
    def service_rate(self) -> float:
        return self.rate(self.served, self.seeking)

    @property
    def four_ones_rate(self) -> float:
        return self.rate(self.four_ones, self.seeking)

    @property
    def graduate_rate(self) -> float:
        return self.rate(self.graduates_with_postings, self.graduates)

    def add(self, other: AreaFigures) -> None:
        for counter in fields(self)[1:]:  # every field but area_code
            setattr(self, counter.name, getattr(self, counter.name) + getattr(other, counter.name))


@dataclass
class Dashboard:
    total: AreaFigures
    areas: list[AreaFigures]
    outcomes: dict[str, int] = field(default_factory=dict)  # status -> count this quarter
    quarter_from: date | None = None
    as_of: datetime | None = None  # when read from a snapshot: when it was taken


def quarter_start(day: date) -> date:
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def dashboard(session: Session, *, viewer: Viewer, today: date) -> Dashboard:
    standing = table_of(SeekerStanding).c  # kept per seeker by matcher.core.standings
    seeking_keys = [s.key for s in code_list("employment_statuses") if s.extra.get("seeking")]
    seeking = col(Jobseeker.employment_status).in_(seeking_keys)
    done_all = and_(*(standing[step].is_(True) for step in FOUR_ONES))

    def count(condition: ColumnElement[bool]) -> ColumnElement[int]:
        return func.sum(case((condition, 1), else_=0))

    query = (
        select(
            col(Jobseeker.area_code),
            func.count(),
            count(standing.info_check.is_(True)),
            count(seeking),
            count(seeking & standing.employment_service.is_(True)),
            count(seeking & done_all),
            count(col(Jobseeker.is_graduate).is_(True)),
            count(col(Jobseeker.is_graduate) & (standing.sent >= GRADUATE_TARGET)),
        )
        .select_from(Jobseeker)
        .outerjoin(table_of(SeekerStanding), standing.seeker_id == col(Jobseeker.id))
        .where(seeker_scope(viewer))
        .group_by(col(Jobseeker.area_code))
        .order_by(col(Jobseeker.area_code))
    )
    total = AreaFigures("*")
    areas = []
    for area, *numbers in session.execute(query):
        figures = AreaFigures(area, *(int(n or 0) for n in numbers))
        total.add(figures)
        areas.append(figures)
    since = quarter_start(today)
    outcomes: dict[str, int] = {}
    for by_status in outcomes_by_area(session, viewer=viewer, since=since).values():
        for status, number in by_status.items():
            outcomes[status] = outcomes.get(status, 0) + number
    return Dashboard(total=total, areas=areas, outcomes=outcomes, quarter_from=since)


def outcomes_by_area(session: Session, *, viewer: Viewer, since: date) -> dict[str, dict[str, int]]:
    """Per area, how many recommendations reached each outcome since ``since``."""
    query = (
        select(col(Jobseeker.area_code), col(Recommendation.status), func.count())
        .join(Jobseeker, col(Jobseeker.id) == col(Recommendation.seeker_id))
        .where(
            seeker_scope(viewer),
            col(Recommendation.status) != "new",
            col(Recommendation.status_at) >= datetime.combine(since, time.min, tzinfo=UTC),
        )
        .group_by(col(Jobseeker.area_code), col(Recommendation.status))
    )
    found: dict[str, dict[str, int]] = {}
    for area, status, number in session.execute(query):
        found.setdefault(area, {})[status] = number
    return found


def _snapshot_areas(viewer: Viewer) -> ColumnElement[bool]:
    """The snapshot rows of the viewer's areas (snapshots are per area of the seekers)."""
    if viewer.role == "admin":
        return true()
    areas = [in_area(col(KpiSnapshot.area_code), code) for code in viewer.area_codes]
    return or_(*areas) if areas else false()


def current(session: Session, *, viewer: Viewer, today: date, live: bool = False) -> Dashboard:
    """The dashboard's figures: today's snapshot if the scheduler has taken it (summing
    100,000 seekers live takes a third of a second), else computed now; ``live`` asks for
    them computed now. Snapshots are per area: a viewer whose scope is not a set of areas
    (a case worker's own caseload) always gets them live."""
    if not live and viewer.role in ("admin", "supervisor"):
        found = _from_snapshot(session, viewer, today)
        if found is not None:
            return found
    return dashboard(session, viewer=viewer, today=today)


def _from_snapshot(session: Session, viewer: Viewer, today: date) -> Dashboard | None:
    taken = session.execute(
        select(func.max(col(KpiSnapshot.taken_at))).where(col(KpiSnapshot.day) == today)
    ).scalar()
    if taken is None:
        return None
    counters = [f.name for f in fields(AreaFigures)[1:]]
    total, areas = AreaFigures("*"), []
    outcomes: dict[str, int] = {}
    query = (
        select(KpiSnapshot)
        .where(col(KpiSnapshot.day) == today, _snapshot_areas(viewer))
        .order_by(col(KpiSnapshot.area_code))
    )
    for snapshot in session.execute(query).scalars():
        figures = AreaFigures(snapshot.area_code, *(getattr(snapshot, n) for n in counters))
        total.add(figures)
        areas.append(figures)
        for status, number in snapshot.outcomes.items():
            outcomes[status] = outcomes.get(status, 0) + number
    return Dashboard(
        total=total,
        areas=areas,
        outcomes=outcomes,
        quarter_from=quarter_start(today),
        as_of=taken,
    )


def trend(session: Session, *, viewer: Viewer, days: int = 14) -> list[tuple[date, AreaFigures]]:
    """The daily snapshots of the last ``days`` days, summed over the viewer's areas."""
    query = (
        select(KpiSnapshot)
        .where(_snapshot_areas(viewer))
        .order_by(col(KpiSnapshot.day).desc(), col(KpiSnapshot.area_code))
    )
    by_day: dict[date, AreaFigures] = {}
    counters = [f.name for f in fields(AreaFigures)[1:]]
    for snapshot in session.execute(query).scalars():
        if snapshot.day not in by_day:
            if len(by_day) == days:
                break
            by_day[snapshot.day] = AreaFigures("*")
        by_day[snapshot.day].add(
            AreaFigures(snapshot.area_code, *(getattr(snapshot, name) for name in counters))
        )
    return sorted(by_day.items())
