"""The service's day: one "today" for web pages, jobs and the command line.

Case workers work on Beijing time. The day a follow-up falls overdue, a posting's deadline
passes, a report or an export is dated, is the day in the schedule's timezone (``timezone``
in data/schedule.yaml, Asia/Shanghai), never the server's own: a server or container on UTC
is still on the day before until 08:00 in Beijing, and pages would then disagree with the
jobs (the reminders, the postings closed at their deadline) for eight hours a day.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from matcher.config import ConfigError
from matcher.models import utcnow
from matcher.paths import data_dir

__all__ = ["DEFAULT_ZONE", "now", "read_schedule", "service_zone", "today", "zone_of"]

DEFAULT_ZONE = "Asia/Shanghai"


def read_schedule(environ: Mapping[str, str] | None = None) -> tuple[Path, dict[str, Any]]:
    """The schedule file (JOBBRIDGE_SCHEDULE_FILE, else data/schedule.yaml) and its data."""
    env = os.environ if environ is None else environ
    path = Path(env.get("JOBBRIDGE_SCHEDULE_FILE", "") or data_dir() / "schedule.yaml")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"schedule file {path}: {exc}") from exc
    return path, data


def zone_of(data: Mapping[str, Any], path: Path) -> ZoneInfo:
    """The timezone a schedule file names (Asia/Shanghai when it names none)."""
    try:
        return ZoneInfo(str(data.get("timezone", DEFAULT_ZONE)))
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigError(
            f"schedule file {path}: unknown timezone {data.get('timezone')!r}"
        ) from exc


@cache
def service_zone() -> ZoneInfo:
    """The deployment's timezone: the schedule's (read once per process)."""
    path, data = read_schedule()
    return zone_of(data, path)


def now(*, zone: ZoneInfo | None = None) -> datetime:
    """The moment, on the service's clock."""
    return utcnow().astimezone(zone or service_zone())


def today(*, at: datetime | None = None, zone: ZoneInfo | None = None) -> date:
    """The service's date now, or at the moment ``at`` (timezone-aware)."""
    moment = utcnow() if at is None else at
    return moment.astimezone(zone or service_zone()).date()
