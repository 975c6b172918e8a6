"""What every command shares: the settings and engine made on first use, one clear line for a
failure, an audit row, a progress line."""

from __future__ import annotations

import functools
import logging
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError, ProgrammingError

from matcher.core import schema
from matcher.core.config import ConfigError, Settings, load_settings
from matcher.core.db import make_engine, write_session
from matcher.people.identifiers import Vault

__all__ = ["Runtime", "audit_command", "handles_errors", "progress", "safe_url"]

F = TypeVar("F", bound=Callable[..., Any])
log = logging.getLogger("jobbridge")


class Runtime:
    """Settings and the engine, created on first use so that ``--help`` needs neither."""

    def __init__(self) -> None:
        self._settings: Settings | None = None
        self._engine: Engine | None = None

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            self._settings = load_settings()
        return self._settings

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            self._engine = make_engine(self.settings.database_url)
        return self._engine

    @property
    def vault(self) -> Vault:
        return Vault(self.settings.data_key)

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None

    def ready_engine(self) -> Engine:
        """The engine, after checking that the schema is at the current migration."""
        current = schema.current_revision(self.engine)
        if current != schema.head_revision():
            state = "has no JobBridge schema" if current is None else f"is at {current}"
            raise click.ClickException(f"the database {state}; run 'jobbridge init-db' first")
        return self.engine


def audit_command(
    engine: Engine, action: str, object_type: str, object_id: str = "", *, detail: dict[str, Any]
) -> None:
    """One audit row for a command (the actor is "cli")."""
    from matcher.people import audit

    with write_session(engine) as session:
        audit.record(
            session,
            actor=None,
            actor_name="cli",
            action=action,
            object_type=object_type,
            object_id=object_id,
            detail=detail,
        )


def safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def handles_errors(command: F) -> F:
    """Turn expected failures into one clear line and exit status 1; and an unexpected one
    into a line naming its kind and place, never a traceback: its message and the values
    around it may hold the rows being written, with names and identifiers (SECURITY.md
    item 31). The unit of work it broke was rolled back."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        runtime: Runtime = click.get_current_context().ensure_object(Runtime)
        try:
            return command(*args, **kwargs)
        except ConfigError as exc:
            raise click.ClickException(f"configuration: {exc}") from exc
        except (OperationalError, ProgrammingError) as exc:
            url = safe_url(runtime.settings.database_url)
            reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
            raise click.ClickException(f"database {url}: {reason}") from exc
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except Exception as exc:
            where = traceback.extract_tb(exc.__traceback__)[-1]
            place = f"{Path(where.filename).name}:{where.lineno}"
            log.error("unexpected %s at %s", type(exc).__name__, place)
            raise click.ClickException(
                f"unexpected error ({type(exc).__name__} at {place}); what it was writing "
                "was rolled back. Its details are not shown, as they may hold personal data."
            ) from None

    return wrapper  # type: ignore[return-value]


def progress(stage: str, done: int, total: int) -> None:
    """A progress bar on standard error, for long work run from a terminal."""
    width = 30
    filled = width * done // max(total, 1)
    sys.stderr.write(f"\r{stage:<12} [{'#' * filled}{'.' * (width - filled)}] {done}/{total}")
    if done >= total:
        sys.stderr.write("\n")
    sys.stderr.flush()
