"""Posting review (DESIGN.md "Posting review"): the postings held for staff, and what staff
do with one.

An import holds a posting whose inferred category is unsure (``UNSURE_CATEGORY``) or whose
text holds a clause that excludes people (``flag:<rule>``, a rule of ``holding_rules()``).
A held posting is stored and shown to staff, and never recommended, listed at a fair or
printed until no reason is left. Staff:

- set its category (``set_category``); confirming the inferred one counts, and the unsure
  reason goes;
- set its demands (``set_demands``), a level per dimension that overrides the file and the
  inference;
- record how its exclusionary clauses were dealt with (``clear_review``): the employer
  dropped them (the edited text is stored, the text as imported kept in ``original_text``,
  and the new text must hold no such clause), or gave a job reason that stands (a note, and
  for gender and age clauses a restriction that matching applies as a hard constraint).

Organizers, supervisors and admins review; case workers read. Every change names the
version of the posting it was made on, and a stale one is refused (SECURITY.md item 24); it
bumps the version and the change time (so the incremental refresh takes the posting up),
asks for that refresh, and writes an audit row. The category and the demands that staff set
survive re-imports (``matcher.intake.store.StaffEdits``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlmodel import Session, col

from matcher.core import clock
from matcher.core.codes import code_list
from matcher.core.job_requests import request_changes
from matcher.core.models import Employer, Posting, PostingCampaign, User
from matcher.core.problems import Invalid, Problem
from matcher.intake.records import PostingRecord
from matcher.intake.store import StaffEdits, posting_rows
from matcher.people import audit
from matcher.people.access import Viewer
from matcher.reference.categories import UNSURE_CATEGORY
from matcher.reference.occupations import occupations
from matcher.reference.profiles import dimension_keys
from matcher.reference.screening import HOLD_REASON, Finding, findings, holds

__all__ = [
    "HOW",
    "READERS",
    "REVIEWERS",
    "DemandLine",
    "HeldPosting",
    "Invalid",
    "NotAllowed",
    "NotFound",
    "PostingReview",
    "Problem",
    "ReviewQueue",
    "Stale",
    "WrongState",
    "clear_review",
    "held_among",
    "held_count",
    "may_review",
    "posting_review",
    "review_queue",
    "set_category",
    "set_demands",
]

REVIEWERS = ("organizer", "supervisor", "admin")  # who changes a posting's review
READERS = ("case_worker", *REVIEWERS)  # who reads it
HOW = ("dropped", "job_reason")  # how the clauses that held a posting were dealt with
RESTRICTABLE = ("gender", "age")  # the rules whose clause may stand as a restriction
NOTE_LIMIT = 2000
TEXT_LIMIT = 8000
AGES = (16, 70)  # the working ages a restriction may name
# The columns a change of category, demands or text makes again (``posting_rows``).
DERIVED = (
    "category",
    "requirement_profile",
    "demand_sources",
    "intrinsic",
    "text_accommodations",
    "text_skills",
    "profile_version",
)


class NotFound(LookupError):
    """No such posting."""


class NotAllowed(PermissionError):
    """The viewer's role may not change a posting's review."""


class Stale(Exception):
    """Someone else changed the posting after this form was loaded (SECURITY.md item 24)."""


class WrongState(Invalid):
    """The posting is not in a state this change applies to (not held, nothing to clear)."""


@dataclass(frozen=True)
class HeldPosting:
    """A held posting as the queue and the fair builder show it."""

    id: int
    external_id: str
    title: str
    employer: str
    area_code: str
    openings: int
    category: str
    category_confidence: float | None  # None: the file or staff gave the category
    reasons: tuple[str, ...]
    flags: tuple[Finding, ...]  # the screening flags of its text (severity "flag")
    created_at: datetime

    @property
    def unsure_category(self) -> bool:
        return UNSURE_CATEGORY in self.reasons

    @property
    def held_for(self) -> tuple[str, ...]:
        """The rules whose clauses hold it."""
        return _held_for(self.reasons)

    @property
    def holding_flags(self) -> tuple[Finding, ...]:
        """The flags of the clauses that hold it: what to take up with the employer."""
        return tuple(f for f in self.flags if f.flag.rule in self.held_for)


@dataclass(frozen=True)
class ReviewQueue:
    postings: list[HeldPosting]
    total: int  # held open postings (in the campaign, if one was asked for)


@dataclass(frozen=True)
class DemandLine:
    """One dimension of a posting's requirement profile, and where its level came from."""

    dimension: str
    level: int
    source: str  # "category", "phrase", "file" or "staff"
    quote: str  # the phrase, for source "phrase"
    confidence: float | None
    staff: int | None  # the level staff set, if they set one


