"""Backups and restores on real databases: every row comes back exactly, on the same and on
the other dialect; a restore refuses what does not fit and, when it fails, changes nothing."""

import hashlib
import re
import shutil
import struct
import uuid
import zipfile
from datetime import datetime

import orjson
import pytest
from click.testing import CliRunner
from sqlalchemy import func, select, text
from sqlalchemy.engine import Engine, make_url

from matcher.cli import main
from matcher.core import backup as backup_module
from matcher.core import schema
from matcher.core.backup import BackupError, backup, backup_tables, read_manifest, restore
from matcher.core.db import make_engine, write_session
from matcher.core.models import AuditLog, Jobseeker, LoginAttempt, ServicePlan
from tests.conftest import POSTGRES_URL, TEST_DATA_KEY

# The tables the demo data and ``source`` fill; tables added later are compared all the same.
FILLED = {
    "app_user",
    "campaign",
    "employer",
    "login_attempt",
    "refresh_run",
    "audit_log",
    "jobseeker",
    "posting",
    "capability_profile",
    "posting_campaign",
    "recommendation",
    "service_plan",
    "service_record",
}


def rows_of(engine, table):
    with engine.connect() as connection:
        query = select(table).order_by(*table.primary_key.columns)
        return [tuple(row) for row in connection.execute(query)]


def counts(engine):
    with engine.connect() as connection:
        return {
            table.name: connection.execute(select(func.count()).select_from(table)).scalar_one()
            for table in backup_tables()
        }


def assert_same_rows(source, target):
    for table in backup_tables():
        assert rows_of(target, table) == rows_of(source, table), table.name


@pytest.fixture(scope="module")
def source(demo_database_url):
    """The demo database and a few rows of the tables the demo leaves empty: nested JSON
    with Chinese text and floats, a row whose JSON and binary columns are null."""
    engine = make_engine(demo_database_url)
    with write_session(engine) as session:
        seeker = session.execute(select(Jobseeker).order_by(Jobseeker.id)).scalars().first()
        session.add(LoginAttempt(key="user:admin"))
        session.add(
            AuditLog(
                actor="cli",
                action="export",
                object_type="postings",
                detail={"格式": "csv", "rows": 3, "score": 0.1 + 0.2, "nested": [None, True]},
            )
        )
        session.add(ServicePlan(seeker_id=seeker.id, goals="三个月内上岗", planned_services=[]))
        session.add(
            Jobseeker(
                external_id="BK-NULLS",
                name="空值",
                disability_types=[],
                disability_grade=4,
                area_code="520102",
            )
        )
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def dump(source, tmp_path_factory):
    return backup(source, tmp_path_factory.mktemp("backup") / "jobbridge.zip")


@pytest.fixture
def new_database(request, tmp_path):
    """Make further fresh, migrated, empty databases: ``new_database("sqlite")``."""
    engines: list[Engine] = []
    dropped = []

    def create(dialect: str) -> Engine:
        if dialect == "sqlite":
            path = tmp_path / f"target-{len(engines)}.sqlite3"
            shutil.copy(request.getfixturevalue("sqlite_template"), path)
            url = f"sqlite:///{path}"
        else:
            admin, template = request.getfixturevalue("postgres_template")
            name = f"jb_restore_{uuid.uuid4().hex[:10]}"
            with admin.connect() as connection:
                connection.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
            dropped.append((admin, name))
            url = make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
        engine = make_engine(url)
        engines.append(engine)
        return engine

    yield create
    for engine in engines:
        engine.dispose()
    for admin, name in dropped:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def url_of(engine):
    return engine.url.render_as_string(hide_password=False)


def rewrite(path, target, *, member=None, edit=None, manifest=None):
    """Copy the backup ``path`` to ``target``, changing one member's bytes (``edit``) or the
    manifest (``manifest``, a function of its dict) on the way; the zip itself stays valid."""
    with zipfile.ZipFile(path) as old, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as new:
        for name in old.namelist():
            data = old.read(name)
            if name == member:
                data = edit(data)
            if name == "manifest.json" and manifest is not None:
                data = orjson.dumps(manifest(orjson.loads(data)))
            new.writestr(name, data)
    return target


def with_table(manifest, name, **changes):
    for entry in manifest["tables"]:
        if entry["name"] == name:
            entry.update(changes)
    return manifest


# --- the file -----------------------------------------------------------------------------


