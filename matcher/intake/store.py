"""Write validated records to the database in bulk: the one way imports and the demo store.

``*_values`` give the column values a record stands for, without ciphertexts, so that an
import can compare them with what is stored and tell new, changed and unchanged apart.
``insert_*`` and ``update_*`` write many rows per statement (executemany), which is what
makes a 20,000-row import or a 100,000-seeker demo take seconds instead of minutes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlmodel import Session, col

from matcher.core import clock
from matcher.core.bulk import bulk_insert
from matcher.core.models import (
    CapabilityProfile,
    Employer,
    Jobseeker,
    Posting,
    PostingCampaign,
    table_of,
)
from matcher.core.text import norm_key
from matcher.intake.records import EmployerRecord, PostingRecord, SeekerRecord
from matcher.people import consent
from matcher.people.identifiers import Vault, mask_cert_no, mask_id_number, mask_phone
from matcher.reference.categories import UNSURE_CATEGORY
from matcher.reference.requirements import (
    PostingText,
    posting_profiles,
    profile_version,
    seeker_profile,
)
from matcher.reference.screening import HOLD_REASON

__all__ = [
    "StaffEdits",
    "employer_key",
    "employer_values",
    "insert_employers",
    "insert_postings",
    "insert_seekers",
    "link_campaign",
    "posting_rows",
    "posting_status",
    "posting_text",
    "posting_values",
    "seeker_values",
    "update_postings",
    "update_rows",
    "upsert_capabilities",
]

BATCH = 2000


def employer_key(name: str) -> str:
    return norm_key(name)


def seeker_values(record: SeekerRecord, vault: Vault) -> dict[str, Any]:
    def digest(value: str | None) -> str | None:
        return vault.digest(value) if value else None

    return {
        "external_id": record.external_id,
        "name": record.name,
        "gender": record.gender,
        "birth_year": record.birth_year,
        "id_number_digest": digest(record.id_number),
        "id_number_masked": mask_id_number(record.id_number) if record.id_number else None,
        "cert_no_digest": digest(record.cert_no),
        "cert_no_masked": mask_cert_no(record.cert_no) if record.cert_no else None,
        "phone_masked": mask_phone(record.phone) if record.phone else None,
        "disability_types": record.disability_types,
        "disability_grade": record.disability_grade,
        "education": record.education,
        "major": record.major,
        "school": record.school,
        "graduation_year": record.graduation_year,
        "is_graduate": record.is_graduate,
        "skills": record.skills,
        "skills_text": record.skills_text,
        "certificates": record.certificates,
        "certificates_text": record.certificates_text,
        "experience": record.experience,
        "area_code": record.area_code,
        "household_area_code": record.household_area_code,
        "willing_areas": record.willing_areas,
        "desired_jobs": record.desired_jobs,
        "min_salary": record.min_salary,
        "work_modes": record.work_modes,
        "accommodations_needed": record.accommodations_needed,
        "rural": record.rural,
        "low_income": record.low_income,
        "employment_status": record.employment_status,
        "contact_preference": record.contact_preference,
        "consent": record.consent,
        **_seeker_derived(record),
    }


def _seeker_derived(record: SeekerRecord) -> dict[str, Any]:
    profile = seeker_profile(
        desired_jobs=record.desired_jobs, major=record.major, experience=record.experience
    )
    return {
        "desired_categories": profile.desired_categories,
        "major_categories": profile.major_categories,
        "text_skills": profile.text_skills,
        "profile_version": profile_version(),
    }


def _seeker_secrets(record: SeekerRecord, vault: Vault) -> dict[str, Any]:
    return {
        "id_number_cipher": vault.encrypt(record.id_number) if record.id_number else None,
        "cert_no_cipher": vault.encrypt(record.cert_no) if record.cert_no else None,
        "phone_cipher": vault.encrypt(record.phone) if record.phone else None,
    }


def insert_seekers(
    session: Session,
    vault: Vault,
    records: Sequence[SeekerRecord],
    *,
    consent_notice: str = "import",
    case_workers: Sequence[int | None] | None = None,
) -> dict[str, int]:
    """Insert new seekers (and their assessed profiles); return external id -> row id."""
    now = clock.utcnow()
    rows = []
    for index, record in enumerate(records):
        row = seeker_values(record, vault) | _seeker_secrets(record, vault)
        row |= {"created_at": now, "updated_at": now, "version": 1}
        row["consent_at"] = now if record.consent else None
        row["consent_notice"] = consent_notice if record.consent else None
        row["case_worker_id"] = case_workers[index] if case_workers else None
        rows.append(row)
    _insert(session, Jobseeker, rows)
    ids = _ids_by_external(session, Jobseeker, [r.external_id for r in records])
    upsert_capabilities(
        session,
        {ids[r.external_id]: r.capabilities for r in records if r.capabilities},
        source="import",
    )
    return ids


def update_seekers(
    session: Session,
    vault: Vault,
    changes: Sequence[tuple[int, SeekerRecord]],
    *,
    consent_notice: str = "import",
) -> None:
    """Overwrite changed seekers; ``changes`` pairs a row id with its new record. A change
    of consent is stamped; a withdrawal stops processing at once (``matcher.people.consent``)."""
    now = clock.utcnow()
    consented = _consents(session, [seeker_id for seeker_id, _ in changes])
    rows, withdrawn = [], []
    for seeker_id, record in changes:
        row = seeker_values(record, vault) | _seeker_secrets(record, vault)
        row |= {"_id": seeker_id, "updated_at": now}
        if consented.get(seeker_id) != record.consent:
            row["consent_at"] = now
            row["consent_notice"] = consent_notice if record.consent else "withdrawn"
            if not record.consent:
                withdrawn.append(seeker_id)
        rows.append(row)
    update_rows(session, Jobseeker, rows, bump_version=True)
    consent.withdraw(session, withdrawn)
    upsert_capabilities(
        session,
        {seeker_id: r.capabilities for seeker_id, r in changes if r.capabilities},
        source="import",
    )


def _consents(session: Session, seeker_ids: list[int]) -> dict[int, bool]:
    found: dict[int, bool] = {}
    for start in range(0, len(seeker_ids), BATCH):
        found.update(
            session.execute(
                select(col(Jobseeker.id), col(Jobseeker.consent)).where(
                    col(Jobseeker.id).in_(seeker_ids[start : start + BATCH])
                )
            ).all()
        )
    return found


def upsert_capabilities(
    session: Session, profiles: dict[int, dict[str, int]], *, source: str
) -> None:
    """Store assessed profiles. An import never overwrites a case worker's assessment."""
    if not profiles:
        return
    existing = dict(
        session.execute(
            select(col(CapabilityProfile.seeker_id), col(CapabilityProfile.source)).where(
                col(CapabilityProfile.seeker_id).in_(list(profiles))
            )
        ).all()
    )
    now = clock.utcnow()
    inserts = [
        {"seeker_id": sid, "levels": levels, "source": source, "assessed_at": now, "notes": ""}
        for sid, levels in profiles.items()
        if sid not in existing
    ]
    updates = [
        {"_id": sid, "levels": levels, "source": source, "assessed_at": now}
        for sid, levels in profiles.items()
        if sid in existing and (source == "assessment" or existing[sid] == "import")
    ]
    _insert(session, CapabilityProfile, inserts)
    update_rows(session, CapabilityProfile, updates, key="seeker_id")


