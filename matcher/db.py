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
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session, create_engine

__all__ = ["make_engine", "normalize_url", "read_session", "write_session"]

SQLITE_BUSY_TIMEOUT_MS = 30_000
_WRITE_OPTION = "jobbridge_write"


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
