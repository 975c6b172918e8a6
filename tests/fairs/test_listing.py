"""A campaign's fair on SQLite and PostgreSQL: building the listing, the fit figures the
fair analysis job writes (checked against the ranker's feasibility matrix), the invite list
and its scoping, and the case workers' marks."""

from __future__ import annotations

import csv
import io

import numpy as np
import pytest
from sqlalchemy import func, select
from sqlmodel import col

from matcher import jobs
from matcher.core import clock
from matcher.core.db import read_session, write_session
from matcher.core.job_requests import Debounce
from matcher.core.models import (
    Campaign,
    FairInvite,
    FairListing,
    FairPostingFit,
    FairSeeker,
    JobRequest,
    Jobseeker,
    Posting,
    Recommendation,
    User,
)
from matcher.fairs import listing
from matcher.matching.inputs import load_postings
from matcher.people.access import Viewer, area_prefix
from matcher.ranker.engine import Ranker


@pytest.fixture
def demo_engine(engine, vault, frozen_clock):
    from matcher import demo

    demo.load(engine, vault, seekers=400, postings=150, seed=11)
    ctx = jobs.JobContext(engine)
    assert jobs.run(ctx, "full_refresh", trigger="cli").status == "succeeded"
    return engine


def viewer_of(engine, username: str) -> Viewer:
    with read_session(engine) as session:
        user = session.execute(select(User).where(col(User.username) == username)).scalar_one()
        return Viewer.of(user)


def quarterly_fair(engine) -> Campaign:
    """The demo's quarterly fair of the city the case worker "caseworker" works in."""
    worker = viewer_of(engine, "caseworker")
    with read_session(engine) as session:
        for campaign in session.execute(
            select(Campaign).where(col(Campaign.kind) == "quarterly_fair")
        ).scalars():
            prefix = area_prefix(campaign.area_code or "")
            if any(code.startswith(prefix) for code in worker.area_codes):
                return campaign
    raise AssertionError("no quarterly fair in the case worker's city")


def province_campaign(engine) -> Campaign:
    """A campaign for the whole province: every demo seeker is in its area."""
    with read_session(engine) as session:
        campaign = session.execute(
            select(Campaign).where(col(Campaign.kind) == "soe_campaign")
        ).scalar_one()
    assert campaign.area_code is not None and campaign.area_code.endswith("0000")
    return campaign


def build(engine, organizer: Viewer, campaign: Campaign) -> list[int]:
    with read_session(engine) as session:
        own, others, _ = listing.postings_to_add(session, campaign_id=campaign.id)
    ids = [p.id for p in own] + [p.id for p in others[:5]]
    with write_session(engine) as session:
        added = listing.add_postings(
            session, viewer=organizer, campaign_id=campaign.id, posting_ids=ids
        )
    assert added == len(ids) > 5
    return ids


def analyse(engine) -> None:
    """The scheduler takes the fair's request up; the next change comes a moment later
    (on a frozen clock it would carry the analysis's own time, and not count as newer)."""
    ctx = jobs.JobContext(engine)
    outcomes = jobs.take_requests(ctx, Debounce())
    assert [o.status for o in outcomes if o.counts.get("fairs")] == ["succeeded"]
    stopped = clock.current()
    assert isinstance(stopped, clock.FrozenClock)
    stopped.advance(seconds=5)


def test_the_listing_change_is_pending_until_the_analysis_runs(demo_engine):
    organizer, campaign = viewer_of(demo_engine, "organizer"), quarterly_fair(demo_engine)
    build(demo_engine, organizer, campaign)
    with read_session(demo_engine) as session:
        view = listing.fair_view(session, viewer=organizer, campaign_id=campaign.id)
        assert view.pending and all(p.fits is None for p in view.postings)
        waiting = session.execute(
            select(func.count()).where(
                col(JobRequest.job) == "fair_analysis", col(JobRequest.handled_at).is_(None)
            )
        ).scalar_one()
        assert waiting == 1
    analyse(demo_engine)
    with read_session(demo_engine) as session:
        view = listing.fair_view(session, viewer=organizer, campaign_id=campaign.id)
    assert not view.pending and all(p.fits is not None for p in view.postings)
    assert view.unfit == [p for p in view.postings if p.fits == 0]
    assert view.invitees > 0


