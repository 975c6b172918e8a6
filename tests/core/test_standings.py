"""The seekers' standings (matcher.core.standings) equal what the service records and the
recommendations give, after every kind of change, on both databases; and the caseload
sorted from them in SQL equals the earlier sort in Python over the live sums."""

from __future__ import annotations

import importlib.util
import threading
import time
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import delete, insert, select, text, update
from sqlmodel import col

from matcher.core import clock, standings
from matcher.core.db import make_engine, read_session, write_session
from matcher.core.models import (
    Jobseeker,
    Posting,
    Recommendation,
    SeekerStanding,
    ServiceRecord,
    User,
    table_of,
)
from matcher.matching.refresh import Refresher
from matcher.people.access import Viewer, seeker_scope
from matcher.seekers import file as seeker_file
from matcher.seekers.caseload import CaseloadFilter, caseload, follow_ups
from tests.helpers import TODAY

MIGRATION = Path(standings.__file__).parent / "migrations/versions/0008_seeker_standing.py"


@pytest.fixture
def demo(demo_database_url):
    engine = make_engine(demo_database_url)
    yield engine
    engine.dispose()


def everyone(engine) -> list[int]:
    with read_session(engine) as session:
        return list(session.execute(select(col(Jobseeker.id))).scalars())


def assert_in_step(engine, seeker_ids=None) -> dict[int, standings.Standing]:
    """Stored standings equal the live computation, seeker by seeker; returns them."""
    ids = everyone(engine) if seeker_ids is None else seeker_ids
    with read_session(engine) as session:
        connection = session.connection()
        kept = standings.stored(connection, ids)
        truth = {i: standings.live(connection, [i]).get(i, standings.NOTHING) for i in ids}
        assert standings.stale(connection) == []
    assert kept == truth
    return kept


def user(engine, username: str, seeker_id: int | None = None) -> Viewer:
    with read_session(engine) as session:
        found = session.execute(select(User).where(col(User.username) == username)).scalar_one()
        return Viewer.of(found, seeker_id)


def mine(engine, viewer: Viewer) -> list[int]:
    with read_session(engine) as session:
        return sorted(
            session.execute(select(col(Jobseeker.id)).where(seeker_scope(viewer))).scalars()
        )


def test_demo_and_refresh_leave_the_standings_equal_to_the_records(demo):
    kept = assert_in_step(demo)
    assert sum(s.recommendations for s in kept.values()) > 0
    assert any(s.follow_up for s in kept.values()) and any(s.info_check for s in kept.values())


def test_edits_through_the_services_keep_the_standings(demo):
    worker = user(demo, "caseworker")
    first, second = mine(demo, worker)[:2]
    with write_session(demo) as session:
        seeker_file.add_record(
            session,
            viewer=worker,
            seeker_id=first,
            kind="need_registration",
            served_on=str(TODAY - timedelta(days=2)),
            notes="",
            next_follow_up=str(TODAY - timedelta(days=1)),
            today=TODAY,
        )
    with read_session(demo) as session:
        version = session.get(Jobseeker, second).version
    with write_session(demo) as session:
        seeker_file.save_assessment(
            session,
            viewer=worker,
            seeker_id=second,
            levels={key: "1" for key in standings_dimensions()},
            notes="",
            version=version,
            today=TODAY,
        )
    kept = assert_in_step(demo, [first, second])
    assert kept[first].need_registration and kept[first].follow_up == TODAY - timedelta(days=1)
    assert kept[second].capability_assessment
    # sending the new recommendations, then an outcome on one of them
    holder = holder_with_new_recommendations(demo, worker)
    with write_session(demo) as session:
        sent = seeker_file.send_recommendations(
            session, viewer=worker, seeker_id=holder, today=TODAY
        )
    assert sent > 0
    assert assert_in_step(demo, [holder])[holder].sent >= sent
    with read_session(demo) as session:
        rec_id = session.execute(
            select(col(Recommendation.id)).where(
                col(Recommendation.seeker_id) == holder, col(Recommendation.active).is_(True)
            )
        ).scalar()
    with write_session(demo) as session:
        seeker_file.set_outcome(session, viewer=worker, rec_id=rec_id, status="applied")
    assert_in_step(demo)


