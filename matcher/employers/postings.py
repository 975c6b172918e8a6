"""Finding postings and the seekers each one is recommended to (the reverse list a case
worker calls when a new posting arrives)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, or_, select
from sqlmodel import Session, col

from matcher.core.models import (
    Campaign,
    Employer,
    Jobseeker,
    Posting,
    PostingCampaign,
    Recommendation,
)
from matcher.people.access import Viewer, in_area, seeker_scope

__all__ = ["PostingFilter", "matched_seekers", "posting_detail", "search_postings"]


@dataclass(frozen=True)
class PostingFilter:
    text: str = ""
    category: str | None = None
    area: str | None = None
    status: str | None = "open"


def search_postings(
    session: Session, *, where: PostingFilter, offset: int = 0, limit: int = 50
) -> tuple[list[tuple[Posting, str]], int]:
    """Postings that pass ``where``, newest first, with their employers; and the count."""
    query = select(col(Posting.id))
    if where.text.strip():
        words = where.text.strip()
        employers = select(col(Employer.id)).where(col(Employer.name).contains(words))
        query = query.where(
            or_(
                col(Posting.title).contains(words),
                col(Posting.employer_id).in_(employers),
                col(Posting.external_id) == words,
            )
        )
    if where.category:
        query = query.where(col(Posting.category) == where.category)
    if where.area:
        query = query.where(in_area(col(Posting.area_code), where.area))
    if where.status:
        query = query.where(col(Posting.status) == where.status)
    # Ids only, without the employers (every posting has one): the count and the page's
    # ids come from the status/created index; then the page's rows are read in full.
    total = session.execute(select(func.count()).select_from(query.subquery())).scalar_one()
    ids = list(
        session.execute(
            query.order_by(col(Posting.created_at).desc(), col(Posting.id).desc())
            .offset(offset)
            .limit(limit)
        ).scalars()
    )
    found = {
        posting.id: (posting, name)
        for posting, name in session.execute(
            select(Posting, col(Employer.name))
            .join(Employer, col(Employer.id) == col(Posting.employer_id))
            .where(col(Posting.id).in_(ids))
        )
    }
    return [found[i] for i in ids], int(total)


def posting_detail(session: Session, *, posting_id: int) -> dict[str, Any] | None:
    found = session.execute(
        select(Posting, Employer)
        .join(Employer, col(Employer.id) == col(Posting.employer_id))
        .where(col(Posting.id) == posting_id)
    ).first()
    if found is None:
        return None
    posting, employer = found
    campaigns = session.execute(
        select(col(Campaign.name))
        .join(PostingCampaign, col(PostingCampaign.campaign_id) == col(Campaign.id))
        .where(col(PostingCampaign.posting_id) == posting_id)
    ).scalars()
    return {"posting": posting, "employer": employer, "campaigns": list(campaigns)}


def matched_seekers(
    session: Session, *, viewer: Viewer, posting_id: int, limit: int = 100
) -> list[dict[str, Any]]:
    """The seekers in the viewer's scope who have this posting among their recommendations,
    best fit first."""
    rows = session.execute(
        select(
            col(Jobseeker.id),
            col(Jobseeker.name),
            col(Jobseeker.area_code),
            col(Jobseeker.is_graduate),
            col(Recommendation.rank),
            col(Recommendation.score),
            col(Recommendation.status),
        )
        .join(Jobseeker, col(Jobseeker.id) == col(Recommendation.seeker_id))
        .where(
            col(Recommendation.posting_id) == posting_id,
            col(Recommendation.active).is_(True),
            seeker_scope(viewer),
        )
        .order_by(col(Recommendation.score).desc())
        .limit(limit)
    ).all()
    keys = ("id", "name", "area_code", "is_graduate", "rank", "score", "status")
    return [dict(zip(keys, row, strict=True)) for row in rows]
