"""Spreadsheet downloads: the format a request asks for, and the response that sends one."""

from __future__ import annotations

import io

from flask import request, send_file
from werkzeug.wrappers import Response

__all__ = ["MIMETYPES", "asked_format", "spreadsheet"]

MIMETYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv",
}


def asked_format() -> str:
    """``?format=csv`` or ``xlsx`` (the default, and what anything else means)."""
    fmt = request.args.get("format", "xlsx")
    return fmt if fmt in MIMETYPES else "xlsx"


def spreadsheet(data: io.BytesIO | bytes, *, fmt: str, name: str) -> Response:
    """Send ``data`` as the download ``name``.``fmt``, from memory (no file left open)."""
    body = data if isinstance(data, io.BytesIO) else io.BytesIO(data)
    body.seek(0)
    return send_file(
        body, mimetype=MIMETYPES[fmt], as_attachment=True, download_name=f"{name}.{fmt}"
    )