@dataclass(frozen=True)
class PostingReview:
    """What the posting page shows of a posting's review, and whether the viewer may act."""

    posting_id: int
    version: int
    review: str  # "none", "held" or "cleared"
    reasons: tuple[str, ...]
    category: str
    category_source: str  # "inferred", "file" or "staff"
    category_confidence: float | None
    demands: tuple[DemandLine, ...]
    flags: tuple[Finding, ...]  # the findings of the clauses that hold it
    original_text: dict[str, str] | None  # the text as imported, once staff edited it
    note: str
    reviewed_by: str
    reviewed_at: datetime | None
    restrictions: dict[str, Any] | None
    may_edit: bool

    @property
    def held(self) -> bool:
        return self.review == "held"

    @property
    def unsure_category(self) -> bool:
        return UNSURE_CATEGORY in self.reasons

    @property
    def held_for(self) -> tuple[str, ...]:
        return _held_for(self.reasons)

    @property
    def clearable(self) -> bool:
        """Held for a clause, which ``clear_review`` deals with."""
        return self.held and bool(self.held_for)

    @property
    def restrictable(self) -> tuple[str, ...]:
        """The clauses holding it that may stand as a restriction (gender, age)."""
        return tuple(rule for rule in RESTRICTABLE if rule in self.held_for)


def _held_for(reasons: tuple[str, ...] | list[str]) -> tuple[str, ...]:
    return tuple(r.removeprefix(HOLD_REASON) for r in reasons if r.startswith(HOLD_REASON))


def may_review(viewer: Viewer) -> bool:
    return viewer.role in REVIEWERS


# --- reading -----------------------------------------------------------------------------


def _held(campaign_id: int | None = None) -> list[ColumnElement[bool]]:
    where = [col(Posting.review) == "held", col(Posting.status) == "open"]
    if campaign_id is not None:
        where.append(
            col(Posting.id).in_(
                select(col(PostingCampaign.posting_id)).where(
                    col(PostingCampaign.campaign_id) == campaign_id
                )
            )
        )
    return where


def held_count(session: Session) -> int:
    """How many open postings are held for review."""
    return int(
        session.execute(select(func.count()).select_from(Posting).where(*_held())).scalar_one()
    )


def _held_posting(posting: Posting, employer: str) -> HeldPosting:
    assert posting.id is not None
    flags = findings(posting.title, posting.description, posting.requirements)
    return HeldPosting(
        id=posting.id,
        external_id=posting.external_id,
        title=posting.title,
        employer=employer,
        area_code=posting.area_code,
        openings=posting.openings,
        category=posting.category,
        category_confidence=posting.category_confidence,
        reasons=tuple(posting.review_reasons),
        flags=tuple(f for f in flags if f.is_flag),
        created_at=posting.created_at,
    )


def review_queue(
    session: Session, *, offset: int = 0, limit: int = 50, campaign_id: int | None = None
) -> ReviewQueue:
    """The open postings held for review, most openings first (then the oldest), with
    their employers, reasons and screening flags; and how many there are. ``campaign_id``:
    only the campaign's own."""
    where = _held(campaign_id)
    total = session.execute(select(func.count()).select_from(Posting).where(*where)).scalar_one()
    rows = session.execute(
        select(Posting, col(Employer.name))
        .join(Employer, col(Employer.id) == col(Posting.employer_id))
        .where(*where)
        .order_by(col(Posting.openings).desc(), col(Posting.id))
        .offset(offset)
        .limit(limit)
    ).all()
    return ReviewQueue([_held_posting(p, name) for p, name in rows], int(total))


def held_among(session: Session, *, posting_ids: list[int]) -> dict[int, HeldPosting]:
    """Those of ``posting_ids`` that are held for review, by id."""
    if not posting_ids:
        return {}
    rows = session.execute(
        select(Posting, col(Employer.name))
        .join(Employer, col(Employer.id) == col(Posting.employer_id))
        .where(col(Posting.id).in_(sorted(set(posting_ids))), col(Posting.review) == "held")
    ).all()
    return {int(p.id): _held_posting(p, name) for p, name in rows if p.id is not None}


