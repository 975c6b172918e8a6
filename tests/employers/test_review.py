"""Posting review (matcher.employers.review) on both databases: the queue of held postings,
setting a category and demands, clearing a clause the employer dropped or gave a job reason
for, and what stands in the way: stale versions, the wrong state, the wrong role. The
postings come in through real files, as they do in use, and staff edits survive importing
the same file again."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlmodel import Session, col

from matcher.core.db import read_session, write_session
from matcher.core.job_requests import CHANGES
from matcher.core.models import AuditLog, JobRequest, Posting, PostingCampaign
from matcher.employers import review
from matcher.intake import import_file
from matcher.intake.store import posting_text
from matcher.ranker.inputs import Restriction
from matcher.reference.categories import UNSURE_CATEGORY
from matcher.reference.requirements import posting_profile
from matcher.reference.screening import findings, holding_rules
from tests.fairs.test_campaigns import add_user
from tests.helpers import POSTING_HEADERS, TODAY, posting_row, write_csv

# 实习生 is a title the category model is unsure of (well under HOLD_BELOW); the others it
# reads with confidence.
UNSURE = {"岗位名称": "实习生", "岗位职责": "协助部门完成日常工作。"}
GENDER_AND_AGE = {"任职要求": "限女性，年龄35岁以下，工作认真负责。"}
MEN_ONLY = {"任职要求": "只招男性，能吃苦耐劳。"}


def rows() -> list[dict[str, str]]:
    return [
        posting_row(1, 招聘人数="2", **GENDER_AND_AGE),  # held for gender and age
        posting_row(2, 招聘人数="5", **UNSURE),  # held for its category
        posting_row(3, 招聘人数="9"),  # not held
        posting_row(4, 招聘人数="5", **MEN_ONLY),  # held for gender; after 2 (same openings)
        posting_row(5, 招聘人数="1", **UNSURE, **MEN_ONLY),  # held for both
        posting_row(6, 招聘人数="0", **MEN_ONLY),  # held, but closed: not in the queue
    ]


def load(engine, vault, tmp_path, data=None, *, name="岗位.csv", campaign=None):
    path = write_csv(tmp_path / name, data or rows(), headers=POSTING_HEADERS)
    report = import_file(engine, vault, kind="postings", path=path, campaign=campaign)
    assert report.written, report.problems
    return report


def posting(engine, number: int) -> Posting:
    with Session(engine) as session:
        found = session.execute(
            select(Posting).where(col(Posting.external_id) == f"T-P{number:04d}")
        ).scalar_one()
        session.expunge(found)
        return found


@pytest.fixture
def staff(engine):
    return {
        "organizer": add_user(engine, "org", "organizer"),
        "supervisor": add_user(engine, "sup", "supervisor"),
        "admin": add_user(engine, "adm", "admin"),
        "case_worker": add_user(engine, "cw", "case_worker"),
    }


def changes(engine, posting_id: int) -> list[AuditLog]:
    with Session(engine) as session:
        return list(
            session.execute(
                select(AuditLog)
                .where(
                    col(AuditLog.action) == "change",
                    col(AuditLog.object_type) == "posting",
                    col(AuditLog.object_id) == str(posting_id),
                )
                .order_by(col(AuditLog.id))
            ).scalars()
        )


def refreshes_asked(engine) -> int:
    with Session(engine) as session:
        return len(
            session.execute(
                select(JobRequest).where(
                    col(JobRequest.job) == CHANGES, col(JobRequest.reason) == "posting review"
                )
            ).all()
        )


def test_the_queue_lists_held_open_postings_most_openings_first(engine, vault, tmp_path):
    load(engine, vault, tmp_path, campaign="秋季专场")
    p1, p2, p4, p5 = (posting(engine, n) for n in (1, 2, 4, 5))
    assert posting(engine, 3).review == "none"
    assert posting(engine, 6).review == "held" and posting(engine, 6).status == "closed"
    with read_session(engine) as session:
        queue = review.review_queue(session, offset=0, limit=10)
        assert review.held_count(session) == 4
        assert queue.total == 4
        assert [h.id for h in queue.postings] == [p2.id, p4.id, p1.id, p5.id]
        first = queue.postings[0]
        assert first.employer == "测试单位2有限公司" and first.openings == 5
        assert first.unsure_category and first.held_for == () and first.flags == ()
        assert first.category == p2.category and first.category_confidence is not None
        assert first.category_confidence < 0.35
        by_id = {h.id: h for h in queue.postings}
        assert set(by_id[p1.id].reasons) == {"flag:gender", "flag:age"}
        assert {f.flag.rule for f in by_id[p1.id].holding_flags} == {"gender", "age"}
        assert {f.flag.phrase for f in by_id[p1.id].flags} >= {"限女性", "35岁以下"}
        assert all(f.is_flag for f in by_id[p1.id].flags)
        assert by_id[p5.id].unsure_category and by_id[p5.id].held_for == ("gender",)
        # paged, in the same order
        page = review.review_queue(session, offset=1, limit=2)
        assert [h.id for h in page.postings] == [p4.id, p1.id] and page.total == 4
        # one campaign's own, and a campaign without any
        assert review.review_queue(session, campaign_id=1).total == 4
        assert review.review_queue(session, campaign_id=999).total == 0
        # the held among some ids (the fair builder marks them)
        held = review.held_among(session, posting_ids=[p1.id, posting(engine, 3).id])
        assert list(held) == [p1.id]


def test_setting_the_category_clears_the_doubt_and_makes_the_profile_again(
    engine, vault, tmp_path, staff
):
    load(engine, vault, tmp_path)
    before = posting(engine, 2)
    assert before.review_reasons == [UNSURE_CATEGORY] and before.category != "warehouse"
    asked = refreshes_asked(engine)
    with write_session(engine) as session:
        review.set_category(
            session,
            viewer=staff["organizer"],
            posting_id=before.id,
            version=before.version,
            category="warehouse",
        )
    after = posting(engine, 2)
    expected = posting_profile(
        category="warehouse",
        text=posting_text(after.title, after.description, after.requirements),
    )
    assert (after.staff_category, after.category) == ("warehouse", "warehouse")
    assert after.requirement_profile == expected.demands != before.requirement_profile
    assert after.demand_sources == expected.sources
    assert after.intrinsic == expected.intrinsic
    assert after.review == "cleared" and after.review_reasons == []
    assert after.reviewed_by == staff["organizer"].id and after.reviewed_at is not None
    assert after.version == before.version + 1 and after.updated_at > before.updated_at
    assert refreshes_asked(engine) == asked + 1
    (row,) = changes(engine, before.id)
    assert row.actor == "org"
    assert row.detail == {
        "what": "category",
        "from": before.category,
        "to": "warehouse",
        "review": "cleared",
    }
    with read_session(engine) as session:
        shown = review.posting_review(session, viewer=staff["case_worker"], posting_id=before.id)
        assert shown.category_source == "staff" and not shown.may_edit
        assert shown.reviewed_by == "org" and not shown.held


def test_confirming_the_inferred_category_counts_and_a_clause_still_holds(
    engine, vault, tmp_path, staff
):
    load(engine, vault, tmp_path)
    both = posting(engine, 5)
    assert set(both.review_reasons) == {UNSURE_CATEGORY, "flag:gender"}
    with write_session(engine) as session:
        review.set_category(
            session,
            viewer=staff["supervisor"],
            posting_id=both.id,
            version=both.version,
            category=both.category,  # the inferred one, confirmed
        )
    after = posting(engine, 5)
    assert after.staff_category == both.category
    assert after.review == "held" and after.review_reasons == ["flag:gender"]
    assert after.reviewed_by is None  # not cleared yet
    with read_session(engine) as session:
        shown = review.posting_review(session, viewer=staff["admin"], posting_id=both.id)
        assert shown.clearable and shown.restrictable == ("gender",) and shown.may_edit
        assert [f.flag.phrase for f in shown.flags] == ["只招男性"]
    # the same choice again changes nothing
    with write_session(engine) as session:
        review.set_category(
            session,
            viewer=staff["supervisor"],
            posting_id=both.id,
            version=after.version,
            category=both.category,
        )
    assert posting(engine, 5).version == after.version
    assert len(changes(engine, both.id)) == 1


def test_staff_demands_show_their_source_and_survive_importing_the_file_again(
    engine, vault, tmp_path, staff
):
    load(engine, vault, tmp_path)
    p3 = posting(engine, 3)
    assert p3.demand_sources["hearing"]["source"] != "staff"
    with write_session(engine) as session:
        review.set_demands(
            session,
            viewer=staff["admin"],
            posting_id=p3.id,
            version=p3.version,
            demands={"hearing": 2, "lifting": "0", "sight": ""},
        )
    after = posting(engine, 3)
    assert after.staff_demands == {"hearing": 2, "lifting": 0}
    assert after.requirement_profile["hearing"] == 2 and after.requirement_profile["lifting"] == 0
    assert after.demand_sources["hearing"] == {"source": "staff", "quote": "", "confidence": 1.0}
    assert after.demand_sources["lifting"]["source"] == "staff"
    assert after.demand_sources["sight"]["source"] != "staff"
    assert after.review == "none"  # a posting that was never held is not "cleared"
    (row,) = changes(engine, p3.id)
    assert row.detail == {
        "what": "demands",
        "from": {},
        "to": {"hearing": 2, "lifting": 0},
        "review": "none",
    }
    with write_session(engine) as session:
        review.set_category(
            session,
            viewer=staff["admin"],
            posting_id=p3.id,
            version=after.version,
            category="warehouse",
        )
    with read_session(engine) as session:
        shown = review.posting_review(session, viewer=staff["admin"], posting_id=p3.id)
        lines = {line.dimension: line for line in shown.demands}
        assert (lines["hearing"].source, lines["hearing"].staff, lines["hearing"].level) == (
            "staff",
            2,
            2,
        )
        assert lines["sight"].staff is None and lines["sight"].source in ("category", "phrase")

    def staff_edits_apply() -> Posting:
        found = posting(engine, 3)
        assert (found.staff_category, found.category) == ("warehouse", "warehouse")
        assert found.staff_demands == {"hearing": 2, "lifting": 0}
        assert found.requirement_profile["hearing"] == 2
        assert found.demand_sources["hearing"]["source"] == "staff"
        assert found.demand_sources["lifting"]["source"] == "staff"
        return found

    load(engine, vault, tmp_path)  # the same file again
    staff_edits_apply()
    changed = rows()
    changed[2] = posting_row(3, 招聘人数="7")  # and with its openings changed
    load(engine, vault, tmp_path, changed, name="岗位2.csv")
    assert staff_edits_apply().openings == 7
    # an empty value takes staff's level off again
    current = posting(engine, 3)
    with write_session(engine) as session:
        review.set_demands(
            session,
            viewer=staff["admin"],
            posting_id=p3.id,
            version=current.version,
            demands={"hearing": None},
        )
    assert posting(engine, 3).staff_demands == {"lifting": 0}
    assert posting(engine, 3).demand_sources["hearing"]["source"] != "staff"


def test_a_dropped_clause_keeps_the_text_as_imported(engine, vault, tmp_path, staff):
    load(engine, vault, tmp_path)
    p1 = posting(engine, 1)
    imported = {"description": p1.description, "requirements": p1.requirements}
    with write_session(engine) as session, pytest.raises(review.Invalid) as refused:
        review.clear_review(
            session,
            viewer=staff["organizer"],
            posting_id=p1.id,
            version=p1.version,
            how="dropped",
            note="",
            text={"description": p1.description, "requirements": "限女性，工作认真负责。"},
        )
    (problem,) = refused.value.problems
    assert problem.field == "requirements" and "限女性" in problem.zh and "限女性" in problem.en
    assert posting(engine, 1).version == p1.version  # nothing saved
    clean = "工作认真负责，有团队合作精神。"
    with write_session(engine) as session:
        review.clear_review(
            session,
            viewer=staff["organizer"],
            posting_id=p1.id,
            version=p1.version,
            how="dropped",
            note="用人单位电话确认删去性别和年龄要求",
            text={"description": p1.description, "requirements": clean},
        )
    after = posting(engine, 1)
    assert after.original_text == imported
    assert after.requirements == clean and after.description == p1.description
    assert not [
        f
        for f in findings(after.title, after.description, after.requirements)
        if f.is_flag and f.flag.rule in holding_rules()
    ]
    assert after.review == "cleared" and after.review_reasons == []
    assert after.review_note == "用人单位电话确认删去性别和年龄要求"
    assert after.reviewed_by == staff["organizer"].id and after.restrictions is None
    assert after.version == p1.version + 1
    assert after.profile_version == p1.profile_version
    (row,) = changes(engine, p1.id)
    assert row.detail == {
        "what": "review",
        "how": "dropped",
        "cleared": ["age", "gender"],
        "restrictions": None,
        "review": "cleared",
    }
    # nothing left to clear
    with write_session(engine) as session, pytest.raises(review.WrongState) as wrong:
        review.clear_review(
            session,
            viewer=staff["organizer"],
            posting_id=p1.id,
            version=after.version,
            how="dropped",
            note="",
            text={"requirements": clean},
        )
    assert wrong.value.problems[0].field == "review"
    # held again (a later clause, say): the text as imported is kept from the first time
    with write_session(engine) as session:
        stored = session.get(Posting, p1.id)
        stored.review, stored.review_reasons = "held", ["flag:gender"]
        stored.requirements = "只招女性。"
        session.add(stored)
    with write_session(engine) as session:
        review.clear_review(
            session,
            viewer=staff["organizer"],
            posting_id=p1.id,
            version=after.version,
            how="dropped",
            note="",
            text={"requirements": clean},
        )
    assert posting(engine, 1).original_text == imported


def test_the_dropped_text_survives_importing_the_file_again(engine, vault, tmp_path, staff):
    load(engine, vault, tmp_path)
    p1 = posting(engine, 1)
    with write_session(engine) as session:
        review.clear_review(
            session,
            viewer=staff["admin"],
            posting_id=p1.id,
            version=p1.version,
            how="dropped",
            note="",
            text={"description": p1.description, "requirements": "工作认真负责。"},
        )
    changed = rows()
    changed[0] = posting_row(1, 招聘人数="3", **GENDER_AND_AGE)  # the same text, more openings
    load(engine, vault, tmp_path, changed, name="岗位2.csv")
    after = posting(engine, 1)
    assert after.openings == 3
    assert after.requirements == "工作认真负责。" and after.review == "cleared"


def test_a_job_reason_with_a_gender_restriction_is_stored_for_matching(
    engine, vault, tmp_path, staff
):
    load(engine, vault, tmp_path)
    p4 = posting(engine, 4)
    note = "岗位需在男浴室内服务（用人单位书面说明）"
    with write_session(engine) as session, pytest.raises(review.Invalid) as refused:
        review.clear_review(
            session,
            viewer=staff["supervisor"],
            posting_id=p4.id,
            version=p4.version,
            how="job_reason",
            note="",
            restrictions={"gender": "male", "age_min": "18", "age_max": "200"},
        )
    assert {p.field for p in refused.value.problems} == {"note", "age_min", "age_max"}
    with write_session(engine) as session:
        review.clear_review(
            session,
            viewer=staff["supervisor"],
            posting_id=p4.id,
            version=p4.version,
            how="job_reason",
            note=note,
            restrictions={"gender": "male", "age_min": "", "age_max": None},
        )
    after = posting(engine, 4)
    assert after.restrictions == {
        "gender": "male",
        "age_min": None,
        "age_max": None,
        "reason": note,
    }
    assert after.review == "cleared" and after.review_reasons == []
    assert after.review_note == note and after.original_text is None
    assert after.requirements == p4.requirements  # the text stands as it was
    restriction = Restriction.of(after.restrictions)
    assert restriction is not None and restriction.gender == "male" and restriction.reason == note
    assert not restriction.admits("female", None, TODAY)
    (row,) = changes(engine, p4.id)
    assert row.detail["how"] == "job_reason" and row.detail["cleared"] == ["gender"]
    assert row.detail["restrictions"] == {"gender": "male", "age_min": None, "age_max": None}
    assert note not in str(row.detail)  # free text stays out of the audit log
    # the review stands when the same text comes again with other changes
    changed = rows()
    changed[3] = posting_row(4, 招聘人数="6", **MEN_ONLY)
    load(engine, vault, tmp_path, changed, name="岗位2.csv")
    again = posting(engine, 4)
    assert again.openings == 6 and again.review == "cleared"


def test_an_age_restriction_needs_an_age_clause_and_an_unsure_category_still_holds(
    engine, vault, tmp_path, staff
):
    load(engine, vault, tmp_path)
    p1, p5 = posting(engine, 1), posting(engine, 5)
    with write_session(engine) as session:
        review.clear_review(
            session,
            viewer=staff["admin"],
            posting_id=p1.id,
            version=p1.version,
            how="job_reason",
            note="女子监区管教岗位",
            restrictions={"gender": "female", "age_min": 18, "age_max": 35, "reason": "女子监区"},
        )
    assert posting(engine, 1).restrictions == {
        "gender": "female",
        "age_min": 18,
        "age_max": 35,
        "reason": "女子监区",
    }
    with write_session(engine) as session, pytest.raises(review.Invalid) as refused:
        review.clear_review(
            session,
            viewer=staff["admin"],
            posting_id=p5.id,
            version=p5.version,
            how="job_reason",
            note="理由",
            restrictions={"gender": "other", "age_max": "40"},
        )
    assert {p.field for p in refused.value.problems} == {"gender", "age_min"}
    with write_session(engine) as session:
        review.clear_review(
            session,
            viewer=staff["admin"],
            posting_id=p5.id,
            version=p5.version,
            how="job_reason",
            note="理由",
        )
    after = posting(engine, 5)
    assert after.review == "held" and after.review_reasons == [UNSURE_CATEGORY]
    assert after.restrictions is None and after.reviewed_by == staff["admin"].id
    with write_session(engine) as session, pytest.raises(review.WrongState):
        review.clear_review(
            session,
            viewer=staff["admin"],
            posting_id=p5.id,
            version=after.version,
            how="job_reason",
            note="理由",
        )


def test_stale_versions_wrong_roles_unknown_postings_and_bad_input_are_refused(
    engine, vault, tmp_path, staff
):
    load(engine, vault, tmp_path)
    p1, p3 = posting(engine, 1), posting(engine, 3)
    calls = {
        "category": lambda s, v, pid, version: review.set_category(
            s, viewer=v, posting_id=pid, version=version, category="warehouse"
        ),
        "demands": lambda s, v, pid, version: review.set_demands(
            s, viewer=v, posting_id=pid, version=version, demands={"hearing": 1}
        ),
        "review": lambda s, v, pid, version: review.clear_review(
            s, viewer=v, posting_id=pid, version=version, how="job_reason", note="理由"
        ),
    }
    for name, call in calls.items():
        for error, viewer, posting_id, version in (
            (review.Stale, staff["admin"], p1.id, p1.version + 1),
            (review.NotAllowed, staff["case_worker"], p1.id, p1.version),
            (review.NotFound, staff["admin"], 99999, 1),
        ):
            with write_session(engine) as session, pytest.raises(error):
                call(session, viewer, posting_id, version)
        assert posting(engine, 1).version == p1.version, name
    with write_session(engine) as session, pytest.raises(review.WrongState):
        calls["review"](session, staff["admin"], p3.id, p3.version)  # never held
    with read_session(engine) as session, pytest.raises(review.NotAllowed):
        review.posting_review(session, viewer=add_user(engine, "g", "graduate"), posting_id=p1.id)
    bad = [
        (review.set_category, {"category": "astronaut"}, {"category"}),
        (
            review.set_demands,
            {"demands": {"hearing": "3", "wings": 1}},
            {"demand_hearing", "demands"},
        ),
        (review.clear_review, {"how": "forgot", "note": ""}, {"how"}),
        (review.clear_review, {"how": "job_reason", "note": "长" * 2001}, {"note"}),
        (
            review.clear_review,
            {"how": "dropped", "note": "", "text": {"requirements": "限" * 8001}},
            {"requirements"},
        ),
    ]
    for call, arguments, fields in bad:
        with write_session(engine) as session, pytest.raises(review.Invalid) as refused:
            call(session, viewer=staff["admin"], posting_id=p1.id, version=p1.version, **arguments)
        assert {p.field for p in refused.value.problems} == fields, arguments
        assert all(p.zh and p.en for p in refused.value.problems)
    assert posting(engine, 1).version == p1.version
    assert changes(engine, p1.id) == []


def test_a_clause_in_the_title_cannot_be_dropped_here(engine, vault, tmp_path, staff):
    load(engine, vault, tmp_path, [posting_row(7, 岗位名称="足浴技师（只招女技师）")])
    p7 = posting(engine, 7)
    assert "flag:gender" in p7.review_reasons
    with write_session(engine) as session, pytest.raises(review.Invalid) as refused:
        review.clear_review(
            session,
            viewer=staff["admin"],
            posting_id=p7.id,
            version=p7.version,
            how="dropped",
            note="",
            text={"description": p7.description, "requirements": p7.requirements},
        )
    (problem,) = refused.value.problems
    assert problem.field == "review" and "只招女技师" in problem.en


def test_the_review_of_a_posting_tells_where_each_demand_came_from(engine, vault, tmp_path, staff):
    phrase = {"岗位职责": "负责接听客户来电，解答咨询。"}
    load(engine, vault, tmp_path, [posting_row(8, **phrase, 岗位名称="电话客服")])
    p8 = posting(engine, 8)
    with read_session(engine) as session:
        shown = review.posting_review(session, viewer=staff["organizer"], posting_id=p8.id)
    lines = {line.dimension: line for line in shown.demands}
    assert shown.category_source == "inferred" and shown.category_confidence is not None
    text = posting_text(p8.title, p8.description, p8.requirements)
    assert lines["hearing"].source == "phrase" and lines["hearing"].quote in text
    assert lines["hearing"].quote and lines["hearing"].level == 2
    assert all(line.source in ("category", "phrase") for line in lines.values())
    assert [line.dimension for line in shown.demands] == list(lines)
    assert shown.review == "none" and not shown.clearable and shown.original_text is None


def test_held_postings_of_a_campaign_only(engine, vault, tmp_path):
    load(engine, vault, tmp_path, rows()[:2], campaign="甲")
    load(engine, vault, tmp_path, [posting_row(4, **MEN_ONLY)], name="b.csv", campaign="乙")
    with Session(engine) as session:
        links = session.execute(select(PostingCampaign)).scalars().all()
        first = {link.campaign_id for link in links if link.posting_id == posting(engine, 1).id}
    with read_session(engine) as session:
        (campaign_id,) = first
        queue = review.review_queue(session, campaign_id=campaign_id)
        assert {h.id for h in queue.postings} == {posting(engine, 1).id, posting(engine, 2).id}
