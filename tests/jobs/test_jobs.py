"""The scheduler's jobs on SQLite and PostgreSQL: locks, slots, run history, requests, and
what each job does (SECURITY.md items 20-22)."""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

import pytest
from sqlalchemy import delete, func, select, update
from sqlmodel import col

from matcher import jobs
from matcher.core import clock
from matcher.core.db import read_session, write_session
from matcher.core.job_requests import CHANGES, SEEKER, Debounce, request
from matcher.core.locks import job_lock
from matcher.core.models import (
    JobRequest,
    JobRun,
    Jobseeker,
    KpiSnapshot,
    Posting,
    Recommendation,
    RefreshRun,
    Reminder,
    ServiceRecord,
    User,
    WeeklyChange,
)
from matcher.jobs.base import Job, run_job
from matcher.jobs.changes import KINDS
from matcher.jobs.history import NotAllowed, ask, latest_failures
from matcher.people.access import Viewer
from tests.helpers import monday_noon


@pytest.fixture
def now(frozen_clock):
    """The clock at 12:00 on this week's Monday (the weekly list is of the week before)."""
    frozen_clock.set(monday_noon())
    return frozen_clock


@pytest.fixture
def demo_engine(engine, vault, now):
    from matcher import demo

    demo.load(engine, vault, seekers=250, postings=90, seed=5)
    return engine


def context(engine) -> jobs.JobContext:
    return jobs.JobContext(engine)


def active_pairs(engine) -> set[tuple[int, int]]:
    with read_session(engine) as session:
        return set(
            session.execute(
                select(col(Recommendation.seeker_id), col(Recommendation.posting_id)).where(
                    col(Recommendation.active).is_(True)
                )
            ).all()
        )


def runs(engine, job: str) -> list[JobRun]:
    with read_session(engine) as session:
        return list(
            session.execute(
                select(JobRun).where(col(JobRun.job) == job).order_by(col(JobRun.id))
            ).scalars()
        )


def test_a_scheduled_run_is_recorded_and_its_slot_runs_once(demo_engine, now):
    ctx = context(demo_engine)
    first = jobs.scheduled(ctx, "full_refresh")
    assert first.status == "succeeded" and first.counts["recommendations"] > 0
    pairs = active_pairs(demo_engine)
    again = jobs.scheduled(ctx, "full_refresh")  # the same slot (the same day)
    assert again.status == "skipped" and again.reason == "slot done"
    assert active_pairs(demo_engine) == pairs
    (run,) = runs(demo_engine, "full_refresh")
    assert (
        run.status == "succeeded" and run.slot == str(clock.today()) and run.trigger == "schedule"
    )
    assert run.duration_s is not None and run.finished_at is not None
    assert run.counts["recommendations"] == first.counts["recommendations"]
    now.advance(days=1)  # the next day is a new slot
    next_day = jobs.scheduled(ctx, "full_refresh")
    assert next_day.status == "succeeded"
    assert [r.slot for r in runs(demo_engine, "full_refresh")] == [
        str(clock.today() - timedelta(days=1)),
        str(clock.today()),
    ]


def test_rerunning_a_slot_by_hand_changes_nothing(demo_engine, now):
    now.advance(days=7)  # the demo's week is "last week"
    ctx = context(demo_engine)
    jobs.run(ctx, "full_refresh", trigger="cli")
    for name in ("kpi_snapshot", "reminders", "weekly_changes", "close_postings"):
        first = jobs.run(ctx, name, trigger="cli")
        second = jobs.run(ctx, name, trigger="cli")  # forced: no slot, runs again
        assert first.status == second.status == "succeeded", name
        assert first.counts == second.counts, name
    with read_session(demo_engine) as session:
        for model in (KpiSnapshot, Reminder, WeeklyChange):
            keys = {
                KpiSnapshot: (KpiSnapshot.day, KpiSnapshot.area_code),
                Reminder: (Reminder.day, Reminder.worker_id),
                WeeklyChange: (WeeklyChange.week_start, WeeklyChange.area_code),
            }[model]
            rows = session.execute(select(*(col(k) for k in keys))).all()
            assert rows and len(rows) == len(set(rows)), model  # one row per natural key


