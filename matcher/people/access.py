"""Who may see which seekers (SECURITY.md item 7), as SQL conditions.

A case worker sees the seekers of their areas and their own caseload; a supervisor the
seekers of their areas, read-only; an admin everyone; a jobseeker only their own file; a
fair organizer no seeker file at all (item 8).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, false, or_, true
from sqlmodel import col

from matcher.core.models import Jobseeker, User

__all__ = ["Viewer", "area_prefix", "in_area", "seeker_scope"]


@dataclass(frozen=True)
class Viewer:
    """The signed-in person, as the services need them."""

    id: int
    username: str
    role: str
    area_codes: tuple[str, ...] = ()
    seeker_id: int | None = None  # a jobseeker's own file

    @classmethod
    def of(cls, user: User, seeker_id: int | None = None) -> Viewer:
        assert user.id is not None
        return cls(user.id, user.username, user.role, tuple(user.area_codes), seeker_id)

    @property
    def sees_health_data(self) -> bool:
        return self.role in ("admin", "supervisor", "case_worker")

    @property
    def edits_files(self) -> bool:
        return self.role in ("admin", "case_worker")


def area_prefix(code: str) -> str:
    """The code prefix shared by a division and everything in it (520100 -> 5201)."""
    trimmed = code
    while trimmed.endswith("00") and len(trimmed) > 2:
        trimmed = trimmed[:-2]
    return trimmed


def in_area(column: Any, code: str) -> ColumnElement[bool]:
    """``column`` lies in the division ``code``: a range on the code prefix, which an index
    on the column serves (a LIKE with a parameter would read the whole table)."""
    prefix = area_prefix(code)
    if not (prefix.isascii() and prefix.isdigit()):
        return false()  # not a division code: it holds nothing (and no range is made of it)
    following = prefix[:-1] + chr(ord(prefix[-1]) + 1)
    return and_(column >= prefix, column < following)


def _in_areas(codes: tuple[str, ...]) -> ColumnElement[bool]:
    if not codes:
        return false()
    return or_(*(in_area(col(Jobseeker.area_code), code) for code in codes))


def seeker_scope(viewer: Viewer) -> ColumnElement[bool]:
    """The condition on ``Jobseeker`` that selects the seekers ``viewer`` may see."""
    if viewer.role == "admin":
        return true()
    if viewer.role == "supervisor":
        return _in_areas(viewer.area_codes)
    if viewer.role == "case_worker":
        return or_(col(Jobseeker.case_worker_id) == viewer.id, _in_areas(viewer.area_codes))
    if viewer.role == "graduate" and viewer.seeker_id is not None:
        return col(Jobseeker.id) == viewer.seeker_id
    return false()
