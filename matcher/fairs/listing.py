"""A campaign's fair: picking its postings, reading the fit figures, and the invite list.

The figures come from the fair analysis job (``matcher.jobs.fair_analysis``), which a change of the
listing asks for; until it has run, the page says they are pending. The invite list carries
only what an organizer may see (SECURITY.md item 8): names, areas, contact preferences, the
matched postings and the invite marks, never disability, health or identity data. Case
workers and supervisors see the seekers of their scope; case workers and admins mark them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import IO, Any

from sqlalchemy import ColumnElement, and_, delete, func, select, true
from sqlmodel import Session, col

from matcher.core import clock
from matcher.core.bulk import upsert
from matcher.core.codes import code_list
from matcher.core.job_requests import request
from matcher.core.models import (
    Campaign,
    Employer,
    FairInvite,
    FairListing,
    FairPostingFit,
    FairSeeker,
    Jobseeker,
    Posting,
    PostingCampaign,
    table_of,
)
from matcher.employers.postings import PostingFilter, search_postings
from matcher.intake.exports import write_table
from matcher.people import audit
from matcher.people.access import Viewer, seeker_scope
from matcher.reference.areas import areas

__all__ = [
    "BUILDERS",
    "FairPosting",
    "FairView",
    "Invitee",
    "NotAllowed",
    "NotFound",
    "add_postings",
    "campaign_of",
    "export_invites",
    "fair_view",
    "invite_list",
    "mark",
    "pending",
    "postings_to_add",
    "remove_posting",
]

ANALYSIS_JOB = "fair_analysis"
BUILDERS = ("organizer", "admin")  # who picks a fair's postings


class NotFound(Exception):
    """No such campaign (or seeker on its list, for this viewer)."""


class NotAllowed(Exception):
    """The viewer may not do this."""


@dataclass(frozen=True)
class FairPosting:
    id: int
    external_id: str
    title: str
    employer: str
    employer_id: int
    category: str
    area_code: str
    openings: int
    status: str
    own: bool  # one of the campaign's own postings (from its uploads)
    listed: bool
    fits: int | None = None  # None: not analysed yet
    fits_in_area: int | None = None
    # Held for review (an unsure category, a clause that excludes people): never offered
    # at the fair nor printed until staff clear it; why, as Posting.review_reasons.
    held: bool = False
    review_reasons: tuple[str, ...] = ()


@dataclass(frozen=True)
class GapSeeker:
    seeker_id: int
    name: str
    area_code: str
    contact_preference: str


@dataclass(frozen=True)
class FairView:
    campaign: Campaign
    postings: list[FairPosting]
    pending: bool  # the listing changed after the last analysis
    analysed_at: datetime | None
    unfit: list[FairPosting]  # listed postings that fit nobody
    gap_count: int  # seekers of the area whom no listed posting fits (in the viewer's scope)
    gaps: list[GapSeeker]
    invitees: int  # seekers of the area whom at least one listed posting fits


@dataclass(frozen=True)
class Invitee:
    rank: int
    seeker_id: int
    name: str
    area_code: str
    contact_preference: str
    fits: int
    score: float
    postings: list[tuple[int, str, str]]  # (posting id, title, employer), best first
    status: str | None  # invited / attending / attended
    in_scope: bool  # the viewer's own person: may open the file and mark


def campaign_of(session: Session, campaign_id: int) -> Campaign:
    campaign = session.get(Campaign, campaign_id)
    if campaign is None:
        raise NotFound(campaign_id)
    return campaign


def pending(campaign: Campaign) -> bool:
    """The listing changed after the last analysis: its figures are not current yet."""
    return campaign.listing_changed_at is not None and (
        campaign.analysed_at is None or campaign.analysed_at < campaign.listing_changed_at
    )


# --- the listing ------------------------------------------------------------------------


def fair_view(
    session: Session, *, viewer: Viewer, campaign_id: int, gap_limit: int = 50
) -> FairView:
    campaign = campaign_of(session, campaign_id)
    own = _own_ids(session, campaign_id)
    rows = session.execute(
        select(
            Posting,
            col(Employer.name),
            col(FairPostingFit.fits),
            col(FairPostingFit.fits_in_area),
        )
        .join(FairListing, col(FairListing.posting_id) == col(Posting.id))
        .join(Employer, col(Employer.id) == col(Posting.employer_id))
        .outerjoin(
            FairPostingFit,
            and_(
                col(FairPostingFit.campaign_id) == campaign_id,
                col(FairPostingFit.posting_id) == col(Posting.id),
            ),
        )
        .where(col(FairListing.campaign_id) == campaign_id)
        .order_by(col(Employer.name), col(Posting.title), col(Posting.id))
    ).all()
    postings = [
        _fair_posting(posting, employer, own, listed=True, fits=fits, fits_in_area=in_area)
        for posting, employer, fits, in_area in rows
    ]
    gap_scope = and_(
        col(FairSeeker.campaign_id) == campaign_id, col(FairSeeker.fits) == 0, _scope(viewer)
    )
    gap_count = _count(session, gap_scope)
    gaps = [
        GapSeeker(seeker_id, name, area_code, shown_preference(preference, viewer))
        for seeker_id, name, area_code, preference in session.execute(
            select(
                col(Jobseeker.id),
                col(Jobseeker.name),
                col(Jobseeker.area_code),
                col(Jobseeker.contact_preference),
            )
            .join(FairSeeker, col(FairSeeker.seeker_id) == col(Jobseeker.id))
            .where(gap_scope)
            .order_by(col(Jobseeker.area_code), col(Jobseeker.id))
            .limit(gap_limit)
        )
    ]
    invitees = _count(
        session,
        and_(col(FairSeeker.campaign_id) == campaign_id, col(FairSeeker.fits) > 0, _scope(viewer)),
    )
    return FairView(
        campaign=campaign,
        postings=postings,
        pending=pending(campaign),
        analysed_at=campaign.analysed_at,
        unfit=[p for p in postings if p.fits == 0],
        gap_count=gap_count,
        gaps=gaps,
        invitees=invitees,
    )


def postings_to_add(
    session: Session, *, campaign_id: int, text: str = "", limit: int = 50
) -> tuple[list[FairPosting], list[FairPosting], int]:
    """The campaign's own open postings not yet listed, and other open postings (in the
    campaign's area, matching ``text``) not yet listed, with the count of the latter."""
    campaign = campaign_of(session, campaign_id)
    own = _own_ids(session, campaign_id)
    listed = set(
        session.execute(
            select(col(FairListing.posting_id)).where(col(FairListing.campaign_id) == campaign_id)
        ).scalars()
    )
    own_rows = session.execute(
        select(Posting, col(Employer.name))
        .join(Employer, col(Employer.id) == col(Posting.employer_id))
        .join(PostingCampaign, col(PostingCampaign.posting_id) == col(Posting.id))
        .where(col(PostingCampaign.campaign_id) == campaign_id, col(Posting.status) == "open")
        .order_by(col(Employer.name), col(Posting.title), col(Posting.id))
    ).all()
    own_unlisted = [
        _fair_posting(posting, employer, own, listed=False)
        for posting, employer in own_rows
        if posting.id not in listed
    ]
    found, total = search_postings(
        session,
        where=PostingFilter(text=text, area=campaign.area_code, status="open"),
        limit=limit + len(listed) + len(own),
    )
    others = [
        _fair_posting(posting, employer, own, listed=False)
        for posting, employer in found
        if posting.id not in listed and posting.id not in own
    ][:limit]
    return own_unlisted, others, total