def employer_values(record: EmployerRecord) -> dict[str, Any]:
    return {
        "name": record.name,
        "credit_code": record.credit_code,
        "kind": record.kind,
        "area_code": record.area_code,
        "staff_count": record.staff_count,
        "disabled_staff_count": record.disabled_staff_count,
        "facilities": record.facilities,
        "contact_name": record.contact_name,
        "contact_phone": record.contact_phone,
    }


def insert_employers(session: Session, records: Sequence[EmployerRecord]) -> dict[str, int]:
    """Insert employers that do not exist yet; return employer key -> row id for them.

    Race-safe: two imports may both find an employer missing and both create it. The
    insert skips a name that exists (``ON CONFLICT DO NOTHING``; on PostgreSQL it waits
    for the other transaction's uncommitted row and skips it once committed), and the ids
    are read afterwards, whoever wrote the row. The first writer's details stand."""
    if not records:
        return {}
    now = clock.utcnow()
    rows = [employer_values(r) | {"created_at": now, "updated_at": now} for r in records]
    table = table_of(Employer)
    statement: Any
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        statement = pg_insert(table)
    else:
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        statement = sqlite_insert(table)
    statement = statement.on_conflict_do_nothing(index_elements=["name"])
    for start in range(0, len(rows), BATCH):
        session.execute(statement, rows[start : start + BATCH])
    names = [r.name for r in records]
    found: dict[str, int] = {}
    for start in range(0, len(names), BATCH):
        found.update(
            (employer_key(name), row_id)
            for name, row_id in session.execute(
                select(col(Employer.name), col(Employer.id)).where(
                    col(Employer.name).in_(names[start : start + BATCH])
                )
            )
        )
    return found


