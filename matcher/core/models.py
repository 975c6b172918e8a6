"""All database tables, in one module (DESIGN.md "The data").

Keys stored in code columns (disability types, education, kinds, statuses, dimensions,
accommodations) are the keys of ``data/codes.yaml``. Lists and level profiles are JSON.
Identifiers (national ID, disability certificate, phone) are never stored in clear: each has
an encrypted value, a keyed digest for look-ups and a masked form for display
(``matcher.people.identifiers``).

The schema is created and upgraded by the Alembic migrations in ``matcher/core/migrations``;
a test checks that the migrations and these classes agree.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, LargeBinary, Table, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from matcher.core import clock

__all__ = [
    "AuditLog",
    "Campaign",
    "CapabilityProfile",
    "Employer",
    "FairInvite",
    "FairListing",
    "FairPostingFit",
    "FairSeeker",
    "JobLease",
    "JobRequest",
    "JobRun",
    "Jobseeker",
    "KpiSnapshot",
    "LoginAttempt",
    "Posting",
    "PostingCampaign",
    "Recommendation",
    "RefreshRun",
    "Reminder",
    "SeekerStanding",
    "ServicePlan",
    "ServiceRecord",
    "User",
    "WeeklyChange",
    "table_of",
]


def table_of(model: type[SQLModel]) -> Table:
    """The Core table of a table model, for bulk statements."""
    table: Table = model.__table__  # type: ignore[attr-defined]
    return table


def _json(default_factory: Any = None) -> Any:
    """A JSON column; with a default factory it is NOT NULL, without one it is nullable."""
    if default_factory is None:
        return Field(default=None, sa_column=Column(JSON, nullable=True))
    return Field(default_factory=default_factory, sa_column=Column(JSON, nullable=False))


class User(SQLModel, table=True):
    __tablename__ = "app_user"

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=64, unique=True, index=True)
    password_hash: str = Field(max_length=255)
    role: str = Field(max_length=20)
    display_name: str = Field(default="", max_length=100)
    # Administrative-division codes this user works in (case workers, supervisors).
    area_codes: list[str] = _json(list)
    active: bool = Field(default=True)
    # Bumped on logout, password or role change and disable; sessions carry the value.
    session_version: int = Field(default=1)
    created_at: datetime = Field(default_factory=clock.utcnow)
    last_login_at: datetime | None = None


class Jobseeker(SQLModel, table=True):
    __tablename__ = "jobseeker"

    id: int | None = Field(default=None, primary_key=True)
    external_id: str = Field(max_length=64, unique=True, index=True)
    name: str = Field(max_length=100)
    gender: str | None = Field(default=None, max_length=10)
    birth_year: int | None = None

    id_number_cipher: bytes | None = Field(default=None, sa_column=Column(LargeBinary))
    id_number_digest: str | None = Field(default=None, max_length=64, unique=True)
    id_number_masked: str | None = Field(default=None, max_length=24)
    cert_no_cipher: bytes | None = Field(default=None, sa_column=Column(LargeBinary))
    cert_no_digest: str | None = Field(default=None, max_length=64, unique=True)
    cert_no_masked: str | None = Field(default=None, max_length=24)
    phone_cipher: bytes | None = Field(default=None, sa_column=Column(LargeBinary))
    phone_masked: str | None = Field(default=None, max_length=24)

    disability_types: list[str] = _json(list)
    disability_grade: int
    education: str | None = Field(default=None, max_length=20)
    major: str = Field(default="", max_length=100)
    school: str = Field(default="", max_length=100)
    graduation_year: int | None = None
    is_graduate: bool = Field(default=False, index=True)
    skills: list[str] = _json(list)  # skill-vocabulary ids
    skills_text: str = Field(default="")  # as written, for terms outside the vocabulary
    certificates: list[str] = _json(list)
    certificates_text: str = Field(default="")
    experience: str = Field(default="")
    area_code: str = Field(max_length=12, index=True)
    household_area_code: str | None = Field(default=None, max_length=12)
    willing_areas: list[str] = _json(list)  # ["*"] = anywhere
    desired_jobs: str = Field(default="")
    min_salary: int | None = None
    work_modes: list[str] = _json(list)
    accommodations_needed: list[str] = _json(list)
    rural: bool = Field(default=False)
    low_income: bool = Field(default=False)
    # Read from the text by matcher.reference.requirements, with the version of the data used.
    desired_categories: list[str] = _json(list)
    major_categories: list[str] = _json(list)
    text_skills: list[str] = _json(list)
    profile_version: str | None = Field(default=None, max_length=16)
    employment_status: str = Field(default="unemployed", max_length=20)
    # How the seeker likes to be reached about postings and fairs (codes.yaml).
    contact_preference: str = Field(default="case_worker", max_length=20)
    # PIPL Arts. 28-30: separate consent to process disability data; without it, no matching.
    consent: bool = Field(default=False)
    consent_at: datetime | None = None
    consent_notice: str | None = Field(default=None, max_length=40)
    case_worker_id: int | None = Field(default=None, foreign_key="app_user.id", index=True)
    # The seeker's own sign-in (graduate portal), if they have one.
    user_id: int | None = Field(default=None, foreign_key="app_user.id", unique=True)
    created_at: datetime = Field(default_factory=clock.utcnow)
    updated_at: datetime = Field(default_factory=clock.utcnow, index=True)  # what changed since
    # Optimistic locking: a save must name the version it read (SECURITY.md item 24).
    version: int = Field(default=1)
    # When a refresh last gave this seeker a different set of postings (the weekly change list).
    matches_changed_at: datetime | None = None


class CapabilityProfile(SQLModel, table=True):
    """A seeker's assessed capability profile; without one, the disability defaults apply."""

    __tablename__ = "capability_profile"

    id: int | None = Field(default=None, primary_key=True)
    seeker_id: int = Field(foreign_key="jobseeker.id", unique=True, ondelete="CASCADE")
    levels: dict[str, int] = _json(dict)  # dimension -> 0..2
    source: str = Field(max_length=20)  # "import" or "assessment"
    assessed_by: int | None = Field(default=None, foreign_key="app_user.id")
    assessed_at: datetime = Field(default_factory=clock.utcnow, index=True)
    notes: str = Field(default="")