def test_the_file_holds_a_manifest_and_a_json_lines_member_per_table(source, dump):
    tables = [table.name for table in backup_tables()]
    assert "alembic_version" not in tables and set(tables) >= FILLED
    with zipfile.ZipFile(dump.path) as archive:
        assert set(archive.namelist()) == {"manifest.json"} | {f"tables/{t}.jsonl" for t in tables}
        manifest = orjson.loads(archive.read("manifest.json"))
        assert manifest["format"] == "jobbridge-backup" and manifest["format_version"] == 1
        assert manifest["revision"] == schema.head_revision() == schema.current_revision(source)
        assert manifest["dialect"] == source.dialect.name
        assert datetime.fromisoformat(manifest["created_at"]).utcoffset().total_seconds() == 0
        assert [entry["name"] for entry in manifest["tables"]] == tables
        expected = counts(source)
        for entry in manifest["tables"]:
            data = archive.read(entry["member"])
            assert entry["rows"] == expected[entry["name"]] == data.count(b"\n")
            assert entry["sha256"] == hashlib.sha256(data).hexdigest()
        first = orjson.loads(archive.read("tables/jobseeker.jsonl").splitlines()[0])
    with source.connect() as connection:
        stored = connection.execute(
            select(Jobseeker.__table__).where(Jobseeker.id == first["id"])
        ).one()
    assert first["id_number_cipher"] != stored.id_number_cipher  # text, not bytes
    assert backup_module._unbase64(first["id_number_cipher"]) == stored.id_number_cipher
    assert first["created_at"].endswith("+00:00")
    assert datetime.fromisoformat(first["created_at"]) == stored.created_at
    assert first["disability_types"] == stored.disability_types != []
    assert dump.path.stat().st_mode & 0o777 == 0o600
    assert not dump.path.with_name(dump.path.name + ".partial").exists()
    assert read_manifest(dump.path).rows == sum(expected.values())


def test_a_backup_that_cannot_be_written_says_so_and_leaves_nothing(source, tmp_path):
    target = tmp_path / "no-such-folder" / "jobbridge.zip"
    with pytest.raises(BackupError, match=r"cannot write .*jobbridge\.zip"):
        backup(source, target)
    assert not target.parent.exists()


# --- round trips --------------------------------------------------------------------------


def test_a_restore_brings_back_every_row_exactly(source, dump, new_database):
    filled = {name for name, n in counts(source).items() if n}
    assert filled >= FILLED  # bytes, JSON, dates, datetimes and nulls are all in the copy
    target = new_database(source.dialect.name)
    summary = restore(target, dump.path)
    assert summary.rows == dump.rows == counts(source) and summary.replaced == {}
    assert_same_rows(source, target)


@pytest.mark.postgres
def test_a_backup_restores_into_the_other_database(source, dump, new_database):
    other = "postgresql" if source.dialect.name == "sqlite" else "sqlite"
    target = new_database(other)
    restore(target, dump.path)
    assert target.dialect.name == other
    assert_same_rows(source, target)


def test_new_rows_after_a_restore_get_new_ids(source, dump, new_database):
    target = new_database(source.dialect.name)
    restore(target, dump.path)
    with write_session(target) as session:
        row = AuditLog(actor="cli", action="change")
        session.add(row)
        session.flush()
        assert row.id == max(r[0] for r in rows_of(source, AuditLog.__table__)) + 1
    if target.dialect.name == "postgresql":
        expected = counts(source)
        with target.connect() as connection:
            for table in backup_tables():
                column = table.autoincrement_column
                if column is None:
                    continue
                following = connection.execute(
                    text(f"SELECT nextval(pg_get_serial_sequence('{table.name}', '{column.name}'))")
                ).scalar_one()
                highest = connection.execute(select(func.max(column))).scalar_one() or 0
                assert following == highest + 1, table.name
                assert expected[table.name] or following == 1


def test_a_backup_is_one_snapshot_while_writers_go_on(engine, monkeypatch, tmp_path):
    with write_session(engine) as session:
        session.add(LoginAttempt(key="user:before"))
    original = backup_module._dump_table
    dumped = []

    def dump_then_write(connection, table, encoders, archive):
        entry = original(connection, table, encoders, archive)
        if not dumped:  # after the first table, another unit of work commits new rows
            with write_session(engine) as session:
                session.add(LoginAttempt(key="user:during"))
                session.add(AuditLog(actor="cli", action="change"))
        dumped.append(table.name)
        return entry

    monkeypatch.setattr(backup_module, "_dump_table", dump_then_write)
    summary = backup(engine, tmp_path / "snapshot.zip")
    assert dumped[0] == "app_user" and len(dumped) == len(backup_tables())
    assert counts(engine)["login_attempt"] == 2 and counts(engine)["audit_log"] == 1
    assert summary.rows["login_attempt"] == 1 and summary.rows["audit_log"] == 0
    with zipfile.ZipFile(summary.path) as archive:
        assert b"user:during" not in archive.read("tables/login_attempt.jsonl")


