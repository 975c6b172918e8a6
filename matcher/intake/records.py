"""Validated input shapes: what an import row or the demo generator hands to the store.

These are the Create shapes of the tables (identifiers still in clear; the store encrypts
them). Keeping them apart from the tables lets imports be previewed without touching the
database, and lets the demo generator and the import share one way of storing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

__all__ = ["EmployerRecord", "PostingRecord", "SeekerRecord"]


@dataclass
class SeekerRecord:
    external_id: str
    name: str
    disability_types: list[str]
    disability_grade: int
    area_code: str
    gender: str | None = None
    birth_year: int | None = None
    id_number: str | None = None
    cert_no: str | None = None
    phone: str | None = None
    education: str | None = None
    major: str = ""
    school: str = ""
    graduation_year: int | None = None
    is_graduate: bool = False
    skills: list[str] = field(default_factory=list)
    skills_text: str = ""
    certificates: list[str] = field(default_factory=list)
    certificates_text: str = ""
    experience: str = ""
    household_area_code: str | None = None
    willing_areas: list[str] = field(default_factory=list)
    desired_jobs: str = ""
    min_salary: int | None = None
    work_modes: list[str] = field(default_factory=list)
    accommodations_needed: list[str] = field(default_factory=list)
    capabilities: dict[str, int] | None = None  # an assessed profile, if the file had one
    consent: bool = False
    employment_status: str = "unemployed"
    contact_preference: str = "case_worker"
    rural: bool = False
    low_income: bool = False


@dataclass
class EmployerRecord:
    name: str
    kind: str
    credit_code: str | None = None
    area_code: str | None = None
    staff_count: int | None = None
    disabled_staff_count: int | None = None
    facilities: list[str] = field(default_factory=list)
    contact_name: str = ""
    contact_phone: str = ""


@dataclass
class PostingRecord:
    external_id: str
    employer: str
    title: str
    category: str
    area_code: str
    employer_kind: str | None = None
    description: str = ""
    requirements: str = ""
    skills: list[str] = field(default_factory=list)
    skills_text: str = ""
    education_min: str = "any"
    majors: list[str] = field(default_factory=list)
    work_modes: list[str] = field(default_factory=list)
    salary_min: int | None = None
    salary_max: int | None = None
    openings: int = 1
    deadline: date | None = None
    graduate_only: bool = False
    suitable_types: list[str] | None = None
    accommodations: list[str] = field(default_factory=list)
    demands: dict[str, int] | None = None
    # Set when the category was inferred: its confidence (None: the file gave it).
    category_confidence: float | None = None
    # Why the posting is held for review (an unsure inference, an exclusionary clause).
    review_reasons: list[str] = field(default_factory=list)
