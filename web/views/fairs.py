"""A campaign's fair: pick its postings, read the fit figures, and the invite list.

Organizers and admins build the fair; supervisors and case workers read it. The invite list
shows organizers names, areas, contact preferences and matched postings only (SECURITY.md
item 8); case workers see their own people on it and mark them invited, attending, attended.
"""

from __future__ import annotations

import io

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from matcher.core import clock
from matcher.core.db import read_session, transact, write_session
from matcher.employers import review
from matcher.fairs import listing
from matcher.people import audit
from web.downloads import asked_format, spreadsheet
from web.i18n import lang
from web.security import allow, engine, not_found, viewer

bp = Blueprint("fairs", __name__, url_prefix="/campaigns")
PAGE_SIZE = 50
READERS = ("organizer", "admin", "supervisor", "case_worker")


@bp.get("/<int:campaign_id>/fair")
@allow(*READERS)
def show(campaign_id: int) -> str:
    me, text = viewer(), request.args.get("q", "")[:100]
    with read_session(engine()) as session:
        try:
            view = listing.fair_view(session, viewer=me, campaign_id=campaign_id)
        except listing.NotFound:
            return not_found("campaign", campaign_id)
        own, others, found = (
            listing.postings_to_add(session, campaign_id=campaign_id, text=text)
            if me.role in listing.BUILDERS
            else ([], [], 0)
        )
        # Held postings are marked, with what to take up with the employer, and not offered.
        held = review.held_among(
            session, posting_ids=[p.id for p in (*view.postings, *own, *others)]
        )
        return render_template(
            "fair.html", view=view, own=own, others=others, found=found, q=text, held=held
        )


@bp.post("/<int:campaign_id>/fair/postings")
@allow(*listing.BUILDERS)
def add(campaign_id: int) -> Response:
    ids = [int(v) for v in request.form.getlist("posting") if v.isdigit()]
    me = viewer()
    try:
        added = transact(
            engine(),
            lambda session: listing.add_postings(
                session, viewer=me, campaign_id=campaign_id, posting_ids=ids
            ),
        )
    except listing.NotFound:
        return not_found("campaign", campaign_id)
    if added:
        flash(_("%(count)s postings added. The fit figures are being worked out.", count=added))
    else:
        flash(_("No posting was added: choose at least one open posting."))
    return redirect(url_for("fairs.show", campaign_id=campaign_id))


@bp.post("/<int:campaign_id>/fair/postings/<int:posting_id>/remove")
@allow(*listing.BUILDERS)
def remove(campaign_id: int, posting_id: int) -> Response:
    me = viewer()
    try:
        removed = transact(
            engine(),
            lambda session: listing.remove_posting(
                session, viewer=me, campaign_id=campaign_id, posting_id=posting_id
            ),
        )
    except listing.NotFound:
        return not_found("campaign", campaign_id)
    if not removed:
        return not_found("posting", posting_id)
    flash(_("The posting was taken off the fair."))
    return redirect(url_for("fairs.show", campaign_id=campaign_id))


@bp.get("/<int:campaign_id>/invites")
@allow(*READERS)
def invites(campaign_id: int) -> str:
    me = viewer()
    page = max(1, request.args.get("page", 1, type=int) or 1)
    with read_session(engine()) as session:
        try:
            campaign = listing.campaign_of(session, campaign_id)
            rows, total = listing.invite_list(
                session,
                viewer=me,
                campaign_id=campaign_id,
                offset=(page - 1) * PAGE_SIZE,
                limit=PAGE_SIZE,
            )
        except listing.NotFound:
            return not_found("campaign", campaign_id)
        return render_template(
            "invites.html",
            c=campaign,
            pending=listing.pending(campaign),
            rows=rows,
            total=total,
            page=page,
            pages=max(1, -(-total // PAGE_SIZE)),
            args=dict(request.args, campaign_id=campaign_id),
        )


@bp.get("/<int:campaign_id>/invites/export")
@allow(*READERS)
def export(campaign_id: int) -> Response:
    me = viewer()
    fmt = asked_format()
    with read_session(engine()) as session:
        try:
            rows, _total = listing.invite_list(
                session, viewer=me, campaign_id=campaign_id, limit=None
            )
        except listing.NotFound:
            return not_found("campaign", campaign_id)
    out = io.BytesIO()
    count = listing.export_invites(rows, fmt=fmt, lang=lang(), out=out)
    with write_session(engine()) as session:
        audit.record(
            session,
            actor=me,
            action="export",
            object_type="fair_invites",
            object_id=campaign_id,
            detail={"rows": count, "format": fmt},
        )
    return spreadsheet(out, fmt=fmt, name=f"invites-{campaign_id}-{clock.today()}")


@bp.post("/<int:campaign_id>/invites/<int:seeker_id>")
@allow("case_worker", "admin")
def mark(campaign_id: int, seeker_id: int) -> Response:
    status = request.form.get("status", "")
    me = viewer()
    try:
        transact(
            engine(),
            lambda session: listing.mark(
                session, viewer=me, campaign_id=campaign_id, seeker_id=seeker_id, status=status
            ),
        )
    except listing.NotFound:
        return not_found("seeker", seeker_id)
    except ValueError:
        abort(400)
    flash(_("The invitation was marked."), "invites")
    page = request.form.get("page", "1")
    return redirect(
        url_for("fairs.invites", campaign_id=campaign_id, page=page if page.isdigit() else 1)
        + f"#invitee-{seeker_id}"
    )
