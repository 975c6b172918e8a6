"""Employers: an employer's page (postings, campaigns, the 1.5% quota) and the list of
employers below quota in an area."""

from __future__ import annotations

import io

from flask import Blueprint, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response

from matcher.core import clock
from matcher.core.codes import code_list
from matcher.core.db import read_session, write_session
from matcher.employers.directory import (
    EmployerFilter,
    employer_detail,
    export_below_quota,
    list_employers,
    quota_rule,
)
from matcher.people import audit
from matcher.reference.areas import ANYWHERE, AreaError, areas
from web.downloads import asked_format, spreadsheet
from web.i18n import lang
from web.security import allow, engine, not_found, viewer

bp = Blueprint("employers", __name__, url_prefix="/employers")
PAGE_SIZE = 50
STAFF = ("organizer", "admin", "supervisor", "case_worker")


def _filter(args: MultiDict[str, str]) -> tuple[EmployerFilter, dict[str, str]]:
    """The list's filter from the query string, and the problems with it (field -> text).

    A name searches every employer, whatever its quota; without one the list is the
    employers below the quota, in an area (a code or a name) and of a kind."""
    problems: dict[str, str] = {}
    name = args.get("q", "").strip()[:100]
    if name:
        return EmployerFilter(name=name, below_only=False), problems
    area_text = args.get("area", "").strip()[:50]
    area = None
    if area_text:
        try:
            area = areas().resolve(area_text)
        except AreaError:
            problems["area"] = _(
                "No area has that code or name: give a code such as 520102 or a name."
            )
        if area == ANYWHERE:
            area = None
    kind = args.get("kind") or None
    if kind not in code_list("employer_kinds"):
        kind = None
    return EmployerFilter(area=area, kind=kind), problems


@bp.get("/")
@allow(*STAFF)
def index() -> tuple[str, int]:
    where, problems = _filter(request.args)
    page = max(1, request.args.get("page", 1, type=int) or 1)
    found = None
    if not problems:
        with read_session(engine()) as session:
            found = list_employers(
                session,
                where=where,
                today=clock.today(),
                offset=(page - 1) * PAGE_SIZE,
                limit=PAGE_SIZE,
            )
    total = found.total if found else 0
    page_args = {key: value for key, value in request.args.items() if key != "page"}
    return render_template(
        "employers.html",
        found=found,
        where=where,
        problems=problems,
        page=page,
        pages=max(1, -(-total // PAGE_SIZE)),
        args=page_args,
        area_text=request.args.get("area", "")[:50],
        default_ratio=quota_rule().default_percent,
    ), (400 if problems else 200)


@bp.get("/export")
@allow(*STAFF)
def export() -> Response:
    me = viewer()
    where, problems = _filter(request.args)
    if problems or where.name:
        # Only the below-quota list is exported; anything else goes back to the page.
        return redirect(url_for("employers.index", **request.args.to_dict()))
    fmt = asked_format()
    out = io.BytesIO()
    with read_session(engine()) as session:
        count = export_below_quota(
            session, where=where, today=clock.today(), fmt=fmt, lang=lang(), out=out, viewer=me
        )
    with write_session(engine()) as session:
        audit.record(
            session,
            actor=me,
            action="export",
            object_type="employers_below_quota",
            detail={"rows": count, "format": fmt, "area": where.area, "kind": where.kind},
        )
    return spreadsheet(out, fmt=fmt, name=f"employers-below-quota-{clock.today()}")


@bp.get("/<int:employer_id>")
@allow(*STAFF)
def show(employer_id: int) -> str:
    with read_session(engine()) as session:
        detail = employer_detail(session, viewer=viewer(), employer_id=employer_id)
    if detail is None:
        return not_found("employer", employer_id)
    return render_template("employer.html", detail=detail)
