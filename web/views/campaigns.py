"""Campaigns: list, create and edit; upload an employer's postings file (or an employers
file) with a preview, then confirm the whole file or, as an explicit choice, its valid rows
alone, with the rejected rows to download and fix; the import templates to download."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from matcher.core.codes import code_list
from matcher.core.db import read_session, transact
from matcher.core.models import Campaign
from matcher.core.paths import data_dir
from matcher.fairs import campaigns
from matcher.intake import reasons, uploads
from matcher.intake.rejected import rejected_file
from matcher.intake.service import ImportReport, import_file
from matcher.people.identifiers import Vault
from web.downloads import asked_format, spreadsheet
from web.i18n import lang
from web.security import allow, engine, not_found, viewer

bp = Blueprint("campaigns", __name__, url_prefix="/campaigns")
PAGE_SIZE = 50
UPLOAD_KINDS = ("postings", "employers")


def _problems(error: campaigns.Invalid) -> dict[str, str]:
    return {p.field: p.text(lang()) for p in error.problems}


def _form() -> campaigns.CampaignInput:
    form = request.form
    return campaigns.CampaignInput(
        name=form.get("name", "")[:400],
        kind=form.get("kind", ""),
        organizer=form.get("organizer", "")[:400],
        starts_on=form.get("starts_on", "")[:40],
        venue=form.get("venue", "")[:400],
        venue_accessibility=form.get("venue_accessibility", "")[:8000],
        area=form.get("area", "")[:100],
    )


def _campaign(session: Any, campaign_id: int) -> Campaign:
    try:
        return campaigns.get(session, campaign_id=campaign_id)
    except campaigns.NotFound:
        session.close()
        return not_found("campaign", campaign_id)  # aborts


# --- list, show, create, edit ------------------------------------------------------------


@bp.get("/")
@allow(*campaigns.READERS)
def index() -> tuple[str, int]:
    kind = request.args.get("kind", "")
    area = request.args.get("area", "")[:100]
    problems: dict[str, str] = {}
    with read_session(engine()) as session:
        try:
            rows = campaigns.list_campaigns(
                session, kind=kind if kind in code_list("campaign_kinds") else None, area=area
            )
        except campaigns.Invalid as error:
            problems, rows = _problems(error), []
    return render_template("campaigns.html", rows=rows, kind=kind, area=area, problems=problems), (
        400 if problems else 200
    )


@bp.get("/<int:campaign_id>")
@allow(*campaigns.READERS)
def show(campaign_id: int) -> str:
    number = max(1, request.args.get("page", 1, type=int) or 1)
    with read_session(engine()) as session:
        try:
            found = campaigns.page(
                session,
                campaign_id=campaign_id,
                offset=(number - 1) * PAGE_SIZE,
                limit=PAGE_SIZE,
            )
        except campaigns.NotFound:
            session.close()
            return not_found("campaign", campaign_id)
        return render_template(
            "campaign.html",
            view=found,
            c=found.campaign,
            page=number,
            pages=max(1, -(-found.total // PAGE_SIZE)),
        )


def _edit_page(
    data: campaigns.CampaignInput,
    *,
    campaign: Campaign | None = None,
    problems: dict[str, str] | None = None,
    stale: str = "",
    status: int = 200,
) -> tuple[str, int]:
    return render_template(
        "campaign_form.html", data=data, c=campaign, problems=problems or {}, stale=stale
    ), status


@bp.get("/new")
@allow(*campaigns.EDITORS)
def new() -> tuple[str, int]:
    return _edit_page(campaigns.CampaignInput(name="", kind=""))


@bp.post("/new")
@allow(*campaigns.EDITORS)
def create() -> Response | tuple[str, int]:
    data = _form()
    try:
        me = viewer()
        campaign_id = transact(
            engine(), lambda session: campaigns.create(session, viewer=me, data=data).id
        )
    except campaigns.Invalid as error:
        return _edit_page(data, problems=_problems(error), status=400)
    flash(_("Campaign created."))
    return redirect(url_for("campaigns.show", campaign_id=campaign_id), 303)


@bp.get("/<int:campaign_id>/edit")
@allow(*campaigns.EDITORS)
def edit_form(campaign_id: int) -> tuple[str, int]:
    with read_session(engine()) as session:
        campaign = _campaign(session, campaign_id)
        return _edit_page(campaigns.CampaignInput.of(campaign), campaign=campaign)


@bp.post("/<int:campaign_id>/edit")
@allow(*campaigns.EDITORS)
def edit(campaign_id: int) -> Response | tuple[str, int]:
    data = _form()
    try:
        me, version = viewer(), request.form.get("version", -1, type=int)
        transact(
            engine(),
            lambda session: campaigns.edit(
                session, viewer=me, campaign_id=campaign_id, data=data, version=version
            ),
        )
    except campaigns.NotFound:
        return not_found("campaign", campaign_id)
    except campaigns.Invalid as error:
        with read_session(engine()) as session:
            campaign = _campaign(session, campaign_id)
            return _edit_page(data, campaign=campaign, problems=_problems(error), status=400)
    except campaigns.Stale:
        with read_session(engine()) as session:
            campaign = _campaign(session, campaign_id)
            return _edit_page(
                campaigns.CampaignInput.of(campaign),
                campaign=campaign,
                stale=_(
                    "Someone else saved this campaign after you opened it. "
                    "Your changes were not saved; here is the campaign as it is now."
                ),
                status=409,
            )
    flash(_("Campaign saved."))
    return redirect(url_for("campaigns.show", campaign_id=campaign_id), 303)


# --- upload, preview, confirm ------------------------------------------------------------


def _changed_since_upload(campaign_id: int) -> Response:
    flash(
        _(
            "The stored file changed after it was uploaded, so nothing was imported. "
            "Please upload the file again."
        )
    )
    return redirect(url_for("campaigns.upload_form", campaign_id=campaign_id), 303)


def _detached_campaign(campaign_id: int) -> Campaign:
    """The campaign, readable after its session has closed (the import runs on its own)."""
    with read_session(engine()) as session:
        campaign = _campaign(session, campaign_id)
        session.expunge(campaign)
    return campaign


def _uploads_dir() -> Path:
    folder: Path = current_app.config["JOBBRIDGE_SETTINGS"].uploads_dir
    return folder or Path(current_app.instance_path) / "uploads"


def _upload_page(
    campaign: Campaign, *, problems: dict[str, str] | None = None, kind: str = "postings"
) -> tuple[str, int]:
    return render_template(
        "campaign_upload.html", c=campaign, problems=problems or {}, kind=kind
    ), (400 if problems else 200)


@bp.get("/<int:campaign_id>/upload")
@allow(*campaigns.EDITORS)
def upload_form(campaign_id: int) -> tuple[str, int]:
    with read_session(engine()) as session:
        return _upload_page(_campaign(session, campaign_id))


@bp.post("/<int:campaign_id>/upload")
@allow(*campaigns.EDITORS)
def upload(campaign_id: int) -> Response | tuple[str, int]:
    campaign = _detached_campaign(campaign_id)
    kind = request.form.get("kind", "")
    sent = request.files.get("file")
    problems = {}
    if kind not in UPLOAD_KINDS:
        problems["kind"] = _("Choose what the file holds: postings or employers.")
    if sent is None or not sent.filename:
        problems["file"] = _("Choose a file to upload.")
    elif Path(sent.filename).suffix.lower() not in uploads.SUFFIXES:
        problems["file"] = _(
            "Choose a .xlsx or .csv file. Save .xls and .xlsm sheets as .xlsx (without macros)."
        )
    if problems or sent is None:
        return _upload_page(campaign, problems=problems, kind=kind)
    quota = current_app.config["JOBBRIDGE_SETTINGS"].upload_quota_mb
    try:
        held = uploads.store(
            _uploads_dir(),
            source=sent.stream,
            file_name=sent.filename or "",
            kind=kind,
            campaign_id=campaign_id,
            user_id=viewer().id,
            quota_bytes=quota * 2**20,
        )
    except uploads.UploadQuota:
        problems["file"] = _(
            "Your uploads waiting to be imported would take more than %(quota)s MB. Import "
            "or leave them (they are removed after a day), then upload this file again.",
            quota=quota,
        )
        return _upload_page(campaign, problems=problems, kind=kind)
    return redirect(url_for("campaigns.preview", campaign_id=campaign_id, token=held.token), 303)


def _held(campaign_id: int, token: str) -> uploads.Upload | Response:
    """The upload, or where to send the reader when it is gone, imported or changed."""
    try:
        held = uploads.find(_uploads_dir(), token, campaign_id=campaign_id, user_id=viewer().id)
        if held.imported_at is None:
            uploads.check(held)
    except uploads.UploadGone:
        flash(
            _(
                "That upload is not there any more (uploads are kept for a day), "
                "so nothing was imported. Please upload the file again."
            )
        )
        return redirect(url_for("campaigns.upload_form", campaign_id=campaign_id), 303)
    except uploads.UploadChanged:
        return _changed_since_upload(campaign_id)
    if held.imported_at is not None:
        flash(_("This file was already imported; nothing was imported again."))
        return redirect(url_for("campaigns.show", campaign_id=campaign_id), 303)
    return held


def _run(
    held: uploads.Upload,
    campaign: Campaign,
    path: Path,
    *,
    dry_run: bool,
    valid_only: bool = True,
) -> ImportReport:
    """Import (or preview) the upload. A preview counts what the valid rows would do, so
    that the page can offer to import them alone; an import writes them alone only when the
    reader chose that (all or nothing otherwise)."""
    me = viewer()
    return import_file(
        engine(),
        Vault(current_app.config["JOBBRIDGE_SETTINGS"].data_key),
        kind=held.kind,
        path=path,
        campaign=campaign.name if held.kind == "postings" else None,
        dry_run=dry_run,
        valid_only=valid_only,
        actor=me.username,
        actor_id=me.id,
        file_name=held.file_name,
    )


def _preview_page(
    campaign: Campaign, held: uploads.Upload, report: ImportReport, status: int = 200
) -> tuple[str, int]:
    return render_template(
        "campaign_preview.html",
        c=campaign,
        held=held,
        preview=campaigns.preview(report),
        reason=lambda text: reasons.localize(text, lang()),
    ), status


@bp.get("/<int:campaign_id>/upload/<token>")
@allow(*campaigns.EDITORS)
def preview(campaign_id: int, token: str) -> Response | tuple[str, int]:
    campaign = _detached_campaign(campaign_id)
    held = _held(campaign_id, token)
    if isinstance(held, Response):
        return held
    report = _run(held, campaign, held.path, dry_run=True)
    if report.file_errors:  # the file itself was refused: nothing in it can be imported
        uploads.discard(held)
    return _preview_page(campaign, held, report)


@bp.post("/<int:campaign_id>/upload/<token>")
@allow(*campaigns.EDITORS)
def confirm(campaign_id: int, token: str) -> Response | tuple[str, int]:
    campaign = _detached_campaign(campaign_id)
    held = _held(campaign_id, token)
    if isinstance(held, Response):
        return held
    valid_only = request.form.get("rows") == "valid"  # the explicit choice, never a default
    try:
        report = uploads.import_held(
            held, lambda path: _run(held, campaign, path, dry_run=False, valid_only=valid_only)
        )
    except uploads.UploadGone:
        flash(
            _("This file is being imported already, or was imported; nothing was imported again.")
        )
        return redirect(url_for("campaigns.show", campaign_id=campaign_id), 303)
    except uploads.UploadChanged:
        return _changed_since_upload(campaign_id)
    if not report.written:
        return _preview_page(campaign, held, report, status=409)
    flash(
        _(
            "Imported %(file)s: %(new)s new, %(changed)s changed, %(unchanged)s unchanged, "
            "%(duplicates)s duplicates not imported.",
            file=held.file_name,
            new=report.new,
            changed=report.changed,
            unchanged=report.unchanged,
            duplicates=len(report.duplicates),
        )
    )
    if report.held:
        flash(_("Postings held for review: %(count)s.", count=report.held))
    if report.rejected_rows:
        flash(
            _(
                "Rows left out because of their errors: %(count)s. Fix them in the file of "
                "rejected rows from the preview, and upload that file.",
                count=len(report.rejected_rows),
            )
        )
    return redirect(url_for("campaigns.show", campaign_id=campaign_id), 303)


@bp.get("/<int:campaign_id>/upload/<token>/rejected")
@allow(*campaigns.EDITORS)
def rejected(campaign_id: int, token: str) -> Response:
    """The rows of the upload that have errors, each with its reasons, to fix and upload."""
    campaign = _detached_campaign(campaign_id)
    held = _held(campaign_id, token)
    if isinstance(held, Response):
        return held
    report = _run(held, campaign, held.path, dry_run=True)
    fmt = asked_format()
    out = io.BytesIO()
    rejected_file(report, fmt=fmt, out=out)
    return spreadsheet(out, fmt=fmt, name=f"{Path(held.file_name).stem}-rejected")


# --- import templates --------------------------------------------------------------------


@bp.get("/templates/<any(postings, employers, seekers):kind>.<any(xlsx, csv):ext>")
@allow(*campaigns.READERS)
def template(kind: str, ext: str) -> Response:
    path = data_dir() / "templates" / f"{kind}.{ext}"
    if not path.is_file():
        abort(404)
    return spreadsheet(path.read_bytes(), fmt=ext, name=kind)
