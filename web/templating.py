"""What every template may use: the reader's language and text size, code and area names,
masked identifiers, and localised dates and numbers."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask import Flask, g, request
from flask_babel import format_date, format_datetime, format_decimal, format_percent

from matcher.core.codes import code_list
from matcher.people.access import Viewer
from matcher.reference.areas import areas
from matcher.reference.occupations import occupations
from web.i18n import lang, large_text

__all__ = ["code_name", "current_viewer", "install"]


def current_viewer() -> Viewer | None:
    found: Viewer | None = g.get("viewer")
    return found


def code_name(list_name: str, key: str | None) -> str:
    if not key:
        return ""
    codes = code_list(list_name)
    return codes.get(key).name(lang()) if key in codes else key


def area_name(code: str | None) -> str:
    if not code:
        return ""
    try:
        return areas().full_name(code)
    except KeyError:
        return code


def codes(list_name: str) -> list[Any]:
    return list(code_list(list_name))


def reason_text(reason: dict[str, str]) -> str:
    return reason.get(lang()) or reason.get("zh", "")


def day(value: date | None) -> str:
    return format_date(value, "medium") if value else ""


def moment(value: datetime | None) -> str:
    """A date and time, in the deployment's timezone (Asia/Shanghai)."""
    return format_datetime(value, "yyyy-MM-dd HH:mm") if value else ""


def install(app: Flask) -> None:
    app.jinja_env.globals.update(
        lang=lang,
        large_text=large_text,
        code_name=code_name,
        area_name=area_name,
        codes=codes,
        occupations=lambda: sorted(occupations(), key=lambda o: o.name(lang())),
        reason_text=reason_text,
        day=day,
        moment=moment,
        number=format_decimal,
        percent=lambda value: format_percent(value, "#,##0.0%"),
        viewer=current_viewer,
        current_path=lambda: request.full_path.rstrip("?"),
    )
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
