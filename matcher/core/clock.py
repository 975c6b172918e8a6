"""The service's clock: the one source of every moment and date the application writes or
compares.

Job requests, runs, service records, audit rows, recommendations, leases, sign-in windows,
session ages, uploads and deadlines all read the time here, never the wall clock and never
the database server's ``now()`` (a PostgreSQL server keeps real time even when the process
is told otherwise). The web app, the command line, the scheduler and the jobs share the
process's clock; tests drive it with ``frozen``.

Case workers work on Beijing time. The day a follow-up falls overdue, a posting's deadline
passes, a report or an export is dated, is the day in the service's timezone (``timezone``
in data/schedule.yaml, Asia/Shanghai), never the server's own: a server on UTC is still on
the day before until 08:00 in Beijing, and pages would then disagree with the jobs for
eight hours a day. That file is the one place the timezone is set.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any, Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from matcher.core.config import ConfigError
from matcher.core.paths import data_dir

__all__ = [
    "DEFAULT_ZONE",
    "Clock",
    "FrozenClock",
    "SystemClock",
    "current",
    "frozen",
    "install",
    "now",
    "read_schedule",
    "service_zone",
    "timestamp",
    "today",
    "utcnow",
    "zone_of",
]

DEFAULT_ZONE = "Asia/Shanghai"


class Clock(Protocol):
    def utcnow(self) -> datetime:
        """The moment, timezone-aware, in UTC."""
        ...


class SystemClock:
    """The machine's clock: what a deployment runs on."""

    def utcnow(self) -> datetime:
        return datetime.now(UTC)


class FrozenClock:
    """A clock that stands still until it is set or advanced (tests, simulations)."""

    def __init__(self, at: datetime) -> None:
        self.set(at)

    def set(self, at: datetime) -> None:
        if at.tzinfo is None:
            raise ValueError("a frozen clock needs a timezone-aware moment")
        self._at = at.astimezone(UTC)

    def advance(self, delta: timedelta | None = None, **parts: float) -> datetime:
        self._at += (delta or timedelta()) + timedelta(**parts)
        return self._at

    def utcnow(self) -> datetime:
        return self._at


_clock: Clock = SystemClock()


def current() -> Clock:
    return _clock


def install(clock: Clock) -> Clock:
    """Make ``clock`` the process's clock; returns the one it replaces."""
    global _clock
    previous, _clock = _clock, clock
    return previous


@contextmanager
def frozen(at: datetime) -> Iterator[FrozenClock]:
    """The process's clock stands at ``at`` inside the block (every thread sees it)."""
    clock = FrozenClock(at)
    previous = install(clock)
    try:
        yield clock
    finally:
        install(previous)


def utcnow() -> datetime:
    """The moment on the service's clock, in UTC: what timestamps store."""
    return _clock.utcnow()


def timestamp() -> int:
    """The moment as whole seconds since the epoch (the session cookie's clock)."""
    return int(_clock.utcnow().timestamp())


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


def now() -> datetime:
    """The moment on the service's clock, in the service's timezone."""
    return _clock.utcnow().astimezone(service_zone())


def today(*, at: datetime | None = None) -> date:
    """The service's date now, or at the moment ``at`` (timezone-aware)."""
    moment = _clock.utcnow() if at is None else at
    return moment.astimezone(service_zone()).date()