def test_a_job_whose_lock_is_held_skips_with_a_log_line(demo_engine, caplog):
    ctx = context(demo_engine)
    with job_lock(demo_engine, "refresh") as held:
        assert held
        with caplog.at_level(logging.INFO, logger="jobbridge.jobs"):
            outcome = jobs.scheduled(ctx, "full_refresh")
    assert outcome.status == "skipped" and outcome.reason == "lock held"
    assert "skipped: another process holds lock 'refresh'" in caplog.text
    assert runs(demo_engine, "full_refresh") == []
    # the put-off slot runs once the lock is free, and only once
    with read_session(demo_engine) as session:
        (left,) = session.execute(select(JobRequest)).scalars().all()
    assert left.job == "full_refresh" and left.slot == str(clock.today())
    outcomes = jobs.take_requests(ctx, Debounce())
    assert [o.status for o in outcomes] == ["succeeded"]
    assert jobs.scheduled(ctx, "full_refresh").reason == "slot done"
    assert jobs.take_requests(ctx, Debounce()) == []


def test_two_concurrent_runs_one_runs_one_skips(demo_engine):
    started, release = threading.Event(), threading.Event()

    def slow(ctx, requests):
        started.set()
        release.wait(30)
        return {"done": 1}

    job = Job("slow_job", slow)
    ctx = context(demo_engine)
    results = {}
    first = threading.Thread(target=lambda: results.update(a=run_job(ctx, job, trigger="cli")))
    first.start()
    assert started.wait(30)
    results["b"] = run_job(ctx, job, trigger="cli")
    release.set()
    first.join(30)
    assert results["a"].status == "succeeded"
    assert results["b"].status == "skipped" and results["b"].reason == "lock held"


def test_waiting_for_the_lock_runs_after_the_holder(demo_engine):
    ctx, order = context(demo_engine), []
    waited = threading.Event()
    with job_lock(demo_engine, "refresh"):
        worker = threading.Thread(
            target=lambda: order.append(
                jobs.run(ctx, "incremental_refresh", trigger="cli", wait=True, on_wait=waited.set)
            )
        )
        worker.start()
        assert waited.wait(30)  # it said it waits
        assert order == []  # and did not run while the lock was held
    worker.join(120)
    assert order[0].status == "succeeded"


def test_a_sqlite_lease_whose_holder_died_lapses(tmp_path):
    from matcher.core import schema
    from matcher.core.db import make_engine
    from matcher.core.models import JobLease

    engine = make_engine(f"sqlite:///{tmp_path / 'lease.sqlite3'}")
    schema.upgrade(engine)
    with write_session(engine) as session:  # what a killed holder leaves behind
        session.add(
            JobLease(
                name="refresh",
                holder="elsewhere:1:dead",
                expires_at=clock.utcnow() + timedelta(seconds=1),
            )
        )
    with job_lock(engine, "refresh") as held:
        assert not held
    with job_lock(engine, "refresh", wait=True, lease=2) as held:
        assert held  # once the dead holder's lease ran out
        with job_lock(engine, "refresh") as other:
            assert not other  # and it is ours now, renewed while we hold it
    with job_lock(engine, "refresh") as held:
        assert held  # released at the end
    engine.dispose()


def test_a_failed_run_is_recorded_and_shown(demo_engine, monkeypatch):
    ctx = context(demo_engine)

    def broken(ctx, requests):
        raise RuntimeError("the disk is full")

    monkeypatch.setitem(jobs.JOBS, "kpi_snapshot", Job("kpi_snapshot", broken))
    outcome = jobs.run(ctx, "kpi_snapshot", trigger="schedule", slot=str(clock.today()))
    assert outcome.status == "failed" and "the disk is full" in (outcome.error or "")
    with read_session(demo_engine) as session:
        (failure,) = latest_failures(session)
    assert failure.job == "kpi_snapshot" and failure.error == "RuntimeError: the disk is full"
    monkeypatch.undo()
    assert jobs.run(ctx, "kpi_snapshot", trigger="schedule", slot=str(clock.today())).status == (
        "succeeded"  # a failed slot is not "done"
    )
    with read_session(demo_engine) as session:
        assert latest_failures(session) == []