def add_postings(
    session: Session, *, viewer: Viewer, campaign_id: int, posting_ids: list[int]
) -> int:
    """List the open postings among ``posting_ids`` for the fair, except those held for
    review; the number added."""
    _may_build(viewer)
    campaign = campaign_of(session, campaign_id)
    listed = set(
        session.execute(
            select(col(FairListing.posting_id)).where(col(FairListing.campaign_id) == campaign_id)
        ).scalars()
    )
    wanted = sorted(set(posting_ids) - listed)
    open_ids = (
        list(
            session.execute(
                select(col(Posting.id)).where(
                    col(Posting.id).in_(wanted),
                    col(Posting.status) == "open",
                    col(Posting.review) != "held",
                )
            ).scalars()
        )
        if wanted
        else []
    )
    if not open_ids:
        return 0
    now = clock.utcnow()
    upsert(
        session,
        table_of(FairListing),
        [
            {"campaign_id": campaign_id, "posting_id": pid, "added_by": viewer.id, "added_at": now}
            for pid in open_ids
        ],
        keys=("campaign_id", "posting_id"),
    )
    _listing_changed(session, viewer, campaign, {"added": open_ids})
    return len(open_ids)


def remove_posting(session: Session, *, viewer: Viewer, campaign_id: int, posting_id: int) -> bool:
    _may_build(viewer)
    campaign = campaign_of(session, campaign_id)
    gone = session.execute(
        delete(table_of(FairListing)).where(
            table_of(FairListing).c.campaign_id == campaign_id,
            table_of(FairListing).c.posting_id == posting_id,
        )
    )
    if not gone.rowcount:  # type: ignore[attr-defined]
        return False
    session.execute(
        delete(table_of(FairPostingFit)).where(
            table_of(FairPostingFit).c.campaign_id == campaign_id,
            table_of(FairPostingFit).c.posting_id == posting_id,
        )
    )
    _listing_changed(session, viewer, campaign, {"removed": [posting_id]})
    return True


