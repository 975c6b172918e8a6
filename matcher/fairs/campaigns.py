"""Campaigns: employer campaigns and special job fairs (专场招聘会), and what an upload
preview shows of a file imported into one.

A campaign has a name (unique), a kind (data/codes.yaml ``campaign_kinds``), an organizer,
a date, a venue with notes on its accessibility, and an area. Organizers and admins create
and edit them; an edit names the version it read, and a stale save is refused (SECURITY.md
item 24). Creating and editing write an audit row. Campaigns are not personal data: every
role that may read them sees all of them.

The screening findings (matcher.reference.screening) of a posting's text are shown on its page and,
per row, in the preview of a postings file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from matcher.core import clock
from matcher.core.codes import code_list
from matcher.core.models import Campaign, Employer, Posting, PostingCampaign
from matcher.core.problems import Invalid, Problem
from matcher.intake.service import Duplicate, ImportReport
from matcher.people import audit
from matcher.people.access import Viewer, in_area
from matcher.reference.areas import ANYWHERE, AreaError, areas
from matcher.reference.screening import Finding, findings

__all__ = [
    "EDITORS",
    "READERS",
    "CampaignInput",
    "CampaignPage",
    "CampaignRow",
    "Finding",
    "Invalid",
    "NotFound",
    "Preview",
    "PreviewRow",
    "Problem",
    "Stale",
    "create",
    "edit",
    "findings",
    "get",
    "list_campaigns",
    "page",
    "preview",
]

READERS = ("organizer", "admin", "supervisor", "case_worker")
EDITORS = ("organizer", "admin")
TEXT_LIMITS = {"name": 200, "organizer": 200, "venue": 200, "venue_accessibility": 4000}
LIST_LIMIT = 500


class NotFound(LookupError):
    """No such campaign, or the viewer may not change it (the caller logs the refusal)."""


class Stale(Exception):
    """Someone else saved the campaign after this form was loaded (SECURITY.md item 24)."""


@dataclass(frozen=True)
class CampaignInput:
    """A campaign as a form gives it: text, checked by ``create`` and ``edit``."""

    name: str
    kind: str
    organizer: str = ""
    starts_on: str = ""  # YYYY-MM-DD, or empty
    venue: str = ""
    venue_accessibility: str = ""
    area: str = ""  # a code or a name (matcher.reference.areas), or empty for no particular area

    @classmethod
    def of(cls, campaign: Campaign) -> CampaignInput:
        return cls(
            name=campaign.name,
            kind=campaign.kind,
            organizer=campaign.organizer,
            starts_on=campaign.starts_on.isoformat() if campaign.starts_on else "",
            venue=campaign.venue,
            venue_accessibility=campaign.venue_accessibility,
            area=campaign.area_code or "",
        )


@dataclass(frozen=True)
class CampaignRow:
    campaign: Campaign
    postings: int  # linked through PostingCampaign


@dataclass(frozen=True)
class CampaignPosting:
    id: int
    external_id: str
    title: str
    employer: str
    area_code: str
    status: str
    findings: list[Finding]

    @property
    def flags(self) -> int:
        return sum(1 for finding in self.findings if finding.is_flag)

    @property
    def notes(self) -> int:
        return len(self.findings) - self.flags


@dataclass(frozen=True)
class CampaignPage:
    campaign: Campaign
    postings: list[CampaignPosting]
    total: int  # postings linked to the campaign


@dataclass(frozen=True)
class PreviewRow:
    row: int
    key: str  # posting number or employer name
    label: str  # the posting's title, or the employer's name
    outcome: str | None  # None: not compared, because the file has errors
    duplicate: Duplicate | None
    findings: list[Finding] = field(default_factory=list)

    @property
    def flags(self) -> list[Finding]:
        return [finding for finding in self.findings if finding.is_flag]


@dataclass(frozen=True)
class Preview:
    """An import report with each valid row's outcome and, for postings, its findings."""

    report: ImportReport
    rows: list[PreviewRow]

    @property
    def screened(self) -> list[PreviewRow]:
        return [row for row in self.rows if row.findings]

    @property
    def flagged(self) -> int:
        return sum(1 for row in self.rows if row.flags)


# --- reading -----------------------------------------------------------------------------


