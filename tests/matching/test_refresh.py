"""Refreshes on a real database: atomic switch, outcomes kept, declines respected,
consent honoured, incremental and single-seeker runs, the command line."""

import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update
from sqlmodel import Session

from matcher import demo
from matcher.cli import main
from matcher.core import clock
from matcher.core.db import write_session
from matcher.core.models import Jobseeker, Posting, Recommendation, RefreshRun
from matcher.intake import import_file
from matcher.matching.refresh import Refresher, full_refresh
from tests.helpers import TODAY, posting_row, write_csv


@pytest.fixture
def loaded(engine, vault):
    demo.load(engine, vault, seekers=300, postings=200, today=TODAY)
    return engine


def active(engine, **where):
    with Session(engine) as session:
        query = select(Recommendation).where(Recommendation.active)
        for name, value in where.items():
            query = query.where(getattr(Recommendation, name) == value)
        return session.execute(query).scalars().all()


def test_a_full_refresh_recommends_and_records_its_run(loaded):
    summary = full_refresh(loaded)
    rows = active(loaded)
    assert summary.recommendations == len(rows) > 0
    assert summary.graduates_short == 0
    with Session(loaded) as session:
        run = session.get(RefreshRun, summary.run_id)
        assert run.status == "succeeded" and run.recommendations == len(rows)
        assert run.finished_at is not None and run.feasible_pairs == summary.feasible_pairs
    per_seeker = {}
    for row in rows:
        per_seeker.setdefault(row.seeker_id, []).append(row)
    assert max(len(v) for v in per_seeker.values()) <= 5
    for recs in per_seeker.values():
        assert sorted(r.rank for r in recs) == list(range(1, len(recs) + 1))
        assert all(2 <= len(r.reasons) <= 4 and r.parts for r in recs)


def test_graduates_get_at_least_three_when_three_are_feasible(loaded):
    summary = full_refresh(loaded)
    with Session(loaded) as session:
        counts = dict(
            session.execute(
                select(Recommendation.seeker_id, func.count())
                .join(Jobseeker, Jobseeker.id == Recommendation.seeker_id)
                .where(Recommendation.active, Jobseeker.is_graduate)
                .group_by(Recommendation.seeker_id)
            ).all()
        )
    assert summary.graduates_short == 0
    assert counts and min(counts.values()) >= 3


def test_a_second_refresh_replaces_the_set_and_keeps_outcomes(loaded):
    full_refresh(loaded)
    first = active(loaded)
    sent = first[0]
    with write_session(loaded) as session:
        session.execute(
            update(Recommendation)
            .where(Recommendation.id == sent.id)
            .values(status="applied", status_at=clock.utcnow())
        )
    second_summary = full_refresh(loaded)
    second = active(loaded)
    assert {r.run_id for r in second} == {second_summary.run_id}
    kept = [r for r in second if (r.seeker_id, r.posting_id) == (sent.seeker_id, sent.posting_id)]
    assert len(kept) == 1 and kept[0].status == "applied"  # pinned and carried over
    with Session(loaded) as session:
        stale = session.execute(
            select(func.count())
            .select_from(Recommendation)
            .where(Recommendation.run_id != second_summary.run_id, Recommendation.status == "new")
        ).scalar_one()
    assert stale == 0  # replaced rows without an outcome are cleaned up


def test_a_declined_posting_is_not_recommended_again(loaded):
    full_refresh(loaded)
    row = active(loaded)[0]
    with write_session(loaded) as session:
        session.execute(
            update(Recommendation)
            .where(Recommendation.id == row.id)
            .values(status="declined", status_reason="太远", status_at=clock.utcnow())
        )
    full_refresh(loaded)
    again = active(loaded, seeker_id=row.seeker_id)
    assert row.posting_id not in {r.posting_id for r in again}


