"""Write transactions run again on a serialization failure or a deadlock (SECURITY.md item
23): the rules on their own, then real deadlocks and serialization failures between two
connections on PostgreSQL, and a web change that meets one."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator

import psycopg.errors
import pytest
from sqlalchemy import select, text, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlmodel import col

from matcher.core import db
from matcher.core.db import (
    is_conflict,
    make_engine,
    read_session,
    retrying,
    transact,
    write_session,
)
from matcher.core.models import Employer, Jobseeker, ServiceRecord, User
from matcher.seekers import file as seeker_file
from tests.conftest import _with_database
from tests.helpers import run_together
from tests.webapp import make_app, signed_in


def conflict(sqlstate: str) -> OperationalError:
    """What SQLAlchemy raises for a PostgreSQL error of this SQLSTATE."""
    kind = {"40P01": psycopg.errors.DeadlockDetected, "40001": psycopg.errors.SerializationFailure}
    return OperationalError("UPDATE ...", {}, kind[sqlstate]())


# --- the rules ----------------------------------------------------------------------------


def test_only_deadlocks_and_serialization_failures_are_conflicts():
    assert is_conflict(conflict("40P01")) and is_conflict(conflict("40001"))
    unique = IntegrityError("INSERT ...", {}, psycopg.errors.UniqueViolation())
    assert not is_conflict(unique)
    assert not is_conflict(OperationalError("BEGIN", {}, Exception("database is locked")))


def test_a_conflict_runs_the_work_again_after_a_growing_jittered_pause():
    calls, pauses = [], []

    def work(value: int) -> int:
        calls.append(value)
        if len(calls) < 3:
            raise conflict("40P01" if len(calls) == 1 else "40001")
        return value * 2

    assert retrying(work, sleep=pauses.append)(21) == 42
    assert calls == [21, 21, 21]
    assert len(pauses) == 2
    first, second = pauses
    assert 0.025 <= first <= 0.075 and 0.05 <= second <= 0.15


def test_other_errors_pass_at_once_and_conflicts_give_up_after_the_last_attempt():
    calls = []

    def broken() -> None:
        calls.append(1)
        raise IntegrityError("INSERT ...", {}, psycopg.errors.UniqueViolation())

    with pytest.raises(IntegrityError):
        retrying(broken, sleep=lambda _: None)()
    assert len(calls) == 1

    def unlucky() -> None:
        calls.append(1)
        raise conflict("40P01")

    calls.clear()
    with pytest.raises(OperationalError):
        retrying(unlucky, attempts=3, sleep=lambda _: None)()
    assert len(calls) == 3


# --- real conflicts on PostgreSQL ------------------------------------------------------------


@pytest.fixture(params=[pytest.param("postgresql", marks=pytest.mark.postgres)])
def pg(request) -> Iterator:
    """A fresh, migrated PostgreSQL database (conflicts need two real connections)."""
    admin, template = request.getfixturevalue("postgres_template")
    name = f"jb_retry_{uuid.uuid4().hex[:10]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    engine = make_engine(_with_database(str(admin.url.render_as_string(False)), name))
    yield engine
    engine.dispose()
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def two_employers(engine) -> tuple[int, int]:
    with write_session(engine) as session:
        rows = [Employer(name=f"单位{n}", kind="private", staff_count=0) for n in (1, 2)]
        session.add_all(rows)
        session.flush()
        return rows[0].id, rows[1].id


def staff(engine, employer_id: int) -> int:
    with read_session(engine) as session:
        return session.execute(
            select(col(Employer.staff_count)).where(col(Employer.id) == employer_id)
        ).scalar_one()


def test_a_real_deadlock_is_retried_and_both_transactions_commit(pg, caplog):
    """Two transactions take two rows in opposite orders; PostgreSQL aborts one of them
    (40P01), which runs again once the other has committed."""
    first, second = two_employers(pg)
    both_hold_one = threading.Barrier(2, timeout=20)
    runs: list[str] = []

    def crosswise(mine: int, theirs: int, label: str):
        def work(session) -> None:
            runs.append(label)
            bump = col(Employer.staff_count) + 1
            session.execute(
                update(Employer).where(col(Employer.id) == mine).values(staff_count=bump)
            )
            if runs.count(label) == 1:  # the first run meets the other halfway
                both_hold_one.wait()
            session.execute(
                update(Employer).where(col(Employer.id) == theirs).values(staff_count=bump)
            )

        return lambda: transact(pg, work)

    with caplog.at_level("WARNING", logger="jobbridge.db"):
        failures = run_together(crosswise(first, second, "a"), crosswise(second, first, "b"))
    assert failures == []
    assert len(runs) == 3  # one of the two ran twice
    assert (staff(pg, first), staff(pg, second)) == (2, 2)  # both committed, once each
    assert any("DeadlockDetected" in r.getMessage() for r in caplog.records)


def test_a_real_serialization_failure_is_retried_without_losing_an_update(pg):
    """Under REPEATABLE READ, a transaction that read a row another then changed cannot
    update it (40001); run again, it reads the new value and adds to it."""
    employer, _ = two_employers(pg)
    strict = pg.execution_options(isolation_level="REPEATABLE READ")
    has_read, other_done = threading.Event(), threading.Event()
    runs = []

    def slow(session) -> None:
        runs.append("slow")
        seen = session.execute(
            select(col(Employer.staff_count)).where(col(Employer.id) == employer)
        ).scalar_one()
        if len(runs) == 1:
            has_read.set()
            other_done.wait(20)
        session.execute(
            update(Employer).where(col(Employer.id) == employer).values(staff_count=seen + 1)
        )

    def quick() -> None:
        has_read.wait(20)
        with write_session(pg) as session:
            session.execute(
                update(Employer)
                .where(col(Employer.id) == employer)
                .values(staff_count=col(Employer.staff_count) + 10)
            )
        other_done.set()

    failures = run_together(lambda: transact(strict, slow), quick)
    assert failures == []
    assert runs == ["slow", "slow"]
    assert staff(pg, employer) == 11  # 0 + 10 + 1: nothing lost


def test_without_the_retry_the_deadlock_reaches_the_caller(pg):
    """The control: the same crossing without ``transact`` fails one of the two."""
    first, second = two_employers(pg)
    both_hold_one = threading.Barrier(2, timeout=20)

    def crosswise(mine: int, theirs: int):
        def run() -> None:
            with write_session(pg) as session:
                bump = col(Employer.staff_count) + 1
                session.execute(
                    update(Employer).where(col(Employer.id) == mine).values(staff_count=bump)
                )
                both_hold_one.wait()
                session.execute(
                    update(Employer).where(col(Employer.id) == theirs).values(staff_count=bump)
                )

        return run

    failures = run_together(crosswise(first, second), crosswise(second, first))
    assert len(failures) == 1 and is_conflict(failures[0])


# --- a web change that meets a conflict ------------------------------------------------------


def test_a_service_record_saved_on_the_second_run_answers_as_usual(
    database_url, engine, vault, monkeypatch
):
    """The seeker file's changes run through ``transact``: a deadlock on the first run
    gives the user the usual redirect, not a 500, and the record is saved once."""
    from matcher import demo

    demo.load(engine, vault, seekers=60, postings=20, seed=3)
    app = make_app(monkeypatch, database_url)
    with read_session(engine) as session:
        worker = session.execute(select(User).where(col(User.username) == "caseworker")).scalar()
        seeker = session.execute(
            select(col(Jobseeker.id)).where(col(Jobseeker.case_worker_id) == worker.id)
        ).scalar()
    real, runs = seeker_file.add_record, []

    def add_record(session, **kwargs) -> None:
        runs.append(1)
        real(session, **kwargs)
        session.flush()  # the record is written in this transaction...
        if len(runs) == 1:
            raise conflict("40P01")  # ...which is then chosen as a deadlock's victim

    monkeypatch.setattr(seeker_file, "add_record", add_record)
    monkeypatch.setattr(db, "_pause", lambda attempt: 0.0)
    client = signed_in(app, "caseworker")
    client.get(f"/seekers/{seeker}")
    response = client.post(
        f"/seekers/{seeker}/records",
        data={"kind": "follow_up", "served_on": "2026-11-20", "notes": "重试", "version": 1},
    )
    app.extensions["jobbridge.engine"].dispose()
    assert response.status_code == 302
    assert len(runs) == 2
    with read_session(engine) as session:
        saved = session.execute(
            select(ServiceRecord).where(
                col(ServiceRecord.seeker_id) == seeker, col(ServiceRecord.notes) == "重试"
            )
        ).all()
    assert len(saved) == 1


def test_an_import_that_meets_a_conflict_runs_again_and_writes_once(
    engine, vault, tmp_path, monkeypatch
):
    from matcher.core.models import Posting
    from matcher.intake import import_file
    from matcher.intake import service as import_service
    from tests.helpers import posting_row, write_csv

    path = write_csv(tmp_path / "postings.csv", [posting_row(n) for n in range(4)])
    real_write, runs = import_service._write, []

    def write_then_lose(session, *args, **kwargs) -> None:
        runs.append(1)
        real_write(session, *args, **kwargs)
        session.flush()
        if len(runs) == 1:
            raise conflict("40001")

    monkeypatch.setattr(import_service, "_write", write_then_lose)
    monkeypatch.setattr(db, "_pause", lambda attempt: 0.0)
    report = import_file(engine, vault, kind="postings", path=path)
    assert report.written and report.new == 4 and len(runs) == 2
    with read_session(engine) as session:
        assert len(session.execute(select(col(Posting.id))).all()) == 4