def posting_status(record: PostingRecord, *, today: date | None = None) -> str:
    today = today or clock.today()
    if record.openings <= 0 or (record.deadline is not None and record.deadline < today):
        return "closed"
    return "open"


def posting_values(record: PostingRecord, employer_id: int) -> dict[str, Any]:
    """The columns a posting file sets (what a re-import compares)."""
    return {
        "external_id": record.external_id,
        "employer_id": employer_id,
        "title": record.title,
        "category": record.category,
        "description": record.description,
        "requirements": record.requirements,
        "skills": record.skills,
        "skills_text": record.skills_text,
        "education_min": record.education_min,
        "majors": record.majors,
        "area_code": record.area_code,
        "work_modes": record.work_modes,
        "salary_min": record.salary_min,
        "salary_max": record.salary_max,
        "openings": record.openings,
        "deadline": record.deadline,
        "graduate_only": record.graduate_only,
        "suitable_types": record.suitable_types,
        "accommodations": record.accommodations,
        "demands": record.demands,
        "status": posting_status(record),
    }


@dataclass(frozen=True)
class StaffEdits:
    """What staff set on a stored posting: it survives a re-import of the posting."""

    category: str | None = None
    demands: dict[str, int] | None = None
    cleared_text: tuple[str, str] | None = None  # the text whose flags staff cleared

    @classmethod
    def of(cls, stored: Mapping[str, Any]) -> StaffEdits:
        """From a stored posting's row."""
        return cls(
            stored["staff_category"],
            stored["staff_demands"],
            (stored["description"], stored["requirements"])
            if stored["review"] == "cleared"
            else None,
        )

    def reasons(self, record: PostingRecord) -> list[str]:
        """Why the posting, as ``record`` brings it, is held: its own reasons, less an
        unsure category that staff chose, and less the flags staff cleared for this very
        text (the employer's job reason stands for it)."""
        reasons = list(record.review_reasons)
        if self.category:
            reasons = [r for r in reasons if r != UNSURE_CATEGORY]
        if self.cleared_text == (record.description, record.requirements):
            reasons = [r for r in reasons if not r.startswith(HOLD_REASON)]
        return reasons

    def review(self, record: PostingRecord) -> str:
        if self.reasons(record):
            return "held"
        return "cleared" if self.cleared_text is not None else "none"


def posting_rows(
    records: Sequence[tuple[PostingRecord, int]],
    staff: dict[str, StaffEdits] | None = None,
) -> list[dict[str, Any]]:
    """The rows to write for postings (each with its employer's row id): the file's values,
    the profile read from the text, and the review. The one place where a posting's
    derived columns are made (a refresh that finds them stale makes them here too)."""
    edits = staff or {}
    texts = []
    for record, _ in records:
        mine = edits.get(record.external_id, StaffEdits())
        texts.append(
            PostingText(
                mine.category or record.category,
                posting_text(record.title, record.description, record.requirements),
                record.demands,
                mine.demands,
            )
        )
    rows = []
    for (record, employer_id), text, profile in zip(
        records, texts, posting_profiles(texts), strict=True
    ):
        mine = edits.get(record.external_id, StaffEdits())
        rows.append(
            posting_values(record, employer_id)
            | {
                "category": text.category,
                "category_confidence": record.category_confidence,
                "requirement_profile": profile.demands,
                "demand_sources": profile.sources,
                "intrinsic": profile.intrinsic,
                "text_accommodations": profile.text_accommodations,
                "text_skills": profile.text_skills,
                "profile_version": profile_version(),
                "review": mine.review(record),
                "review_reasons": mine.reasons(record),
            }
        )
    return rows


def posting_text(title: str, description: str, requirements: str) -> str:
    """A posting's text as inference reads it: the title, the duties, the requirements."""
    return f"{title}\n{description}\n{requirements}"


