"""What the ranker reads: plain values, no database sessions (STYLE.md)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

__all__ = ["PostingInput", "SeekerInput"]


@dataclass(slots=True)  # not frozen: frozen dataclasses are slow to build by the 100,000
class SeekerInput:
    id: int
    external_id: str
    area_code: str
    willing_areas: tuple[str, ...]  # ("*",) = anywhere
    education_rank: int
    is_graduate: bool
    disability_types: tuple[str, ...]
    capacity: dict[str, int]  # assessed profile over the defaults, every dimension
    accommodations_needed: tuple[str, ...]
    skills: tuple[str, ...]  # vocabulary ids: listed skills, certificates, text skills
    desired_categories: tuple[str, ...]
    major: str
    major_categories: tuple[str, ...]
    text: str  # major, desired jobs, skills, certificates and experience, as written
    min_salary: int | None
    work_modes: tuple[str, ...]
    eligible: bool  # consented and seeking work
    ineligible_reason: str = ""  # "no_consent" / "not_seeking" when not eligible
    employment_status: str = "unemployed"
    declined: frozenset[int] = field(default_factory=frozenset)  # posting ids


@dataclass(slots=True)
class PostingInput:
    id: int
    external_id: str
    employer_id: int
    employer_kind: str
    title: str
    category: str
    area_code: str
    work_modes: tuple[str, ...]
    education_rank: int  # the minimum
    graduate_only: bool
    suitable_types: tuple[str, ...] | None  # None = any type
    accommodations: tuple[str, ...]  # offered: the column and the text
    demands: dict[str, int]
    intrinsic: tuple[str, ...]
    skills: tuple[str, ...]  # vocabulary ids: listed and mentioned
    majors: tuple[str, ...]
    text: str  # title, description, requirements and skills, as written
    salary_min: int | None
    salary_max: int | None
    openings: int
    deadline: date | None
    status: str  # "open" / "closed" / "held" (for review: never recommended)
    age_days: float  # since it was posted, for freshness