def test_withdrawing_consent_removes_the_seeker_from_matching(loaded):
    full_refresh(loaded)
    seeker_id = active(loaded)[0].seeker_id
    with write_session(loaded) as session:
        session.execute(
            update(Jobseeker)
            .where(Jobseeker.id == seeker_id)
            .values(consent=False, updated_at=clock.utcnow())
        )
    Refresher(loaded).incremental()
    assert active(loaded, seeker_id=seeker_id) == []


def test_a_failed_refresh_leaves_the_previous_set(loaded, monkeypatch):
    full_refresh(loaded)
    before = {(r.seeker_id, r.posting_id) for r in active(loaded)}

    def broken(*args, **kwargs):
        raise RuntimeError("simulated failure while storing")

    monkeypatch.setattr("matcher.matching.refresh.bulk_insert", broken)
    with pytest.raises(RuntimeError):
        full_refresh(loaded)
    assert {(r.seeker_id, r.posting_id) for r in active(loaded)} == before
    with Session(loaded) as session:
        last = session.execute(select(RefreshRun).order_by(RefreshRun.id.desc())).scalars().first()
        assert last.status == "failed" and "simulated failure" in last.error


def test_incremental_after_new_postings_touches_only_affected_seekers(loaded, vault, tmp_path):
    refresher = Refresher(loaded)
    refresher.full()
    before = {r.seeker_id: r.run_id for r in active(loaded)}
    rows = [
        posting_row(
            n,
            单位性质="国有企业",
            工作地点="贵州省",
            招聘人数="10",
            岗位名称=f"在线客服专员{n}",
            工作方式="远程",
        )
        for n in range(5)
    ]
    assert import_file(loaded, vault, kind="postings", path=write_csv(tmp_path / "p.csv", rows)).ok
    summary = refresher.incremental()
    assert summary.kind == "incremental"
    after = active(loaded)
    touched = {r.seeker_id for r in after if r.run_id == summary.run_id}
    assert touched and len(touched) < len(before)
    new_ids = set(_posting_ids(loaded, [f"T-P{n:04d}" for n in range(5)]))
    assert new_ids & {r.posting_id for r in after}  # the new postings reached someone
    for row in after:
        assert row.run_id == summary.run_id or row.seeker_id not in touched


def test_postings_in_words_the_text_model_never_saw_refit_it(loaded, vault, tmp_path):
    """An incremental refresh transforms new postings with the fitted text model, unless
    most of their words are new to it: then a full refresh refits it."""
    refresher = Refresher(loaded)
    refresher.full()
    known = [posting_row(n, 岗位名称=f"在线客服专员{n}") for n in range(3)]
    assert import_file(loaded, vault, kind="postings", path=write_csv(tmp_path / "k.csv", known)).ok
    assert refresher.incremental().kind == "incremental"  # the demo's own words
    novel = [
        posting_row(
            20 + n,
            岗位名称=f"蜂蜜酿造品鉴师{n}",
            岗位职责="鉴别槐花椴树荆条蜜源，撰写风味笔记，巡检蜂箱温湿度。",
            任职要求="熟悉酿蜜工艺，嗅觉灵敏。",
            技能要求="",
        )
        for n in range(3)
    ]
    assert import_file(loaded, vault, kind="postings", path=write_csv(tmp_path / "n.csv", novel)).ok
    assert refresher.incremental().kind == "full"


def test_incremental_withdraws_a_closed_posting(loaded):
    refresher = Refresher(loaded)
    refresher.full()
    posting_id = active(loaded)[0].posting_id
    with write_session(loaded) as session:
        session.execute(
            update(Posting)
            .where(Posting.id == posting_id)
            .values(status="closed", updated_at=clock.utcnow())
        )
    refresher.incremental()
    assert active(loaded, posting_id=posting_id) == []


def test_a_cold_incremental_builds_its_state_and_agrees(loaded):
    Refresher(loaded).full()
    summary = Refresher(loaded).incremental()  # a new process: no warm state
    assert summary.kind == "incremental" and summary.recommendations == 0  # nothing changed


