"""Reading recommendations and explaining pairs, for the command line and the web app."""

from __future__ import annotations

from datetime import date
from typing import Any

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlmodel import Session, col

from matcher.core import clock
from matcher.core.db import read_session
from matcher.core.models import Employer, Jobseeker, Posting, Recommendation
from matcher.matching.inputs import load_postings, load_seekers
from matcher.ranker.engine import Ranker
from matcher.ranker.explain import ReasonWriter, describe_exclusion
from matcher.ranker.reference import ReferenceRanker
from matcher.ranker.weights import PARTS, load_settings

__all__ = ["NotFound", "current", "explain_pair"]


class NotFound(LookupError):
    pass


def _seeker_id(session: Session, external_id: str) -> int:
    found = session.execute(
        select(col(Jobseeker.id)).where(col(Jobseeker.external_id) == external_id)
    ).scalar()
    if found is None:
        raise NotFound(f"no seeker has the id {external_id}")
    return int(found)


def _posting_id(session: Session, external_id: str) -> int:
    found = session.execute(
        select(col(Posting.id)).where(col(Posting.external_id) == external_id)
    ).scalar()
    if found is None:
        raise NotFound(f"no posting has the id {external_id}")
    return int(found)


def current(engine: Engine, *, seeker: str | None = None) -> dict[str, Any]:
    """The active recommendations of one seeker (external id) or of everyone, in the shape
    of ``jobbridge recommend --format json``."""
    with read_session(engine) as session:
        query = (
            select(
                col(Jobseeker.external_id),
                col(Posting.external_id),
                col(Posting.title),
                col(Employer.name),
                col(Recommendation.rank),
                col(Recommendation.score),
                col(Recommendation.reasons),
                col(Recommendation.needs_accommodation),
                col(Recommendation.status),
                col(Recommendation.run_id),
            )
            .join(Jobseeker, col(Jobseeker.id) == col(Recommendation.seeker_id))
            .join(Posting, col(Posting.id) == col(Recommendation.posting_id))
            .join(Employer, col(Employer.id) == col(Posting.employer_id))
            .where(col(Recommendation.active).is_(True))
            .order_by(col(Jobseeker.external_id), col(Recommendation.rank))
        )
        if seeker is not None:
            query = query.where(col(Recommendation.seeker_id) == _seeker_id(session, seeker))
        rows = session.execute(query).all()
        run_id = session.execute(
            select(func.max(col(Recommendation.run_id))).where(col(Recommendation.active).is_(True))
        ).scalar()
    seekers: dict[str, list[dict[str, Any]]] = {} if seeker is None else {seeker: []}
    for external, posting, title, employer, rank, score, reasons, needs, status, run in rows:
        seekers.setdefault(external, []).append(
            {
                "posting_id": posting,
                "title": title,
                "employer": employer,
                "rank": rank,
                "score": round(score, 4),
                "reasons": reasons,
                "needs_accommodation": needs,
                "status": status,
                "run_id": run,
            }
        )
    return {
        "generated_at": clock.utcnow().isoformat(timespec="seconds"),
        "run_id": run_id,
        "seekers": [{"seeker_id": key, "recommendations": value} for key, value in seekers.items()],
    }


def explain_pair(
    engine: Engine, seeker: str, posting: str, *, today: date | None = None
) -> dict[str, Any]:
    """Whether a seeker and a posting fit, every constraint that fails in words, and for a
    feasible pair its score, parts, reasons and the accommodations it needs."""
    today = today or clock.today()
    settings = load_settings()
    with read_session(engine) as session:
        seeker_input = load_seekers(session, ids=[_seeker_id(session, seeker)])[0]
        posting_input = load_postings(session, today=today, ids=[_posting_id(session, posting)])[0]
        open_postings = load_postings(session, today=today)
        current_rank = session.execute(
            select(col(Recommendation.rank)).where(
                col(Recommendation.active).is_(True),
                col(Recommendation.seeker_id) == seeker_input.id,
                col(Recommendation.posting_id) == posting_input.id,
            )
        ).scalar()
    exclusions = ReferenceRanker([], settings, today=today).exclusions(seeker_input, posting_input)
    result: dict[str, Any] = {
        "seeker_id": seeker,
        "posting_id": posting,
        "feasible": not exclusions,
        "exclusions": [describe_exclusion(e, seeker_input, posting_input) for e in exclusions],
        "recommended_rank": current_rank,
    }
    if exclusions:
        return result
    postings = [p for p in open_postings if p.id != posting_input.id] + [posting_input]
    ranker = Ranker(postings, settings, today=today)
    seekers = ranker.seeker_set([seeker_input])
    i, j = np.array([0]), np.array([len(postings) - 1])
    parts = ranker.pair_parts(seekers, i, j)
    result |= {
        "score": round(float(parts[0] @ ranker.weights), 4),
        "parts": {p: round(float(v), 4) for p, v in zip(PARTS, parts[0], strict=True)},
        "reasons": ReasonWriter(settings).write(ranker, seekers, i, j, parts)[0],
        "needs_accommodation": ReferenceRanker.needs_accommodation(seeker_input, posting_input),
    }
    return result