def test_a_run_left_running_by_a_dead_process_is_marked_interrupted(demo_engine):
    ctx = context(demo_engine)
    jobs.run(ctx, "full_refresh", trigger="cli")
    before = active_pairs(demo_engine)
    with write_session(demo_engine) as session:  # what a refresh killed midway leaves
        dead_job = JobRun(job="full_refresh", trigger="schedule", host="gone:1")
        dead_refresh = RefreshRun(kind="full", status="running")
        session.add_all([dead_job, dead_refresh])
        session.flush()
        dead_job_id, dead_refresh_id = dead_job.id, dead_refresh.id
        some = session.execute(select(Recommendation).limit(1)).scalar_one()
        session.add(
            Recommendation(
                run_id=dead_refresh_id,
                seeker_id=some.seeker_id,
                posting_id=some.posting_id,
                rank=1,
                score=0.5,
                active=False,
            )
        )
    assert jobs.run(ctx, "incremental_refresh", trigger="cli").status == "succeeded"
    with read_session(demo_engine) as session:
        job = session.get(JobRun, dead_job_id)
        refresh = session.get(RefreshRun, dead_refresh_id)
        leftovers = session.execute(
            select(func.count()).where(col(Recommendation.run_id) == dead_refresh_id)
        ).scalar()
    assert job is not None and job.status == "failed" and "interrupted" in (job.error or "")
    assert refresh is not None and refresh.status == "failed"
    assert leftovers == 0
    assert active_pairs(demo_engine) == before


def test_closing_postings_withdraws_them_from_recommendations(demo_engine):
    ctx = context(demo_engine)
    jobs.run(ctx, "full_refresh", trigger="cli")
    with write_session(demo_engine) as session:
        held = session.execute(
            select(col(Recommendation.posting_id))
            .where(col(Recommendation.active).is_(True))
            .group_by(col(Recommendation.posting_id))
            .order_by(func.count().desc())
            .limit(2)
        ).scalars()
        expired, filled = list(held)
        session.execute(
            update(Posting)
            .where(col(Posting.id) == expired)
            .values(deadline=clock.today() - timedelta(days=1))
        )
        session.execute(update(Posting).where(col(Posting.id) == filled).values(openings=0))
    outcome = jobs.run(ctx, "close_postings", trigger="cli")
    assert outcome.counts["closed"] >= 2
    with read_session(demo_engine) as session:
        statuses = dict(
            session.execute(
                select(col(Posting.id), col(Posting.status)).where(
                    col(Posting.id).in_([expired, filled])
                )
            ).all()
        )
        asked = session.execute(select(col(JobRequest.job))).scalars().all()
    assert statuses == {expired: "closed", filled: "closed"}
    assert asked == [CHANGES]
    # the debounced refresh it asked for takes them out and fills the lists again
    assert jobs.take_requests(ctx, Debounce(quiet=timedelta(0)))[0].status == "succeeded"
    assert not {p for _, p in active_pairs(demo_engine)} & {expired, filled}
    assert jobs.run(ctx, "close_postings", trigger="cli").counts["closed"] == 0


def test_the_kpi_snapshot_holds_the_dashboard_figures_per_area(demo_engine):
    from matcher.seekers.kpi import dashboard, trend

    ctx = context(demo_engine)
    jobs.run(ctx, "kpi_snapshot", trigger="cli")
    admin = Viewer(id=0, username="a", role="admin")
    with read_session(demo_engine) as session:
        live = dashboard(session, viewer=admin, today=clock.today())
        ((day, figures),) = trend(session, viewer=admin)
        supervisor = session.execute(
            select(User).where(col(User.username) == "supervisor")
        ).scalar_one()
        ((_, theirs),) = trend(session, viewer=Viewer.of(supervisor))
    assert day == clock.today()
    assert figures == live.total
    assert 0 < theirs.seekers < figures.seekers  # a supervisor sees their areas only