def posting_review(session: Session, *, viewer: Viewer, posting_id: int) -> PostingReview:
    """The posting's review: its state and reasons, the flags that hold it, where its
    category and each demand came from, the text as imported, and who cleared it."""
    if viewer.role not in READERS:
        raise NotAllowed(viewer.role)
    posting = session.get(Posting, posting_id)
    if posting is None:
        raise NotFound(f"posting {posting_id}")
    held_for = _held_for(posting.review_reasons)
    flags = findings(posting.title, posting.description, posting.requirements)
    sources = posting.demand_sources or {}
    staff = posting.staff_demands or {}
    reviewer = ""
    if posting.reviewed_by is not None:
        user = session.get(User, posting.reviewed_by)
        reviewer = (user.display_name or user.username) if user else ""
    return PostingReview(
        posting_id=posting_id,
        version=posting.version,
        review=posting.review,
        reasons=tuple(posting.review_reasons),
        category=posting.category,
        category_source=(
            "staff"
            if posting.staff_category
            else "file"
            if posting.category_confidence is None
            else "inferred"
        ),
        category_confidence=posting.category_confidence,
        demands=tuple(
            DemandLine(
                dimension=dim,
                level=int(posting.requirement_profile.get(dim, 0)),
                source=str(sources.get(dim, {}).get("source", "category")),
                quote=str(sources.get(dim, {}).get("quote", "")),
                confidence=sources.get(dim, {}).get("confidence"),
                staff=staff.get(dim),
            )
            for dim in dimension_keys()
        ),
        flags=tuple(f for f in flags if f.is_flag and f.flag.rule in held_for),
        original_text=posting.original_text,
        note=posting.review_note,
        reviewed_by=reviewer,
        reviewed_at=posting.reviewed_at,
        restrictions=posting.restrictions,
        may_edit=may_review(viewer),
    )


# --- changing ----------------------------------------------------------------------------


def _editable(session: Session, viewer: Viewer, posting_id: int, version: int) -> Posting:
    """The posting, locked until the unit of work ends (PostgreSQL; SQLite's writers go one
    at a time), so that two saves of one version cannot both pass the check: the second
    waits, then reads the new version. A stale form is refused before its input is judged:
    the page it was filled in on is out of date."""
    if not may_review(viewer):
        raise NotAllowed(viewer.role)
    posting: Posting | None = session.execute(
        select(Posting).where(col(Posting.id) == posting_id).with_for_update()
    ).scalar_one_or_none()
    if posting is None:
        raise NotFound(f"posting {posting_id}")
    if posting.version != version:
        raise Stale
    return posting


def _rederive(posting: Posting) -> None:
    """Make the posting's derived columns again from its stored text, category and demands
    (and staff's), in the one place that makes them."""
    record = PostingRecord(
        external_id=posting.external_id,
        employer="",
        title=posting.title,
        category=posting.category,
        area_code=posting.area_code,
        description=posting.description,
        requirements=posting.requirements,
        demands=posting.demands,
    )
    edits = StaffEdits(category=posting.staff_category, demands=posting.staff_demands)
    row = posting_rows([(record, posting.employer_id)], {posting.external_id: edits})[0]
    for name in DERIVED:
        setattr(posting, name, row[name])


def _reasons_left(posting: Posting, viewer: Viewer, reasons: list[str]) -> None:
    """Keep ``reasons``; a held posting with none left is cleared, by the viewer, now."""
    posting.review_reasons = reasons
    if posting.review == "held" and not reasons:
        posting.review = "cleared"
        posting.reviewed_by, posting.reviewed_at = viewer.id, clock.utcnow()


def _saved(session: Session, viewer: Viewer, posting: Posting, detail: dict[str, Any]) -> None:
    """A change to what matching reads: bump the version and the change time, ask for the
    refresh, and write the audit row."""
    posting.version += 1
    posting.updated_at = clock.utcnow()
    session.add(posting)
    request_changes(session, "posting review", requested_by=viewer.id)
    audit.record(
        session,
        actor=viewer,
        action="change",
        object_type="posting",
        object_id=posting.id,
        detail=detail | {"review": posting.review},
    )


