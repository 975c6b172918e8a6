"""The schema comes from the Alembic migrations, on SQLite and PostgreSQL alike."""

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text
from sqlmodel import SQLModel

from matcher.core import models, schema  # noqa: F401  (registers the tables)


def test_the_migrations_build_exactly_the_models(engine):
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, SQLModel.metadata)
    assert differences == []


def test_upgrading_twice_is_safe(engine):
    head = schema.head_revision()
    assert schema.upgrade(engine) == (head, head)
    assert schema.current_revision(engine) == head


def test_sqlite_runs_with_wal_busy_timeout_and_foreign_keys(tmp_path):
    from matcher.core.db import make_engine

    engine = make_engine(f"sqlite:///{tmp_path / 'x.sqlite3'}")
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000


def test_foreign_keys_are_enforced(engine):
    import pytest
    from sqlalchemy.exc import IntegrityError

    from matcher.core.db import write_session

    with pytest.raises(IntegrityError), write_session(engine) as session:
        session.execute(
            text(
                "INSERT INTO service_record (seeker_id, kind, served_on, notes, created_at)"
                " VALUES (999999, 'info_check', '2026-01-01', '', '2026-01-01 00:00:00')"
            )
        )


def test_postgres_urls_go_through_psycopg3():
    from matcher.core.db import normalize_url

    assert normalize_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalize_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalize_url("sqlite:///x") == "sqlite:///x"