def test_reminders_list_each_case_workers_follow_ups(demo_engine):
    ctx = context(demo_engine)
    with write_session(demo_engine) as session:
        worker = session.execute(
            select(col(User.id)).where(col(User.username) == "caseworker")
        ).scalar_one()
        seekers = (
            session.execute(
                select(col(Jobseeker.id))
                .where(col(Jobseeker.case_worker_id) == worker)
                .order_by(col(Jobseeker.id))
                .limit(2)
            )
            .scalars()
            .all()
        )
        session.execute(delete(ServiceRecord).where(col(ServiceRecord.seeker_id).in_(seekers)))
        today = clock.today()
        for seeker_id, follow_up in zip(seekers, (today, today - timedelta(days=22)), strict=True):
            session.add(
                ServiceRecord(
                    seeker_id=seeker_id,
                    kind="follow_up",
                    served_on=today - timedelta(days=53),
                    next_follow_up=follow_up,
                )
            )
    outcome = jobs.run(ctx, "reminders", trigger="cli")
    assert outcome.counts["case_workers"] >= 1
    with read_session(demo_engine) as session:
        reminder = session.execute(
            select(Reminder).where(col(Reminder.worker_id) == worker)
        ).scalar_one()
    assert seekers[0] in reminder.seekers["due"]
    assert seekers[1] in reminder.seekers["overdue"]
    assert reminder.due == len(reminder.seekers["due"])


def test_the_weekly_change_list_names_new_closed_changed_and_unfit(demo_engine, now):
    ctx, monday = context(demo_engine), now.utcnow()
    last_week = monday - timedelta(days=5)  # Wednesday of the week before
    with write_session(demo_engine) as session:
        new, closed = session.execute(select(col(Posting.id)).limit(2)).scalars().all()
        session.execute(update(Posting).where(col(Posting.id) == new).values(created_at=last_week))
        session.execute(
            update(Posting)
            .where(col(Posting.id) == closed)
            .values(status="closed", closed_at=last_week)
        )
    now.set(last_week)
    jobs.run(ctx, "full_refresh", trigger="cli")  # it stamps the seekers it changed then
    now.set(monday)
    with read_session(demo_engine) as session:
        unfit = session.execute(
            select(col(RefreshRun.unfit_postings)).where(col(RefreshRun.kind) == "full")
        ).scalar_one()
    outcome = jobs.run(ctx, "weekly_changes", trigger="cli")
    assert outcome.counts["week_start"] == str(clock.today() - timedelta(days=7))
    assert outcome.counts["new_postings"] >= 1 and outcome.counts["closed_postings"] == 1
    assert outcome.counts["changed_seekers"] > 0
    with read_session(demo_engine) as session:
        lists = session.execute(select(WeeklyChange)).scalars().all()
    detail = {kind: {i for row in lists for i in row.detail[kind]} for kind in KINDS}
    assert new in detail["new_postings"] and closed in detail["closed_postings"]
    assert detail["unfit_postings"] == set(unfit) - {closed}


def test_the_unfit_postings_fit_nobody(demo_engine):
    from matcher.matching.recommendations import explain_pair

    with write_session(demo_engine) as session:  # a posting nobody could take
        posting_id, external = session.execute(
            select(col(Posting.id), col(Posting.external_id)).limit(1)
        ).one()
        session.execute(
            update(Posting)
            .where(col(Posting.id) == posting_id)
            .values(education_min="doctor", area_code="110000", work_modes=["full_time"])
        )
    jobs.run(context(demo_engine), "full_refresh", trigger="cli")
    with read_session(demo_engine) as session:
        unfit = session.execute(select(col(RefreshRun.unfit_postings))).scalar_one()
        shown = {p for _, p in active_pairs(demo_engine)}
        seekers = session.execute(select(col(Jobseeker.external_id)).limit(30)).scalars().all()
    assert posting_id in unfit
    assert not set(unfit) & shown  # a posting someone was given fits someone
    for seeker in seekers:
        assert not explain_pair(demo_engine, seeker, external)["feasible"]