AREA_PROBLEM = Problem(
    "area",
    "不是已知的行政区划，请填写区划代码或名称（如 520102 或 贵阳市南明区）",
    "Not a known area: give its code or name (such as 520102 or 贵阳市南明区)",
)


def _area_code(text: str) -> str | None:
    """The code of the area ``text`` names; None for none or anywhere; Invalid if unknown."""
    if not text.strip():
        return None
    try:
        resolved = areas().resolve(text)
    except AreaError as error:
        raise Invalid([AREA_PROBLEM]) from error
    return None if resolved == ANYWHERE else resolved


def list_campaigns(
    session: Session, *, kind: str | None = None, area: str = ""
) -> list[CampaignRow]:
    """Campaigns, newest date first (undated ones last), with their postings' count.

    ``area`` (a code or name) keeps the campaigns inside it and those that cover it (a
    province-wide campaign is listed for each of its cities). Invalid for an unknown area.
    """
    area_code = _area_code(area)
    counts = (
        select(
            col(PostingCampaign.campaign_id).label("campaign_id"),
            func.count().label("postings"),
        )
        .group_by(col(PostingCampaign.campaign_id))
        .subquery()
    )
    query = (
        select(Campaign, func.coalesce(counts.c.postings, 0))
        .outerjoin(counts, counts.c.campaign_id == col(Campaign.id))
        .order_by(
            col(Campaign.starts_on).desc().nulls_last(),
            col(Campaign.id).desc(),
        )
        .limit(LIST_LIMIT)
    )
    if kind:
        query = query.where(col(Campaign.kind) == kind)
    if area_code:
        query = query.where(
            or_(
                col(Campaign.area_code).in_(areas().ancestors(area_code)),
                in_area(col(Campaign.area_code), area_code),
            )
        )
    return [CampaignRow(campaign, int(count)) for campaign, count in session.execute(query)]


def get(session: Session, *, campaign_id: int) -> Campaign:
    found = session.get(Campaign, campaign_id)
    if found is None:
        raise NotFound(f"campaign {campaign_id}")
    return found


def page(session: Session, *, campaign_id: int, offset: int = 0, limit: int = 50) -> CampaignPage:
    """A campaign and one page of its postings (open first, then by title), each with the
    screening findings of its text."""
    campaign = get(session, campaign_id=campaign_id)
    linked = col(PostingCampaign.campaign_id) == campaign_id
    total = session.execute(select(func.count()).select_from(PostingCampaign).where(linked))
    rows = session.execute(
        select(Posting, col(Employer.name))
        .join(PostingCampaign, col(PostingCampaign.posting_id) == col(Posting.id))
        .join(Employer, col(Employer.id) == col(Posting.employer_id))
        .where(linked)
        .order_by(col(Posting.status).desc(), col(Posting.title), col(Posting.id))
        .offset(offset)
        .limit(limit)
    ).all()
    postings = [
        CampaignPosting(
            id=int(posting.id),
            external_id=posting.external_id,
            title=posting.title,
            employer=employer,
            area_code=posting.area_code,
            status=posting.status,
            findings=findings(posting.title, posting.description, posting.requirements),
        )
        for posting, employer in rows
    ]
    return CampaignPage(campaign, postings, int(total.scalar_one()))


# --- creating and editing ---------------------------------------------------------------


