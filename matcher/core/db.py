"""One engine per process, and the units of work that use it.

SQLite is the embedded default and PostgreSQL the production database; the differences
that matter are handled here and nowhere else:

* SQLite runs in WAL mode (readers never block the writer), with a busy timeout (a writer
  waits for the lock instead of failing), and with foreign keys enforced (off by default
  in SQLite, so every connection must switch them on).
* pysqlite's own transaction handling is switched off so that we emit ``BEGIN`` ourselves:
  a unit of work that will write starts with ``BEGIN IMMEDIATE``. A deferred transaction
  that reads first and writes later cannot upgrade its lock once another writer has
  committed in between, and SQLite answers that with "database is locked" at once,
  whatever the busy timeout. Taking the write lock up front makes writers queue instead.
* PostgreSQL is reached through psycopg 3, whatever spelling of the URL is given.
* JSON columns are written and read with orjson: a refresh stores half a million rows with
  three JSON columns each, and the standard library's encoder took a third of its time.
  Chinese text is stored as UTF-8, not as escapes.
* On PostgreSQL, a transaction can be chosen as a deadlock's victim (SQLSTATE 40P01) or, at
  a stricter isolation level, fail to serialize (40001). Either is a conflict of timing,
  not of data: ``transact`` and ``retrying`` run the unit of work again, a few times, after
  a short random pause, so that it reaches the user as a slower answer, not an error.
  SQLite never reports these: its writers queue on the write lock.
* Every ORM flush keeps the seekers' standings (``matcher.core.standings``) in step with the
  service records and recommendations it writes; the listener is installed here, with the
  rest of what every unit of work relies on.
"""

from __future__ import annotations

import functools
import logging
import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

import orjson
from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session, create_engine

from matcher.core import standings

__all__ = [
    "RETRY_ATTEMPTS",
    "is_conflict",
    "make_engine",
    "normalize_url",
    "read_session",
    "retrying",
    "transact",
    "write_session",
]

log = logging.getLogger("jobbridge.db")
SQLITE_BUSY_TIMEOUT_MS = 30_000
_WRITE_OPTION = "jobbridge_write"
CONFLICTS = frozenset({"40001", "40P01"})  # serialization_failure, deadlock_detected
RETRY_ATTEMPTS = 4  # one run and three more
RETRY_PAUSE_S = 0.05  # before the second run; doubled for each further one, with jitter
T = TypeVar("T")
P = ParamSpec("P")

standings.install()


def normalize_url(url: str) -> str:
    """Accept the usual spellings of a PostgreSQL URL and route them through psycopg 3."""
    for prefix in ("postgres://", "postgresql://", "postgresql+psycopg2://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _json_dumps(value: Any) -> str:
    return orjson.dumps(value).decode("utf-8")


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create the engine for ``url`` with the per-dialect settings described above."""
    url = normalize_url(url)
    # An error's message never carries the statement's parameters: they hold names, notes
    # and identifiers, and errors reach logs (SECURITY.md item 31).
    kwargs.setdefault("hide_parameters", True)
    kwargs.setdefault("json_serializer", _json_dumps)
    kwargs.setdefault("json_deserializer", orjson.loads)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}, **kwargs
        )
        _configure_sqlite(engine)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves, see module doc
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        # 64 MiB of page cache (the default is 2 MiB): a refresh writes hundreds of thousands
        # of rows into several indexes, and a small cache turns that into disk reads.
        cursor.execute("PRAGMA cache_size=-65536")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        write = connection.get_execution_options().get(_WRITE_OPTION, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


@contextmanager
def read_session(engine: Engine) -> Iterator[Session]:
    """A unit of work that only reads."""
    with Session(engine) as session:
        yield session


@contextmanager
def write_session(engine: Engine) -> Iterator[Session]:
    """A unit of work that writes: committed at the end, rolled back on any error."""
    with Session(engine.execution_options(**{_WRITE_OPTION: True})) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def is_conflict(exc: BaseException) -> bool:
    """A serialization failure or a deadlock: the same work may well succeed if run again."""
    original = exc.orig if isinstance(exc, DBAPIError) else exc
    return getattr(original, "sqlstate", None) in CONFLICTS


def _pause(attempt: int) -> float:
    """Exponential back-off with full jitter: the two parties of a deadlock rarely come
    back at the same moment."""
    return float(RETRY_PAUSE_S * 2 ** (attempt - 1) * random.uniform(0.5, 1.5))


def retrying(
    work: Callable[P, T],
    *,
    attempts: int = RETRY_ATTEMPTS,
    sleep: Callable[[float], None] = time.sleep,
) -> Callable[P, T]:
    """``work`` run again (up to ``attempts`` times in all) when it fails with a conflict.
    ``work`` must be a whole unit of work: it opens its transaction and commits it, so a
    run that failed left nothing behind."""

    @functools.wraps(work)
    def run(*args: P.args, **kwargs: P.kwargs) -> T:
        for attempt in range(1, attempts + 1):
            try:
                return work(*args, **kwargs)
            except DBAPIError as exc:
                if attempt == attempts or not is_conflict(exc):
                    raise
                pause = _pause(attempt)
                log.warning(
                    "%s: %s (SQLSTATE %s); running it again in %.0f ms (attempt %d of %d)",
                    getattr(work, "__qualname__", "unit of work"),
                    type(exc.orig).__name__,
                    getattr(exc.orig, "sqlstate", "?"),
                    pause * 1000,
                    attempt + 1,
                    attempts,
                )
                sleep(pause)
        raise AssertionError("unreachable")

    return run


def transact(engine: Engine, work: Callable[[Session], T], *, attempts: int = RETRY_ATTEMPTS) -> T:
    """Run ``work`` in a ``write_session`` and commit; on a conflict, roll back and run it
    again in a new one (``retrying``)."""

    def once() -> T:
        with write_session(engine) as session:
            return work(session)

    once.__qualname__ = getattr(work, "__qualname__", "transact")
    return retrying(once, attempts=attempts)()