class Employer(SQLModel, table=True):
    __tablename__ = "employer"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200, unique=True, index=True)
    credit_code: str | None = Field(default=None, max_length=18, unique=True)
    kind: str = Field(max_length=20, index=True)
    area_code: str | None = Field(default=None, max_length=12, index=True)
    staff_count: int | None = None
    disabled_staff_count: int | None = None
    facilities: list[str] = _json(list)  # accommodation keys
    contact_name: str = Field(default="", max_length=100)
    contact_phone: str = Field(default="", max_length=40)
    created_at: datetime = Field(default_factory=clock.utcnow)
    updated_at: datetime = Field(default_factory=clock.utcnow)


class Campaign(SQLModel, table=True):
    __tablename__ = "campaign"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200, unique=True)
    kind: str = Field(default="other", max_length=20)
    organizer: str = Field(default="", max_length=200)
    starts_on: date | None = None
    venue: str = Field(default="", max_length=200)
    venue_accessibility: str = Field(default="")
    area_code: str | None = Field(default=None, max_length=12)
    created_by: int | None = Field(default=None, foreign_key="app_user.id")
    created_at: datetime = Field(default_factory=clock.utcnow)
    updated_at: datetime = Field(default_factory=clock.utcnow)
    version: int = Field(default=1)  # edits name the version they read (SECURITY.md item 24)
    # The fair: when its listing last changed, and when the fit figures were last computed
    # for it (``matcher.jobs.fair_analysis``); figures older than the listing are shown as pending.
    listing_changed_at: datetime | None = None
    analysed_at: datetime | None = None