def set_category(
    session: Session, *, viewer: Viewer, posting_id: int, version: int, category: str
) -> Posting:
    """Set the posting's category (staff's choice overrides the file and the inference),
    and make its requirement profile again. Choosing the inferred category confirms it:
    either way the posting is no longer held for an unsure category."""
    posting = _editable(session, viewer, posting_id, version)
    key = category.strip()
    if key not in occupations().by_key:
        raise Invalid([Problem("category", "请选择职业类别", "Choose the occupation")])
    reasons = [r for r in posting.review_reasons if r != UNSURE_CATEGORY]
    if posting.staff_category == key and reasons == posting.review_reasons:
        return posting  # nothing changes
    before = posting.category
    posting.staff_category = key
    _rederive(posting)
    _reasons_left(posting, viewer, reasons)
    _saved(session, viewer, posting, {"what": "category", "from": before, "to": key})
    return posting


def set_demands(
    session: Session,
    *,
    viewer: Viewer,
    posting_id: int,
    version: int,
    demands: Mapping[str, int | str | None],
) -> Posting:
    """Set staff's level (0, 1 or 2) of the dimensions given; an empty value (None or "")
    takes staff's level off, so that the file's or the inferred one applies again.
    Dimensions not given keep what they have."""
    posting = _editable(session, viewer, posting_id, version)
    names = code_list("dimensions")
    problems, parsed = [], {}
    for key, value in demands.items():
        if key not in names:
            problems.append(Problem("demands", "未知的能力维度", "Unknown dimension"))
            continue
        text = "" if value is None else str(value).strip()
        if text not in ("", "0", "1", "2"):
            name = names.get(key)
            problems.append(
                Problem(
                    f"demand_{key}",
                    f"请为“{name.zh}”选择 0、1、2 或按推断",
                    f"Choose 0, 1, 2 or inferred for {name.en}",
                )
            )
            continue
        parsed[key] = int(text) if text else None
    if problems:
        raise Invalid(problems)
    staff = dict(posting.staff_demands or {})
    for key, level in parsed.items():
        if level is None:
            staff.pop(key, None)
        else:
            staff[key] = level
    after = {key: staff[key] for key in dimension_keys() if key in staff} or None
    before = posting.staff_demands or None
    if after == before:
        return posting
    posting.staff_demands = after
    _rederive(posting)
    _saved(session, viewer, posting, {"what": "demands", "from": before or {}, "to": after or {}})
    return posting


def clear_review(
    session: Session,
    *,
    viewer: Viewer,
    posting_id: int,
    version: int,
    how: str,
    note: str,
    text: Mapping[str, str] | None = None,
    restrictions: Mapping[str, Any] | None = None,
) -> Posting:
    """Record how the clauses that hold the posting were dealt with, and take them off its
    reasons; with none left it is cleared (an unsure category still needs ``set_category``).

    ``how="dropped"``: the employer dropped them; ``text`` is the edited description and
    requirements, which must hold no such clause. The text as imported is kept (the first
    time). ``how="job_reason"``: the employer gave a job reason that stands, in ``note``;
    for a gender or age clause, ``restrictions`` (gender, age_min, age_max, and a reason,
    the note if none) is what matching is to apply.
    """
    posting = _editable(session, viewer, posting_id, version)
    if posting.review != "held":
        raise WrongState(
            [
                Problem(
                    "review",
                    "这个岗位未被暂缓，没有需要审核的内容",
                    "This posting is not held for review: there is nothing to clear",
                )
            ]
        )
    held_for = _held_for(posting.review_reasons)
    if not held_for:
        raise WrongState(
            [
                Problem(
                    "review",
                    "这个岗位只待确认职业类别：请在“修改职业类别或能力要求”中确认或另选",
                    "Only its occupation waits for review: confirm it or choose another under "
                    "“Change the occupation or the demands”",
                )
            ]
        )
    note = note.strip()
    problems: list[Problem] = []
    if len(note) > NOTE_LIMIT:
        problems.append(
            Problem(
                "note", f"说明不能超过{NOTE_LIMIT}个字", f"Use at most {NOTE_LIMIT:,} characters"
            )
        )
    edited: dict[str, str] | None = None
    accepted: dict[str, Any] | None = None
    if how == "dropped":
        edited = _edited_text(posting, text, problems)
    elif how == "job_reason":
        if not note:
            problems.append(
                Problem(
                    "note",
                    "请写明用人单位给出的岗位理由",
                    "Write down the job reason the employer gave",
                )
            )
        accepted = _restriction(restrictions, held_for, note, problems)
    else:
        problems.append(
            Problem("how", "请选择条款是如何处理的", "Choose how the clause was dealt with")
        )
    if problems:
        raise Invalid(problems)
    if edited is not None:
        if posting.original_text is None:
            posting.original_text = {
                "description": posting.description,
                "requirements": posting.requirements,
            }
        posting.description, posting.requirements = edited["description"], edited["requirements"]
        _rederive(posting)
    posting.restrictions = accepted
    posting.review_reasons = [r for r in posting.review_reasons if not r.startswith(HOLD_REASON)]
    posting.review = "held" if posting.review_reasons else "cleared"
    posting.review_note = note
    posting.reviewed_by, posting.reviewed_at = viewer.id, clock.utcnow()
    restricted = {k: v for k, v in (accepted or {}).items() if k != "reason"} or None
    _saved(
        session,
        viewer,
        posting,
        {"what": "review", "how": how, "cleared": list(held_for), "restrictions": restricted},
    )
    return posting