@pytest.mark.parametrize("scope", ["city", "province"])
def test_fit_figures_agree_with_the_feasibility_matrix(demo_engine, scope):
    organizer = viewer_of(demo_engine, "organizer")
    campaign = quarterly_fair(demo_engine) if scope == "city" else province_campaign(demo_engine)
    listed = build(demo_engine, organizer, campaign)
    analyse(demo_engine)
    ctx = jobs.JobContext(demo_engine)
    warm, seekers = ctx.refresher.current()
    with read_session(demo_engine) as session:
        postings = load_postings(session, today=clock.today(), ids=listed)
        stored = {
            row.posting_id: (row.fits, row.fits_in_area)
            for row in session.execute(
                select(FairPostingFit).where(col(FairPostingFit.campaign_id) == campaign.id)
            ).scalars()
        }
        seeker_rows = {
            row.seeker_id: row
            for row in session.execute(
                select(FairSeeker).where(col(FairSeeker.campaign_id) == campaign.id)
            ).scalars()
        }
    ranker = Ranker(postings, warm.settings, today=warm.today, vocabulary=warm.vocabulary)
    feasible = ranker.feasible_matrix(seekers) & seekers.eligible[:, None]
    prefix = area_prefix(campaign.area_code)
    local = np.array([s.area_code.startswith(prefix) for s in seekers.items]) & seekers.eligible
    expected = {
        int(pid): (int(feasible[:, j].sum()), int(feasible[local, j].sum()))
        for j, pid in enumerate(ranker.posting_id)
    }
    assert stored == expected
    assert sum(in_area for _, in_area in stored.values()) > 0
    # Every eligible seeker of the area has a row; fits equal the matrix's row sums.
    local_ids = {seekers.items[r].id: r for r in np.flatnonzero(local)}
    assert set(seeker_rows) == set(local_ids)
    for seeker_id, row in seeker_rows.items():
        assert row.fits == int(feasible[local_ids[seeker_id]].sum())
        assert len(row.top_postings) == min(3, row.fits)
        assert set(row.top_postings) <= set(listed)
        assert (row.score > 0) == (row.fits > 0)


def test_the_invite_list_ranks_by_fit_and_shows_an_organizer_no_health_data(demo_engine):
    organizer, campaign = viewer_of(demo_engine, "organizer"), quarterly_fair(demo_engine)
    build(demo_engine, organizer, campaign)
    analyse(demo_engine)
    with read_session(demo_engine) as session:
        rows, total = listing.invite_list(
            session, viewer=organizer, campaign_id=campaign.id, limit=None
        )
        in_area = session.execute(
            select(func.count())
            .select_from(FairSeeker)
            .where(col(FairSeeker.campaign_id) == campaign.id, col(FairSeeker.fits) > 0)
        ).scalar_one()
    assert total == len(rows) == in_area > 0
    assert [r.score for r in rows] == sorted((r.score for r in rows), reverse=True)
    assert [r.rank for r in rows] == list(range(1, total + 1))
    assert all(r.postings and not r.in_scope for r in rows)
    # The row type itself carries nothing an organizer may not see (SECURITY.md item 8).
    fields = set(listing.Invitee.__dataclass_fields__)
    assert not fields & {"disability_types", "disability_grade", "cert_no_masked", "id_number"}
    out = io.BytesIO()
    listing.export_invites(rows, fmt="csv", lang="zh", out=out)
    table = list(csv.reader(io.StringIO(out.getvalue().decode("utf-8-sig"))))
    assert table[0] == ["排序", "姓名", "地区", "联系方式偏好", "匹配岗位", "邀请状态"]
    assert len(table) == total + 1 and table[1][1] == rows[0].name