def test_a_graduate_declining_a_posting_counts_as_an_outcome(demo):
    with read_session(demo) as session:
        graduate = session.execute(select(User).where(col(User.username) == "graduate")).scalar()
        seeker = session.execute(
            select(col(Jobseeker.id)).where(col(Jobseeker.user_id) == graduate.id)
        ).scalar_one()
        rec_id = session.execute(
            select(col(Recommendation.id)).where(
                col(Recommendation.seeker_id) == seeker,
                col(Recommendation.active).is_(True),
                col(Recommendation.status) == "new",
            )
        ).scalar()
    assert rec_id is not None
    before = assert_in_step(demo, [seeker])[seeker]
    with write_session(demo) as session:
        seeker_file.respond(
            session, viewer=user(demo, "graduate", seeker), rec_id=rec_id, interested=False
        )
    assert assert_in_step(demo, [seeker])[seeker].sent == before.sent + 1


def test_full_and_incremental_refreshes_recount_the_recommendations(demo):
    worker = user(demo, "caseworker")
    holder = holder_with_new_recommendations(demo, worker)
    with write_session(demo) as session:
        seeker_file.send_recommendations(session, viewer=worker, seeker_id=holder, today=TODAY)
        # close the postings the holder was recommended: the next refresh replaces them
        postings = list(
            session.execute(
                select(col(Recommendation.posting_id)).where(
                    col(Recommendation.seeker_id) == holder, col(Recommendation.active).is_(True)
                )
            ).scalars()
        )
        session.execute(
            update(Posting).where(col(Posting.id).in_(postings)).values(status="closed")
        )
    refresher = Refresher(demo)
    refresher.incremental()
    assert_in_step(demo)
    refresher.full()
    assert_in_step(demo)


def test_a_bulk_write_is_found_and_repaired(demo):
    ids = mine(demo, user(demo, "caseworker"))
    with read_session(demo) as session:
        kept = standings.stored(session.connection(), ids)
    seeker = next(i for i in ids if not kept[i].employment_service and not kept[i].follow_up)
    with write_session(demo) as session:  # Core, past the ORM: nothing keeps the standing
        session.execute(
            insert(table_of(ServiceRecord)).values(
                seeker_id=seeker,
                kind="career_guidance",
                served_on=TODAY,
                next_follow_up=TODAY + timedelta(days=3),
                notes="",
                created_at=clock.utcnow(),
            )
        )
    with read_session(demo) as session:
        assert standings.stale(session.connection()) == [seeker]
    with write_session(demo) as session:
        assert standings.repair(session.connection()) == 1
    kept = assert_in_step(demo, [seeker])
    assert kept[seeker].employment_service and kept[seeker].follow_up == TODAY + timedelta(days=3)


def test_records_deleted_through_the_orm_leave_nothing_behind(demo):
    seeker = mine(demo, user(demo, "caseworker"))[4]
    with write_session(demo) as session:
        for record in session.execute(
            select(ServiceRecord).where(col(ServiceRecord.seeker_id) == seeker)
        ).scalars():
            session.delete(record)
    kept = assert_in_step(demo, [seeker])[seeker]
    assert not any(kept.done) and kept.follow_up is None


def test_the_migration_fills_the_table_as_the_live_sums(demo):
    spec = importlib.util.spec_from_file_location("migration_0008", MIGRATION)
    assert spec and spec.loader
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    with write_session(demo) as session:
        session.execute(delete(SeekerStanding))
        assert len(standings.stale(session.connection())) > 100
        session.execute(text(migration.FILL))
    assert_in_step(demo)


