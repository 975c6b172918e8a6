"""My caseload (一对一服务清单): the case worker's seekers, most urgent first."""

from __future__ import annotations

import io

from flask import Blueprint, render_template, request
from werkzeug.wrappers import Response

from matcher.core import clock
from matcher.core.db import read_session, write_session
from matcher.people import audit
from matcher.seekers.caseload import CaseloadFilter, caseload, export_caseload, reminder_of
from web.downloads import asked_format, spreadsheet
from web.i18n import lang
from web.security import allow, engine, viewer

bp = Blueprint("caseload", __name__, url_prefix="/caseload")
PAGE_SIZE = 50
STAFF = ("case_worker", "supervisor", "admin")


def _filter() -> CaseloadFilter:
    args = request.args
    graduate = {"yes": True, "no": False}.get(args.get("graduate", ""))
    return CaseloadFilter(
        area=args.get("area") or None,
        graduate=graduate,
        disability_type=args.get("type") or None,
        status=args.get("status") or None,
        overdue=args.get("overdue") == "1",
        name=args.get("name", "")[:50],
    )


@bp.get("/")
@allow(*STAFF)
def index() -> str:
    me, where = viewer(), _filter()
    page = max(1, request.args.get("page", 1, type=int) or 1)
    with read_session(engine()) as session:
        found = caseload(
            session,
            viewer=me,
            today=clock.today(),
            where=where,
            offset=(page - 1) * PAGE_SIZE,
            limit=PAGE_SIZE,
        )
        reminder = reminder_of(session, viewer=me, today=clock.today())
    pages = max(1, -(-found.total // PAGE_SIZE))
    return render_template(
        "caseload.html",
        rows=found.rows,
        total=found.total,
        overdue=found.overdue,
        page=page,
        pages=pages,
        where=where,
        args=request.args,
        reminder=reminder,
    )


@bp.get("/export")
@allow(*STAFF)
def export() -> Response:
    me, where = viewer(), _filter()
    fmt = asked_format()
    out = io.BytesIO()
    with read_session(engine()) as session:
        rows = caseload(session, viewer=me, today=clock.today(), where=where).rows
    count = export_caseload(rows, fmt=fmt, lang=lang(), out=out)
    with write_session(engine()) as session:
        audit.record(
            session,
            actor=me,
            action="export",
            object_type="caseload",
            detail={"rows": count, "format": fmt},
        )
    return spreadsheet(out, fmt=fmt, name=f"caseload-{clock.today()}")