# --- the invite list --------------------------------------------------------------------


def invite_list(
    session: Session, *, viewer: Viewer, campaign_id: int, offset: int = 0, limit: int | None = 50
) -> tuple[list[Invitee], int]:
    """The seekers of the fair's area whom its postings fit, best fit first: for an
    organizer everyone (names, areas, contact preferences only); for staff their scope."""
    campaign_of(session, campaign_id)
    where = and_(
        col(FairSeeker.campaign_id) == campaign_id, col(FairSeeker.fits) > 0, _scope(viewer)
    )
    total = _count(session, where)
    mine = seeker_scope(viewer) if viewer.sees_health_data else None
    query = (
        select(
            col(Jobseeker.id),
            col(Jobseeker.name),
            col(Jobseeker.area_code),
            col(Jobseeker.contact_preference),
            col(FairSeeker.fits),
            col(FairSeeker.score),
            col(FairSeeker.top_postings),
            col(FairInvite.status),
            (mine if mine is not None else true()).label("in_scope"),
        )
        .join(FairSeeker, col(FairSeeker.seeker_id) == col(Jobseeker.id))
        .outerjoin(
            FairInvite,
            and_(
                col(FairInvite.campaign_id) == campaign_id,
                col(FairInvite.seeker_id) == col(Jobseeker.id),
            ),
        )
        .where(where)
        .order_by(col(FairSeeker.score).desc(), col(Jobseeker.id))
        .offset(offset)
    )
    if limit is not None:
        query = query.limit(limit)
    rows = session.execute(query).all()
    titles = _titles(session, {pid for row in rows for pid in row.top_postings})
    return [
        Invitee(
            rank=offset + k + 1,
            seeker_id=row.id,
            name=row.name,
            area_code=row.area_code,
            contact_preference=shown_preference(row.contact_preference, viewer),
            fits=row.fits,
            score=row.score,
            postings=[(pid, *titles[pid]) for pid in row.top_postings if pid in titles],
            status=row.status,
            in_scope=bool(row.in_scope) and viewer.edits_files,
        )
        for k, row in enumerate(rows)
    ], total


def mark(
    session: Session, *, viewer: Viewer, campaign_id: int, seeker_id: int, status: str
) -> None:
    """A case worker's (or admin's) mark on one of their people: invited, attending,
    attended; an empty status clears it."""
    if not viewer.edits_files:
        raise NotAllowed("only case workers and admins mark invitations")
    if status and status not in code_list("fair_invite_statuses"):
        raise ValueError(f"unknown invite status {status!r}")
    campaign_of(session, campaign_id)
    listed = session.execute(
        select(col(Jobseeker.id))
        .join(FairSeeker, col(FairSeeker.seeker_id) == col(Jobseeker.id))
        .where(
            col(FairSeeker.campaign_id) == campaign_id,
            col(FairSeeker.seeker_id) == seeker_id,
            seeker_scope(viewer),
        )
    ).scalar()
    if listed is None:
        raise NotFound(seeker_id)
    invites = table_of(FairInvite)
    if status:
        upsert(
            session,
            invites,
            [
                {
                    "campaign_id": campaign_id,
                    "seeker_id": seeker_id,
                    "status": status,
                    "marked_by": viewer.id,
                    "marked_at": clock.utcnow(),
                }
            ],
            keys=("campaign_id", "seeker_id"),
        )
    else:
        session.execute(
            delete(invites).where(
                invites.c.campaign_id == campaign_id, invites.c.seeker_id == seeker_id
            )
        )
    audit.record(
        session,
        actor=viewer,
        action="change",
        object_type="fair_invite",
        object_id=f"{campaign_id}/{seeker_id}",
        detail={"status": status or None},
    )


