"""Export postings, seekers and recommendations as CSV, XLSX or JSON.

* CSV and XLSX are for people: headers read "岗位编号(posting_id)" and code values are
  written by their Chinese names; the import reads both back, so a postings export imports
  unchanged. JSON is for programs: objects keyed by the import's English column names,
  with code keys, area codes, arrays and ISO dates.
* Identifiers are masked; cells that a spreadsheet would run as a formula are neutralised
  with a leading apostrophe; CSV is UTF-8 with a BOM so that Excel reads Chinese
  (SECURITY.md items 14 and 29).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterator
from datetime import date, datetime
from typing import IO, Any

from sqlalchemy import select
from sqlmodel import Session, col

from matcher.core.codes import code_list
from matcher.core.models import Employer, Jobseeker, Posting, Recommendation
from matcher.intake.columns import column_specs
from matcher.reference.areas import areas
from matcher.reference.categories import UNSURE_CATEGORY
from matcher.reference.occupations import occupations
from matcher.reference.profiles import format_levels
from matcher.reference.screening import HOLD_REASON, Flag, rules, screen

__all__ = ["EXPORT_KINDS", "FORMATS", "export", "neutralize", "write_table"]

EXPORT_KINDS = ("recommendations", "postings", "seekers")
FORMATS = ("csv", "xlsx", "json")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

_RECOMMENDATION_COLUMNS = (
    ("seeker_id", "求职者编号"),
    ("seeker_name", "姓名"),
    ("posting_id", "岗位编号"),
    ("title", "岗位名称"),
    ("employer", "用人单位"),
    ("rank", "排序"),
    ("score", "匹配度"),
    ("reasons", "推荐理由"),
    ("needs_accommodation", "所需便利"),
    ("status", "状态"),
    ("run_id", "批次"),
)


def neutralize(value: str) -> str:
    """Keep a spreadsheet from running a cell as a formula."""
    return "'" + value if value.startswith(_FORMULA_START) else value


def export(session: Session, *, kind: str, fmt: str, out: IO[bytes]) -> int:
    """Write every row of ``kind`` to ``out`` in ``fmt``; return the number of rows."""
    if kind not in EXPORT_KINDS:
        raise ValueError(f"kind must be one of {', '.join(EXPORT_KINDS)}")
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}")
    columns, rows = _SOURCES[kind](session)
    if fmt == "json":
        return _write_json(columns, rows, out)
    headers = [f"{zh}({field})" for field, zh in columns]
    return write_table(
        headers, ([_cell(row[field]) for field, _ in columns] for row in rows), fmt=fmt, out=out
    )


def write_table(headers: list[str], table: Iterator[list[str]], *, fmt: str, out: IO[bytes]) -> int:
    """Write a table of text cells as csv (UTF-8 with BOM) or xlsx, formulas neutralised."""
    safe = ([neutralize(cell) for cell in row] for row in table)
    return _write_csv(headers, safe, out) if fmt == "csv" else _write_xlsx(headers, safe, out)


# --- rows ------------------------------------------------------------------------------

Columns = list[tuple[str, str]]
Rows = Iterator[dict[str, Any]]


def _import_columns(kind: str) -> Columns:
    return [(spec.field, spec.zh) for spec in column_specs(kind) if spec.exported]


def _postings(session: Session) -> tuple[Columns, Rows]:
    def rows() -> Rows:
        query = (
            select(Posting, col(Employer.name), col(Employer.kind))
            .join(Employer, col(Employer.id) == col(Posting.employer_id))
            .order_by(col(Posting.id))
        )
        for posting, employer, employer_kind in session.execute(query).yield_per(1000):
            yield {
                "posting_id": posting.external_id,
                "employer": employer,
                "employer_kind": _Code("employer_kinds", employer_kind),
                "title": posting.title,
                "category": _Category(posting.category),
                "description": posting.description,
                "requirements": posting.requirements,
                "skills": posting.skills_text,
                "education_min": _Code("education_levels", posting.education_min),
                "majors": posting.majors,
                "area": _Area(posting.area_code),
                "work_mode": [_Code("work_modes", m) for m in posting.work_modes],
                "salary_min": posting.salary_min,
                "salary_max": posting.salary_max,
                "openings": posting.openings,
                "deadline": posting.deadline,
                "graduate_only": posting.graduate_only,
                "suitable_types": (
                    [_Code("disability_types", t) for t in posting.suitable_types]
                    if posting.suitable_types is not None
                    else _Any()
                ),
                "accommodations": [_Code("accommodations", a) for a in posting.accommodations],
                "demands": _Levels(posting.demands) if posting.demands else None,
                "category_source": _CategorySource(posting),
                "requirement_profile": _Levels(posting.requirement_profile)
                if posting.requirement_profile
                else None,
                "demand_sources": _Sources(posting.demand_sources),
                "review": _Code("posting_reviews", posting.review),
                "review_reasons": _ReviewReasons(posting.review_reasons),
                "screening_flags": _Flags(
                    screen(posting.title, posting.description, posting.requirements)
                ),
            }

    return _import_columns("postings"), rows()


def _seekers(session: Session) -> tuple[Columns, Rows]:
    def rows() -> Rows:
        query = select(Jobseeker).order_by(col(Jobseeker.id))
        for (seeker,) in session.execute(query).yield_per(1000):
            yield {
                "seeker_id": seeker.external_id,
                "name": seeker.name,
                "gender": _Code("genders", seeker.gender) if seeker.gender else None,
                "birth_year": seeker.birth_year,
                "id_number": seeker.id_number_masked,
                "disability_cert_no": seeker.cert_no_masked,
                "disability_type": [_Code("disability_types", t) for t in seeker.disability_types],
                "disability_grade": _Code("disability_grades", str(seeker.disability_grade)),
                "education": _Code("education_levels", seeker.education)
                if seeker.education
                else None,
                "major": seeker.major,
                "school": seeker.school,
                "graduation_year": seeker.graduation_year,
                "is_graduate": seeker.is_graduate,
                "skills": seeker.skills_text,
                "certificates": seeker.certificates_text,
                "experience": seeker.experience,
                "area": _Area(seeker.area_code),
                "household_area": _Area(seeker.household_area_code)
                if seeker.household_area_code
                else None,
                "willing_areas": [_Area(code) for code in seeker.willing_areas],
                "desired_jobs": seeker.desired_jobs,
                "min_salary": seeker.min_salary,
                "work_modes": [_Code("work_modes", m) for m in seeker.work_modes],
                "accommodations_needed": [
                    _Code("accommodations", a) for a in seeker.accommodations_needed
                ],
                "capabilities": None,
                "phone": seeker.phone_masked,
                "consent": seeker.consent,
                "employment_status": _Code("employment_statuses", seeker.employment_status),
                "contact_preference": _Code("contact_preferences", seeker.contact_preference),
                "rural": seeker.rural,
                "low_income": seeker.low_income,
            }

    return _import_columns("seekers"), rows()


def _recommendations(session: Session) -> tuple[Columns, Rows]:
    def rows() -> Rows:
        query = (
            select(
                Recommendation,
                col(Jobseeker.external_id),
                col(Jobseeker.name),
                col(Posting.external_id),
                col(Posting.title),
                col(Employer.name),
            )
            .join(Jobseeker, col(Jobseeker.id) == col(Recommendation.seeker_id))
            .join(Posting, col(Posting.id) == col(Recommendation.posting_id))
            .join(Employer, col(Employer.id) == col(Posting.employer_id))
            .where(col(Recommendation.active))
            .order_by(col(Jobseeker.external_id), col(Recommendation.rank))
        )
        for rec, seeker_id, name, posting_id, title, employer in session.execute(query).yield_per(
            1000
        ):
            yield {
                "seeker_id": seeker_id,
                "seeker_name": name,
                "posting_id": posting_id,
                "title": title,
                "employer": employer,
                "rank": rec.rank,
                "score": round(rec.score, 4),
                "reasons": _Reasons(rec.reasons),
                "needs_accommodation": [
                    _Code("accommodations", a) for a in rec.needs_accommodation
                ],
                "status": _Code("recommendation_statuses", rec.status),
                "run_id": rec.run_id,
            }

    return list(_RECOMMENDATION_COLUMNS), rows()


_SOURCES: dict[str, Callable[[Session], tuple[Columns, Rows]]] = {
    "postings": _postings,
    "seekers": _seekers,
    "recommendations": _recommendations,
}


# --- values that print differently for people and for programs -------------------------


class _Code:
    def __init__(self, list_name: str, key: str) -> None:
        self.list_name, self.key = list_name, key

    def human(self) -> str:
        return code_list(self.list_name).get(self.key).zh

    def machine(self) -> Any:
        return int(self.key) if self.list_name == "disability_grades" else self.key


class _Category:
    def __init__(self, key: str) -> None:
        self.key = key

    def human(self) -> str:
        return occupations().by_key[self.key].name_zh

    def machine(self) -> Any:
        return self.key


class _Area:
    def __init__(self, code: str) -> None:
        self.code = code

    def human(self) -> str:
        return areas().full_name(self.code)

    def machine(self) -> Any:
        return self.code


class _Any:
    def human(self) -> str:
        return "不限"

    def machine(self) -> Any:
        return None


class _Levels:
    def __init__(self, levels: dict[str, int]) -> None:
        self.levels = levels

    def human(self) -> str:
        return format_levels(self.levels)

    def machine(self) -> Any:
        return self.levels


class _Reasons:
    def __init__(self, reasons: list[dict[str, str]]) -> None:
        self.reasons = reasons

    def human(self) -> str:
        return "；".join(reason.get("zh", "") for reason in self.reasons)

    def machine(self) -> Any:
        return self.reasons


class _CategorySource:
    """Who set the category: staff, the file, or the classifier (with its confidence)."""

    def __init__(self, posting: Posting) -> None:
        self.source = (
            "staff"
            if posting.staff_category
            else "file"
            if posting.category_confidence is None
            else "inferred"
        )
        self.confidence = posting.category_confidence

    def human(self) -> str:
        if self.source == "inferred":
            return f"推断（置信度{self.confidence:.0%}）"
        return {"staff": "工作人员", "file": "单位填写"}[self.source]

    def machine(self) -> Any:
        return {"source": self.source, "confidence": self.confidence}


class _Sources:
    def __init__(self, sources: dict[str, dict[str, Any]]) -> None:
        self.sources = sources

    def human(self) -> str:
        dims, kinds = code_list("dimensions"), code_list("demand_sources")
        said = []
        for dim, source in self.sources.items():
            where = kinds.get(source["source"]).zh
            quote = f"“{source['quote']}”" if source.get("quote") else ""
            said.append(f"{dims.get(dim).zh}：{where}{quote}")
        return "；".join(said)

    def machine(self) -> Any:
        return self.sources


class _ReviewReasons:
    def __init__(self, reasons: list[str]) -> None:
        self.reasons = reasons

    def human(self) -> str:
        names = {rule.key: rule.name_zh for rule in rules()}
        return "；".join(
            f"排斥性条款：{names.get(r[len(HOLD_REASON) :], r)}"
            if r.startswith(HOLD_REASON)
            else "岗位类别不确定"
            if r == UNSURE_CATEGORY
            else r
            for r in self.reasons
        )

    def machine(self) -> Any:
        return self.reasons


class _Flags:
    def __init__(self, flags: list[Flag]) -> None:
        self.flags = [f for f in flags if f.severity == "flag"]

    def human(self) -> str:
        names = {rule.key: rule.name_zh for rule in rules()}
        return "；".join(f"{names[f.rule]}：“{f.phrase}”" for f in self.flags)

    def machine(self) -> Any:
        return [{"rule": f.rule, "clause": f.phrase} for f in self.flags]


_Rich = (
    _Code,
    _Category,
    _Area,
    _Any,
    _Levels,
    _Reasons,
    _CategorySource,
    _Sources,
    _ReviewReasons,
    _Flags,
)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, _Rich):
        return value.human()
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, list):
        return "、".join(_cell(item) for item in value)
    return str(value)


def _json_value(value: Any) -> Any:
    if isinstance(value, _Rich):
        return value.machine()
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, list):
        return [_json_value(item) for item in value]
    return value


# --- writers ---------------------------------------------------------------------------


def _write_csv(headers: list[str], table: Iterator[list[str]], out: IO[bytes]) -> int:
    text = io.TextIOWrapper(out, encoding="utf-8-sig", newline="", write_through=True)
    writer = csv.writer(text)
    writer.writerow(headers)
    count = 0
    for row in table:
        writer.writerow(row)
        count += 1
    text.flush()
    text.detach()
    return count


def _write_xlsx(headers: list[str], table: Iterator[list[str]], out: IO[bytes]) -> int:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("data")
    sheet.append(headers)
    count = 0
    for row in table:
        sheet.append(row)
        count += 1
    workbook.save(out)
    return count


def _write_json(columns: Columns, rows: Rows, out: IO[bytes]) -> int:
    # Streamed as one array, so that 100,000 seekers do not sit in memory at once.
    out.write(b"[")
    count = 0
    for row in rows:
        item = {field: _json_value(row[field]) for field, _ in columns}
        out.write((b",\n" if count else b"\n") + json.dumps(item, ensure_ascii=False).encode())
        count += 1
    out.write(b"\n]\n" if count else b"]\n")
    return count
