"""The fair analysis: for each fair, how many seekers each of its postings fits (anywhere and
in the fair's area), and each seeker of the area's best fair postings (the invite list).

It runs when an organizer changes a fair's listing (a request) and daily, after the nightly
refresh, for the fairs still to come (seekers and postings change). It shares the refresh
lock: it scores against the refresh's warm state, which a refresh replaces.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sqlalchemy import delete, or_, select, update
from sqlmodel import col

from matcher.core import clock
from matcher.core.bulk import bulk_insert
from matcher.core.db import read_session, write_session
from matcher.core.models import (
    Campaign,
    FairListing,
    FairPostingFit,
    FairSeeker,
    JobRequest,
    Jobseeker,
    table_of,
)
from matcher.jobs.base import Job, JobContext, day_slot
from matcher.jobs.refreshing import LOCK
from matcher.matching.inputs import load_postings
from matcher.people.access import area_prefix
from matcher.ranker.fair_fit import FairFit, fit_fair

__all__ = ["FAIR_ANALYSIS", "analyse_fairs"]

NAME = "fair_analysis"


def analyse_fairs(ctx: JobContext, requests: list[JobRequest]) -> dict[str, Any]:
    """Analyse the fairs whose listing changed since their last analysis; on the schedule
    (no requests), also every fair still to come."""
    today = clock.today()
    with read_session(ctx.engine) as session:
        listed = select(col(FairListing.campaign_id)).distinct()
        stale = or_(
            col(Campaign.analysed_at).is_(None),
            col(Campaign.analysed_at) < col(Campaign.listing_changed_at),
        )
        wanted = stale
        if not requests:
            wanted = or_(stale, col(Campaign.starts_on).is_(None), col(Campaign.starts_on) >= today)
        campaigns = session.execute(
            select(col(Campaign.id), col(Campaign.area_code))
            .where(or_(col(Campaign.id).in_(listed), col(Campaign.listing_changed_at).isnot(None)))
            .where(wanted)
            .order_by(col(Campaign.id))
        ).all()
    if not campaigns:
        return {"fairs": 0}
    ranker, seekers = ctx.refresher.current()
    areas = np.array([s.area_code for s in seekers.items], dtype=object)
    seeker_rows = 0
    for campaign_id, area_code in campaigns:
        started = clock.utcnow()
        with read_session(ctx.engine) as session:
            ids = session.execute(
                select(col(FairListing.posting_id)).where(
                    col(FairListing.campaign_id) == campaign_id
                )
            ).scalars()
            # A posting held for review is offered to no one (it stays unanalysed).
            postings = [
                p for p in load_postings(session, today=today, ids=list(ids)) if p.status != "held"
            ]
        in_area = (
            np.char.startswith(areas.astype(str), area_prefix(area_code))
            if area_code and len(areas)
            else np.ones(len(areas), dtype=bool)
        )
        found = fit_fair(ranker, seekers, postings, in_area=in_area)
        _store(ctx, campaign_id, found, started)
        seeker_rows += len(found.seekers)
    return {"fairs": len(campaigns), "seekers": seeker_rows}


def _store(ctx: JobContext, campaign_id: int, found: FairFit, started: Any) -> None:
    """Replace the fair's figures in one transaction; the analysis stands as of ``started``
    (a listing changed meanwhile stays pending)."""
    with write_session(ctx.engine) as session:
        # Ranked from the warm state, which may predate a withdrawal of consent.
        withdrawn = set(
            session.execute(
                select(col(Jobseeker.id)).where(col(Jobseeker.consent).is_(False))
            ).scalars()
        )
        for model in (FairPostingFit, FairSeeker):
            session.execute(
                delete(table_of(model)).where(table_of(model).c.campaign_id == campaign_id)
            )
        bulk_insert(
            session,
            table_of(FairPostingFit),
            [
                {
                    "campaign_id": campaign_id,
                    "posting_id": pid,
                    "fits": fits,
                    "fits_in_area": found.fits_in_area.get(pid, 0),
                }
                for pid, fits in found.fits.items()
            ],
        )
        bulk_insert(
            session,
            table_of(FairSeeker),
            [
                {
                    "campaign_id": campaign_id,
                    "seeker_id": s.seeker_id,
                    "fits": s.fits,
                    "score": s.score,
                    "top_postings": list(s.top_postings),
                }
                for s in found.seekers
                if s.seeker_id not in withdrawn
            ],
        )
        session.execute(
            update(table_of(Campaign))
            .where(table_of(Campaign).c.id == campaign_id)
            .values(analysed_at=started)
        )


FAIR_ANALYSIS = Job(
    NAME,
    analyse_fairs,
    lock=LOCK,
    slot=day_slot,
    label=("招聘会匹配分析", "Fair fit analysis"),
)