def test_two_writers_of_one_seeker_at_once_both_count(demo):
    """An outcome and a service record for one seeker, in two transactions that overlap:
    the second waits for the first's lock and then reads its committed change."""
    worker = user(demo, "caseworker")
    holder = holder_with_new_recommendations(demo, worker)
    with read_session(demo) as session:
        rec_id = session.execute(
            select(col(Recommendation.id)).where(
                col(Recommendation.seeker_id) == holder, col(Recommendation.active).is_(True)
            )
        ).scalar()
    flushed, failures = threading.Event(), []

    def outcome() -> None:
        try:
            with write_session(demo) as session:
                seeker_file.set_outcome(session, viewer=worker, rec_id=rec_id, status="applied")
                session.flush()  # the standing row is written and locked here
                flushed.set()
                time.sleep(0.5)  # the other writer starts meanwhile
        except Exception as exc:  # reported below
            failures.append(exc)
            flushed.set()

    def record() -> None:
        try:
            flushed.wait(10)
            with write_session(demo) as session:
                seeker_file.add_record(
                    session,
                    viewer=worker,
                    seeker_id=holder,
                    kind="info_check",
                    served_on=str(TODAY - timedelta(days=1)),
                    notes="",
                    next_follow_up="",
                    today=TODAY,
                )
        except Exception as exc:  # reported below
            failures.append(exc)

    threads = [threading.Thread(target=outcome), threading.Thread(target=record)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert failures == []
    kept = assert_in_step(demo, [holder])[holder]
    assert kept.info_check and kept.sent >= 1


def test_the_caseload_sorts_as_the_reference_over_live_sums(demo):
    """The SQL order equals the Python sort the caseload used before, over sums computed
    from the sources; on several days, so that follow-ups fall due and overdue."""
    for username in ("caseworker", "supervisor"):
        viewer = user(demo, username)
        for day in (TODAY - timedelta(days=174), TODAY, TODAY + timedelta(days=99)):
            for where in (
                CaseloadFilter(),
                CaseloadFilter(graduate=True),
                CaseloadFilter(overdue=True),
                CaseloadFilter(status="unemployed"),
            ):
                with read_session(demo) as session:
                    found = caseload(session, viewer=viewer, today=day, where=where)
                    expected, overdue = reference_order(session, viewer, day, where)
                    page = caseload(
                        session, viewer=viewer, today=day, where=where, offset=7, limit=11
                    )
                assert [row.id for row in found.rows] == expected
                assert (found.total, found.overdue) == (len(expected), overdue)
                assert [row.id for row in page.rows] == expected[7:18]
                assert (page.total, page.overdue) == (len(expected), overdue)
    with read_session(demo) as session:
        past = caseload(session, viewer=viewer, today=TODAY, offset=10**6, limit=50)
    assert past.rows == [] and past.total == len(mine(demo, viewer))


def test_follow_ups_fall_due_with_the_day_without_any_write(demo):
    worker = user(demo, "caseworker")
    seeker = mine(demo, worker)[5]
    with write_session(demo) as session:
        seeker_file.add_record(
            session,
            viewer=worker,
            seeker_id=seeker,
            kind="follow_up",
            served_on=str(TODAY - timedelta(days=2)),
            notes="",
            next_follow_up=str(TODAY + timedelta(days=3)),
            today=TODAY,
        )
    with read_session(demo) as session:
        on_the_day = follow_ups(session, viewer=worker, today=TODAY + timedelta(days=3))
        after = follow_ups(session, viewer=worker, today=TODAY + timedelta(days=4))
        before = caseload(session, viewer=worker, today=TODAY, where=CaseloadFilter(overdue=True))
        late = caseload(
            session,
            viewer=worker,
            today=TODAY + timedelta(days=4),
            where=CaseloadFilter(overdue=True),
        )
    assert seeker in on_the_day.due and seeker not in on_the_day.overdue
    assert seeker in after.overdue
    assert seeker not in {r.id for r in before.rows}
    assert seeker in {r.id for r in late.rows}


# --- helpers ----------------------------------------------------------------------------


def standings_dimensions() -> list[str]:
    from matcher.reference.profiles import dimension_keys

    return list(dimension_keys())


def holder_with_new_recommendations(engine, viewer: Viewer) -> int:
    with read_session(engine) as session:
        found = session.execute(
            select(col(Recommendation.seeker_id))
            .join(Jobseeker, col(Jobseeker.id) == col(Recommendation.seeker_id))
            .where(
                seeker_scope(viewer),
                col(Recommendation.active).is_(True),
                col(Recommendation.status) == "new",
            )
            .order_by(col(Recommendation.seeker_id).desc())
            .limit(1)
        ).scalar()
    assert found is not None
    return int(found)


def reference_order(session, viewer: Viewer, today: date, where: CaseloadFilter):
    """The caseload's order as it was computed before the standings were kept: every
    seeker's sums from the sources, sorted in Python."""
    from matcher.seekers.caseload import _conditions

    conditions = _conditions(viewer, where)
    seekers = session.execute(
        select(col(Jobseeker.id), col(Jobseeker.name), col(Jobseeker.is_graduate)).where(
            *conditions
        )
    ).all()
    truth = standings.live(session.connection(), [s[0] for s in seekers])
    ranked = []
    for sid, name, graduate in seekers:
        standing = truth.get(sid, standings.NOTHING)
        overdue = standing.follow_up is not None and standing.follow_up < today
        if where.overdue and not overdue:
            continue
        needs = graduate and standing.sent < standings.GRADUATE_TARGET
        key = (
            0 if overdue else 1,
            0 if needs else 1,
            sum(standing.done),
            standing.follow_up or date.max,
            name,
            sid,
        )
        ranked.append((key, sid, overdue))
    ranked.sort()
    return [sid for _, sid, _ in ranked], sum(overdue for *_, overdue in ranked)


def test_an_outcome_recorded_while_a_refresh_ranks_is_counted_after_its_switch(demo, monkeypatch):
    """The refresh reads the outcomes early and switches late; an outcome recorded in
    between changes a seeker's counts although their postings stay the same."""
    import matcher.matching.refresh as refresh_module

    worker = user(demo, "caseworker")
    Refresher(demo).full()
    theirs = set(mine(demo, worker))
    real = refresh_module._changed_seekers
    marked: list[tuple[int, int, int]] = []  # (recommendation, seeker, posting)

    def meanwhile(session, seeker_ids, rows):
        found = real(session, seeker_ids, rows)
        # An outcome on a pair the new run keeps, so that its new row must carry it.
        kept = {(r["seeker_id"], r["posting_id"]) for r in rows if r["seeker_id"] in theirs}
        with write_session(demo) as other:
            new = other.execute(
                select(
                    col(Recommendation.id),
                    col(Recommendation.seeker_id),
                    col(Recommendation.posting_id),
                )
                .where(
                    col(Recommendation.seeker_id).in_(theirs),
                    col(Recommendation.active).is_(True),
                    col(Recommendation.status) == "new",
                )
                .order_by(col(Recommendation.id))
            ).all()
            pair = next(tuple(row) for row in new if (row[1], row[2]) in kept)
            seeker_file.set_outcome(other, viewer=worker, rec_id=pair[0], status="applied")
            marked.append(pair)
        return found

    monkeypatch.setattr(refresh_module, "_changed_seekers", meanwhile)
    Refresher(demo).full()
    assert_in_step(demo)
    # and the outcome itself is not lost: the pair's new active row carries it
    (_, seeker, posting) = marked[0]
    with read_session(demo) as session:
        (status,) = session.execute(
            select(col(Recommendation.status)).where(
                col(Recommendation.seeker_id) == seeker,
                col(Recommendation.posting_id) == posting,
                col(Recommendation.active).is_(True),
            )
        ).scalars()
    assert status == "applied"


def test_fill_writes_the_missing_rows_as_the_live_sums(demo):
    """What the demo uses after its bulk writes: one statement for every missing row."""
    with write_session(demo) as session:
        session.execute(delete(SeekerStanding))
        written = standings.fill(session.connection())
        assert written > 100
        assert standings.fill(session.connection()) == 0  # nothing missing any more
    assert_in_step(demo)