def _edited_text(
    posting: Posting, text: Mapping[str, str] | None, problems: list[Problem]
) -> dict[str, str] | None:
    """The description and requirements without the clauses, or None with the problems:
    each clause still in them (or in the title, which is not edited here) is named."""
    given = text or {}
    edited = {
        name: str(given.get(name, getattr(posting, name))).strip()
        for name in ("description", "requirements")
    }
    found = False
    for name, value in edited.items():
        if len(value) > TEXT_LIMIT:
            found = True
            problems.append(
                Problem(name, f"不能超过{TEXT_LIMIT}个字", f"Use at most {TEXT_LIMIT:,} characters")
            )
    if found:
        return None
    still = [
        f
        for f in findings(posting.title, edited["description"], edited["requirements"])
        if holds(f.flag)
    ]
    for finding in still:
        phrase = finding.flag.phrase
        if finding.where == "title":
            problems.append(
                Problem(
                    "review",
                    f"岗位名称仍含有“{phrase}”（{finding.rule_zh}），这里不能修改岗位名称："
                    "请用人单位重新提交岗位，或记录其岗位理由",
                    f"The title still holds “{phrase}” ({finding.rule_en}), and the title "
                    "cannot be edited here: ask the employer for the posting again, or "
                    "record their job reason",
                )
            )
        else:
            problems.append(
                Problem(
                    finding.where,
                    f"仍含有“{phrase}”（{finding.rule_zh}）：请删去这一条款",
                    f"Still holds “{phrase}” ({finding.rule_en}): take the clause out",
                )
            )
    return None if still else edited


def _restriction(
    given: Mapping[str, Any] | None,
    held_for: tuple[str, ...],
    note: str,
    problems: list[Problem],
) -> dict[str, Any] | None:
    """The restriction accepted as job-related, in the shape matching reads
    (``matcher.ranker.inputs.Restriction``); None when none was given."""
    given = given or {}
    gender = str(given.get("gender") or "").strip() or None
    if gender is not None:
        if gender not in code_list("genders"):
            problems.append(Problem("gender", "请选择性别", "Choose a gender"))
        elif "gender" not in held_for:
            problems.append(
                Problem(
                    "gender",
                    "只有因性别条款暂缓的岗位才能接受性别限制",
                    "A gender restriction may be accepted only for a posting held for a "
                    "gender clause",
                )
            )
    ages = {name: _age(given.get(name), name, problems) for name in ("age_min", "age_max")}
    if any(age is not None for age in ages.values()) and "age" not in held_for:
        problems.append(
            Problem(
                "age_min",
                "只有因年龄条款暂缓的岗位才能接受年龄限制",
                "An age restriction may be accepted only for a posting held for an age clause",
            )
        )
    low, high = ages["age_min"], ages["age_max"]
    if low is not None and high is not None and low > high:
        problems.append(
            Problem(
                "age_max", "最高年龄不能小于最低年龄", "The highest age cannot be below the lowest"
            )
        )
    if gender is None and low is None and high is None:
        return None
    reason = str(given.get("reason") or "").strip() or note
    return {"gender": gender, "age_min": low, "age_max": high, "reason": reason}


def _age(value: Any, field: str, problems: list[Problem]) -> int | None:
    text = "" if value is None else str(value).strip()
    if not text:
        return None
    low, high = AGES
    if not (text.isascii() and text.isdigit() and len(text) <= 3) or not low <= int(text) <= high:
        problems.append(
            Problem(field, f"请填写{low}到{high}之间的年龄", f"Give an age from {low} to {high}")
        )
        return None
    return int(text)
