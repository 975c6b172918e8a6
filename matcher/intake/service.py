"""Import seekers, employers and postings: preview first, then write all or nothing.

SECURITY.md items 25-28. ``import_file`` runs the whole import in one write transaction:
it reads the file, validates every row, compares the rows with what is stored (new,
changed, unchanged, duplicate), and writes only if no row has an error and this is not a
dry run. Re-importing a file changes nothing. Duplicates within the file and postings that
repeat one already stored under another id (same employer and area, nearly the same title
and text) are reported and not inserted twice.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlmodel import Session, col

from matcher.core.db import read_session, retrying, write_session
from matcher.core.job_requests import request_changes
from matcher.core.models import (
    AuditLog,
    Campaign,
    CapabilityProfile,
    Employer,
    Jobseeker,
    Posting,
    table_of,
)
from matcher.intake.columns import KINDS, match_header
from matcher.intake.reader import FileRefused, Limits, read_table
from matcher.intake.records import EmployerRecord, PostingRecord, SeekerRecord
from matcher.intake.rows import Problem, RowReader, build_record
from matcher.intake.store import (
    StaffEdits,
    employer_key,
    employer_values,
    insert_employers,
    insert_postings,
    insert_seekers,
    keep_staff_text,
    link_campaign,
    posting_text,
    posting_values,
    seeker_values,
    update_postings,
    update_rows,
    update_seekers,
)
from matcher.intake.twins import Twins
from matcher.people.identifiers import Vault
from matcher.reference.categories import UNSURE_CATEGORY, category_model
from matcher.reference.screening import HOLD_REASON, holds, screen

__all__ = ["Duplicate", "ImportReport", "RowOutcome", "import_file"]


@dataclass(frozen=True)
class Duplicate:
    row: int
    external_id: str
    same_as: str  # "row 12" or "posting P-0042"
    reason: str


@dataclass(frozen=True)
class RowOutcome:
    """What the import does with one valid row."""

    row: int
    key: str  # the row's posting or seeker number, or the employer's name
    outcome: str  # new, changed, unchanged, duplicate, or error (found when compared)


@dataclass
class ImportReport:
    kind: str
    file_name: str
    rows: int = 0
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    duplicates: list[Duplicate] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    campaign: str | None = None
    dry_run: bool = False
    written: bool = False
    # Per row, once the rows were compared with what is stored (a preview lists them).
    outcomes: list[RowOutcome] = field(default_factory=list)
    # The valid rows' records by row number, for a preview to show; not in to_dict().
    records: dict[int, Any] = field(default_factory=dict, repr=False, compare=False)
    # Postings stored but held for review (an unsure inference, an exclusionary clause).
    held: int = 0
    # Whether only the valid rows are written (an explicit choice; all or nothing is the
    # default), and the file's header and rows, to give the rejected ones back.
    valid_only: bool = False
    headers: list[str] = field(default_factory=list, repr=False, compare=False)
    cells: dict[int, list[str]] = field(default_factory=dict, repr=False, compare=False)

    @property
    def file_errors(self) -> list[Problem]:
        """Errors of the file as a whole: no row can be written past them."""
        return [p for p in self.errors if p.row is None]

    @property
    def rejected_rows(self) -> list[int]:
        """The rows with an error (left out by a valid-rows import)."""
        return sorted({p.row for p in self.errors if p.row is not None})

    @property
    def writable(self) -> bool:
        """Whether the import may write: a clean file, or the valid rows of one."""
        return not self.file_errors and (self.ok or self.valid_only)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> str:
        state = (
            f"valid rows written, {len(self.rejected_rows)} rows left out"
            if self.written and self.rejected_rows
            else "written"
            if self.written
            else "dry run, nothing written"
            if self.dry_run and self.ok
            else "nothing written"
        )
        held = f"{self.held} held for review; " if self.kind == "postings" else ""
        return (
            f"{self.kind} from {self.file_name}: {self.rows} rows; {self.new} new, "
            f"{self.changed} changed, {self.unchanged} unchanged, "
            f"{len(self.duplicates)} duplicates; {held}{len(self.errors)} errors, "
            f"{len(self.warnings)} warnings; {state}"
        )

    def to_dict(self) -> dict[str, Any]:
        data = asdict(replace(self, records={}, headers=[], cells={}))
        for name in ("records", "headers", "cells"):
            del data[name]
        data["ok"] = self.ok
        data["rejected_rows"] = self.rejected_rows
        return data


@dataclass
class _Plan:
    report: ImportReport
    sha256: str = ""
    new: list[Any] = field(default_factory=list)
    changed: list[tuple[int, Any]] = field(default_factory=list)
    unchanged_ids: list[int] = field(default_factory=list)
    # postings already stored under another id that this file repeats (for campaign links)
    repeated_ids: list[int] = field(default_factory=list)
    new_employers: dict[str, EmployerRecord] = field(default_factory=dict)
    employer_ids: dict[str, int] = field(default_factory=dict)


@retrying  # a deadlock or serialization failure runs the whole import again, from the file
def import_file(
    engine: Engine,
    vault: Vault,
    *,
    kind: str,
    path: Path,
    campaign: str | None = None,
    dry_run: bool = False,
    actor: str = "cli",
    actor_id: int | None = None,
    limits: Limits | None = None,
    progress: Callable[[str, int, int], None] | None = None,
    file_name: str | None = None,
    valid_only: bool = False,
) -> ImportReport:
    """Preview and, when the file is clean and this is not a dry run, write it.

    Every problem of the file is reported in one pass. All or nothing is the default:
    one bad row leaves the database unchanged. ``valid_only`` is the explicit choice to
    write the valid rows and leave out those with an error (``rejected_rows``, which
    ``rejected_file`` gives back with their reasons).
    ``progress(stage, done, total)`` is called as rows are validated, if given.
    ``file_name``: the name to report and audit, when ``path`` is a stored copy (uploads).
    """
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}")
    report = ImportReport(
        kind=kind,
        file_name=file_name or path.name,
        campaign=campaign,
        dry_run=dry_run,
        valid_only=valid_only,
    )
    try:
        table = read_table(path, limits=limits)
    except FileRefused as exc:
        report.problems.append(Problem(None, "-", "", str(exc)))
        return report
    report.headers, report.cells = table.headers, dict(table.rows)
    plan = _Plan(report=report, sha256=hashlib.sha256(path.read_bytes()).hexdigest())
    records = _read_rows(kind, table.headers, table.rows, report, progress)
    report.records = dict(records)
    if report.file_errors:
        return report
    # A dry run only reads, so that a preview never holds SQLite's write lock; a real
    # import compares and writes in one write transaction (all or nothing, unless only
    # the valid rows were asked for).
    with (read_session if dry_run else write_session)(engine) as session:
        if kind == "postings":
            keep_staff_text(session, [record for _, record in records])
            review_postings(records, report)
        _COMPARE[kind](session, vault, plan, records)
        rejected = set(report.rejected_rows)
        if valid_only and rejected:  # compared again without them, for what to write
            kept = [(n, r) for n, r in records if n not in rejected]
            scratch = ImportReport(kind=kind, file_name=report.file_name)
            plan = replace(_Plan(report=scratch), sha256=plan.sha256)
            _COMPARE[kind](session, vault, plan, kept)
            plan.report = report
            report.new, report.changed, report.unchanged, report.held = (
                scratch.new,
                scratch.changed,
                scratch.unchanged,
                scratch.held,
            )
            records = kept
        report.outcomes = _outcomes(plan, records)
        if report.writable and not dry_run:
            _write(session, vault, plan, campaign, actor, actor_id)
            report.written = True
    return report


def review_postings(records: list[tuple[int, PostingRecord]], report: ImportReport) -> None:
    """Infer the category of the postings that name none, each with a confidence, and
    hold for review those whose inference is unsure or whose text holds a clause that
    excludes people; the report says so of each (a warning: the row still imports)."""
    unnamed = [(number, r) for number, r in records if not r.category]
    guesses = category_model().guess_all(
        (r.title, posting_text(r.title, r.description, r.requirements)) for _, r in unnamed
    )
    for (number, record), guess in zip(unnamed, guesses, strict=True):
        record.category, record.category_confidence = guess.key, round(guess.confidence, 3)
        if not guess.sure:
            record.review_reasons.append(UNSURE_CATEGORY)
            report.problems.append(
                Problem(
                    number,
                    "category",
                    guess.key,
                    f"inferred with a confidence of {guess.confidence:.0%} only: "
                    "the posting is held until staff confirm its category",
                    severity="warning",
                )
            )
    for number, record in records:
        holding = sorted(
            {
                f.rule
                for f in screen(record.title, record.description, record.requirements)
                if holds(f)
            }
        )
        if holding:
            record.review_reasons.extend(f"{HOLD_REASON}{rule}" for rule in holding)
            report.problems.append(
                Problem(
                    number,
                    "description",
                    "",
                    f"excludes people by {', '.join(holding)}: the posting is held until "
                    "staff record that the employer dropped the clause or gave a job reason",
                    severity="warning",
                )
            )


def _read_rows(
    kind: str,
    headers: list[str],
    rows: list[tuple[int, list[str]]],
    report: ImportReport,
    progress: Callable[[str, int, int], None] | None,
) -> list[tuple[int, Any]]:
    header = match_header(kind, headers)
    for spec in header.missing:
        report.problems.append(
            Problem(None, f"{spec.zh}/{spec.field}", "", "required column is missing")
        )
    for written, name in header.repeated:
        report.problems.append(Problem(None, written, "", f"a second column for {name}"))
    for written in header.unknown:
        report.problems.append(
            Problem(None, written, "", "not a known column; ignored", severity="warning")
        )
    report.rows = len(rows)
    if header.missing or header.repeated:
        return []
    records = []
    for done, (number, cells) in enumerate(rows, start=1):
        if progress and (done % 1000 == 0 or done == len(rows)):
            progress("validating", done, len(rows))
        reader = RowReader(
            number,
            {
                spec.field: (spec, headers[i], cells[i].strip())
                for i, spec in header.columns.items()
            },
        )
        record = build_record(kind, reader)
        report.problems.extend(reader.problems)
        if record is not None:
            records.append((number, record))
    return records


# --- comparing with what is stored ----------------------------------------------------


def _compare_seekers(
    session: Session, vault: Vault, plan: _Plan, records: list[tuple[int, SeekerRecord]]
) -> None:
    report = plan.report
    first_row: dict[str, int] = {}
    digests: dict[str, int] = {}
    for number, record in records:
        if record.external_id in first_row:
            report.problems.append(
                Problem(
                    number,
                    "seeker_id",
                    record.external_id,
                    f"the same id is already on row {first_row[record.external_id]}",
                )
            )
            continue
        first_row[record.external_id] = number
        if record.id_number:
            digest = vault.digest(record.id_number)
            if digest in digests:
                report.problems.append(
                    Problem(
                        number, "id_number", "", f"the same ID number is on row {digests[digest]}"
                    )
                )
            digests[digest] = number
    stored = _stored(session, Jobseeker, [r.external_id for _, r in records])
    profiles = (
        dict(
            session.execute(
                select(col(CapabilityProfile.seeker_id), col(CapabilityProfile.levels)).where(
                    col(CapabilityProfile.seeker_id).in_([row["id"] for row in stored.values()])
                )
            ).all()
        )
        if stored
        else {}
    )
    owners = _digest_owners(session, list(digests))
    for number, record in records:
        values = seeker_values(record, vault)
        owner = owners.get(values["id_number_digest"] or "")
        if owner and owner != record.external_id:
            report.problems.append(
                Problem(number, "id_number", "", f"this person is already on file as {owner}")
            )
            continue
        existing = stored.get(record.external_id)
        if existing is None:
            plan.new.append(record)
        elif _differs(existing, values) or (
            record.capabilities and profiles.get(existing["id"]) != record.capabilities
        ):
            plan.changed.append((existing["id"], record))
        else:
            plan.unchanged_ids.append(existing["id"])
    _count(plan)


def _digest_owners(session: Session, digests: list[str]) -> dict[str, str]:
    owners: dict[str, str] = {}
    for start in range(0, len(digests), 2000):
        owners.update(
            session.execute(
                select(col(Jobseeker.id_number_digest), col(Jobseeker.external_id)).where(
                    col(Jobseeker.id_number_digest).in_(digests[start : start + 2000])
                )
            ).all()
        )
    return owners


def _compare_employers(
    session: Session, vault: Vault, plan: _Plan, records: list[tuple[int, EmployerRecord]]
) -> None:
    report = plan.report
    stored = {row.id: row for row in session.execute(select(table_of(Employer))).mappings()}
    by_code = {row["credit_code"]: rid for rid, row in stored.items() if row["credit_code"]}
    by_name = {employer_key(row["name"]): rid for rid, row in stored.items()}
    seen: dict[str, int] = {}
    for number, record in records:
        keys = [employer_key(record.name)] + ([record.credit_code] if record.credit_code else [])
        earlier = next((seen[k] for k in keys if k in seen), None)
        if earlier is not None:
            report.duplicates.append(
                Duplicate(
                    number, record.name, f"row {earlier}", "the same employer twice in the file"
                )
            )
            continue
        seen.update({k: number for k in keys})
        by_code_id = by_code.get(record.credit_code or "")
        by_name_id = by_name.get(employer_key(record.name))
        if by_code_id and by_name_id and by_code_id != by_name_id:
            report.problems.append(
                Problem(
                    number,
                    "name",
                    record.name,
                    "another stored employer already has this name with a different credit code",
                )
            )
            continue
        existing_id = by_code_id or by_name_id
        if existing_id is None:
            plan.new.append(record)
        elif _differs(stored[existing_id], employer_values(record)):
            plan.changed.append((existing_id, record))
        else:
            plan.unchanged_ids.append(existing_id)
    _count(plan)


def _compare_postings(
    session: Session, vault: Vault, plan: _Plan, records: list[tuple[int, PostingRecord]]
) -> None:
    report = plan.report
    employers = {
        employer_key(name): (rid, kind)
        for rid, name, kind in session.execute(
            select(col(Employer.id), col(Employer.name), col(Employer.kind))
        )
    }
    stored = _stored(session, Posting, [r.external_id for _, r in records])
    # Open postings of the same employers, to find a job posted again under a new id.
    peers: dict[tuple[int, str], Twins[dict[str, Any]]] = defaultdict(Twins)
    employer_ids = {
        employers[k][0] for k in {employer_key(r.employer) for _, r in records} if k in employers
    }
    if employer_ids:
        for row in session.execute(
            select(
                col(Posting.id),
                col(Posting.external_id),
                col(Posting.employer_id),
                col(Posting.area_code),
                col(Posting.title),
                col(Posting.description),
            ).where(
                col(Posting.employer_id).in_(sorted(employer_ids)),
                col(Posting.status) == "open",
            )
        ).mappings():
            peers[(row["employer_id"], row["area_code"])].add(
                row["title"], row["description"], dict(row)
            )
    in_file: dict[tuple[str, str], Twins[int]] = defaultdict(Twins)
    first_row: dict[str, int] = {}
    for number, record in records:
        if record.external_id in first_row:
            report.problems.append(
                Problem(
                    number,
                    "posting_id",
                    record.external_id,
                    f"the same id is already on row {first_row[record.external_id]}",
                )
            )
            continue
        first_row[record.external_id] = number
        key = employer_key(record.employer)
        if key in employers:
            employer_id, stored_kind = employers[key]
            if record.employer_kind and record.employer_kind != stored_kind:
                report.problems.append(
                    Problem(
                        number,
                        "employer_kind",
                        record.employer_kind,
                        f"the stored employer is of kind {stored_kind}; kept that",
                        severity="warning",
                    )
                )
        elif key in plan.new_employers:
            employer_id = 0
        else:  # a new employer; its kind, when the file does not say it, is not stated
            plan.new_employers[key] = EmployerRecord(
                name=record.employer, kind=record.employer_kind or "unknown"
            )
            employer_id = 0
        twin = in_file[(key, record.area_code)].find(record.title, record.description)
        if twin is not None:
            report.duplicates.append(
                Duplicate(
                    number,
                    record.external_id,
                    f"row {twin}",
                    "same employer, area and nearly the same title and text",
                )
            )
            continue
        in_file[(key, record.area_code)].add(record.title, record.description, number)
        existing = stored.get(record.external_id)
        if existing is not None:
            report.held += bool(StaffEdits.of(existing).reasons(record))
            if _differs(existing, posting_values(record, existing["employer_id"])):
                plan.changed.append((existing["id"], record))
            else:
                plan.unchanged_ids.append(existing["id"])
            continue
        group = peers.get((employer_id, record.area_code))
        stored_twin = group.find(record.title, record.description) if group else None
        if stored_twin is not None:
            report.duplicates.append(
                Duplicate(
                    number,
                    record.external_id,
                    f"posting {stored_twin['external_id']}",
                    "already stored under another id (same employer, area, title, text)",
                )
            )
            plan.repeated_ids.append(stored_twin["id"])
            continue
        report.held += bool(record.review_reasons)
        plan.new.append(record)
    plan.employer_ids = {k: rid for k, (rid, _) in employers.items()}
    _count(plan)


_Compare = Callable[[Session, Vault, _Plan, list[tuple[int, Any]]], None]
_COMPARE: dict[str, _Compare] = {
    "seekers": _compare_seekers,
    "employers": _compare_employers,
    "postings": _compare_postings,
}


def _stored(session: Session, model: Any, external_ids: list[str]) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    table = model.__table__
    for start in range(0, len(external_ids), 2000):
        chunk = external_ids[start : start + 2000]
        for row in session.execute(select(table).where(table.c.external_id.in_(chunk))).mappings():
            found[row["external_id"]] = dict(row)
    return found


def _differs(stored: Any, values: dict[str, Any]) -> bool:
    return any(stored[name] != value for name, value in values.items())


def _outcomes(plan: _Plan, records: list[tuple[int, Any]]) -> list[RowOutcome]:
    """Each compared row's outcome; a row neither new, changed, a duplicate nor refused
    when compared is unchanged (the plan holds only the stored ids of those)."""
    report = plan.report
    new = {id(record) for record in plan.new}
    changed = {id(record) for _, record in plan.changed}
    duplicates = {duplicate.row for duplicate in report.duplicates}
    refused = {problem.row for problem in report.errors}
    found = []
    for number, record in records:
        if number in duplicates:
            outcome = "duplicate"
        elif number in refused:
            outcome = "error"
        elif id(record) in new:
            outcome = "new"
        elif id(record) in changed:
            outcome = "changed"
        else:
            outcome = "unchanged"
        key = getattr(record, "external_id", None) or record.name
        found.append(RowOutcome(number, key, outcome))
    return found


def _count(plan: _Plan) -> None:
    plan.report.new = len(plan.new)
    plan.report.changed = len(plan.changed)
    plan.report.unchanged = len(plan.unchanged_ids)


# --- writing ----------------------------------------------------------------------------


def _write(
    session: Session,
    vault: Vault,
    plan: _Plan,
    campaign: str | None,
    actor: str,
    actor_id: int | None,
) -> None:
    report = plan.report
    if plan.new or plan.changed:
        request_changes(session, f"import of {report.kind}", requested_by=actor_id)
    if report.kind == "seekers":
        insert_seekers(session, vault, plan.new)
        update_seekers(session, vault, plan.changed)
    elif report.kind == "employers":
        insert_employers(session, plan.new)
        update_rows(
            session,
            Employer,
            [{"_id": rid, **employer_values(record)} for rid, record in plan.changed],
        )
    else:
        employer_ids = dict(plan.employer_ids)
        employer_ids.update(insert_employers(session, list(plan.new_employers.values())))
        new_ids = insert_postings(
            session, [(r, employer_ids[employer_key(r.employer)]) for r in plan.new]
        )
        update_postings(
            session, [(rid, r, employer_ids[employer_key(r.employer)]) for rid, r in plan.changed]
        )
        if campaign:
            campaign_id = _campaign_id(session, campaign)
            link_campaign(
                session,
                campaign_id,
                [
                    *new_ids.values(),
                    *(rid for rid, _ in plan.changed),
                    *plan.unchanged_ids,
                    *plan.repeated_ids,
                ],
            )
    session.add(
        AuditLog(
            actor=actor,
            actor_id=actor_id,
            action="import",
            object_type=report.kind,
            detail={
                "file": report.file_name,
                "sha256": plan.sha256,
                "rows": report.rows,
                "new": report.new,
                "changed": report.changed,
                "unchanged": report.unchanged,
                "duplicates": len(report.duplicates),
                "campaign": campaign,
            },
        )
    )


def _campaign_id(session: Session, name: str) -> int:
    found = session.execute(select(col(Campaign.id)).where(col(Campaign.name) == name)).scalar()
    if found is not None:
        return int(found)
    campaign = Campaign(name=name)
    session.add(campaign)
    session.flush()
    assert campaign.id is not None
    return campaign.id