def test_a_seekers_refresh_now_is_taken_up_by_the_scheduler(demo_engine):
    ctx = context(demo_engine)
    jobs.run(ctx, "full_refresh", trigger="cli")
    with write_session(demo_engine) as session:
        worker = session.execute(
            select(User).where(col(User.username) == "caseworker")
        ).scalar_one()
        seeker = session.execute(
            select(col(Jobseeker.id)).where(col(Jobseeker.case_worker_id) == worker.id).limit(1)
        ).scalar_one()
        request(session, SEEKER, reason="refresh now", seeker_id=seeker, requested_by=worker.id)
    (outcome,) = jobs.take_requests(ctx, Debounce())
    assert outcome.status == "succeeded" and outcome.counts["requests"] == 1
    with read_session(demo_engine) as session:
        (handled,) = session.execute(select(JobRequest)).scalars().all()
        refresh = session.execute(
            select(RefreshRun).order_by(col(RefreshRun.id).desc()).limit(1)
        ).scalar_one()
    assert handled.handled_at is not None and handled.job_run_id == outcome.run_id
    assert refresh.kind == "single" and refresh.status == "succeeded"
    assert jobs.take_requests(ctx, Debounce()) == []


def _edit(engine) -> None:
    with write_session(engine) as session:  # stamped by the clock, as the web's edits are
        request(session, CHANGES, reason="seeker file")


def test_edits_are_debounced_into_one_incremental_refresh(demo_engine, now):
    ctx = context(demo_engine)
    jobs.run(ctx, "full_refresh", trigger="cli")
    start = now.utcnow()
    debounce = Debounce(quiet=timedelta(seconds=30), longest=timedelta(minutes=5))
    ran = []
    for second in range(180):
        now.set(start + timedelta(seconds=second))
        if second < 60 and second % 6 == 0:  # ten edits in the first minute
            _edit(demo_engine)
        if second % 5 == 0:  # the scheduler looks every 5 s
            ran += jobs.take_requests(ctx, debounce)
    assert [o.status for o in ran] == ["succeeded"]
    assert ran[0].counts["requests"] == 10
    (run,) = runs(demo_engine, CHANGES)
    assert run.trigger == "request"


def test_a_steady_stream_of_edits_is_refreshed_within_the_longest_wait(demo_engine, now):
    ctx = context(demo_engine)
    jobs.run(ctx, "full_refresh", trigger="cli")
    start = now.utcnow()
    debounce = Debounce(quiet=timedelta(seconds=30), longest=timedelta(minutes=5))
    ran_at = []
    for second in range(0, 400, 10):  # an edit every 10 s: never 30 s of quiet
        now.set(start + timedelta(seconds=second))
        _edit(demo_engine)
        if jobs.take_requests(ctx, debounce):
            ran_at.append(second)
    assert ran_at == [300]


def test_only_an_admin_starts_jobs_and_the_scheduler_takes_them_up(demo_engine):
    ctx = context(demo_engine)
    with write_session(demo_engine) as session:
        admin = session.execute(select(User).where(col(User.username) == "admin")).scalar_one()
        supervisor = session.execute(
            select(User).where(col(User.username) == "supervisor")
        ).scalar_one()
        with pytest.raises(NotAllowed):
            ask(session, viewer=Viewer.of(supervisor), job="full_refresh")
        with pytest.raises(NotAllowed):
            ask(session, viewer=Viewer.of(admin), job="seeker_refresh")
        ask(session, viewer=Viewer.of(admin), job="incremental_refresh")
        ask(session, viewer=Viewer.of(admin), job="kpi_snapshot")
    # asked by hand: no waiting for quiet
    outcomes = jobs.take_requests(ctx, Debounce(quiet=timedelta(hours=1)))
    assert sorted((o.status, o.run_id is not None) for o in outcomes) == [
        ("succeeded", True),
        ("succeeded", True),
    ]
    with read_session(demo_engine) as session:
        assert {r.trigger for r in session.execute(select(JobRun)).scalars()} == {"request"}
