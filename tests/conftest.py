"""Fixtures: real SQLite files and a real PostgreSQL server, migrated by Alembic.

Database tests take the ``engine`` (or ``database_url``) fixture and run once on SQLite and
once on PostgreSQL. PostgreSQL comes from JOBBRIDGE_TEST_POSTGRES_URL (.ci/run sets it);
without it the PostgreSQL half is skipped with a message, except under CI=true, where it
fails: nothing may skip in CI.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import text
from sqlalchemy.engine import Engine, make_url

from matcher.core import clock, schema
from matcher.core.db import make_engine
from matcher.people.identifiers import Vault

CI = os.environ.get("CI", "").lower() == "true"
POSTGRES_URL = os.environ.get("JOBBRIDGE_TEST_POSTGRES_URL", "")
TEST_DATA_KEY = "dGVzdC1rZXktdGVzdC1rZXktdGVzdC1rZXktdGVzdCE="  # 32 bytes, tests only


@pytest.fixture(autouse=True)
def _isolated_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No test reads the developer's configuration or writes into the checkout."""
    for name in ("DATABASE_URL", "JOBBRIDGE_ENV", "SECRET_KEY", "JOBBRIDGE_DATA_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("JOBBRIDGE_INSTANCE", str(tmp_path / "instance"))


@pytest.fixture
def frozen_clock() -> Iterator[clock.FrozenClock]:
    """The process's clock stopped at 12:00 in Beijing on the session's day
    (``tests.helpers.TODAY``); a test sets or advances it. Everything the application
    stamps or compares reads it, in every thread."""
    from tests.helpers import noon

    with clock.frozen(noon()) as stopped:
        yield stopped


@pytest.fixture
def vault() -> Vault:
    import base64

    return Vault(base64.urlsafe_b64decode(TEST_DATA_KEY))


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    schema.upgrade(engine)
    with engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def postgres_template() -> Iterator[tuple[Engine, str]]:
    if not POSTGRES_URL:
        message = "PostgreSQL tests need JOBBRIDGE_TEST_POSTGRES_URL (set by .ci/run)"
        if CI:
            pytest.fail(f"CI=true and {message}")
        pytest.skip(message)
    admin = make_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    name = f"jb_template_{uuid.uuid4().hex[:8]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    migrated = make_engine(_with_database(POSTGRES_URL, name))
    schema.upgrade(migrated)
    migrated.dispose()
    yield admin, name
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _with_database(url: str, database: str) -> str:
    return make_url(url).set(database=database).render_as_string(hide_password=False)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, migrated, empty database: a SQLite file, or a PostgreSQL database."""
    if request.param == "sqlite":
        path = tmp_path / "test.sqlite3"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite:///{path}"
        return
    admin, template = request.getfixturevalue("postgres_template")
    name = f"jb_test_{uuid.uuid4().hex[:10]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    yield _with_database(POSTGRES_URL, name)
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def cli(database_url: str, tmp_path: Path) -> CliRunner:
    """A click runner whose commands use the test database."""
    return CliRunner(
        env={
            "DATABASE_URL": database_url,
            "JOBBRIDGE_INSTANCE": str(tmp_path / "instance"),
            "JOBBRIDGE_DATA_KEY": TEST_DATA_KEY,
        }
    )


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def demo_database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A migrated database with a little demo data and one full refresh, shared by the
    tests of a module (they add to it; none depends on another's additions)."""
    import base64

    from matcher import demo
    from matcher.matching.refresh import full_refresh

    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("demo") / "demo.sqlite3"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        url, drop = f"sqlite:///{path}", None
    else:
        admin, template = request.getfixturevalue("postgres_template")
        name = f"jb_demo_{uuid.uuid4().hex[:10]}"
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
        url, drop = _with_database(POSTGRES_URL, name), (admin, name)
    engine = make_engine(url)
    vault = Vault(base64.urlsafe_b64decode(TEST_DATA_KEY))
    demo.load(engine, vault, seekers=400, postings=120, seed=11)
    full_refresh(engine)
    engine.dispose()
    yield url
    if drop is not None:
        admin, name = drop
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
