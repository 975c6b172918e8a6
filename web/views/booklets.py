"""A fair's listing booklet: accessible HTML, print layout (A4, large print) and PDF."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote

from flask import Blueprint, Response, current_app, render_template, request
from flask_babel import gettext

from matcher.core.db import read_session
from matcher.fairs.booklet import Booklet, booklet
from web.i18n import lang
from web.pdf import PdfFailed, PdfUnavailable, html_to_pdf
from web.security import allow, engine, not_found

bp = Blueprint("booklets", __name__, url_prefix="/campaigns")
READERS = ("organizer", "admin", "supervisor", "case_worker")
STYLESHEET = Path(__file__).resolve().parent.parent / "static" / "booklet.css"


def _content(campaign_id: int) -> Booklet | None:
    with read_session(engine()) as session:
        return booklet(session, campaign_id=campaign_id, locale=lang())


def _flag(name: str) -> bool:
    return request.args.get(name) == "1"


@bp.get("/<int:campaign_id>/booklet")
@allow(*READERS)
def show(campaign_id: int) -> Any:
    content = _content(campaign_id)
    if content is None:
        return not_found("campaign", campaign_id)
    if _flag("print"):
        return render_template(
            "booklet_print.html", booklet=content, large=_flag("large"), pdf=False
        )
    return render_template("booklet.html", booklet=content)


def css_string(text: str) -> str:
    """``text`` as the inside of a CSS string: letters, digits and spaces as they are,
    everything else as a six-digit escape (no quote or markup can end the string)."""
    return "".join(ch if ch.isalnum() or ch == " " else f"\\{ord(ch):06x}" for ch in text)


def pdf_page(content: Booklet, *, large: bool) -> str:
    """The print layout as one file for the PDF engine: its stylesheet inline, nothing to
    fetch."""
    return render_template(
        "booklet_print.html",
        booklet=content,
        large=large,
        pdf=True,
        stylesheet=STYLESHEET.read_text(encoding="utf-8"),
        header=css_string(content.name),
    )


def disposition(content: Booklet, *, large: bool) -> str:
    """Save as the fair's name and the edition (UTF-8, RFC 6266), with a plain ASCII name
    for clients that read only that."""
    edition = gettext("Large-print listing booklet") if large else gettext("Listing booklet")
    name = "".join(ch for ch in content.name if ch.isalnum() or ch in " -_") or "fair"
    ascii_name = f"booklet-{content.campaign_id}{'-large-print' if large else ''}.pdf"
    utf8_name = quote(f"{name} {edition}.pdf")
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{utf8_name}"


@bp.get("/<int:campaign_id>/booklet.pdf")
@allow(*READERS)
def pdf(campaign_id: int) -> Any:
    content = _content(campaign_id)
    if content is None:
        return not_found("campaign", campaign_id)
    large = _flag("large")
    try:
        data = html_to_pdf(pdf_page(content, large=large))
    except (PdfUnavailable, PdfFailed) as error:
        current_app.logger.error("booklet PDF of campaign %s not made: %s", campaign_id, error)
        missing = isinstance(error, PdfUnavailable)
        page = render_template(
            "booklet_unavailable.html", booklet=content, large=large, missing=missing
        )
        return page, 503
    response = Response(data, mimetype="application/pdf")
    response.headers["Content-Disposition"] = disposition(content, large=large)
    return response