def test_case_workers_see_and_mark_their_own_people_and_marks_survive_analysis(demo_engine):
    organizer, campaign = viewer_of(demo_engine, "organizer"), quarterly_fair(demo_engine)
    listed = build(demo_engine, organizer, campaign)
    analyse(demo_engine)
    worker = viewer_of(demo_engine, "caseworker")
    with read_session(demo_engine) as session:
        everyone, total = listing.invite_list(
            session, viewer=organizer, campaign_id=campaign.id, limit=None
        )
        mine, my_total = listing.invite_list(
            session, viewer=worker, campaign_id=campaign.id, limit=None
        )
        owners = dict(
            session.execute(
                select(col(Jobseeker.id), col(Jobseeker.case_worker_id)).where(
                    col(Jobseeker.id).in_([r.seeker_id for r in everyone])
                )
            ).all()
        )
    assert 0 < my_total < total
    assert all(r.in_scope for r in mine)
    theirs = next(r for r in everyone if r.seeker_id not in {m.seeker_id for m in mine})
    assert owners[theirs.seeker_id] != worker.id
    with write_session(demo_engine) as session:
        listing.mark(
            session,
            viewer=worker,
            campaign_id=campaign.id,
            seeker_id=mine[0].seeker_id,
            status="invited",
        )
    with pytest.raises(listing.NotFound), write_session(demo_engine) as session:
        listing.mark(
            session,
            viewer=worker,
            campaign_id=campaign.id,
            seeker_id=theirs.seeker_id,
            status="invited",
        )
    with pytest.raises(listing.NotAllowed), write_session(demo_engine) as session:
        listing.mark(
            session,
            viewer=organizer,
            campaign_id=campaign.id,
            seeker_id=mine[0].seeker_id,
            status="attended",
        )
    with pytest.raises(ValueError), write_session(demo_engine) as session:
        listing.mark(
            session,
            viewer=worker,
            campaign_id=campaign.id,
            seeker_id=mine[0].seeker_id,
            status="maybe",
        )
    # A change of the listing and a new analysis keep the mark.
    with write_session(demo_engine) as session:
        assert listing.remove_posting(
            session, viewer=organizer, campaign_id=campaign.id, posting_id=listed[-1]
        )
    analyse(demo_engine)
    with read_session(demo_engine) as session:
        (status,) = session.execute(
            select(col(FairInvite.status)).where(col(FairInvite.campaign_id) == campaign.id)
        ).scalars()
        assert status == "invited"
        fits = session.execute(
            select(col(FairPostingFit.posting_id)).where(
                col(FairPostingFit.campaign_id) == campaign.id
            )
        ).scalars()
        assert listed[-1] not in set(fits)
        mine_again, _ = listing.invite_list(session, viewer=worker, campaign_id=campaign.id)
    marked = {r.seeker_id: r.status for r in mine_again}
    assert marked.get(mine[0].seeker_id, "invited") == "invited"


def test_only_organizers_and_admins_build_and_closed_postings_are_not_listed(demo_engine):
    campaign = quarterly_fair(demo_engine)
    worker = viewer_of(demo_engine, "caseworker")
    with read_session(demo_engine) as session:
        closed = session.execute(select(col(Posting.id)).limit(1)).scalar_one()
    with write_session(demo_engine) as session:
        session.execute(
            Posting.__table__.update()
            .where(Posting.__table__.c.id == closed)
            .values(status="closed")  # type: ignore[attr-defined]
        )
    with pytest.raises(listing.NotAllowed), write_session(demo_engine) as session:
        listing.add_postings(session, viewer=worker, campaign_id=campaign.id, posting_ids=[closed])
    admin = viewer_of(demo_engine, "admin")
    with write_session(demo_engine) as session:
        assert (
            listing.add_postings(
                session, viewer=admin, campaign_id=campaign.id, posting_ids=[closed]
            )
            == 0
        )
    with read_session(demo_engine) as session:
        assert session.execute(select(func.count()).select_from(FairListing)).scalar_one() == 0
    with pytest.raises(listing.NotFound), read_session(demo_engine) as session:
        listing.fair_view(session, viewer=admin, campaign_id=999_999)


