"""The append-only audit log (SECURITY.md item 16): one row per view, change, export,
reveal and refusal. Nothing in JobBridge updates or deletes these rows."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from matcher.core.models import AuditLog
from matcher.people.access import Viewer

__all__ = ["ACTIONS", "record"]

ACTIONS = (
    *("view", "change", "export", "reveal", "refuse", "import", "login", "logout"),
    *("backup", "restore"),
    "create",
)


def record(
    session: Session,
    *,
    actor: Viewer | None,
    action: str,
    object_type: str = "",
    object_id: object = "",
    detail: dict[str, Any] | None = None,
    actor_name: str = "",
) -> None:
    """Add one audit row to ``session`` (committed with the unit of work it belongs to)."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    session.add(
        AuditLog(
            actor_id=actor.id if actor else None,
            actor=actor.username if actor else actor_name,
            action=action,
            object_type=object_type,
            object_id=str(object_id),
            detail=detail or {},
        )
    )
