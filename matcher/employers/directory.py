"""Employers and the disability employment quota (按比例安排残疾人就业).

An employer's page: who it is, its facilities and contact, its postings and the campaigns
they were in, and its disabled staff against the quota. And the list of employers below
the quota in an area, largest shortfall first: whom to approach for the next campaign.

The quota's ratio per area comes from ``data/quota.yaml`` (with its sources). Required
disabled staff = staff x ratio, rounded up to a whole person (the rule is "not lower than"
the proportion, see the data file); shortfall = required - disabled staff, at least 0. The
list computes the same figures in SQL with integers only (ratio = numerator / denominator),
so that an employer at exactly the ratio meets it on both databases.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from decimal import Decimal
from fractions import Fraction
from functools import cache
from typing import IO, Any

import yaml
from sqlalchemy import ColumnElement, and_, case, func, literal, or_, select
from sqlmodel import Session, col

from matcher.core.codes import code_list
from matcher.core.models import Campaign, Employer, Posting, PostingCampaign
from matcher.core.paths import data_dir
from matcher.intake.exports import write_table
from matcher.people.access import Viewer, area_prefix, in_area
from matcher.reference.areas import areas

__all__ = [
    "CONTACT_ROLES",
    "CampaignLine",
    "EmployerDetail",
    "EmployerFilter",
    "EmployerList",
    "EmployerRow",
    "PostingLine",
    "Quota",
    "QuotaRule",
    "employer_detail",
    "export_below_quota",
    "list_employers",
    "load_quota_rule",
    "quota_rule",
]

# Who sees an employer's contact phone: the staff and fair organizers who call employers.
CONTACT_ROLES = ("admin", "supervisor", "case_worker", "organizer")
POSTINGS_SHOWN = 100  # newest postings on an employer's page; the rest via the postings search


# --- the quota ---------------------------------------------------------------------------


@dataclass(frozen=True)
class QuotaRule:
    """The quota ratio of each area: ``areas`` (code, ratio) most specific first, else
    ``default``."""

    default: Fraction
    areas: tuple[tuple[str, Fraction], ...] = ()

    def ratio_for(self, area_code: str | None) -> Fraction:
        if area_code:
            for code, ratio in self.areas:
                if area_code.startswith(area_prefix(code)):
                    return ratio
        return self.default

    @property
    def default_percent(self) -> Decimal:
        return _percent(self.default)

    @property
    def denominator(self) -> int:
        """A common denominator of every ratio: the SQL figures are whole multiples of
        1 / denominator of a person."""
        return math.lcm(self.default.denominator, *(r.denominator for _, r in self.areas))

    def numerator_sql(self, area: Any) -> ColumnElement[int]:
        """Per row, the ratio of the row's ``area`` times ``denominator``."""
        scale = self.denominator

        def whole(ratio: Fraction) -> int:
            return int(ratio * scale)

        if not self.areas:
            return literal(whole(self.default))
        return case(
            *((in_area(area, code), whole(ratio)) for code, ratio in self.areas),
            else_=whole(self.default),
        )


def load_quota_rule(path: Any) -> QuotaRule:
    """Read a quota file (``data/quota.yaml``); ratios are decimal strings, read exactly."""
    with open(path, encoding="utf-8") as handle:
        raw = yaml.safe_load(handle)

    def ratio(value: Any) -> Fraction:
        found = Fraction(str(value))
        if not 0 < found < 1:
            raise ValueError(f"{path}: a quota ratio must be between 0 and 1, not {value}")
        return found

    entries = [(str(entry["area"]), ratio(entry["ratio"])) for entry in raw.get("areas") or []]
    for code, _ in entries:
        if code not in areas().by_code:
            raise ValueError(f"{path}: unknown area {code}")
    # The most specific area first: a county's own ratio before its province's.
    entries.sort(key=lambda entry: -len(area_prefix(entry[0])))
    return QuotaRule(default=ratio(raw["default"]["ratio"]), areas=tuple(entries))


@cache
def quota_rule() -> QuotaRule:
    return load_quota_rule(data_dir() / "quota.yaml")