def insert_postings(
    session: Session, records: Sequence[tuple[PostingRecord, int]]
) -> dict[str, int]:
    """Insert postings, each with its employer's row id; return external id -> row id."""
    now = clock.utcnow()
    _insert(
        session,
        Posting,
        [
            row | {"created_at": now, "updated_at": now, "version": 1, "review_note": ""}
            for row in posting_rows(records)
        ],
    )
    return _ids_by_external(session, Posting, [r.external_id for r, _ in records])


def update_postings(session: Session, changes: Sequence[tuple[int, PostingRecord, int]]) -> None:
    """Overwrite changed postings (row id, new record, employer id), keeping staff edits."""
    if not changes:
        return
    ids = [row_id for row_id, _, _ in changes]
    edits: dict[str, StaffEdits] = {}
    for start in range(0, len(ids), BATCH):
        for row in session.execute(
            select(
                col(Posting.external_id),
                col(Posting.staff_category),
                col(Posting.staff_demands),
                col(Posting.review),
                col(Posting.description),
                col(Posting.requirements),
            ).where(col(Posting.id).in_(ids[start : start + BATCH]))
        ).mappings():
            edits[row["external_id"]] = StaffEdits.of(dict(row))
    rows = posting_rows([(r, e) for _, r, e in changes], edits)
    update_rows(
        session,
        Posting,
        [row | {"_id": row_id} for (row_id, _, _), row in zip(changes, rows, strict=True)],
        bump_version=True,
    )


def keep_staff_text(session: Session, records: Sequence[PostingRecord]) -> None:
    """Postings whose text staff edited when the employer dropped a clause keep the edit
    when a file brings the text as first imported once more (Posting.original_text)."""
    ids = [record.external_id for record in records]
    edited: dict[str, tuple[dict[str, str], str, str]] = {}
    for start in range(0, len(ids), BATCH):
        for external_id, original, description, requirements in session.execute(
            select(
                col(Posting.external_id),
                col(Posting.original_text),
                col(Posting.description),
                col(Posting.requirements),
            ).where(
                col(Posting.external_id).in_(ids[start : start + BATCH]),
                col(Posting.original_text).isnot(None),
            )
        ):
            if original:
                edited[external_id] = (original, description, requirements)
    for record in records:
        if record.external_id not in edited:
            continue
        original, description, requirements = edited[record.external_id]
        if (record.description, record.requirements) == (
            original.get("description", ""),
            original.get("requirements", ""),
        ):
            record.description, record.requirements = description, requirements


def link_campaign(session: Session, campaign_id: int, posting_ids: Iterable[int]) -> int:
    """Put postings in a campaign (idempotent); return how many links were new."""
    wanted = set(posting_ids)
    if not wanted:
        return 0
    have = set(
        session.execute(
            select(col(PostingCampaign.posting_id)).where(
                col(PostingCampaign.campaign_id) == campaign_id
            )
        ).scalars()
    )
    new = [{"posting_id": pid, "campaign_id": campaign_id} for pid in sorted(wanted - have)]
    _insert(session, PostingCampaign, new)
    return len(new)


def update_rows(
    session: Session,
    model: Any,
    rows: Sequence[dict[str, Any]],
    *,
    key: str = "id",
    bump_version: bool = False,
) -> None:
    """Update many rows; each dict holds its key under ``_id`` and the columns to set."""
    if not rows:
        return
    columns = [name for name in rows[0] if name != "_id"]
    values: dict[str, Any] = {name: bindparam(f"v_{name}") for name in columns}
    if bump_version:
        values["version"] = model.__table__.c.version + 1
    statement = (
        update(model.__table__).where(model.__table__.c[key] == bindparam("_id")).values(values)
    )
    params = [{"_id": row["_id"], **{f"v_{n}": row[n] for n in columns}} for row in rows]
    for start in range(0, len(params), BATCH):
        session.execute(statement, params[start : start + BATCH])


def _insert(session: Session, model: Any, rows: list[dict[str, Any]]) -> None:
    bulk_insert(session, model.__table__, rows)


def _ids_by_external(session: Session, model: Any, external_ids: list[str]) -> dict[str, int]:
    ids: dict[str, int] = {}
    for start in range(0, len(external_ids), BATCH):
        chunk = external_ids[start : start + BATCH]
        ids.update(
            session.execute(
                select(model.external_id, model.id).where(model.external_id.in_(chunk))
            ).all()
        )
    return ids
