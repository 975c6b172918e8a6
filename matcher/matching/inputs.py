"""Load the ranker's inputs from the database (and bring stale derived profiles up to date).

The ranker itself never opens a session (STYLE.md); this module reads the rows it needs,
with only the columns it needs, and turns them into ``SeekerInput`` and ``PostingInput``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import date, datetime
from typing import Any

import orjson
from sqlalchemy import String, or_, select, type_coerce
from sqlmodel import Session, col

from matcher.core import clock
from matcher.core.codes import code_list
from matcher.core.models import CapabilityProfile, Employer, Jobseeker, Posting, Recommendation
from matcher.intake.store import posting_text, update_rows
from matcher.ranker.inputs import PostingInput, Restriction, SeekerInput
from matcher.reference.profiles import default_capacity
from matcher.reference.requirements import (
    PostingText,
    posting_profiles,
    profile_version,
    seeker_profile,
)

__all__ = [
    "PINNED_STATUSES",
    "load_postings",
    "load_seekers",
    "seeking_statuses",
    "update_stale_profiles",
]

# Recommendations a seeker has been given and is acting on: a refresh keeps them.
PINNED_STATUSES = ("sent", "viewed", "applied", "interview")
_BATCH = 5000


def _rows(session: Session, query: Any) -> list[Any]:
    """Run a select on the connection (no ORM result machinery) and return its rows."""
    return list(session.connection().execute(query).all())


def _json_reader(session: Session) -> Callable[[Any], Any]:
    """How to read a JSON column selected with ``_text``: SQLite hands over the stored text;
    psycopg has already decoded it."""
    if session.get_bind().dialect.name == "sqlite":
        return lambda value: None if value is None else orjson.loads(value)
    return lambda value: value


def _text(column: Any) -> Any:
    """Select a JSON column without SQLAlchemy's per-value result processing, which cost
    more than the decoding itself at 100,000 seekers."""
    return type_coerce(column, String)


def seeking_statuses() -> list[str]:
    return [c.key for c in code_list("employment_statuses") if c.extra.get("seeking")]


def _education_ranks() -> dict[str | None, int]:
    ranks: dict[str | None, int] = {
        c.key: int(c.extra["rank"]) for c in code_list("education_levels")
    }
    ranks[None] = 0
    return ranks


def update_stale_profiles(session: Session) -> tuple[int, int]:
    """Re-derive the profiles stored under an older version of the data; return counts."""
    version = profile_version()
    seekers = session.execute(
        select(
            col(Jobseeker.id),
            col(Jobseeker.desired_jobs),
            col(Jobseeker.major),
            col(Jobseeker.experience),
        ).where(
            or_(col(Jobseeker.profile_version).is_(None), col(Jobseeker.profile_version) != version)
        )
    ).all()
    rows = []
    for seeker_id, desired, major, experience in seekers:
        found = seeker_profile(desired_jobs=desired, major=major, experience=experience)
        rows.append(
            {
                "_id": seeker_id,
                "desired_categories": found.desired_categories,
                "major_categories": found.major_categories,
                "text_skills": found.text_skills,
                "profile_version": version,
            }
        )
    update_rows(session, Jobseeker, rows)
    postings = session.execute(
        select(
            col(Posting.id),
            col(Posting.category),
            col(Posting.title),
            col(Posting.description),
            col(Posting.requirements),
            col(Posting.demands),
            col(Posting.staff_demands),
        ).where(
            or_(col(Posting.profile_version).is_(None), col(Posting.profile_version) != version)
        )
    ).all()
    profiles = posting_profiles(
        [
            PostingText(category, posting_text(title, description, needs), demands, staff)
            for _, category, title, description, needs, demands, staff in postings
        ]
    )
    rows = [
        {
            "_id": row[0],
            "requirement_profile": profile.demands,
            "demand_sources": profile.sources,
            "intrinsic": profile.intrinsic,
            "text_accommodations": profile.text_accommodations,
            "text_skills": profile.text_skills,
            "profile_version": version,
        }
        for row, profile in zip(postings, profiles, strict=True)
    ]
    update_rows(session, Posting, rows)
    return len(seekers), len(postings)


def load_postings(
    session: Session,
    *,
    today: date,
    ids: Iterable[int] | None = None,
    open_only: bool = True,
) -> list[PostingInput]:
    """Postings as ranker inputs: the open ones (or the given ids, open or not)."""
    ranks = _education_ranks()
    query = select(
        col(Posting.id),
        col(Posting.external_id),
        col(Posting.employer_id),
        col(Employer.kind),
        col(Posting.title),
        col(Posting.category),
        col(Posting.area_code),
        _text(Posting.work_modes),
        col(Posting.education_min),
        col(Posting.graduate_only),
        _text(Posting.suitable_types),
        _text(Posting.accommodations),
        _text(Posting.text_accommodations),
        _text(Posting.requirement_profile),
        _text(Posting.intrinsic),
        _text(Posting.skills),
        _text(Posting.text_skills),
        _text(Posting.majors),
        col(Posting.description),
        col(Posting.requirements),
        col(Posting.skills_text),
        col(Posting.salary_min),
        col(Posting.salary_max),
        col(Posting.openings),
        col(Posting.deadline),
        col(Posting.status),
        col(Posting.created_at),
        col(Posting.review),
        _text(Posting.restrictions),
    ).join(Employer, col(Employer.id) == col(Posting.employer_id))
    if ids is not None:
        query = query.where(col(Posting.id).in_(list(ids)))
    elif open_only:
        query = query.where(
            col(Posting.status) == "open",
            col(Posting.openings) > 0,
            or_(col(Posting.deadline).is_(None), col(Posting.deadline) >= today),
        )
    now = clock.utcnow()
    _json = _json_reader(session)
    postings = []
    for row in _rows(session, query.order_by(col(Posting.id))):
        (
            pid,
            external_id,
            employer_id,
            kind,
            title,
            category,
            area,
            modes,
            education,
            graduate_only,
            suitable,
            offered,
            text_offered,
            demands,
            intrinsic,
            listed_skills,
            text_skills,
            majors,
            description,
            requirements,
            skills_text,
            salary_min,
            salary_max,
            openings,
            deadline,
            status,
            created_at,
            review,
            restrictions,
        ) = row
        status = "held" if review == "held" and status == "open" else status
        suitable = _json(suitable)
        postings.append(
            PostingInput(
                id=pid,
                external_id=external_id,
                employer_id=employer_id,
                employer_kind=kind,
                title=title,
                category=category,
                area_code=area,
                work_modes=tuple(_json(modes)),
                education_rank=ranks.get(education, 0),
                graduate_only=graduate_only,
                suitable_types=None if suitable is None else tuple(suitable),
                accommodations=tuple(dict.fromkeys([*_json(offered), *_json(text_offered)])),
                demands=_json(demands),
                intrinsic=tuple(_json(intrinsic)),
                skills=tuple(dict.fromkeys([*_json(listed_skills), *_json(text_skills)])),
                majors=tuple(_json(majors)),
                text=f"{title}\n{description}\n{requirements}\n{skills_text}",
                salary_min=salary_min,
                salary_max=salary_max,
                openings=openings,
                deadline=deadline,
                status=status,
                age_days=_age_days(now, created_at),
                restriction=Restriction.of(_json(restrictions)),
            )
        )
    return postings


def _age_days(now: datetime, created_at: datetime) -> float:
    return max(0.0, (now - created_at).total_seconds() / 86400)


def load_seekers(
    session: Session, *, ids: Iterable[int] | None = None, eligible_only: bool = True
) -> list[SeekerInput]:
    """Seekers as ranker inputs: those who may be matched (or the given ids, any)."""
    ranks = _education_ranks()
    seeking = set(seeking_statuses())
    query = select(
        col(Jobseeker.id),
        col(Jobseeker.external_id),
        col(Jobseeker.area_code),
        _text(Jobseeker.willing_areas),
        col(Jobseeker.education),
        col(Jobseeker.is_graduate),
        _text(Jobseeker.disability_types),
        col(Jobseeker.disability_grade),
        _text(Jobseeker.accommodations_needed),
        _text(Jobseeker.skills),
        _text(Jobseeker.certificates),
        _text(Jobseeker.text_skills),
        _text(Jobseeker.desired_categories),
        col(Jobseeker.major),
        _text(Jobseeker.major_categories),
        col(Jobseeker.desired_jobs),
        col(Jobseeker.skills_text),
        col(Jobseeker.certificates_text),
        col(Jobseeker.experience),
        col(Jobseeker.min_salary),
        _text(Jobseeker.work_modes),
        col(Jobseeker.consent),
        col(Jobseeker.employment_status),
        col(Jobseeker.gender),
        col(Jobseeker.birth_year),
    )
    wanted: set[int] | None = None
    if ids is not None:
        wanted = set(ids)
        query = query.where(col(Jobseeker.id).in_(sorted(wanted)))
    elif eligible_only:
        query = query.where(
            col(Jobseeker.consent).is_(True), col(Jobseeker.employment_status).in_(seeking)
        )
    rows = _rows(session, query.order_by(col(Jobseeker.id)))
    _json = _json_reader(session)
    assessed = _assessed_profiles(session, wanted)
    declined = _declined(session, wanted)
    seekers = []
    for row in rows:
        (
            sid,
            external_id,
            area,
            willing,
            education,
            graduate,
            types,
            grade,
            needed,
            listed_skills,
            certificates,
            text_skills,
            desired,
            major,
            major_categories,
            desired_jobs,
            skills_text,
            certificates_text,
            experience,
            min_salary,
            modes,
            consent,
            status,
            gender,
            birth_year,
        ) = row
        types = _json(types)
        capacity = default_capacity(types, grade)
        capacity.update(assessed.get(sid, {}))
        reason = (
            ""
            if consent and status in seeking
            else ("no_consent" if not consent else "not_seeking")
        )
        seekers.append(
            SeekerInput(
                id=sid,
                external_id=external_id,
                area_code=area,
                willing_areas=tuple(_json(willing)),
                education_rank=ranks.get(education, 0),
                is_graduate=graduate,
                disability_types=tuple(types),
                capacity=capacity,
                accommodations_needed=tuple(_json(needed)),
                skills=tuple(
                    dict.fromkeys(
                        [*_json(listed_skills), *_json(certificates), *_json(text_skills)]
                    )
                ),
                desired_categories=tuple(_json(desired)),
                major=major,
                major_categories=tuple(_json(major_categories)),
                text=f"{major}\n{desired_jobs}\n{skills_text}\n{certificates_text}\n{experience}",
                desired_text=desired_jobs or "",
                min_salary=min_salary,
                work_modes=tuple(_json(modes)),
                eligible=not reason,
                ineligible_reason=reason,
                employment_status=status,
                declined=frozenset(declined.get(sid, ())),
                gender=gender or "",
                birth_year=birth_year,
            )
        )
    return seekers


def _assessed_profiles(session: Session, wanted: set[int] | None) -> dict[int, dict[str, int]]:
    """Assessed capability profiles (of the wanted seekers, or all: a filter on tens of
    thousands of ids costs more to compile than reading every profile)."""
    query = select(col(CapabilityProfile.seeker_id), _text(CapabilityProfile.levels))
    if wanted is not None and len(wanted) <= _BATCH:
        query = query.where(col(CapabilityProfile.seeker_id).in_(sorted(wanted)))
    read = _json_reader(session)
    return {
        sid: read(levels)
        for sid, levels in _rows(session, query)
        if wanted is None or sid in wanted
    }


def _declined(session: Session, wanted: set[int] | None) -> dict[int, set[int]]:
    query = select(col(Recommendation.seeker_id), col(Recommendation.posting_id)).where(
        col(Recommendation.status) == "declined"
    )
    if wanted is not None and len(wanted) <= _BATCH:
        query = query.where(col(Recommendation.seeker_id).in_(sorted(wanted)))
    found: dict[int, set[int]] = defaultdict(set)
    for seeker_id, posting_id in _rows(session, query):
        if wanted is None or seeker_id in wanted:
            found[seeker_id].add(posting_id)
    return found