def _checked(session: Session, data: CampaignInput, *, campaign_id: int | None) -> dict[str, Any]:
    """The campaign's values from the form's text, or Invalid naming each bad field."""
    problems: list[Problem] = []
    name = data.name.strip()
    if not name:
        problems.append(Problem("name", "请填写活动名称", "Give the campaign a name"))
    else:
        taken = session.execute(
            select(col(Campaign.id)).where(
                col(Campaign.name) == name,
                col(Campaign.id) != (campaign_id or 0),
            )
        ).first()
        if taken is not None:
            problems.append(
                Problem("name", "已有同名的活动，请换一个名称", "Another campaign has this name")
            )
    kind = data.kind.strip()
    if kind not in code_list("campaign_kinds"):
        problems.append(Problem("kind", "请选择活动类型", "Choose the kind of campaign"))
    starts_on: date | None = None
    if data.starts_on.strip():
        try:
            starts_on = date.fromisoformat(data.starts_on.strip())
        except ValueError:
            problems.append(
                Problem(
                    "starts_on",
                    "日期格式应为 年-月-日，例如 2026-05-18",
                    "Write the date as YYYY-MM-DD, for example 2026-05-18",
                )
            )
    area_code: str | None = None
    try:
        area_code = _area_code(data.area)
    except Invalid as error:
        problems.extend(error.problems)
    values: dict[str, Any] = {
        "name": name,
        "kind": kind,
        "organizer": data.organizer.strip(),
        "starts_on": starts_on,
        "venue": data.venue.strip(),
        "venue_accessibility": data.venue_accessibility.strip(),
        "area_code": area_code,
    }
    for key, limit in TEXT_LIMITS.items():
        if len(values[key]) > limit:
            problems.append(
                Problem(key, f"不能超过{limit}个字", f"Use at most {limit:,} characters")
            )
    if problems:
        raise Invalid(problems)
    return values


def _may_edit(viewer: Viewer, campaign_id: int | None) -> None:
    if viewer.role not in EDITORS:
        raise NotFound(f"campaign {campaign_id or 'new'}")


def _flush_name(session: Session, name: str) -> None:
    """Write now, so that a name another unit of work took meanwhile fails here."""
    try:
        session.flush()
    except IntegrityError as error:
        raise Invalid(
            [Problem("name", "已有同名的活动，请换一个名称", "Another campaign has this name")]
        ) from error


def create(session: Session, *, viewer: Viewer, data: CampaignInput) -> Campaign:
    _may_edit(viewer, None)
    values = _checked(session, data, campaign_id=None)
    campaign = Campaign(**values, created_by=viewer.id)
    session.add(campaign)
    _flush_name(session, values["name"])
    assert campaign.id is not None
    audit.record(
        session,
        actor=viewer,
        action="create",
        object_type="campaign",
        object_id=campaign.id,
        detail={"name": campaign.name, "kind": campaign.kind},
    )
    return campaign


def edit(
    session: Session, *, viewer: Viewer, campaign_id: int, data: CampaignInput, version: int
) -> Campaign:
    """Save an edit made on the form loaded at ``version``; Stale if it was saved since."""
    _may_edit(viewer, campaign_id)
    # Locked until the unit of work ends (PostgreSQL), so that two saves of one version
    # cannot both pass the check: the second waits, then reads the new version.
    campaign: Campaign | None = session.execute(
        select(Campaign).where(col(Campaign.id) == campaign_id).with_for_update()
    ).scalar_one_or_none()
    if campaign is None:
        raise NotFound(f"campaign {campaign_id}")
    values = _checked(session, data, campaign_id=campaign_id)
    if campaign.version != version:
        raise Stale
    changed = sorted(key for key, value in values.items() if getattr(campaign, key) != value)
    if not changed:
        return campaign
    for key in changed:
        setattr(campaign, key, values[key])
    campaign.version += 1
    campaign.updated_at = clock.utcnow()
    session.add(campaign)
    _flush_name(session, values["name"])
    audit.record(
        session,
        actor=viewer,
        action="change",
        object_type="campaign",
        object_id=campaign_id,
        detail={"fields": changed},
    )
    return campaign


# --- screening and previews --------------------------------------------------------------


def preview(report: ImportReport) -> Preview:
    """Each valid row of an import report: its outcome, a duplicate's reason, and for
    postings the screening findings of its text."""
    outcomes = {outcome.row: outcome.outcome for outcome in report.outcomes}
    duplicates = {duplicate.row: duplicate for duplicate in report.duplicates}
    rows = []
    is_posting = report.kind == "postings"
    for number, record in sorted(report.records.items()):
        # A seeker's row shows only its number: names are personal data.
        key = getattr(record, "external_id", None) or record.name
        label = record.title if is_posting else "" if report.kind == "seekers" else record.name
        rows.append(
            PreviewRow(
                row=number,
                key=key,
                label=label,
                outcome=outcomes.get(number),
                duplicate=duplicates.get(number),
                findings=(
                    findings(record.title, record.description, record.requirements)
                    if is_posting
                    else []
                ),
            )
        )
    return Preview(report, rows)
