"""One file per person (一人一档): reading a seeker's file, and every change a case worker or
the seeker makes to it. Each function takes the viewer, checks scope (an out-of-scope id is
"not found", never "forbidden", so ids cannot be probed) and writes its audit row."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import select, update
from sqlmodel import Session, col

from matcher.core import clock
from matcher.core.codes import code_list
from matcher.core.job_requests import SEEKER, request, request_changes, waiting_since
from matcher.core.models import (
    CapabilityProfile,
    Employer,
    Jobseeker,
    Posting,
    Recommendation,
    ServicePlan,
    ServiceRecord,
    User,
)
from matcher.core.problems import Invalid, Problem
from matcher.people import audit
from matcher.people.access import Viewer, seeker_scope
from matcher.people.identifiers import Vault
from matcher.reference.profiles import default_capacity, dimension_keys

__all__ = [
    "OUTCOMES",
    "FileView",
    "Invalid",
    "NotFound",
    "Problem",
    "Stale",
    "add_record",
    "load_file",
    "recommendation_rows",
    "respond",
    "reveal",
    "save_assessment",
    "save_plan",
    "send_recommendations",
    "set_outcome",
]

# The order an outcome moves in; "declined" may follow any of them.
OUTCOMES = ("new", "sent", "viewed", "applied", "interview", "hired", "declined")
IDENTIFIERS = ("id_number", "cert_no", "phone")


class NotFound(LookupError):
    """No such record, or not one the viewer may see (the caller logs the refusal)."""


class Stale(Exception):
    """Someone else saved the file after this form was loaded (SECURITY.md item 24)."""


@dataclass
class FileView:
    seeker: Jobseeker
    capacity: dict[str, int]
    assessed: CapabilityProfile | None
    plan: ServicePlan | None
    records: list[tuple[ServiceRecord, str]]  # with the worker's display name
    recommendations: list[dict[str, Any]] = field(default_factory=list)
    case_worker: str = ""
    refresh_asked: datetime | None = None  # a refresh asked for and not done yet


def _seeker(session: Session, viewer: Viewer, seeker_id: int, *, lock: bool = False) -> Jobseeker:
    """The seeker, if in the viewer's scope. ``lock``: hold the row until the unit of work
    ends (PostgreSQL; SQLite's writers already go one at a time), so that two saves of one
    file cannot both pass the version check: the second waits, then reads the new version."""
    query = select(Jobseeker).where(col(Jobseeker.id) == seeker_id, seeker_scope(viewer))
    if lock:
        query = query.with_for_update(of=Jobseeker)
    found: Jobseeker | None = session.execute(query).scalar_one_or_none()
    if found is None:
        raise NotFound(f"seeker {seeker_id}")
    return found


def load_file(session: Session, *, viewer: Viewer, seeker_id: int) -> FileView:
    """The whole file; viewing it writes one audit row."""
    seeker = _seeker(session, viewer, seeker_id)
    assessed = session.execute(
        select(CapabilityProfile).where(col(CapabilityProfile.seeker_id) == seeker_id)
    ).scalar_one_or_none()
    capacity = default_capacity(seeker.disability_types, seeker.disability_grade)
    if assessed is not None:
        capacity |= {k: v for k, v in assessed.levels.items() if k in capacity}
    plan = session.execute(
        select(ServicePlan).where(col(ServicePlan.seeker_id) == seeker_id)
    ).scalar_one_or_none()
    records = list(
        session.execute(
            select(ServiceRecord, col(User.display_name))
            .outerjoin(User, col(User.id) == col(ServiceRecord.worker_id))
            .where(col(ServiceRecord.seeker_id) == seeker_id)
            .order_by(col(ServiceRecord.served_on).desc(), col(ServiceRecord.id).desc())
        )
    )
    worker = (
        session.execute(
            select(col(User.display_name)).where(col(User.id) == seeker.case_worker_id)
        ).scalar()
        or ""
    )
    audit.record(session, actor=viewer, action="view", object_type="seeker", object_id=seeker_id)
    return FileView(
        seeker=seeker,
        capacity=capacity,
        assessed=assessed,
        plan=plan,
        records=[(r, name or "") for r, name in records],
        recommendations=recommendation_rows(session, seeker_id=seeker_id),
        case_worker=worker,
        refresh_asked=waiting_since(session, seeker_id),
    )


def recommendation_rows(session: Session, *, seeker_id: int) -> list[dict[str, Any]]:
    """The seeker's active recommendations in rank order, with their postings."""
    rows = session.execute(
        select(Recommendation, Posting, col(Employer.name))
        .join(Posting, col(Posting.id) == col(Recommendation.posting_id))
        .join(Employer, col(Employer.id) == col(Posting.employer_id))
        .where(col(Recommendation.seeker_id) == seeker_id, col(Recommendation.active).is_(True))
        .order_by(col(Recommendation.rank))
    ).all()
    return [{"rec": rec, "posting": posting, "employer": name} for rec, posting, name in rows]


def _changed(
    session: Session, viewer: Viewer, kind: str, object_id: int, detail: dict[str, Any]
) -> None:
    audit.record(
        session,
        actor=viewer,
        action="change",
        object_type=kind,
        object_id=object_id,
        detail=detail,
    )


def _check_version(seeker: Jobseeker, version: int) -> None:
    if seeker.version != version:
        raise Stale


def _touch(session: Session, seeker: Jobseeker) -> None:
    """A change to what matching reads: bump the version and the change time, so the
    incremental refresh ranks this seeker again."""
    session.execute(
        update(Jobseeker)
        .where(col(Jobseeker.id) == seeker.id)
        .values(version=col(Jobseeker.version) + 1, updated_at=clock.utcnow())
    )
    request_changes(session, "seeker file")


def _editable(session: Session, viewer: Viewer, seeker_id: int) -> Jobseeker:
    if not viewer.edits_files:
        raise NotFound(f"seeker {seeker_id}")
    return _seeker(session, viewer, seeker_id, lock=True)


def save_assessment(
    session: Session,
    *,
    viewer: Viewer,
    seeker_id: int,
    levels: dict[str, str],
    notes: str,
    version: int,
    today: date,
) -> None:
    """Record a vocational capability assessment; it replaces the defaults in matching and
    counts as the "four ones" assessment."""
    seeker = _editable(session, viewer, seeker_id)
    problems, parsed = [], {}
    for key in dimension_keys():
        value = levels.get(key, "")
        if value not in ("0", "1", "2"):
            name = code_list("dimensions").get(key)
            problems.append(
                Problem(key, f"请为“{name.zh}”选择 0、1 或 2", f"Choose 0, 1 or 2 for {name.en}")
            )
        else:
            parsed[key] = int(value)
    if problems:
        raise Invalid(problems)
    _check_version(seeker, version)
    existing = session.execute(
        select(CapabilityProfile).where(col(CapabilityProfile.seeker_id) == seeker_id)
    ).scalar_one_or_none()
    profile = existing or CapabilityProfile(seeker_id=seeker_id, source="assessment")
    profile.levels, profile.source, profile.notes = parsed, "assessment", notes.strip()
    profile.assessed_by, profile.assessed_at = viewer.id, clock.utcnow()
    session.add(profile)
    session.add(
        ServiceRecord(
            seeker_id=seeker_id,
            kind="capability_assessment",
            served_on=today,
            worker_id=viewer.id,
            notes=notes.strip(),
        )
    )
    _touch(session, seeker)
    _changed(session, viewer, "seeker", seeker_id, {"what": "assessment"})


def save_plan(
    session: Session,
    *,
    viewer: Viewer,
    seeker_id: int,
    goals: str,
    services: list[str],
    version: int,
) -> None:
    """Save the service plan (一人一策); ``version`` is the plan's, 0 for a new plan."""
    _editable(session, viewer, seeker_id)
    kinds = code_list("service_kinds")
    unknown = [s for s in services if s not in kinds]
    if unknown:
        raise Invalid([Problem("services", "未知的服务类型", "Unknown service kind")])
    if not goals.strip():
        raise Invalid([Problem("goals", "请填写就业目标", "Enter the employment goals")])
    plan = session.execute(
        select(ServicePlan).where(col(ServicePlan.seeker_id) == seeker_id)
    ).scalar_one_or_none()
    if (plan.version if plan else 0) != version:
        raise Stale
    plan = plan or ServicePlan(seeker_id=seeker_id, version=0)
    plan.goals, plan.planned_services = goals.strip(), list(dict.fromkeys(services))
    plan.updated_by, plan.updated_at, plan.version = viewer.id, clock.utcnow(), plan.version + 1
    session.add(plan)
    _changed(session, viewer, "seeker", seeker_id, {"what": "plan"})


def add_record(
    session: Session,
    *,
    viewer: Viewer,
    seeker_id: int,
    kind: str,
    served_on: str,
    notes: str,
    next_follow_up: str,
    today: date,
) -> None:
    """Add a service record; dates come as the form sends them (YYYY-MM-DD)."""
    _editable(session, viewer, seeker_id)
    problems = []
    if kind not in code_list("service_kinds"):
        problems.append(Problem("kind", "请选择服务类型", "Choose the kind of service"))
    served = _date(served_on)
    if served is None:
        problems.append(Problem("served_on", "请填写服务日期", "Enter the date of the service"))
    elif served > today:
        problems.append(
            Problem("served_on", "服务日期不能晚于今天", "The date cannot be later than today")
        )
    follow = _date(next_follow_up) if next_follow_up.strip() else None
    if next_follow_up.strip() and follow is None:
        problems.append(
            Problem("next_follow_up", "回访日期格式应为 年-月-日", "Use the form YYYY-MM-DD")
        )
    elif follow is not None and served is not None and follow <= served:
        problems.append(
            Problem(
                "next_follow_up",
                "回访日期应晚于服务日期",
                "The follow-up must come after the service",
            )
        )
    if len(notes) > 4000:
        problems.append(
            Problem("notes", "备注不能超过4000字", "Notes are limited to 4,000 characters")
        )
    if problems:
        raise Invalid(problems)
    assert served is not None
    session.add(
        ServiceRecord(
            seeker_id=seeker_id,
            kind=kind,
            served_on=served,
            worker_id=viewer.id,
            notes=notes.strip(),
            next_follow_up=follow,
        )
    )
    _changed(session, viewer, "seeker", seeker_id, {"what": "service_record", "kind": kind})


def _date(text: str) -> date | None:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        return None


def _recommendation(session: Session, viewer: Viewer, rec_id: int) -> Recommendation:
    rec = session.get(Recommendation, rec_id)
    if rec is None or not rec.active:
        raise NotFound(f"recommendation {rec_id}")
    _seeker(session, viewer, rec.seeker_id)
    return rec


def set_outcome(
    session: Session, *, viewer: Viewer, rec_id: int, status: str, reason: str = ""
) -> Recommendation:
    """Record how a recommendation went (sent → viewed → applied → interview → hired, or
    declined with a reason); kept for the KPI figures and for learning."""
    if not viewer.edits_files:
        raise NotFound(f"recommendation {rec_id}")
    rec = _recommendation(session, viewer, rec_id)
    if status not in OUTCOMES or status == "new":
        raise Invalid([Problem("status", "请选择结果", "Choose an outcome")])
    if status == "declined" and not reason.strip():
        raise Invalid([Problem("reason", "请填写谢绝原因", "Say why it was declined")])
    rec.status, rec.status_reason, rec.status_at = status, reason.strip(), clock.utcnow()
    session.add(rec)
    if status == "declined":  # never recommended again: the list is filled up anew
        request_changes(session, "declined")
    _changed(session, viewer, "recommendation", rec_id, {"status": status})
    return rec


def ask_refresh(session: Session, *, viewer: Viewer, seeker_id: int) -> None:
    """Ask the scheduler to rank this seeker again now (it does within seconds)."""
    _editable(session, viewer, seeker_id)
    request(session, SEEKER, reason="refresh now", seeker_id=seeker_id, requested_by=viewer.id)
    _changed(session, viewer, "seeker", seeker_id, {"what": "refresh asked"})


def send_recommendations(session: Session, *, viewer: Viewer, seeker_id: int, today: date) -> int:
    """Mark the new recommendations as sent to the seeker and record the referral."""
    _editable(session, viewer, seeker_id)
    result = session.execute(
        update(Recommendation)
        .where(
            col(Recommendation.seeker_id) == seeker_id,
            col(Recommendation.active).is_(True),
            col(Recommendation.status) == "new",
        )
        .values(status="sent", status_at=clock.utcnow())
    )
    count = int(result.rowcount or 0)  # type: ignore[attr-defined]
    if count:
        session.add(
            ServiceRecord(
                seeker_id=seeker_id,
                kind="referral",
                served_on=today,
                worker_id=viewer.id,
                notes=f"{count}",
            )
        )
        _changed(session, viewer, "seeker", seeker_id, {"what": "sent", "count": count})
    return count


def respond(
    session: Session, *, viewer: Viewer, rec_id: int, interested: bool, reason: str = ""
) -> None:
    """A jobseeker marks a recommendation interested or not; a declined posting is never
    recommended to them again (SECURITY.md item 18)."""
    if viewer.role != "graduate":
        raise NotFound(f"recommendation {rec_id}")
    rec = _recommendation(session, viewer, rec_id)
    if interested:
        if rec.status in ("new", "sent"):
            rec.status = "viewed"
    else:
        rec.status, rec.status_reason = "declined", reason.strip() or "seeker"
        request_changes(session, "declined")
    rec.status_at = clock.utcnow()
    session.add(rec)
    _changed(session, viewer, "recommendation", rec_id, {"status": rec.status})


def reveal(
    session: Session, *, viewer: Viewer, seeker_id: int, what: str, vault: Vault
) -> str | None:
    """Decrypt one identifier for a case worker or admin; a logged action (item 14)."""
    if what not in IDENTIFIERS:
        raise Invalid([Problem("what", "未知的证件类型", "Unknown identifier")])
    seeker = _editable(session, viewer, seeker_id)
    blob = getattr(seeker, f"{what}_cipher")
    if blob is None:
        return None
    audit.record(
        session,
        actor=viewer,
        action="reveal",
        object_type="seeker",
        object_id=seeker_id,
        detail={"field": what},
    )
    return vault.decrypt(blob)
