"""Postings: search and filter, a posting's page with its requirement profile and
accommodations, and the seekers it is recommended to; the postings held for review, and the
forms with which staff set a posting's category and demands and clear its review
(matcher.employers.review)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlmodel import Session
from werkzeug.wrappers import Response

from matcher.core.db import read_session, transact
from matcher.employers import review
from matcher.employers.postings import (
    PostingFilter,
    matched_seekers,
    posting_detail,
    search_postings,
)
from matcher.reference.occupations import occupations
from matcher.reference.profiles import dimension_keys
from matcher.reference.screening import findings, rules
from web.i18n import lang
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
            held=review.held_count(session),
        )


@bp.get("/review")
@allow(*review.READERS)
def queue() -> str:
    page = max(1, request.args.get("page", 1, type=int) or 1)
    with read_session(engine()) as session:
        found = review.review_queue(session, offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE)
    return render_template(
        "posting_review.html",
        queue=found,
        page=page,
        pages=max(1, -(-found.total // PAGE_SIZE)),
        args={},
        occupation_names=_occupation_names(),
    )


def _occupation_names() -> dict[str, str]:
    return {o.key: o.name(lang()) for o in occupations()}


def _rule_names() -> dict[str, str]:
    return {r.key: r.name_zh if lang() == "zh" else r.name_en for r in rules()}


def _page(posting_id: int, *, status: int = 200, **extra: Any) -> tuple[str, int]:
    """The posting's page; after a refused change, with what went wrong (``extra``)."""
    me = viewer()
    with read_session(engine()) as session:
        detail = posting_detail(session, posting_id=posting_id)
        if detail is None:
            session.close()
            return not_found("posting", posting_id)  # aborts
        # Organizers never see seekers' health data, so not who a posting fits (item 8).
        matched = (
            matched_seekers(session, viewer=me, posting_id=posting_id)
            if me.sees_health_data
            else None
        )
        posting = detail["posting"]
        page = render_template(
            "posting.html",
            detail=detail,
            matched=matched,
            dimensions=dimension_keys(),
            findings=findings(posting.title, posting.description, posting.requirements),
            review=review.posting_review(session, viewer=me, posting_id=posting_id),
            occupation_names=_occupation_names(),
            rule_names=_rule_names(),
            **extra,
        )
    return page, status


@bp.get("/<int:posting_id>")
@allow(*STAFF)
def show(posting_id: int) -> tuple[str, int]:
    return _page(posting_id)


def _problems(error: review.Invalid) -> dict[str, str]:
    """Each field's problems in the reader's language (a field may have several)."""
    found: dict[str, list[str]] = {}
    for problem in error.problems:
        found.setdefault(problem.field, []).append(problem.text(lang()))
    joiner = "；" if lang() == "zh" else "; "
    return {field: joiner.join(texts) for field, texts in found.items()}


def _change(
    posting_id: int, form: str, work: Callable[[Session], str], done: Callable[[str], str]
) -> Response | tuple[str, int]:
    """Run one change to a posting's review; on bad input show the page again with the
    errors tied to their fields (400), on a stale form or the wrong state say so (409).
    ``work`` returns the posting's review afterwards, which ``done`` words."""
    try:
        state = transact(engine(), work)  # run again on a deadlock or serialization failure
    except review.NotFound:
        return not_found("posting", posting_id)
    except review.NotAllowed:
        abort(403)
    except review.Stale:
        return _page(
            posting_id,
            stale=_(
                "Someone else changed this posting after you opened it. "
                "Your changes were not saved; here is the posting as it is now."
            ),
            form=form,
            status=409,
        )
    except review.WrongState as error:
        return _page(posting_id, problems=_problems(error), form=form, status=409)
    except review.Invalid as error:
        return _page(
            posting_id, problems=_problems(error), form=form, values=request.form, status=400
        )
    # Flashed for the section the reader returns to, which shows it (macros.html notices).
    flash(done(state), form)
    return redirect(url_for("postings.show", posting_id=posting_id, _anchor=form), 303)


def _version() -> int:
    """The version the form was loaded with; a missing or garbled one never matches."""
    return request.form.get("version", -1, type=int)


def _outcome(saved: str) -> Callable[[str], str]:
    """What to say after a change: that it was saved, and where the review stands."""

    def word(state: str) -> str:
        if state == "held":
            return saved + " " + _("The posting is still held for review.")
        if state == "cleared":
            return saved + " " + _("The posting is cleared: matching takes it up again.")
        return saved

    return word


@bp.post("/<int:posting_id>/category")
@allow(*review.REVIEWERS)
def category(posting_id: int) -> Response | tuple[str, int]:
    me, version, chosen = viewer(), _version(), request.form.get("category", "")[:100]
    return _change(
        posting_id,
        "category",
        lambda session: (
            review.set_category(
                session, viewer=me, posting_id=posting_id, version=version, category=chosen
            ).review
        ),
        _outcome(_("Occupation saved; the requirement profile was worked out again.")),
    )


@bp.post("/<int:posting_id>/demands")
@allow(*review.REVIEWERS)
def demands(posting_id: int) -> Response | tuple[str, int]:
    me, version, form = viewer(), _version(), request.form
    levels: dict[str, int | str | None] = {
        key: form[f"demand_{key}"] for key in dimension_keys() if f"demand_{key}" in form
    }
    return _change(
        posting_id,
        "demands",
        lambda session: (
            review.set_demands(
                session, viewer=me, posting_id=posting_id, version=version, demands=levels
            ).review
        ),
        _outcome(_("Demands saved.")),
    )


@bp.post("/<int:posting_id>/review")
@allow(*review.REVIEWERS)
def clear(posting_id: int) -> Response | tuple[str, int]:
    me, version, form = viewer(), _version(), request.form
    how, note = form.get("how", ""), form.get("note", "")
    text = {name: form[name] for name in ("description", "requirements") if name in form}
    restriction = {
        "gender": form.get("gender", ""),
        "age_min": form.get("age_min", ""),
        "age_max": form.get("age_max", ""),
    }
    return _change(
        posting_id,
        "review",
        lambda session: (
            review.clear_review(
                session,
                viewer=me,
                posting_id=posting_id,
                version=version,
                how=how,
                note=note,
                text=text if how == "dropped" else None,
                restrictions=restriction if how == "job_reason" else None,
            ).review
        ),
        _outcome(_("Review recorded.")),
    )
