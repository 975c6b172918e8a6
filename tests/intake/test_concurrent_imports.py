"""Two imports that create the same new employer at the same time both succeed, with one
employer row between them (both databases)."""

from __future__ import annotations

import threading
import time

from sqlalchemy import func, select
from sqlmodel import col

from matcher.core.db import read_session, write_session
from matcher.core.models import Employer, Posting
from matcher.intake import import_file
from matcher.intake import service as import_service
from matcher.intake.records import EmployerRecord
from matcher.intake.store import insert_employers
from tests.helpers import posting_row, run_together, write_csv

NEW = "同时新建有限公司"


def employers_named(engine, name: str) -> list[int]:
    with read_session(engine) as session:
        return list(
            session.execute(select(col(Employer.id)).where(col(Employer.name) == name)).scalars()
        )


def test_two_transactions_inserting_one_employer_get_the_same_row(engine):
    """The second insert meets the first's row (on PostgreSQL, still uncommitted: it waits
    for it), skips it, and reads its id."""
    first_inserted = threading.Event()
    ids: dict[str, dict[str, int]] = {}

    def first() -> None:
        with write_session(engine) as session:
            ids["first"] = insert_employers(session, [EmployerRecord(name=NEW, kind="private")])
            first_inserted.set()
            time.sleep(0.5)  # the second starts its insert meanwhile

    def second() -> None:
        first_inserted.wait(20)
        with write_session(engine) as session:
            ids["second"] = insert_employers(
                session, [EmployerRecord(name=NEW, kind="state_owned", area_code="520102")]
            )

    assert run_together(first, second) == []
    (row_id,) = employers_named(engine, NEW)
    assert list(ids["first"].values()) == list(ids["second"].values()) == [row_id]
    with read_session(engine) as session:
        kind = session.execute(select(col(Employer.kind)).where(col(Employer.id) == row_id))
        assert kind.scalar_one() == "private"  # the first writer's details stand


def test_two_postings_imports_naming_the_same_new_employer_both_succeed(
    engine, vault, tmp_path, monkeypatch
):
    """Both imports compare their rows before either writes (on PostgreSQL they are held
    together there), so both find the employer new and both create it."""
    files = [
        write_csv(
            tmp_path / f"batch{batch}.csv",
            [posting_row(batch * 10 + n, 用人单位=NEW) for n in range(3)],
        )
        for batch in (1, 2)
    ]
    real_write = import_service._write
    postgres = engine.dialect.name == "postgresql"
    compared = threading.Barrier(2, timeout=20)

    def write_after_both_compared(*args, **kwargs):
        if postgres:  # SQLite's writers queue at BEGIN IMMEDIATE: they never overlap
            compared.wait()
        return real_write(*args, **kwargs)

    monkeypatch.setattr(import_service, "_write", write_after_both_compared)
    reports = []

    def importing(path):
        return lambda: reports.append(import_file(engine, vault, kind="postings", path=path))

    assert run_together(*(importing(path) for path in files)) == []
    assert all(report.written and report.new == 3 for report in reports), [
        report.summary() for report in reports
    ]
    (employer,) = employers_named(engine, NEW)
    with read_session(engine) as session:
        posted = session.execute(
            select(func.count()).where(col(Posting.employer_id) == employer)
        ).scalar_one()
    assert posted == 6