# --- refusals -----------------------------------------------------------------------------


def test_restore_refuses_a_database_with_rows_and_names_the_table(source, dump, new_database):
    target = new_database(source.dialect.name)
    with write_session(target) as session:
        session.add(LoginAttempt(key="user:kept"))
    with pytest.raises(BackupError, match=r"not empty \(table login_attempt has rows\).*--replace"):
        restore(target, dump.path)
    assert {name: n for name, n in counts(target).items() if n} == {"login_attempt": 1}


def test_replace_swaps_the_old_rows_for_the_backup(source, dump, new_database):
    target = new_database(source.dialect.name)
    with write_session(target) as session:
        session.add(LoginAttempt(key="user:old"))
        session.add(AuditLog(actor="cli", action="change"))
    summary = restore(target, dump.path, replace=True)
    assert summary.replaced == {"login_attempt": 1, "audit_log": 1}
    assert "replaced 2 rows" in summary.line()
    assert_same_rows(source, target)


def flip_inside(member):
    """Flip a byte in the middle of ``member``'s compressed data."""

    def damage(path, target):
        data = bytearray(path.read_bytes())
        with zipfile.ZipFile(path) as archive:
            info = archive.getinfo(member)
        name_length, extra_length = struct.unpack(
            "<HH", data[info.header_offset + 26 : info.header_offset + 30]
        )
        start = info.header_offset + 30 + name_length + extra_length
        data[start + info.compress_size // 2] ^= 0xFF
        target.write_bytes(bytes(data))
        return target

    return damage


def truncate(path, target):
    data = path.read_bytes()
    target.write_bytes(data[: len(data) * 2 // 3])
    return target


def edit_a_value(path, target):
    def edit(data):
        first, rest = data.split(b"\n", 1)
        row = orjson.loads(first)
        row["name"] = "篡改"
        return orjson.dumps(row) + b"\n" + rest

    return rewrite(path, target, member="tables/jobseeker.jsonl", edit=edit)


def drop_a_row(path, target):
    def edit(data):
        return data[: data.rstrip(b"\n").rfind(b"\n") + 1]

    return rewrite(path, target, member="tables/recommendation.jsonl", edit=edit)


def not_a_zip(path, target):
    target.write_text("id,name\n1,x\n", encoding="utf-8")
    return target


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (flip_inside("tables/jobseeker.jsonl"), "is damaged"),
        (truncate, "is damaged or truncated"),
        (edit_a_value, "checksum of table jobseeker does not match"),
        (drop_a_row, r"table recommendation has \d+ rows where the manifest says"),
        (not_a_zip, "is damaged or truncated"),
    ],
    ids=["flipped-byte", "truncated", "edited-value", "dropped-row", "not-a-zip"],
)
def test_a_damaged_file_is_refused_and_the_database_keeps_its_rows(
    source, dump, new_database, tmp_path, damage, message
):
    target = new_database(source.dialect.name)
    with write_session(target) as session:
        session.add(LoginAttempt(key="user:kept"))
    damaged = damage(dump.path, tmp_path / "damaged.zip")
    with pytest.raises(BackupError, match=message):
        restore(target, damaged, replace=True)
    assert {name: n for name, n in counts(target).items() if n} == {"login_attempt": 1}


def test_a_restore_that_fails_midway_changes_nothing(source, dump, new_database, tmp_path):
    """A file that checks out but whose rows break a constraint (a row twice): the rows
    deleted and inserted before the failure are rolled back."""
    with zipfile.ZipFile(dump.path) as archive:
        data = archive.read("tables/recommendation.jsonl")
    doubled = data + data.splitlines(keepends=True)[-1]
    crafted = rewrite(
        dump.path,
        tmp_path / "doubled.zip",
        member="tables/recommendation.jsonl",
        edit=lambda _: doubled,
        manifest=lambda m: with_table(
            m,
            "recommendation",
            rows=doubled.count(b"\n"),
            sha256=hashlib.sha256(doubled).hexdigest(),
        ),
    )
    target = new_database(source.dialect.name)
    with write_session(target) as session:
        session.add(LoginAttempt(key="user:kept"))
    with pytest.raises(BackupError, match="restoring table recommendation failed, nothing was"):
        restore(target, crafted, replace=True)
    assert {name: n for name, n in counts(target).items() if n} == {"login_attempt": 1}


def test_a_backup_at_another_revision_is_refused(source, dump, new_database, tmp_path):
    old = rewrite(dump.path, tmp_path / "old.zip", manifest=lambda m: {**m, "revision": "0001"})
    target = new_database(source.dialect.name)
    with pytest.raises(BackupError, match=r"backup is at schema revision 0001 and the database at"):
        restore(target, old)
    assert not any(counts(target).values())
    unmigrated = make_engine(f"sqlite:///{tmp_path / 'unmigrated.sqlite3'}")
    with pytest.raises(BackupError, match=r"no JobBridge schema; run 'jobbridge init-db'"):
        restore(unmigrated, dump.path)
    unmigrated.dispose()


# --- the command line ---------------------------------------------------------------------


@pytest.mark.parametrize("command", ["backup", "restore"])
def test_backup_and_restore_have_help(command):
    result = CliRunner().invoke(main, [command, "--help"])
    assert result.exit_code == 0 and "Usage:" in result.output and "FILE" in result.output
    assert ("--replace" in result.output) == (command == "restore")


def audit_rows(engine, action):
    with engine.connect() as connection:
        query = select(AuditLog.__table__).where(AuditLog.action == action)
        return connection.execute(query).all()


def test_the_commands_back_up_restore_and_record_it(cli, database_url, new_database, tmp_path):
    assert cli.invoke(main, ["demo", "--seekers", "30", "--postings", "20"]).exit_code == 0
    file = tmp_path / "copy.zip"
    result = cli.invoke(main, ["backup", str(file)])
    assert result.exit_code == 0, result.output
    found = re.fullmatch(
        r"backed up (\d+) rows in (\d+) tables to (.+) \(revision (\w+)\)\n", result.output
    )
    assert found and found[3] == str(file) and found[4] == schema.head_revision()
    assert int(found[2]) == len(backup_tables())
    rows = int(found[1])
    engine = make_engine(database_url)
    try:
        (logged,) = audit_rows(engine, "backup")
        assert logged.actor == "cli" and logged.detail["rows"] == rows

        refused = cli.invoke(main, ["restore", str(file)])
        assert refused.exit_code == 1 and "Traceback" not in refused.output
        assert "table app_user has rows" in refused.output and "--replace" in refused.output

        replaced = cli.invoke(main, ["restore", str(file), "--replace"])
        assert replaced.exit_code == 0, replaced.output
        assert replaced.output.startswith(f"restored {rows} rows in {found[2]} tables from")
        assert f"replaced {rows + 1} rows" in replaced.output  # and the backup's audit row
        assert audit_rows(engine, "backup") == []  # made after the copy, so replaced
        (logged,) = audit_rows(engine, "restore")
        assert logged.detail["rows"] == rows and logged.detail["replaced_rows"] == rows + 1
    finally:
        engine.dispose()

    target = new_database(make_url(database_url).get_backend_name())
    elsewhere = CliRunner(
        env={
            "DATABASE_URL": url_of(target),
            "JOBBRIDGE_INSTANCE": str(tmp_path / "elsewhere"),
            "JOBBRIDGE_DATA_KEY": TEST_DATA_KEY,
        }
    )
    restored = elsewhere.invoke(main, ["restore", str(file)])
    assert restored.exit_code == 0 and "replaced" not in restored.output
    assert sum(counts(target).values()) == rows + 1  # the rows and the restore's audit row

    garbage = tmp_path / "garbage.zip"
    garbage.write_bytes(b"PK\x03\x04 not really")
    broken = cli.invoke(main, ["restore", str(garbage)])
    assert broken.exit_code == 1 and "Traceback" not in broken.output
    assert broken.output.count("\n") == 1 and "is damaged or truncated" in broken.output


def test_restore_into_a_database_without_schema_says_what_to_do(tmp_path, dump):
    runner = CliRunner(
        env={
            "DATABASE_URL": f"sqlite:///{tmp_path / 'empty.sqlite3'}",
            "JOBBRIDGE_INSTANCE": str(tmp_path / "i"),
        }
    )
    result = runner.invoke(main, ["restore", str(dump.path)])
    assert result.exit_code == 1 and "jobbridge init-db" in result.output
    written = runner.invoke(main, ["backup", str(tmp_path / "x.zip")])
    assert written.exit_code == 1 and "jobbridge init-db" in written.output
    assert not (tmp_path / "x.zip").exists()