def shown_preference(preference: str, viewer: Viewer) -> str:
    """The contact preference as ``viewer`` may see it: one that tells of a disability
    (a sign-language video call) reads "through the case worker" for those who do not see
    health data, as fair organizers do not."""
    if viewer.sees_health_data or preference not in code_list("contact_preferences"):
        return preference
    code = code_list("contact_preferences").get(preference)
    return "case_worker" if code.extra.get("reveals_disability") else preference


_EXPORT_HEADERS = {
    "zh": ["排序", "姓名", "地区", "联系方式偏好", "匹配岗位", "邀请状态"],
    "en": ["Rank", "Name", "Area", "Contact preference", "Matched postings", "Invitation"],
}


def export_invites(rows: list[Invitee], *, fmt: str, lang: str, out: IO[bytes]) -> int:
    """The invite list as the viewer sees it, as csv or xlsx (the same columns as the page:
    nothing an organizer may not see)."""
    preferences, statuses = code_list("contact_preferences"), code_list("fair_invite_statuses")
    found = areas()
    locale = "zh" if lang == "zh" else "en"
    table = (
        [
            str(row.rank),
            row.name,
            found.full_name(row.area_code) if row.area_code in found.by_code else row.area_code,
            preferences.get(row.contact_preference).name(locale)
            if row.contact_preference in preferences
            else row.contact_preference,
            "; ".join(f"{title} ({employer})" for _, title, employer in row.postings),
            statuses.get(row.status).name(locale) if row.status else "",
        ]
        for row in rows
    )
    return write_table(_EXPORT_HEADERS[locale], table, fmt=fmt, out=out)


# --- helpers ----------------------------------------------------------------------------


def _scope(viewer: Viewer) -> ColumnElement[bool]:
    """Whose rows the viewer reads: organizers every seeker on the list (with the few
    fields above), staff the seekers of their scope; and only people who consent, whatever
    an analysis made before a withdrawal left behind (SECURITY.md item 32)."""
    consenting = col(Jobseeker.consent).is_(True)
    if viewer.role == "organizer":
        return consenting
    return and_(consenting, seeker_scope(viewer))


def _count(session: Session, where: ColumnElement[bool]) -> int:
    return int(
        session.execute(
            select(func.count())
            .select_from(FairSeeker)
            .join(Jobseeker, col(Jobseeker.id) == col(FairSeeker.seeker_id))
            .where(where)
        ).scalar_one()
    )


def _own_ids(session: Session, campaign_id: int) -> set[int]:
    return set(
        session.execute(
            select(col(PostingCampaign.posting_id)).where(
                col(PostingCampaign.campaign_id) == campaign_id
            )
        ).scalars()
    )


def _titles(session: Session, ids: set[int]) -> dict[int, tuple[str, str]]:
    if not ids:
        return {}
    return {
        pid: (title, employer)
        for pid, title, employer in session.execute(
            select(col(Posting.id), col(Posting.title), col(Employer.name))
            .join(Employer, col(Employer.id) == col(Posting.employer_id))
            .where(col(Posting.id).in_(sorted(ids)))
        )
    }


def _fair_posting(
    posting: Posting,
    employer: str,
    own: set[int],
    *,
    listed: bool,
    fits: int | None = None,
    fits_in_area: int | None = None,
) -> FairPosting:
    assert posting.id is not None
    return FairPosting(
        id=posting.id,
        external_id=posting.external_id,
        title=posting.title,
        employer=employer,
        employer_id=posting.employer_id,
        category=posting.category,
        area_code=posting.area_code,
        openings=posting.openings,
        status=posting.status,
        own=posting.id in own,
        listed=listed,
        fits=fits,
        fits_in_area=fits_in_area,
        held=posting.review == "held",
        review_reasons=tuple(posting.review_reasons) if posting.review == "held" else (),
    )


def _may_build(viewer: Viewer) -> None:
    if viewer.role not in BUILDERS:
        raise NotAllowed("only organizers and admins build a fair")


def _listing_changed(
    session: Session, viewer: Viewer, campaign: Campaign, detail: dict[str, Any]
) -> None:
    """Note the change (the figures are pending until the analysis runs) and ask for it."""
    session.execute(
        table_of(Campaign)
        .update()
        .where(table_of(Campaign).c.id == campaign.id)
        .values(listing_changed_at=clock.utcnow())
    )
    request(session, ANALYSIS_JOB, reason="fair listing", requested_by=viewer.id)
    audit.record(
        session,
        actor=viewer,
        action="change",
        object_type="fair_listing",
        object_id=campaign.id,
        detail=detail,
    )
