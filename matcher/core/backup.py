"""Back up every table to one portable file, and restore it into an empty database.

The file is a zip archive:

* ``manifest.json``: the format and its version, the JobBridge schema revision, when and
  from which dialect the copy was made, and for each table (in foreign-key order) its
  member, its columns, its row count and the sha256 of the member;
* ``tables/<table>.jsonl``: one JSON object per row, keyed by column name, in primary-key
  order. Values are encoded by column type: datetimes and dates in ISO 8601 (datetimes
  with their UTC offset), binary columns in base64, JSON columns as JSON, floats that JSON
  cannot spell (NaN, infinities) as strings; everything else as it is.

The tables are those of ``SQLModel.metadata``, so a table added to ``matcher.core.models`` is
backed up without a change here; a column type without an encoding stops the backup with a
message rather than writing something that would not come back. ``alembic_version`` is not
copied: the target is migrated with ``jobbridge init-db`` and must be at the revision of the
copy.

A backup reads every table in one read transaction (REPEATABLE READ on PostgreSQL; one
``BEGIN`` ... ``COMMIT`` on SQLite, where WAL gives the reader a snapshot), so it is a
consistent copy while the service keeps running. Rows are streamed, never held a table at a
time; the file is written beside its name and renamed when complete.

A restore checks the whole file (member checksums and row counts) before it writes
anything, then inserts every row in one write transaction, into a database with no rows, or
with ``replace`` after deleting the rows it holds in the same transaction: a restore that
fails leaves the database as it was. On PostgreSQL each id sequence is moved past the
restored ids.

The data key (JOBBRIDGE_DATA_KEY) is not in the file: identifiers are copied as the
ciphertexts and digests stored, and only the same key reads them after a restore.
"""

from __future__ import annotations

import base64
import hashlib
import math
import os
import time
import zipfile
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any

import orjson
from alembic.runtime.migration import MigrationContext
from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    Integer,
    LargeBinary,
    String,
    Table,
    delete,
    literal,
    select,
    text,
)
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.types import TypeDecorator
from sqlmodel import Session, SQLModel

from matcher.core import (
    clock,
    models,  # noqa: F401  (registers the tables on SQLModel.metadata)
    schema,
)
from matcher.core.bulk import bulk_insert
from matcher.core.db import write_session

__all__ = [
    "FORMAT",
    "FORMAT_VERSION",
    "BackupError",
    "BackupSummary",
    "Manifest",
    "RestoreSummary",
    "backup",
    "backup_tables",
    "read_manifest",
    "restore",
]

FORMAT = "jobbridge-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
SKIPPED_TABLES = frozenset({"alembic_version"})
BATCH = 5_000  # rows read, or inserted, at a time

Encoder = Callable[[Any], Any]
Decoder = Callable[[Any], Any]


class BackupError(Exception):
    """A backup that cannot be written, or a file that cannot be restored; says why."""


# --- values -------------------------------------------------------------------------------


def _iso(value: date) -> str:
    return value.isoformat()


def _base64(value: bytes) -> str:
    return base64.b64encode(value).decode("ascii")


def _unbase64(value: str) -> bytes:
    return base64.b64decode(value, validate=True)


def _float(value: float) -> float | str:
    return value if math.isfinite(value) else str(value)  # "nan", "inf", "-inf"


def _unfloat(value: float | int | str) -> float:
    return float(value)


def _codec(table: Table, column: Column[Any]) -> tuple[Encoder | None, Decoder | None]:
    """How a column's values are written to the file and read back; None: as they are."""
    column_type = column.type
    if isinstance(column_type, TypeDecorator):  # e.g. SQLModel's UTCDateTime over DateTime
        column_type = column_type.impl_instance
    if isinstance(column_type, JSON):
        return None, None
    if isinstance(column_type, DateTime):
        return _iso, datetime.fromisoformat
    if isinstance(column_type, Date):
        return _iso, date.fromisoformat
    if isinstance(column_type, LargeBinary):
        return _base64, _unbase64
    if isinstance(column_type, Float):
        return _float, _unfloat
    if isinstance(column_type, Integer | Boolean | String):
        return None, None
    raise BackupError(
        f"column {table.name}.{column.name} has the type {column.type!r}, which backups "
        "cannot encode yet (add it to matcher.core.backup)"
    )


def backup_tables() -> list[Table]:
    """The tables a backup holds, parents before children."""
    return [t for t in SQLModel.metadata.sorted_tables if t.name not in SKIPPED_TABLES]


# --- the manifest -------------------------------------------------------------------------