class Posting(SQLModel, table=True):
    __tablename__ = "posting"
    # The postings page lists the open ones newest first.
    __table_args__ = (Index("ix_posting_status_created", "status", "created_at", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    external_id: str = Field(max_length=64, unique=True, index=True)
    employer_id: int = Field(foreign_key="employer.id", index=True)
    title: str = Field(max_length=200)
    category: str = Field(max_length=40, index=True)
    description: str = Field(default="")
    requirements: str = Field(default="")
    skills: list[str] = _json(list)
    skills_text: str = Field(default="")
    education_min: str = Field(default="any", max_length=20)
    majors: list[str] = _json(list)
    area_code: str = Field(max_length=12, index=True)
    work_modes: list[str] = _json(list)
    salary_min: int | None = None
    salary_max: int | None = None
    openings: int = Field(default=1)
    deadline: date | None = None
    graduate_only: bool = Field(default=False)
    suitable_types: list[str] | None = _json()  # None = any type
    accommodations: list[str] = _json(list)
    demands: dict[str, int] | None = _json()  # explicit, from the employer
    # The effective requirement profile: the category's profile adjusted by the text, then
    # the explicit demands (matcher.reference.requirements); what matching and the UI use. With it,
    # the dimensions no accommodation bridges, and what the text offers and asks for.
    requirement_profile: dict[str, int] = _json(dict)
    intrinsic: list[str] = _json(list)
    text_accommodations: list[str] = _json(list)
    text_skills: list[str] = _json(list)
    profile_version: str | None = Field(default=None, max_length=16)
    # The category's confidence when it was inferred (None: given by the file or staff), and
    # where each demand of the profile came from: {dimension: {source, quote, confidence}}.
    category_confidence: float | None = None
    demand_sources: dict[str, dict[str, Any]] = _json(dict)
    # Staff edits: they override the file and the inference, and survive re-imports.
    staff_category: str | None = Field(default=None, max_length=40)
    staff_demands: dict[str, int] | None = _json()
    original_text: dict[str, str] | None = _json()  # the text as imported, once staff edit it
    # Review (DESIGN.md "Posting review"): "none", "held" (never recommended, listed at a
    # fair or printed) or "cleared"; why it was held; who cleared it, when, and how.
    review: str = Field(default="none", max_length=20, index=True)
    review_reasons: list[str] = _json(list)
    reviewed_by: int | None = Field(default=None, foreign_key="app_user.id")
    reviewed_at: datetime | None = None
    review_note: str = Field(default="")
    restrictions: dict[str, Any] | None = _json()  # accepted as job-related: gender, age
    status: str = Field(default="open", max_length=20, index=True)  # open / closed
    closed_at: datetime | None = None
    created_at: datetime = Field(default_factory=clock.utcnow)
    updated_at: datetime = Field(default_factory=clock.utcnow, index=True)  # what changed since
    version: int = Field(default=1)


class PostingCampaign(SQLModel, table=True):
    __tablename__ = "posting_campaign"

    posting_id: int = Field(foreign_key="posting.id", primary_key=True, ondelete="CASCADE")
    campaign_id: int = Field(foreign_key="campaign.id", primary_key=True, ondelete="CASCADE")


class FairListing(SQLModel, table=True):
    """A posting picked for a campaign's fair (its own postings, or others still open)."""

    __tablename__ = "fair_listing"

    campaign_id: int = Field(foreign_key="campaign.id", primary_key=True, ondelete="CASCADE")
    posting_id: int = Field(foreign_key="posting.id", primary_key=True, ondelete="CASCADE")
    added_by: int | None = Field(default=None, foreign_key="app_user.id")
    added_at: datetime = Field(default_factory=clock.utcnow)


class FairPostingFit(SQLModel, table=True):
    """For a fair's posting: how many seekers it fits, and how many of them are in the
    fair's area (written by the fair analysis job)."""

    __tablename__ = "fair_posting_fit"

    campaign_id: int = Field(foreign_key="campaign.id", primary_key=True, ondelete="CASCADE")
    posting_id: int = Field(foreign_key="posting.id", primary_key=True, ondelete="CASCADE")
    fits: int = 0
    fits_in_area: int = 0


class FairSeeker(SQLModel, table=True):
    """A seeker of the fair's area, as the fair analysis job found them: how many of the
    fair's postings fit them, their best score, and their best fair postings (ids, best
    first). ``fits == 0``: no fair posting fits this seeker."""

    __tablename__ = "fair_seeker"
    __table_args__ = (Index("ix_fair_seeker_rank", "campaign_id", "score"),)

    campaign_id: int = Field(foreign_key="campaign.id", primary_key=True, ondelete="CASCADE")
    seeker_id: int = Field(foreign_key="jobseeker.id", primary_key=True, ondelete="CASCADE")
    fits: int = 0
    score: float = 0.0
    top_postings: list[int] = _json(list)


class FairInvite(SQLModel, table=True):
    """A case worker's mark on a seeker for a fair: invited, attending, attended. Kept
    apart from ``FairSeeker`` so that a new analysis never loses it."""

    __tablename__ = "fair_invite"

    campaign_id: int = Field(foreign_key="campaign.id", primary_key=True, ondelete="CASCADE")
    seeker_id: int = Field(foreign_key="jobseeker.id", primary_key=True, ondelete="CASCADE")
    status: str = Field(max_length=20)  # invited / attending / attended
    marked_by: int | None = Field(default=None, foreign_key="app_user.id")
    marked_at: datetime = Field(default_factory=clock.utcnow)


class RefreshRun(SQLModel, table=True):
    __tablename__ = "refresh_run"

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=20)  # full / incremental / single
    status: str = Field(default="running", max_length=20)  # running / succeeded / failed
    started_at: datetime = Field(default_factory=clock.utcnow)
    finished_at: datetime | None = None
    seekers: int = Field(default=0)
    postings: int = Field(default=0)
    feasible_pairs: int = Field(default=0)
    recommendations: int = Field(default=0)
    duration_s: float | None = None
    error: str | None = None
    # Open postings no seeker could be offered, as of this (full) run: whom to call.
    unfit_postings: list[int] | None = _json()


class Recommendation(SQLModel, table=True):
    __tablename__ = "recommendation"
    __table_args__ = (
        UniqueConstraint("run_id", "seeker_id", "posting_id"),
        Index("ix_recommendation_seeker_active", "seeker_id", "active"),
        Index("ix_recommendation_posting_active", "posting_id", "active"),
        # Only the active rows: what a refresh switches off, what readers want, and (with
        # the score) the weakest of each list that an incremental refresh compares with.
        Index(
            "ix_recommendation_active",
            "seeker_id",
            "score",
            sqlite_where=text("active"),
            postgresql_where=text("active"),
        ),
        # Declines are read at every refresh: never recommend a declined posting again.
        Index(
            "ix_recommendation_declined",
            "seeker_id",
            "posting_id",
            sqlite_where=text("status = 'declined'"),
            postgresql_where=text("status = 'declined'"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    run_id: int = Field(foreign_key="refresh_run.id")  # indexed by the unique constraint
    seeker_id: int = Field(foreign_key="jobseeker.id", ondelete="CASCADE")
    posting_id: int = Field(foreign_key="posting.id", ondelete="CASCADE")
    rank: int
    score: float
    parts: dict[str, float] = _json(dict)
    reasons: list[dict[str, str]] = _json(list)  # {"zh":…, "en":…}
    needs_accommodation: list[str] = _json(list)
    # Readers see the active set only; a refresh switches sets in one transaction.
    active: bool = Field(default=False)
    status: str = Field(default="new", max_length=20)
    status_reason: str = Field(default="")
    status_at: datetime | None = None
    created_at: datetime = Field(default_factory=clock.utcnow)


class ServiceRecord(SQLModel, table=True):
    __tablename__ = "service_record"
    __table_args__ = (Index("ix_service_record_seeker_served", "seeker_id", "served_on"),)

    id: int | None = Field(default=None, primary_key=True)
    seeker_id: int = Field(foreign_key="jobseeker.id", index=True, ondelete="CASCADE")
    kind: str = Field(max_length=30)
    served_on: date
    worker_id: int | None = Field(default=None, foreign_key="app_user.id")
    notes: str = Field(default="")
    next_follow_up: date | None = Field(default=None, index=True)
    created_at: datetime = Field(default_factory=clock.utcnow)


class ServicePlan(SQLModel, table=True):
    """One plan per person (一人一策): the goals and the services planned to reach them."""

    __tablename__ = "service_plan"

    id: int | None = Field(default=None, primary_key=True)
    seeker_id: int = Field(foreign_key="jobseeker.id", unique=True, ondelete="CASCADE")
    goals: str = Field(default="")
    planned_services: list[str] = _json(list)  # service-kind keys
    updated_by: int | None = Field(default=None, foreign_key="app_user.id")
    updated_at: datetime = Field(default_factory=clock.utcnow)
    version: int = Field(default=1)


class LoginAttempt(SQLModel, table=True):
    """Failed sign-ins, counted in the database so every web worker sees them (item 2)."""

    __tablename__ = "login_attempt"

    id: int | None = Field(default=None, primary_key=True)
    # "user:<name>" or "addr:<address>"; the key of the limit that the failure counts toward.
    key: str = Field(max_length=120)
    at: datetime = Field(default_factory=clock.utcnow)

    __table_args__ = (Index("ix_login_attempt_key_at", "key", "at"),)


class AuditLog(SQLModel, table=True):
    """Append-only: who viewed, changed, exported or revealed whose file, and refusals."""

    __tablename__ = "audit_log"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=clock.utcnow, index=True)
    actor_id: int | None = Field(default=None, foreign_key="app_user.id")
    actor: str = Field(default="", max_length=64)  # username, or "cli" / "scheduler"
    action: str = Field(max_length=20)  # view / change / export / reveal / refuse / import
    object_type: str = Field(default="", max_length=30)
    object_id: str = Field(default="", max_length=64)
    detail: dict[str, Any] = _json(dict)


class JobRun(SQLModel, table=True):
    """One run of a scheduler job, scheduled or asked for: the run history."""

    __tablename__ = "job_run"
    __table_args__ = (Index("ix_job_run_job_slot", "job", "slot"),)

    id: int | None = Field(default=None, primary_key=True)
    job: str = Field(max_length=40)
    # The period a scheduled run stands for (a day, an hour, a week); a slot done once is
    # not done again. Empty for runs that stand for no period (requests, refresh on demand).
    slot: str = Field(default="", max_length=40)
    trigger: str = Field(max_length=20)  # schedule / request / cli
    status: str = Field(default="running", max_length=20)  # running / succeeded / failed
    started_at: datetime = Field(default_factory=clock.utcnow, index=True)
    finished_at: datetime | None = None
    duration_s: float | None = None
    counts: dict[str, Any] = _json(dict)
    error: str | None = None
    host: str = Field(default="", max_length=120)  # host:pid of the process that ran it


class JobRequest(SQLModel, table=True):
    """Work asked of the scheduler: a refresh after edits and imports (debounced), one
    seeker's refresh now, or a job started from the admin page. Web workers and the CLI
    never rank; the scheduler does."""

    __tablename__ = "job_request"
    __table_args__ = (Index("ix_job_request_pending", "handled_at", "job"),)

    id: int | None = Field(default=None, primary_key=True)
    job: str = Field(max_length=40)
    seeker_id: int | None = Field(default=None, foreign_key="jobseeker.id", ondelete="CASCADE")
    reason: str = Field(default="", max_length=40)
    slot: str = Field(default="", max_length=40)  # a scheduled run put off: its slot
    requested_by: int | None = Field(default=None, foreign_key="app_user.id")
    requested_at: datetime = Field(default_factory=clock.utcnow)
    handled_at: datetime | None = None
    job_run_id: int | None = Field(default=None, foreign_key="job_run.id")


class JobLease(SQLModel, table=True):
    """SQLite's stand-in for PostgreSQL's advisory locks: who holds a job's lock, and until
    when (a holder that dies lets it lapse)."""

    __tablename__ = "job_lease"

    name: str = Field(primary_key=True, max_length=40)
    holder: str = Field(max_length=160)
    expires_at: datetime


class KpiSnapshot(SQLModel, table=True):
    """The plan's figures for one area on one day, for the dashboard's trends."""

    __tablename__ = "kpi_snapshot"
    __table_args__ = (UniqueConstraint("day", "area_code"),)

    id: int | None = Field(default=None, primary_key=True)
    day: date = Field(index=True)
    area_code: str = Field(max_length=12)
    seekers: int = 0
    filed: int = 0
    seeking: int = 0
    served: int = 0
    four_ones: int = 0
    graduates: int = 0
    graduates_with_postings: int = 0
    outcomes: dict[str, int] = _json(dict)  # status -> count this quarter so far
    taken_at: datetime = Field(default_factory=clock.utcnow)


class WeeklyChange(SQLModel, table=True):
    """What changed in one area in one week: new and closed postings, seekers whose
    recommendations changed, postings that fit nobody (ids in ``detail``)."""

    __tablename__ = "weekly_change"
    __table_args__ = (UniqueConstraint("week_start", "area_code"),)

    id: int | None = Field(default=None, primary_key=True)
    week_start: date = Field(index=True)
    area_code: str = Field(max_length=12)
    new_postings: int = 0
    closed_postings: int = 0
    changed_seekers: int = 0
    unfit_postings: int = 0
    detail: dict[str, list[int]] = _json(dict)
    made_at: datetime = Field(default_factory=clock.utcnow)


class Reminder(SQLModel, table=True):
    """A case worker's follow-ups for one day: due, overdue, and graduates who have not yet
    had 3 postings sent (seeker ids in ``seekers``); shown on the caseload page."""

    __tablename__ = "reminder"
    __table_args__ = (UniqueConstraint("day", "worker_id"),)

    id: int | None = Field(default=None, primary_key=True)
    day: date = Field(index=True)
    worker_id: int = Field(foreign_key="app_user.id", ondelete="CASCADE")
    due: int = 0
    overdue: int = 0
    graduates_short: int = 0
    seekers: dict[str, list[int]] = _json(dict)
    made_at: datetime = Field(default_factory=clock.utcnow)


class SeekerStanding(SQLModel, table=True):
    """Where a seeker stands in the one-to-one service, as the caseload sorts by it: which
    of the "four ones" are done, the follow-up asked for and not yet served, and the active
    recommendations and how many were sent. Derived from the service records and the
    recommendations, and written in the same transaction as every change to them
    (``matcher.core.standings``); no row means nothing done and nothing recommended."""

    __tablename__ = "seeker_standing"

    seeker_id: int = Field(foreign_key="jobseeker.id", primary_key=True, ondelete="CASCADE")
    info_check: bool = Field(default=False)
    capability_assessment: bool = Field(default=False)
    need_registration: bool = Field(default=False)
    employment_service: bool = Field(default=False)
    follow_up: date | None = None  # asked for and not served since; overdue before today
    recommendations: int = Field(default=0)  # active
    sent: int = Field(default=0)  # active, with any outcome past "new"
