"""Postings: search and filter, a posting's page with its requirement profile and
accommodations, and the seekers it is recommended to."""

from __future__ import annotations

from flask import Blueprint, render_template, request

from matcher.core.db import read_session
from matcher.employers.postings import (
    PostingFilter,
    matched_seekers,
    posting_detail,
    search_postings,
)
from matcher.fairs.campaigns import findings
from matcher.reference.profiles import dimension_keys
from web.security import allow, engine, not_found, viewer

bp = Blueprint("postings", __name__, url_prefix="/postings")
PAGE_SIZE = 50
STAFF = ("case_worker", "supervisor", "admin", "organizer")


@bp.get("/")
@allow(*STAFF)
def index() -> str:
    args = request.args
    status = args.get("status", "open")
    where = PostingFilter(
        text=args.get("q", "")[:100],
        category=args.get("category") or None,
        area=args.get("area") or None,
        status=status if status in ("open", "closed") else None,
    )
    page = max(1, args.get("page", 1, type=int) or 1)
    with read_session(engine()) as session:
        rows, total = search_postings(
            session, where=where, offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE
        )
        return render_template(
            "postings.html",
            rows=rows,
            total=total,
            page=page,
            pages=max(1, -(-total // PAGE_SIZE)),
            where=where,
            args=args,
        )


@bp.get("/<int:posting_id>")
@allow(*STAFF)
def show(posting_id: int) -> str:
    me = viewer()
    with read_session(engine()) as session:
        detail = posting_detail(session, posting_id=posting_id)
        if detail is None:
            session.close()
            return not_found("posting", posting_id)
        # Organizers never see seekers' health data, so not who a posting fits (item 8).
        matched = (
            matched_seekers(session, viewer=me, posting_id=posting_id)
            if me.sees_health_data
            else None
        )
        posting = detail["posting"]
        return render_template(
            "posting.html",
            detail=detail,
            matched=matched,
            dimensions=dimension_keys(),
            findings=findings(posting.title, posting.description, posting.requirements),
        )