@dataclass(frozen=True)
class TableEntry:
    name: str
    member: str
    columns: list[str]
    rows: int
    sha256: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "member": self.member,
            "columns": self.columns,
            "rows": self.rows,
            "sha256": self.sha256,
        }


@dataclass(frozen=True)
class Manifest:
    revision: str
    created_at: str
    dialect: str
    tables: list[TableEntry]
    format_version: int = FORMAT_VERSION

    @property
    def rows(self) -> int:
        return sum(entry.rows for entry in self.tables)

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "format_version": self.format_version,
            "revision": self.revision,
            "created_at": self.created_at,
            "dialect": self.dialect,
            "tables": [entry.to_dict() for entry in self.tables],
        }

    @classmethod
    def from_dict(cls, data: Any) -> Manifest:
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise BackupError("not a JobBridge backup (its manifest names another format)")
        version = data.get("format_version")
        if not isinstance(version, int) or version > FORMAT_VERSION:
            raise BackupError(
                f"the backup has format version {version!r}; this JobBridge reads version "
                f"{FORMAT_VERSION} (restore it with the JobBridge that made it)"
            )
        try:
            tables = [
                TableEntry(
                    name=str(entry["name"]),
                    member=str(entry["member"]),
                    columns=[str(name) for name in entry["columns"]],
                    rows=int(entry["rows"]),
                    sha256=str(entry["sha256"]),
                )
                for entry in data["tables"]
            ]
            return cls(
                revision=str(data["revision"]),
                created_at=str(data["created_at"]),
                dialect=str(data["dialect"]),
                tables=tables,
                format_version=version,
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise BackupError(f"the backup's manifest is malformed ({exc!r})") from exc


# --- backup -------------------------------------------------------------------------------


@dataclass(frozen=True)
class BackupSummary:
    path: Path
    manifest: Manifest
    seconds: float

    @property
    def rows(self) -> dict[str, int]:
        return {entry.name: entry.rows for entry in self.manifest.tables}

    def line(self) -> str:
        return (
            f"backed up {self.manifest.rows} rows in {len(self.manifest.tables)} tables to "
            f"{self.path} (revision {self.manifest.revision})"
        )


@contextmanager
def _snapshot(engine: Engine) -> Iterator[Connection]:
    """One read transaction that sees the database as it was when it started."""
    with engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            connection.execution_options(
                isolation_level="REPEATABLE READ", postgresql_readonly=True
            )
        # On SQLite this emits a deferred BEGIN (matcher.core.db): the first SELECT fixes the
        # WAL snapshot that every later SELECT of the transaction reads.
        with connection.begin():
            yield connection


@contextmanager
def _new_file(path: Path) -> Iterator[IO[bytes]]:
    """``path``, written as ``path.partial`` and renamed once complete and on disk.

    The file holds personal data, so it is readable by its owner only."""
    partial = path.with_name(path.name + ".partial")
    try:
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "wb") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        partial.replace(path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise


def backup(engine: Engine, path: Path | str) -> BackupSummary:
    """Write every table of the database behind ``engine`` to the file ``path``."""
    started = time.perf_counter()
    path = Path(path)
    tables = backup_tables()
    encoders = {
        table.name: [_codec(table, column)[0] for column in table.columns] for table in tables
    }
    try:
        with (
            _snapshot(engine) as connection,
            _new_file(path) as handle,
            zipfile.ZipFile(handle, "w", compression=zipfile.ZIP_DEFLATED) as archive,
        ):
            revision = MigrationContext.configure(connection).get_current_revision()
            created_at = clock.utcnow().isoformat()  # the snapshot is from about now
            if revision != schema.head_revision():
                state = "has no JobBridge schema" if revision is None else f"is at {revision}"
                raise BackupError(
                    f"the database {state} and this JobBridge at {schema.head_revision()}; "
                    "run 'jobbridge init-db' first"
                )
            entries = [
                _dump_table(connection, table, encoders[table.name], archive) for table in tables
            ]
            manifest = Manifest(
                revision=revision,
                created_at=created_at,
                dialect=connection.dialect.name,
                tables=entries,
            )
            archive.writestr(MANIFEST, orjson.dumps(manifest.to_dict(), option=orjson.OPT_INDENT_2))
    except OSError as exc:
        raise BackupError(f"cannot write {path}: {exc.strerror or exc}") from exc
    return BackupSummary(path=path, manifest=manifest, seconds=time.perf_counter() - started)


def _dump_table(
    connection: Connection,
    table: Table,
    encoders: list[Encoder | None],
    archive: zipfile.ZipFile,
) -> TableEntry:
    """Stream one table into its member; return its manifest entry."""
    names = [str(column.name) for column in table.columns]  # plain str: orjson keys
    member = f"tables/{table.name}.jsonl"
    digest = hashlib.sha256()
    rows = 0
    query = select(table).order_by(*table.primary_key.columns).execution_options(yield_per=BATCH)
    plan = list(zip(names, encoders, strict=True))
    info = zipfile.ZipInfo(member, date_time=clock.now().timetuple()[:6])
    info.compress_type = zipfile.ZIP_DEFLATED
    with archive.open(info, "w", force_zip64=True) as out:
        for partition in connection.execute(query).partitions():
            chunk = b"".join(
                orjson.dumps(
                    {
                        name: value if encode is None or value is None else encode(value)
                        for (name, encode), value in zip(plan, row, strict=True)
                    },
                    option=orjson.OPT_APPEND_NEWLINE,
                )
                for row in partition
            )
            digest.update(chunk)
            out.write(chunk)
            rows += len(partition)
    return TableEntry(
        name=str(table.name),
        member=member,
        columns=names,
        rows=rows,
        sha256=digest.hexdigest(),
    )


# --- restore ------------------------------------------------------------------------------


@dataclass(frozen=True)
class RestoreSummary:
    path: Path
    manifest: Manifest
    replaced: dict[str, int] = field(default_factory=dict)  # rows deleted first, per table
    seconds: float = 0.0

    @property
    def rows(self) -> dict[str, int]:
        return {entry.name: entry.rows for entry in self.manifest.tables}

    def line(self) -> str:
        line = (
            f"restored {self.manifest.rows} rows in {len(self.manifest.tables)} tables from "
            f"{self.path} (revision {self.manifest.revision}, backed up from "
            f"{self.manifest.dialect} at {self.manifest.created_at})"
        )
        if self.replaced:
            line += f"; replaced {sum(self.replaced.values())} rows"
        return line


@contextmanager
def _open_archive(path: Path) -> Iterator[zipfile.ZipFile]:
    """The backup file, with a damaged or truncated one turned into a BackupError."""
    try:
        with zipfile.ZipFile(path) as archive:
            yield archive
    except FileNotFoundError as exc:
        raise BackupError(f"{path}: no such file") from exc
    except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
        raise BackupError(f"{path} is damaged or truncated ({exc}); nothing was restored") from exc
    except OSError as exc:
        raise BackupError(f"cannot read {path}: {exc.strerror or exc}") from exc


def read_manifest(path: Path | str) -> Manifest:
    """The manifest of the backup file ``path`` (nothing else is checked)."""
    with _open_archive(Path(path)) as archive:
        return _manifest(archive)


def _manifest(archive: zipfile.ZipFile) -> Manifest:
    try:
        raw = archive.read(MANIFEST)
    except KeyError as exc:
        raise BackupError("not a JobBridge backup (it has no manifest.json)") from exc
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise BackupError(f"the backup's manifest is not JSON ({exc})") from exc
    return Manifest.from_dict(data)


def _check_revision(engine: Engine, manifest: Manifest) -> None:
    current = schema.current_revision(engine)
    head = schema.head_revision()
    if current is None:
        raise BackupError(
            f"the database has no JobBridge schema; run 'jobbridge init-db' first "
            f"(the backup is at revision {manifest.revision})"
        )
    if manifest.revision != current or current != head:
        raise BackupError(
            f"the backup is at schema revision {manifest.revision} and the database at "
            f"{current} (this JobBridge: {head}); restore it with the JobBridge version that "
            f"made it, into a database at revision {manifest.revision}, then upgrade with "
            "'jobbridge init-db'"
        )


def _check_tables(manifest: Manifest, tables: list[Table]) -> None:
    ours = {table.name: [column.name for column in table.columns] for table in tables}
    theirs = {entry.name: entry.columns for entry in manifest.tables}
    if set(ours) != set(theirs):
        missing = sorted(set(ours) - set(theirs))
        extra = sorted(set(theirs) - set(ours))
        raise BackupError(
            "the backup's tables differ from the database's at the same revision "
            f"(missing: {', '.join(missing) or 'none'}; unknown: {', '.join(extra) or 'none'})"
        )
    for name, columns in ours.items():
        if theirs[name] != columns:
            raise BackupError(f"the backup's columns of table {name} differ from the database's")


def _verify(archive: zipfile.ZipFile, manifest: Manifest, path: Path) -> None:
    """Every member is there, with its row count and checksum; reads the whole file."""
    present = set(archive.namelist())
    for entry in manifest.tables:
        if entry.member not in present:
            raise BackupError(f"{path} is damaged: it lacks {entry.member}; nothing was restored")
        digest = hashlib.sha256()
        rows = 0
        with archive.open(entry.member) as member:
            while chunk := member.read(1 << 20):
                digest.update(chunk)
                rows += chunk.count(b"\n")
        if rows != entry.rows:
            raise BackupError(
                f"{path} is damaged or incomplete: table {entry.name} has {rows} rows where "
                f"the manifest says {entry.rows}; nothing was restored"
            )
        if digest.hexdigest() != entry.sha256:
            raise BackupError(
                f"{path} is damaged: the checksum of table {entry.name} does not match the "
                "manifest; nothing was restored"
            )


def restore(engine: Engine, path: Path | str, *, replace: bool = False) -> RestoreSummary:
    """Restore the backup file ``path`` into the database behind ``engine``.

    The database must be at the backup's schema revision and hold no rows, or, with
    ``replace``, its rows are deleted in the same transaction as the inserts. Raises
    BackupError, having written nothing, when the file or the database does not fit."""
    started = time.perf_counter()
    path = Path(path)
    tables = backup_tables()
    with _open_archive(path) as archive:
        manifest = _manifest(archive)
        _check_revision(engine, manifest)
        _check_tables(manifest, tables)
        decoders = {
            table.name: [_codec(table, column)[1] for column in table.columns] for table in tables
        }
        _verify(archive, manifest, path)
        entries = {entry.name: entry for entry in manifest.tables}
        replaced: dict[str, int] = {}
        with write_session(engine) as session:
            connection = session.connection()
            dialect = connection.dialect
            postgres = dialect.name == "postgresql"
            if postgres:
                # Readers go on; writers wait until the restore commits.
                names = ", ".join(dialect.identifier_preparer.quote(t.name) for t in tables)
                session.execute(text(f"LOCK TABLE {names} IN EXCLUSIVE MODE"))
            occupied = _first_occupied(session, tables)
            if occupied is not None and not replace:
                raise BackupError(
                    f"the database is not empty (table {occupied} has rows); restore into a "
                    "new database after 'jobbridge init-db', or give --replace to delete "
                    "every row first"
                )
            current = ""
            try:
                if occupied is not None:
                    for table in reversed(tables):
                        current = table.name
                        deleted = session.execute(delete(table)).rowcount  # type: ignore[attr-defined]
                        if deleted:
                            replaced[table.name] = deleted
                for table in tables:
                    current = table.name
                    _load_table(session, table, decoders[table.name], archive, entries[table.name])
                if postgres:
                    _reset_sequences(session, tables)
            except (DBAPIError, dialect.loaded_dbapi.Error) as exc:
                original = getattr(exc, "orig", None) or exc
                reason = str(original).strip().splitlines()[0] if str(original) else repr(exc)
                raise BackupError(
                    f"restoring table {current} failed, nothing was changed: {reason}"
                ) from exc
    return RestoreSummary(
        path=path, manifest=manifest, replaced=replaced, seconds=time.perf_counter() - started
    )


def _first_occupied(session: Session, tables: list[Table]) -> str | None:
    for table in tables:
        if session.execute(select(literal(1)).select_from(table).limit(1)).first():
            return table.name
    return None


def _load_table(
    session: Session,
    table: Table,
    decoders: list[Decoder | None],
    archive: zipfile.ZipFile,
    entry: TableEntry,
) -> None:
    plan = list(zip(entry.columns, decoders, strict=True))
    width = len(plan)
    batch: list[dict[str, Any]] = []
    with archive.open(entry.member) as member:
        for number, line in enumerate(member, start=1):
            record = orjson.loads(line)
            if len(record) != width:
                raise BackupError(
                    f"table {table.name}, row {number}: {len(record)} columns, expected {width}"
                )
            row: dict[str, Any] = {}
            try:
                for name, decode in plan:
                    value = record[name]
                    row[name] = value if decode is None or value is None else decode(value)
            except (KeyError, ValueError, TypeError) as exc:
                raise BackupError(f"table {table.name}, row {number}: {exc!r}") from exc
            batch.append(row)
            if len(batch) >= BATCH:
                bulk_insert(session, table, batch)
                batch = []
    bulk_insert(session, table, batch)


def _reset_sequences(session: Session, tables: list[Table]) -> None:
    """Move each id sequence past the restored ids, so new rows do not collide with them."""
    quote = session.connection().dialect.identifier_preparer.quote
    for table in tables:
        column = table.autoincrement_column
        if column is None:
            continue
        session.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence(:table, :column), "
                f"COALESCE(MAX({quote(column.name)}), 1), MAX({quote(column.name)}) IS NOT NULL) "
                f"FROM {quote(table.name)}"
            ),
            {"table": quote(table.name), "column": column.name},
        )
