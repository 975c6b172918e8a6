"""The seeker's file (一人一档): profile, capability assessment, service plan, service
records, recommendations with outcomes, "why not", and the printable slip."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from matcher.core import clock
from matcher.core.db import transact, write_session
from matcher.employers.postings import PostingFilter, search_postings
from matcher.matching.recommendations import NotFound as PairNotFound
from matcher.matching.recommendations import explain_pair
from matcher.people.identifiers import Vault
from matcher.reference.profiles import dimension_keys
from matcher.seekers import file as seeker_file
from web.i18n import lang
from web.security import allow, engine, not_found, viewer

bp = Blueprint("seekers", __name__, url_prefix="/seekers")
READERS = ("case_worker", "supervisor", "admin")
EDITORS = ("case_worker", "admin")


def _file(seeker_id: int, **extra: Any) -> tuple[str, int]:
    status = extra.pop("status", 200)
    try:
        with write_session(engine()) as session:  # viewing writes its audit row
            view = seeker_file.load_file(session, viewer=viewer(), seeker_id=seeker_id)
            page = render_template("seeker.html", file=view, dimensions=dimension_keys(), **extra)
    except seeker_file.NotFound:
        not_found("seeker", seeker_id)
    return page, status


@bp.get("/<int:seeker_id>")
@allow(*READERS)
def show(seeker_id: int) -> tuple[str, int]:
    return _file(seeker_id)


def _problems(error: seeker_file.Invalid) -> dict[str, str]:
    return {p.field: p.text(lang()) for p in error.problems}


def _change(seeker_id: int, form: str, work: Any, done: str) -> Response | tuple[str, int]:
    """Run one change to a file; on bad input show the file again with the errors tied to
    their fields (400), on a stale form say so (409)."""
    try:
        transact(engine(), work)  # run again on a deadlock or serialization failure
    except seeker_file.NotFound:
        return not_found("seeker", seeker_id)
    except seeker_file.Invalid as error:
        return _file(
            seeker_id, problems=_problems(error), form=form, values=request.form, status=400
        )
    except seeker_file.Stale:
        return _file(
            seeker_id,
            stale=_(
                "Someone else saved this file after you opened it. "
                "Your changes were not saved; here is the file as it is now."
            ),
            form=form,
            status=409,
        )
    # Flashed for the section the reader returns to, which shows it (macros.html notices).
    flash(done, form)
    return redirect(url_for("seekers.show", seeker_id=seeker_id, _anchor=form))


def _version() -> int:
    """The version the form was loaded with; a missing or garbled one never matches."""
    return request.form.get("version", -1, type=int)


@bp.post("/<int:seeker_id>/assessment")
@allow(*EDITORS)
def assessment(seeker_id: int) -> Response | tuple[str, int]:
    levels = {key: request.form.get(f"level_{key}", "") for key in dimension_keys()}
    return _change(
        seeker_id,
        "assessment",
        lambda session: seeker_file.save_assessment(
            session,
            viewer=viewer(),
            seeker_id=seeker_id,
            levels=levels,
            notes=request.form.get("notes", "")[:4000],
            version=_version(),
            today=clock.today(),
        ),
        _("Assessment saved. Matching now uses it."),
    )


@bp.post("/<int:seeker_id>/plan")
@allow(*EDITORS)
def plan(seeker_id: int) -> Response | tuple[str, int]:
    return _change(
        seeker_id,
        "plan",
        lambda session: seeker_file.save_plan(
            session,
            viewer=viewer(),
            seeker_id=seeker_id,
            goals=request.form.get("goals", "")[:4000],
            services=request.form.getlist("services"),
            version=_version(),
        ),
        _("Service plan saved."),
    )


@bp.post("/<int:seeker_id>/records")
@allow(*EDITORS)
def add_record(seeker_id: int) -> Response | tuple[str, int]:
    form = request.form
    return _change(
        seeker_id,
        "records",
        lambda session: seeker_file.add_record(
            session,
            viewer=viewer(),
            seeker_id=seeker_id,
            kind=form.get("kind", ""),
            served_on=form.get("served_on", ""),
            notes=form.get("notes", ""),
            next_follow_up=form.get("next_follow_up", ""),
            today=clock.today(),
        ),
        _("Service record added."),
    )


@bp.post("/<int:seeker_id>/send")
@allow(*EDITORS)
def send(seeker_id: int) -> Response | tuple[str, int]:
    return _change(
        seeker_id,
        "recommendations",
        lambda session: seeker_file.send_recommendations(
            session, viewer=viewer(), seeker_id=seeker_id, today=clock.today()
        ),
        _("The new recommendations are marked as sent."),
    )


@bp.post("/<int:seeker_id>/recommendations/<int:rec_id>")
@allow(*EDITORS)
def outcome(seeker_id: int, rec_id: int) -> Response | tuple[str, int]:
    def work(session: Any) -> None:
        rec = seeker_file.set_outcome(
            session,
            viewer=viewer(),
            rec_id=rec_id,
            status=request.form.get("status", ""),
            reason=request.form.get("reason", "")[:500],
        )
        if rec.seeker_id != seeker_id:
            raise seeker_file.NotFound(f"recommendation {rec_id}")

    return _change(seeker_id, f"rec-{rec_id}", work, _("Outcome recorded."))


@bp.post("/<int:seeker_id>/refresh")
@allow(*EDITORS)
def refresh(seeker_id: int) -> Response | tuple[str, int]:
    """Ask the scheduler to rank this seeker again now, against the postings open today."""

    def work(session: Any) -> None:
        seeker_file.ask_refresh(session, viewer=viewer(), seeker_id=seeker_id)

    return _change(
        seeker_id,
        "recommendations",
        work,
        _("Refresh requested. The new list is ready within a few seconds: reload the page."),
    )


@bp.post("/<int:seeker_id>/reveal")
@allow(*EDITORS)
def reveal(seeker_id: int) -> tuple[str, int]:
    what = request.form.get("what", "")
    vault = Vault(current_app.config["JOBBRIDGE_SETTINGS"].data_key)
    try:
        with write_session(engine()) as session:
            value = seeker_file.reveal(
                session, viewer=viewer(), seeker_id=seeker_id, what=what, vault=vault
            )
    except seeker_file.NotFound:
        return not_found("seeker", seeker_id)
    except seeker_file.Invalid:
        abort(400)
    return _file(seeker_id, revealed={what: value})


@bp.get("/<int:seeker_id>/why")
@allow(*READERS)
def why(seeker_id: int) -> tuple[str, int] | str:
    query = request.args.get("posting", "").strip()[:100]
    try:
        with write_session(engine()) as session:
            view = seeker_file.load_file(session, viewer=viewer(), seeker_id=seeker_id)
            matches, _total = (
                search_postings(session, where=PostingFilter(text=query, status=None), limit=10)
                if query
                else ([], 0)
            )
            session.expunge_all()
    except seeker_file.NotFound:
        return not_found("seeker", seeker_id)
    exact = next((p for p, _e in matches if p.external_id == query), None)
    if exact is None and len(matches) == 1:
        exact = matches[0][0]
    explanation = None
    if exact is not None:
        try:
            explanation = explain_pair(engine(), view.seeker.external_id, exact.external_id)
        except PairNotFound:
            explanation = None
    return render_template(
        "why.html",
        seeker=view.seeker,
        query=query,
        matches=matches,
        posting=exact,
        explanation=explanation,
    )


@bp.get("/<int:seeker_id>/slip")
@allow(*READERS)
def slip(seeker_id: int) -> str:
    try:
        with write_session(engine()) as session:
            view = seeker_file.load_file(session, viewer=viewer(), seeker_id=seeker_id)
            return render_template("slip.html", file=view)
    except seeker_file.NotFound:
        return not_found("seeker", seeker_id)