@dataclass(frozen=True)
class Quota:
    """One employer's staff against the quota; counts that are not known give ``unknown``."""

    staff: int | None
    disabled: int | None
    ratio: Fraction

    @property
    def known(self) -> bool:
        return self.staff is not None and self.disabled is not None

    @property
    def required(self) -> Decimal | None:
        """Staff x ratio, exactly (1.5 for 100 staff at 1.5%)."""
        if self.staff is None:
            return None
        return Decimal(self.staff) * Decimal(self.ratio.numerator) / Decimal(self.ratio.denominator)

    @property
    def required_people(self) -> int | None:
        """The whole people that reach the ratio: staff x ratio rounded up."""
        if self.staff is None:
            return None
        # Integer ceiling: exact, and much cheaper than Fraction arithmetic on a long export.
        return -(-self.staff * self.ratio.numerator // self.ratio.denominator)

    @property
    def shortfall(self) -> int | None:
        if self.disabled is None or self.required_people is None:
            return None
        return max(0, self.required_people - self.disabled)

    @property
    def status(self) -> str:
        """``meets``, ``below`` or ``unknown`` (a count missing)."""
        if self.shortfall is None:
            return "unknown"
        return "below" if self.shortfall > 0 else "meets"

    @property
    def ratio_percent(self) -> Decimal:
        return _percent(self.ratio)


def _percent(ratio: Fraction) -> Decimal:
    """A ratio in per cent, exactly (3/200 -> 1.5)."""
    return (Decimal(ratio.numerator) * 100 / Decimal(ratio.denominator)).normalize()


def quota_of(
    *,
    staff: int | None,
    disabled: int | None,
    area_code: str | None,
    rule: QuotaRule | None = None,
) -> Quota:
    return Quota(staff, disabled, (rule or quota_rule()).ratio_for(area_code))


class _QuotaSql:
    """The quota figures of the ``employer`` table as SQL expressions, in whole numbers."""

    def __init__(self, rule: QuotaRule) -> None:
        staff, disabled = col(Employer.staff_count), col(Employer.disabled_staff_count)
        scale = rule.denominator
        numerator = rule.numerator_sql(col(Employer.area_code))
        # In units of 1/scale of a person: above 0 means below the quota (NULL: unknown).
        self.gap: ColumnElement[int | None] = staff * numerator - disabled * scale
        # Integer division of non-negative integers rounds down on both databases.
        self.shortfall: ColumnElement[int | None] = (
            staff * numerator + (scale - 1)
        ) // scale - disabled
        self.below: ColumnElement[bool] = and_(
            staff.is_not(None), disabled.is_not(None), self.gap > 0
        )


# --- the list ----------------------------------------------------------------------------


@dataclass(frozen=True)
class EmployerFilter:
    area: str | None = None  # an area code: the employers in it and below it
    kind: str | None = None
    name: str = ""  # part of the name
    below_only: bool = True  # False: every employer, whatever its quota


@dataclass(frozen=True)
class EmployerRow:
    id: int
    name: str
    kind: str
    area_code: str | None
    quota: Quota
    open_postings: int
    campaign_this_year: bool
    credit_code: str | None = None
    contact_name: str = ""
    contact_phone: str = ""


@dataclass(frozen=True)
class EmployerList:
    rows: list[EmployerRow]  # the requested slice, largest shortfall first
    total: int  # employers that pass the filter
    shortfall: int  # the disabled people all of those would need to hire to meet the quota


def _campaign_in_year(year: int) -> ColumnElement[bool]:
    """A campaign held in ``year``; one without a date counts in the year it was made."""
    starts = col(Campaign.starts_on)
    return or_(
        and_(starts >= date(year, 1, 1), starts < date(year + 1, 1, 1)),
        and_(
            starts.is_(None),
            col(Campaign.created_at) >= datetime(year, 1, 1, tzinfo=UTC),
            col(Campaign.created_at) < datetime(year + 1, 1, 1, tzinfo=UTC),
        ),
    )


def _conditions(where: EmployerFilter, sql: _QuotaSql) -> list[ColumnElement[bool]]:
    conditions = [sql.below] if where.below_only else []
    if where.area:
        conditions.append(in_area(col(Employer.area_code), where.area))
    if where.kind:
        conditions.append(col(Employer.kind) == where.kind)
    if where.name.strip():
        conditions.append(col(Employer.name).contains(where.name.strip(), autoescape=True))
    return conditions


def list_employers(
    session: Session,
    *,
    where: EmployerFilter,
    today: date,
    offset: int = 0,
    limit: int | None = None,
    rule: QuotaRule | None = None,
) -> EmployerList:
    """The employers that pass ``where``, largest shortfall first (then by name; unknown
    counts last), rows ``offset`` to ``offset + limit``, each with its open postings and
    whether it took part in a campaign in ``today``'s year.

    One statement: the filtered employers are sorted and cut to the page (with the total
    and the summed shortfall as window figures over all of them), and only the page's rows
    look up their postings and campaigns, each through the posting's employer index."""
    rule = rule or quota_rule()
    sql = _QuotaSql(rule)
    unknown_last = case((sql.gap.is_(None), 1), else_=0)
    needed = case((sql.gap > 0, sql.shortfall), else_=0)
    page_query = (
        select(
            col(Employer.id).label("id"),
            col(Employer.name).label("name"),
            col(Employer.kind).label("kind"),
            col(Employer.area_code).label("area_code"),
            col(Employer.credit_code).label("credit_code"),
            col(Employer.staff_count).label("staff"),
            col(Employer.disabled_staff_count).label("disabled"),
            col(Employer.contact_name).label("contact_name"),
            col(Employer.contact_phone).label("contact_phone"),
            unknown_last.label("unknown_last"),
            sql.gap.label("gap"),
            func.count().over().label("total"),
            func.sum(needed).over().label("needed"),
        )
        .where(*_conditions(where, sql))
        .order_by(unknown_last, sql.gap.desc(), col(Employer.name), col(Employer.id))
    )
    if limit is not None:
        page_query = page_query.limit(limit)
    if offset:
        page_query = page_query.offset(offset)
    page = page_query.subquery("page")
    open_postings = (
        select(func.count())
        .where(col(Posting.employer_id) == page.c.id, col(Posting.status) == "open")
        .scalar_subquery()
    )
    campaigned = (
        select(col(Posting.id))
        .join(PostingCampaign, col(PostingCampaign.posting_id) == col(Posting.id))
        .join(Campaign, col(Campaign.id) == col(PostingCampaign.campaign_id))
        .where(col(Posting.employer_id) == page.c.id, _campaign_in_year(today.year))
        .exists()
    )
    found = session.execute(
        select(page, open_postings.label("open_postings"), campaigned.label("campaigned")).order_by(
            page.c.unknown_last, page.c.gap.desc(), page.c.name, page.c.id
        )
    ).all()
    rows = [
        EmployerRow(
            id=int(row.id),
            name=row.name,
            kind=row.kind,
            area_code=row.area_code,
            quota=Quota(row.staff, row.disabled, rule.ratio_for(row.area_code)),
            open_postings=int(row.open_postings or 0),
            campaign_this_year=bool(row.campaigned),
            credit_code=row.credit_code,
            contact_name=row.contact_name,
            contact_phone=row.contact_phone,
        )
        for row in found
    ]
    if found:
        return EmployerList(rows, total=int(found[0].total), shortfall=int(found[0].needed or 0))
    if not offset:
        return EmployerList([], total=0, shortfall=0)
    # A page past the end: the window figures came with no row, so count on their own.
    total, needed_sum = session.execute(
        select(func.count(), func.sum(needed)).where(*_conditions(where, sql))
    ).one()
    return EmployerList([], total=int(total), shortfall=int(needed_sum or 0))


# --- an employer's page ------------------------------------------------------------------


@dataclass(frozen=True)
class PostingLine:
    id: int
    external_id: str
    title: str
    area_code: str
    status: str
    openings: int
    deadline: date | None
    created_at: datetime


@dataclass(frozen=True)
class CampaignLine:
    id: int
    name: str
    kind: str
    starts_on: date | None
    area_code: str | None
    postings: int  # the employer's postings in it


@dataclass(frozen=True)
class EmployerDetail:
    id: int
    name: str
    kind: str
    area_code: str | None
    credit_code: str | None
    facilities: tuple[str, ...]
    contact_name: str
    contact_phone: str | None  # None: not for this viewer
    quota: Quota
    postings: list[PostingLine]  # newest first, at most POSTINGS_SHOWN
    postings_total: int
    open_postings: int
    open_openings: int  # openings of the open postings
    campaigns: list[CampaignLine]  # newest first


def employer_detail(
    session: Session, *, viewer: Viewer, employer_id: int, rule: QuotaRule | None = None
) -> EmployerDetail | None:
    """An employer's page, or None if there is no such employer."""
    employer = session.get(Employer, employer_id)
    if employer is None:
        return None
    by_employer = col(Posting.employer_id) == employer_id
    is_open = col(Posting.status) == "open"
    total, open_count, open_openings = session.execute(
        select(
            func.count(),
            func.sum(case((is_open, 1), else_=0)),
            func.sum(case((is_open, col(Posting.openings)), else_=0)),
        ).where(by_employer)
    ).one()
    postings = [
        PostingLine(*row)
        for row in session.execute(
            select(
                col(Posting.id),
                col(Posting.external_id),
                col(Posting.title),
                col(Posting.area_code),
                col(Posting.status),
                col(Posting.openings),
                col(Posting.deadline),
                col(Posting.created_at),
            )
            .where(by_employer)
            .order_by(col(Posting.created_at).desc(), col(Posting.id).desc())
            .limit(POSTINGS_SHOWN)
        )
    ]
    campaigns = [
        CampaignLine(*row)
        for row in session.execute(
            select(
                col(Campaign.id),
                col(Campaign.name),
                col(Campaign.kind),
                col(Campaign.starts_on),
                col(Campaign.area_code),
                func.count(),
            )
            .join(PostingCampaign, col(PostingCampaign.campaign_id) == col(Campaign.id))
            .join(Posting, col(Posting.id) == col(PostingCampaign.posting_id))
            .where(by_employer)
            .group_by(
                col(Campaign.id),
                col(Campaign.name),
                col(Campaign.kind),
                col(Campaign.starts_on),
                col(Campaign.area_code),
            )
            .order_by(
                case((col(Campaign.starts_on).is_(None), 1), else_=0),
                col(Campaign.starts_on).desc(),
                col(Campaign.name),
            )
        )
    ]
    assert employer.id is not None
    return EmployerDetail(
        id=employer.id,
        name=employer.name,
        kind=employer.kind,
        area_code=employer.area_code,
        credit_code=employer.credit_code,
        facilities=tuple(employer.facilities),
        contact_name=employer.contact_name,
        contact_phone=employer.contact_phone if viewer.role in CONTACT_ROLES else None,
        quota=quota_of(
            staff=employer.staff_count,
            disabled=employer.disabled_staff_count,
            area_code=employer.area_code,
            rule=rule,
        ),
        postings=postings,
        postings_total=int(total or 0),
        open_postings=int(open_count or 0),
        open_openings=int(open_openings or 0),
        campaigns=campaigns,
    )


# --- the export ----------------------------------------------------------------------------

_HEADERS = {
    "zh": (
        *("用人单位", "单位性质", "地区", "统一社会信用代码", "在职职工人数", "残疾职工人数"),
        *("安排比例(%)", "应安排残疾人数", "缺口人数", "在招岗位数", "今年参加招聘活动"),
        *("联系人", "联系电话"),
    ),
    "en": (
        *("Employer", "Kind", "Area", "Credit code", "Staff", "Disabled staff"),
        *("Quota ratio (%)", "Disabled staff required", "Shortfall", "Open postings"),
        *("In a campaign this year", "Contact", "Contact phone"),
    ),
}


def export_below_quota(
    session: Session,
    *,
    where: EmployerFilter,
    today: date,
    fmt: str,
    lang: str,
    out: IO[bytes],
    viewer: Viewer,
) -> int:
    """The employers below the quota that pass ``where``, as a spreadsheet (csv with BOM or
    xlsx, formulas neutralised): employers' figures and business contacts, nothing about
    any jobseeker. Returns the number of employers written."""
    locale = "zh" if lang == "zh" else "en"
    kinds = code_list("employer_kinds")
    yes, no = ("是", "否") if locale == "zh" else ("yes", "no")
    found = list_employers(session, where=replace(where, below_only=True), today=today)
    phone = viewer.role in CONTACT_ROLES

    def area_text(code: str | None) -> str:
        if not code:
            return ""
        return areas().full_name(code) if code in areas().by_code else code

    def table() -> Iterator[list[str]]:
        for row in found.rows:
            quota = row.quota
            yield [
                row.name,
                kinds.get(row.kind).name(locale) if row.kind in kinds else row.kind,
                area_text(row.area_code),
                row.credit_code or "",
                str(quota.staff),
                str(quota.disabled),
                f"{quota.ratio_percent:f}",
                str(quota.required_people),
                str(quota.shortfall),
                str(row.open_postings),
                yes if row.campaign_this_year else no,
                row.contact_name,
                row.contact_phone if phone else "",
            ]

    return write_table(list(_HEADERS[locale]), table(), fmt=fmt, out=out)
