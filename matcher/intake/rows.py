"""Turn one row of read cells into a validated record, checking fields against each other."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from matcher.core import clock
from matcher.core.codes import code_list
from matcher.core.text import control_character, norm_key, shown_controls
from matcher.intake.cells import CellError, read_cell
from matcher.intake.columns import ColumnSpec
from matcher.intake.records import EmployerRecord, PostingRecord, SeekerRecord
from matcher.reference.skills import skills

__all__ = ["Problem", "RowReader", "build_record"]

# Graduates are in scope of the graduate services until two years after leaving school
# (the usual "离校2年内未就业高校毕业生" scope of employment policy).
GRADUATE_YEARS = 2
GRADUATE_EDUCATION_RANK = 4  # 大专 (junior college) and above


@dataclass(frozen=True)
class Problem:
    row: int | None  # spreadsheet row number; None for the file as a whole
    column: str  # the header as written in the file, or the field name
    value: str  # masked for identifier columns
    reason: str
    severity: str = "error"  # "error" blocks the import; "warning" does not

    def describe(self) -> str:
        where = f"row {self.row}" if self.row is not None else "file"
        value = f" '{self.value}'" if self.value else ""
        return f"{where}, column {self.column}{value}: {self.reason}"


def mask_value(text: str) -> str:
    """What a report may show of an identifier: its length and last two characters."""
    return f"{'*' * max(len(text) - 2, 0)}{text[-2:]}" if len(text) > 2 else "**"


class RowReader:
    """Reads the mapped cells of a row and collects the problems."""

    def __init__(self, row: int, cells: dict[str, tuple[ColumnSpec, str, str]]) -> None:
        self.row = row
        self.cells = cells  # field -> (spec, header as written, text)
        self.problems: list[Problem] = []
        for field, (spec, header, text) in list(cells.items()):
            control = control_character(text)
            if control is not None:  # reported, then read as empty: the row is refused
                shown = mask_value(text) if spec.sensitive else shown_controls(text)
                reason = f"holds the control character {control}, which a cell may not hold"
                self.problems.append(Problem(row, header, shown[:80], reason))
                cells[field] = (spec, header, "")

    def get(self, field: str, default: Any = None) -> Any:
        if field not in self.cells:
            return default
        spec, _, text = self.cells[field]
        if not text:
            if spec.required:
                self.error(field, "is required and empty")
            return default
        try:
            return read_cell(spec.type, text)
        except CellError as exc:
            self.error(field, str(exc))
            return default

    def text(self, field: str) -> str:
        return self.cells[field][2] if field in self.cells else ""

    def error(self, field: str, reason: str, *, severity: str = "error") -> None:
        if field in self.cells:
            spec, header, text = self.cells[field]
            shown = mask_value(text) if spec.sensitive and text else text
        else:
            header, shown = field, ""
        self.problems.append(Problem(self.row, header, shown[:80], reason, severity))

    def warn(self, field: str, reason: str) -> None:
        self.error(field, reason, severity="warning")


def build_seeker(row: RowReader) -> SeekerRecord | None:
    external_id = row.get("seeker_id", "")
    name = row.get("name", "")
    types = row.get("disability_type")
    grade = row.get("disability_grade")
    area = row.get("area")
    national = row.get("id_number")  # NationalId, validated
    cert = row.get("disability_cert_no")  # CertNo, validated
    gender = row.get("gender")
    birth_year = row.get("birth_year")
    if national:
        if birth_year is None:
            birth_year = national.birth_date.year
        elif birth_year != national.birth_date.year:
            row.error("birth_year", f"does not match the ID number ({national.birth_date.year})")
        if gender is None:
            gender = national.gender
        elif gender != national.gender:
            row.error("gender", "does not match the ID number")
    if cert:
        if national and cert.id_number != national.number:
            row.error("disability_cert_no", "does not begin with this person's ID number")
        if (
            types
            and cert.disability_type not in types
            and not (cert.disability_type == "multiple" and len(types) > 1)
        ):
            shown = code_list("disability_types").get(cert.disability_type).zh
            row.error("disability_cert_no", f"certifies {shown}, unlike the disability type column")
        if grade and cert.grade != grade:
            row.error(
                "disability_cert_no", f"certifies grade {cert.grade}, unlike the grade column"
            )
    education = row.get("education")
    graduation_year = row.get("graduation_year")
    if graduation_year and birth_year and graduation_year < birth_year + 14:
        row.error("graduation_year", "is too soon after the birth year")
    rank = code_list("education_levels").get(education).extra["rank"] if education else 0
    is_graduate = row.get("is_graduate")
    if is_graduate is None:
        recent = (
            graduation_year is not None and graduation_year >= clock.today().year - GRADUATE_YEARS
        )
        is_graduate = rank >= GRADUATE_EDUCATION_RANK and recent
    elif is_graduate and education and rank < GRADUATE_EDUCATION_RANK:
        row.error("is_graduate", "college graduates have 大专 (junior college) education or above")
    skill_ids, _ = skills().normalize(row.text("skills"))
    certificate_ids, _ = skills().normalize(row.text("certificates"))
    consent = row.get("consent", False)
    if not consent:
        row.warn("consent", "no consent recorded: this person will not be matched until it is")
    if _has_errors(row):
        return None
    return SeekerRecord(
        external_id=external_id,
        name=name,
        gender=gender,
        birth_year=birth_year,
        id_number=national.number if national else None,
        cert_no=cert.number if cert else None,
        phone=row.get("phone"),
        disability_types=types,
        disability_grade=grade,
        education=education,
        major=row.get("major", ""),
        school=row.get("school", ""),
        graduation_year=graduation_year,
        is_graduate=bool(is_graduate),
        skills=skill_ids,
        skills_text=row.text("skills"),
        certificates=certificate_ids,
        certificates_text=row.text("certificates"),
        experience=row.get("experience", ""),
        area_code=area,
        household_area_code=row.get("household_area"),
        willing_areas=row.get("willing_areas", []),
        desired_jobs=row.get("desired_jobs", ""),
        min_salary=row.get("min_salary"),
        work_modes=row.get("work_modes", []),
        accommodations_needed=row.get("accommodations_needed", []),
        capabilities=row.get("capabilities"),
        consent=bool(consent),
        employment_status=row.get("employment_status", "unemployed"),
        contact_preference=row.get("contact_preference", "case_worker"),
        rural=bool(row.get("rural", False)),
        low_income=bool(row.get("low_income", False)),
    )


def build_employer(row: RowReader) -> EmployerRecord | None:
    record = EmployerRecord(
        name=row.get("name", ""),
        kind=row.get("kind", ""),
        credit_code=row.get("credit_code"),
        area_code=row.get("area"),
        staff_count=row.get("staff_count"),
        disabled_staff_count=row.get("disabled_staff_count"),
        facilities=row.get("facilities", []),
        contact_name=row.get("contact_name", ""),
        contact_phone=row.get("contact_phone", ""),
    )
    if (
        record.staff_count is not None
        and record.disabled_staff_count is not None
        and record.disabled_staff_count > record.staff_count
    ):
        row.error("disabled_staff_count", "is larger than the staff count")
    return None if _has_errors(row) else record


def build_posting(row: RowReader) -> PostingRecord | None:
    title = row.get("title", "")
    description = row.get("description", "")
    requirements = row.get("requirements", "")
    category = row.get("category") or ""  # none given: inferred from the text, with the rest
    salary_min, salary_max = row.get("salary_min"), row.get("salary_max")
    if salary_min is None and salary_max is None:
        salary_min, salary_max = row.get("salary", (None, None))
    if salary_min is not None and salary_max is not None and salary_min > salary_max:
        row.error("salary_max", "is below the minimum salary")
    openings = row.get("openings", 1)
    if openings == 0:
        row.warn("openings", "no openings left: the posting is stored closed")
    deadline = row.get("deadline")
    if deadline is not None and deadline < clock.today():
        row.warn("deadline", "has passed: the posting is stored closed")
    demands = row.get("demands")
    employer, area = row.get("employer", ""), row.get("area")
    skill_ids, _ = skills().normalize(row.text("skills"))
    if _has_errors(row):
        return None
    return PostingRecord(
        external_id=row.get("posting_id") or generated_id(employer, title, area),
        employer=employer,
        employer_kind=row.get("employer_kind"),
        title=title,
        category=category,
        description=description,
        requirements=requirements,
        skills=skill_ids,
        skills_text=row.text("skills"),
        education_min=row.get("education_min", "any"),
        majors=row.get("majors", []),
        area_code=area,
        work_modes=row.get("work_mode", []),
        salary_min=salary_min,
        salary_max=salary_max,
        openings=openings,
        deadline=deadline,
        graduate_only=bool(row.get("graduate_only", False)),
        suitable_types=row.get("suitable_types"),
        accommodations=row.get("accommodations", []),
        demands=demands,
    )


def generated_id(employer: str, title: str, area: str | None) -> str:
    """The id of a posting whose file gives none: from what names the job (employer,
    title, place), so that importing the file again finds the same postings."""
    digest = hashlib.sha256(f"{norm_key(employer)}|{norm_key(title)}|{area}".encode())
    return f"P-{digest.hexdigest()[:12].upper()}"


def _filled(row: RowReader) -> set[str]:
    return {field for field, (_, _, text) in row.cells.items() if text}


def _has_errors(row: RowReader) -> bool:
    return any(problem.severity == "error" for problem in row.problems)


_BUILDERS: dict[str, Callable[[RowReader], Any]] = {
    "seekers": build_seeker,
    "employers": build_employer,
    "postings": build_posting,
}


def build_record(kind: str, row: RowReader) -> Any:
    return _BUILDERS[kind](row)