def test_the_daily_run_covers_fairs_to_come_once_per_day(demo_engine):
    organizer, campaign = viewer_of(demo_engine, "organizer"), quarterly_fair(demo_engine)
    build(demo_engine, organizer, campaign)
    ctx = jobs.JobContext(demo_engine)
    first = jobs.scheduled(ctx, "fair_analysis")
    assert first.status == "succeeded" and first.counts["fairs"] >= 1
    assert jobs.scheduled(ctx, "fair_analysis").reason == "slot done"
    with read_session(demo_engine) as session:
        analysed = session.get(Campaign, campaign.id)
        assert analysed is not None and analysed.analysed_at is not None
        rows = session.execute(
            select(func.count())
            .select_from(FairSeeker)
            .where(col(FairSeeker.campaign_id) == campaign.id)
        ).scalar_one()
    assert rows > 0


def test_withdrawing_consent_takes_people_off_every_list_in_the_same_transaction(
    demo_engine, vault
):
    """SECURITY item 32 (and PIPL's "stop processing"): the withdrawal, by a re-import of the
    person's row with consent 否, removes their invite and fit rows and their active
    recommendations in its own transaction; the lists and their export no longer name
    them, and an analysis from a warm state made before the withdrawal does not bring them
    back. A past fair keeps them only in its posting counts."""
    from matcher.intake.store import update_seekers
    from tests.people.test_consent import record_of

    organizer, campaign = viewer_of(demo_engine, "organizer"), quarterly_fair(demo_engine)
    build(demo_engine, organizer, campaign)
    worker = viewer_of(demo_engine, "caseworker")
    ctx = jobs.JobContext(demo_engine)
    ctx.refresher.current()  # the warm state, from before the withdrawal
    analyse(demo_engine)
    with read_session(demo_engine) as session:
        mine, _ = listing.invite_list(session, viewer=worker, campaign_id=campaign.id, limit=None)
    leaving = [mine[0].seeker_id, mine[1].seeker_id]
    with write_session(demo_engine) as session:
        listing.mark(
            session, viewer=worker, campaign_id=campaign.id, seeker_id=leaving[0], status="invited"
        )
    with write_session(demo_engine) as session:
        changes = [(i, record_of(session, vault, i, consent=False)) for i in leaving]
        update_seekers(session, vault, changes)
    with read_session(demo_engine) as session:
        everyone, _ = listing.invite_list(
            session, viewer=organizer, campaign_id=campaign.id, limit=None
        )
        left = {
            model.__name__: session.execute(
                select(func.count()).where(col(model.seeker_id).in_(leaving))
            ).scalar_one()
            for model in (FairSeeker, FairInvite)
        }
        active = session.execute(
            select(func.count()).where(
                col(Recommendation.seeker_id).in_(leaving), col(Recommendation.active)
            )
        ).scalar_one()
    assert not {r.seeker_id for r in everyone} & set(leaving)
    assert left == {"FairSeeker": 0, "FairInvite": 0} and active == 0
    out = io.BytesIO()
    listing.export_invites(everyone, fmt="csv", lang="zh", out=out)
    names = {mine[0].name, mine[1].name}
    assert not any(name in out.getvalue().decode("utf-8-sig") for name in names)
    # the fair is analysed again from the warm state ranked before the withdrawal
    with write_session(demo_engine) as session:
        listing.remove_posting(
            session,
            viewer=organizer,
            campaign_id=campaign.id,
            posting_id=listing.fair_view(session, viewer=organizer, campaign_id=campaign.id)
            .postings[-1]
            .id,
        )
    outcomes = jobs.take_requests(ctx, Debounce())
    assert [o.status for o in outcomes if o.counts.get("fairs")] == ["succeeded"]
    with read_session(demo_engine) as session:
        back = session.execute(
            select(func.count()).where(col(FairSeeker.seeker_id).in_(leaving))
        ).scalar_one()
    assert back == 0
