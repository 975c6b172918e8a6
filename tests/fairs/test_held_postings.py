"""A posting held for review (here: a clause that excludes people) reaches no one: no
recommendation, no place at a fair, no line in the booklet; and what staff decide about it
survives the next import of the same file."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, update
from sqlmodel import col

from matcher import jobs
from matcher.core.db import read_session, write_session
from matcher.core.models import (
    Campaign,
    FairListing,
    FairPostingFit,
    Posting,
    Recommendation,
)
from matcher.fairs import listing
from matcher.fairs.booklet import booklet
from matcher.intake import import_file
from tests.fairs.test_listing import analyse, viewer_of
from tests.helpers import posting_row, write_csv

EXCLUDING = "女，身高165cm以上，五官端正，身体健康，无残疾"


@pytest.fixture
def imported(engine, vault, frozen_clock, tmp_path):
    from matcher import demo

    demo.load(engine, vault, seekers=200, postings=60, seed=3)
    with read_session(engine) as session:
        campaign = session.execute(
            select(Campaign).where(col(Campaign.kind) == "soe_campaign")
        ).scalar_one()
    rows = [
        posting_row(1, 岗位名称="数据录入员", 岗位职责="录入订单数据", 任职要求=EXCLUDING),
        posting_row(2, 岗位名称="数据录入员", 岗位职责="录入客户资料，核对信息"),
    ]
    path = write_csv(tmp_path / "postings.csv", rows)
    report = import_file(engine, vault, kind="postings", path=path, campaign=campaign.name)
    assert report.written and report.held == 1
    with read_session(engine) as session:
        ids = dict(session.execute(select(col(Posting.external_id), col(Posting.id))).all())
    return campaign, ids["T-P0001"], ids["T-P0002"], path


def test_a_held_posting_is_recommended_offered_and_printed_to_no_one(engine, imported):
    campaign, held, open_, _ = imported
    assert jobs.run(jobs.JobContext(engine), "full_refresh", trigger="cli").status == "succeeded"
    with read_session(engine) as session:
        sent = session.execute(
            select(col(Recommendation.posting_id), func.count()).group_by(
                col(Recommendation.posting_id)
            )
        ).all()
        assert held not in dict(sent)
    organizer = viewer_of(engine, "organizer")
    with read_session(engine) as session:
        own, _, _ = listing.postings_to_add(session, campaign_id=campaign.id)
        shown = {p.id: p for p in own}
        assert shown[held].held and "flag:no_disability" in shown[held].review_reasons
        assert not shown[open_].held
    with write_session(engine) as session:
        added = listing.add_postings(
            session, viewer=organizer, campaign_id=campaign.id, posting_ids=[held, open_]
        )
        assert added == 1
        # listed before it was held (an earlier import): still never offered or printed
        session.add(FairListing(campaign_id=campaign.id, posting_id=held, added_by=organizer.id))
    with read_session(engine) as session:
        printed = booklet(session, campaign_id=campaign.id)
    assert printed is not None and printed.held_left_out == 1
    printed_ids = [
        p.posting_id for e in printed.employers for c in e.categories for p in c.postings
    ]
    assert open_ in printed_ids and held not in printed_ids
    analyse(engine)
    with read_session(engine) as session:
        analysed = set(
            session.execute(
                select(col(FairPostingFit.posting_id)).where(
                    col(FairPostingFit.campaign_id) == campaign.id
                )
            ).scalars()
        )
    assert open_ in analysed and held not in analysed


def test_a_cleared_review_and_an_edited_text_survive_the_same_file(engine, vault, imported):
    _, held, _, path = imported
    with write_session(engine) as session:  # as staff clear it: the employer dropped it
        original = session.get(Posting, held)
        assert original is not None and original.review == "held"
        session.execute(
            update(Posting)
            .where(col(Posting.id) == held)
            .values(
                original_text={
                    "description": original.description,
                    "requirements": original.requirements,
                },
                requirements="能胜任岗位工作",
                review="cleared",
                review_reasons=[],
            )
        )
    again = import_file(engine, vault, kind="postings", path=path)
    assert again.written and again.held == 0 and again.unchanged == 2
    with read_session(engine) as session:
        kept = session.get(Posting, held)
        assert kept is not None
        assert (kept.requirements, kept.review) == ("能胜任岗位工作", "cleared")


def test_a_job_reason_that_stands_survives_a_change_elsewhere(engine, vault, imported, tmp_path):
    _, held, _, _ = imported
    with write_session(engine) as session:  # as staff clear it: a job reason stands
        session.execute(update(Posting).where(col(Posting.id) == held).values(review="cleared"))
    rows = [posting_row(1, 岗位名称="数据录入员", 岗位职责="录入订单数据", 任职要求=EXCLUDING)]
    rows[0]["月薪上限"] = "5200"
    report = import_file(engine, vault, kind="postings", path=write_csv(tmp_path / "p.csv", rows))
    assert report.written and report.changed == 1
    with read_session(engine) as session:
        posting = session.get(Posting, held)
        assert posting is not None and posting.salary_max == 5200
        assert posting.review == "cleared" and posting.review_reasons == []
    rows[0]["任职要求"] = EXCLUDING + "，男性优先"  # a new text: screened again
    import_file(engine, vault, kind="postings", path=write_csv(tmp_path / "q.csv", rows))
    with read_session(engine) as session:
        posting = session.get(Posting, held)
        assert posting is not None and posting.review == "held"


def test_a_clause_a_job_reason_turns_into_a_note_does_not_hold(engine, vault, tmp_path):
    """视力良好 in an inspection job is a note to check, not a flag: the posting imports
    unheld, while the same clause in an office job holds it."""
    rows = [
        posting_row(951, 岗位名称="外观质检员", 任职要求="视力良好，负责外观检验。"),
        posting_row(952, 岗位名称="行政文员", 任职要求="视力良好，熟练使用办公软件。"),
    ]
    report = import_file(engine, vault, kind="postings", path=write_csv(tmp_path / "v.csv", rows))
    assert report.written
    with read_session(engine) as session:
        review = dict(session.execute(select(col(Posting.external_id), col(Posting.review))).all())
    assert review["T-P0951"] != "held" and review["T-P0952"] == "held"
