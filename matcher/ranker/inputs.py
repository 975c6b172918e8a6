"""What the ranker reads: plain values, no database sessions (STYLE.md)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

__all__ = ["PostingInput", "Restriction", "SeekerInput"]


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
    gender: str = ""  # a code of data/codes.yaml genders; "" not recorded
    birth_year: int | None = None
    desired_text: str = ""  # the jobs wanted, as written (compared with posting titles)


@dataclass(frozen=True)
class Restriction:
    """A gender or age limit that staff accepted as job-related when they reviewed the
    posting (matcher.employers.review), with the reason given. A trait not on record does
    not exclude: the case worker checks it."""

    gender: str | None = None
    age_min: int | None = None
    age_max: int | None = None
    reason: str = ""

    @classmethod
    def of(cls, stored: dict[str, object] | None) -> Restriction | None:
        """From a posting's ``restrictions`` column; None when it limits nothing."""
        if not stored:
            return None
        found = cls(
            gender=str(stored["gender"]) if stored.get("gender") else None,
            age_min=_year(stored.get("age_min")),
            age_max=_year(stored.get("age_max")),
            reason=str(stored.get("reason") or ""),
        )
        return found if found.gender or found.age_min or found.age_max else None

    def admits(self, gender: str, birth_year: int | None, today: date) -> bool:
        if self.gender and gender and gender != self.gender:
            return False
        if birth_year:
            age = today.year - birth_year  # the age reached this year
            if self.age_min is not None and age < self.age_min:
                return False
            if self.age_max is not None and age > self.age_max:
                return False
        return True


def _year(value: object) -> int | None:
    return int(value) if isinstance(value, int | str) and str(value).strip() else None


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
    restriction: Restriction | None = None
