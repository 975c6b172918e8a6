"""Insert many rows fast: straight to the driver, with values prepared once per column.

SQLAlchemy's executemany processes every parameter of every row in Python; at the hundreds
of thousands of rows of a refresh or a benchmark-sized demo, that cost more than the
database's own work. Here each column's type gives one converter, applied to the rows
before they reach the driver:

* SQLite: one ``executemany``, JSON as text (orjson), dates and datetimes in the format
  SQLAlchemy itself writes and reads back, booleans as 0/1;
* PostgreSQL: ``COPY ... FROM STDIN`` through psycopg, JSON as text.

It runs inside the caller's transaction (``write_session``), so it is all or nothing with
the rest of the unit of work.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from typing import Any

import orjson
from sqlalchemy import JSON, Boolean, Date, DateTime, Table
from sqlalchemy.types import TypeDecorator
from sqlmodel import Session

__all__ = ["bulk_insert", "upsert"]

Converter = Callable[[Any], Any]


def _json(value: Any) -> Any:
    return None if value is None else orjson.dumps(value).decode("utf-8")


def _sqlite_datetime(value: datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value.strftime("%Y-%m-%d %H:%M:%S.%f")


def _sqlite_date(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def _sqlite_bool(value: bool | None) -> int | None:
    return None if value is None else int(value)


def _converter(column_type: Any, dialect: str) -> Converter | None:
    """How to prepare a column's values for the driver; None when they go as they are."""
    if isinstance(column_type, TypeDecorator):  # e.g. SQLModel's UTCDateTime over DateTime
        column_type = column_type.impl_instance
    if isinstance(column_type, JSON):
        return _json
    if dialect == "sqlite":
        if isinstance(column_type, DateTime):
            return _sqlite_datetime
        if isinstance(column_type, Date):
            return _sqlite_date
        if isinstance(column_type, Boolean):
            return _sqlite_bool
    return None


def bulk_insert(
    session: Session, table: Table, rows: Sequence[dict[str, Any]], *, batch: int = 20_000
) -> None:
    """Insert ``rows`` (dicts keyed by column name, all with the same keys) into ``table``."""
    if not rows:
        return
    names = list(rows[0])
    connection = session.connection()
    dialect = connection.dialect.name
    converters = [_converter(table.c[name].type, dialect) for name in names]
    raw = connection.connection.dbapi_connection
    assert raw is not None
    quoted = ", ".join(connection.dialect.identifier_preparer.quote(name) for name in names)
    cursor = raw.cursor()
    marks = ", ".join("?" for _ in names)
    statement = f"INSERT INTO {table.name} ({quoted}) VALUES ({marks})"
    for start in range(0, len(rows), batch):
        chunk = rows[start : start + batch]
        # Column by column: one converter call per value, none for values that go as they are.
        columns = [
            [row[name] for row in chunk]
            if convert is None
            else [convert(row[name]) for row in chunk]
            for name, convert in zip(names, converters, strict=True)
        ]
        values = list(zip(*columns, strict=True))
        if dialect == "postgresql":
            with cursor.copy(f"COPY {table.name} ({quoted}) FROM STDIN") as copy:
                for value in values:
                    copy.write_row(value)
        else:
            cursor.executemany(statement, values)


def upsert(
    session: Session, table: Table, rows: Sequence[dict[str, Any]], keys: Sequence[str]
) -> None:
    """Insert ``rows``, or update the row with the same natural ``keys`` (a unique
    constraint): running a job twice for one slot leaves one row per key, the same."""
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        statement: Any = pg_insert(table)
    else:
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        statement = sqlite_insert(table)
    updated = {name: statement.excluded[name] for name in rows[0] if name not in keys}
    session.execute(statement.on_conflict_do_update(index_elements=list(keys), set_=updated), rows)