def test_one_seeker_on_demand_respects_the_others(loaded):
    full_refresh(loaded)
    seeker_id = active(loaded)[0].seeker_id
    summary = Refresher(loaded).seekers([seeker_id])
    assert summary.kind == "single"
    mine = active(loaded, seeker_id=seeker_id)
    assert {r.run_id for r in mine} == {summary.run_id}
    with Session(loaded) as session:
        exposure = dict(
            session.execute(
                select(Recommendation.posting_id, func.count())
                .where(Recommendation.active)
                .group_by(Recommendation.posting_id)
            ).all()
        )
        openings = dict(session.execute(select(Posting.id, Posting.openings)).all())
    over = [p for p, n in exposure.items() if n > 5 * openings[p]]
    assert not over or all(p in {r.posting_id for r in mine} for p in over)


def test_postings_past_their_deadline_are_not_recommended(loaded):
    with write_session(loaded) as session:
        session.execute(update(Posting).values(deadline=TODAY - timedelta(days=1)))
    summary = full_refresh(loaded)
    assert summary.recommendations == 0 and active(loaded) == []


def _posting_ids(engine, external_ids):
    with Session(engine) as session:
        return (
            session.execute(select(Posting.id).where(Posting.external_id.in_(external_ids)))
            .scalars()
            .all()
        )


def test_the_command_line_refresh_recommend_and_why(cli, loaded):
    result = cli.invoke(main, ["refresh"])
    assert result.exit_code == 0, result.output
    assert "seekers" in result.stdout and "feasible pairs" in result.stdout
    everyone = json.loads(cli.invoke(main, ["recommend", "--all", "--format", "json"]).stdout)
    assert set(everyone) == {"generated_at", "run_id", "seekers"}
    seeker = next(s for s in everyone["seekers"] if s["recommendations"])
    rec = seeker["recommendations"][0]
    assert {"posting_id", "rank", "score", "reasons", "needs_accommodation"} <= set(rec)
    table = cli.invoke(main, ["recommend", seeker["seeker_id"]])
    assert table.exit_code == 0 and rec["posting_id"] in table.stdout
    why = json.loads(
        cli.invoke(main, ["why", seeker["seeker_id"], rec["posting_id"], "--format", "json"]).stdout
    )
    assert why["feasible"] and why["recommended_rank"] == rec["rank"] and why["reasons"]
    text = cli.invoke(main, ["why", seeker["seeker_id"], rec["posting_id"], "--lang", "en"])
    assert "recommended, rank" in text.stdout
    missing = cli.invoke(main, ["why", "NOBODY", rec["posting_id"]])
    assert missing.exit_code == 1 and "no seeker has the id NOBODY" in missing.output
    incremental = cli.invoke(main, ["refresh", "--incremental"])
    assert incremental.exit_code == 0 and "(incremental)" in incremental.stdout


def test_why_names_every_failed_constraint(cli, loaded):
    with Session(loaded) as session:
        seeker = session.execute(select(Jobseeker).where(Jobseeker.consent)).scalars().first()
        posting = session.execute(select(Posting)).scalars().first()
    with write_session(loaded) as session:
        session.execute(
            update(Jobseeker)
            .where(Jobseeker.id == seeker.id)
            .values(education="primary", is_graduate=False)
        )
        session.execute(
            update(Posting)
            .where(Posting.id == posting.id)
            .values(education_min="bachelor", graduate_only=True)
        )
    result = json.loads(
        cli.invoke(
            main, ["why", seeker.external_id, posting.external_id, "--format", "json"]
        ).stdout
    )
    codes = {e["code"] for e in result["exclusions"]}
    assert not result["feasible"] and {"education", "graduate_only"} <= codes
    assert all(e["zh"] and e["en"] for e in result["exclusions"])
    words = " ".join(e["zh"] for e in result["exclusions"])
    assert "本科" in words and "小学" in words
