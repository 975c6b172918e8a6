"""The review pages (web/views/postings.py): the queue of held postings, a posting's review
with its reasons, flags and sources, and the forms that set its category and demands and
clear it; in Chinese and English, by role, with CSRF, stale forms and errors tied to their
fields; and the fair builder, which marks held postings and does not offer them. Both
databases."""

from __future__ import annotations

import itertools
import re

import pytest
from markupsafe import escape
from sqlalchemy import select
from sqlmodel import Session, col

from matcher.core.db import make_engine
from matcher.core.models import AuditLog, Campaign, Posting, User
from matcher.intake import import_file
from matcher.people.passwords import hash_password
from matcher.reference.screening import rules
from tests.helpers import POSTING_HEADERS, posting_row, write_csv
from tests.webapp import make_app, signed_in

GENDER_AND_AGE = {"任职要求": "限女性，年龄35岁以下，工作认真负责。"}
UNSURE = {"岗位名称": "实习生", "岗位职责": "协助部门完成日常工作。"}
ROLES = {"organizer": "organizer", "supervisor": "supervisor", "admin": "admin"}
ROLES |= {"caseworker": "case_worker"}
PAYLOAD = '<script>alert("x")</script><img src=x onerror=alert(1)>'


@pytest.fixture
def setup(monkeypatch, database_url, vault, tmp_path):
    """A database with staff of every role and a campaign's postings file imported: T-P0001
    held for its gender and age clauses (2 openings), T-P0002 for its category (5), T-P0003
    not held (9)."""
    engine = make_engine(database_url)
    with Session(engine) as session:
        for username, role in ROLES.items():
            session.add(
                User(
                    username=username,
                    role=role,
                    display_name=f"{username} 老师",
                    password_hash=hash_password("jobbridge-demo"),
                    area_codes=["520102"],
                )
            )
        session.commit()
    rows = [
        posting_row(1, 招聘人数="2", **GENDER_AND_AGE),
        posting_row(2, 招聘人数="5", **UNSURE),
        posting_row(3, 招聘人数="9"),
    ]
    path = write_csv(tmp_path / "岗位.csv", rows, headers=POSTING_HEADERS)
    report = import_file(engine, vault, kind="postings", path=path, campaign="秋季专场招聘会")
    assert report.written and report.held == 2
    app = make_app(monkeypatch, database_url)
    yield app, engine
    app.extensions["jobbridge.engine"].dispose()
    engine.dispose()


def stored(engine, number: int) -> Posting:
    with Session(engine) as session:
        found = session.execute(
            select(Posting).where(col(Posting.external_id) == f"T-P{number:04d}")
        ).scalar_one()
        session.expunge(found)
        return found


def english(client):
    client.http.set_cookie("jb_lang", "en")
    return client


def version_of(page: str, action: str) -> str:
    """The version hidden in the form that posts to ``action``."""
    form = page[page.index(f'action="{action}"') :]
    found = re.search(r'name="version" value="(\d+)"', form)
    assert found is not None
    return found.group(1)


def text(response) -> str:
    return response.get_data(as_text=True)


def test_the_queue_and_a_held_posting_in_english_and_chinese(setup):
    app, engine = setup
    p1, p2, p3 = (stored(engine, n) for n in (1, 2, 3))
    organizer = english(signed_in(app, "organizer"))
    listed = text(organizer.get("/postings/"))
    assert "Postings held for review: 2" in listed and 'href="/postings/review"' in listed
    queue = organizer.get("/postings/review")
    assert queue.status_code == 200
    page = text(queue)
    assert "<h1>Postings held for review</h1>" in page
    assert "Postings held for review: 2" in page
    order = [page.index(f"/postings/{p.id}#review") for p in (p2, p1)]
    assert order == sorted(order) and f"/postings/{p3.id}" not in page  # most openings first
    assert "Its occupation is not confirmed yet." in page
    assert "限女性" in page and "35岁以下" in page and "What to take up with the employer:" in page

    posting = text(organizer.get(f"/postings/{p1.id}"))
    gender = next(rule for rule in rules() if rule.key == "gender")
    assert "This posting is held for review" in posting
    assert f"A clause that excludes people: {escape(gender.name_en)}" in posting
    assert str(escape(gender.explanation_en)) in posting
    assert str(escape(gender.citations[0].document_en)) in posting
    assert "inferred from the text, with a confidence of" in posting
    assert "Where it comes from" in posting and "usual profile" in posting
    for form in ("category", "demands", "review"):
        assert f'action="/postings/{p1.id}/{form}"' in posting
    assert f'name="version" value="{p1.version}"' in posting
    assert 'for="field-category"' in posting and 'for="field-note"' in posting
    assert 'for="field-gender"' in posting and 'for="field-age_max"' in posting
    assert "<legend>How were they dealt with?</legend>" in posting
    # headings in order: no level skipped
    levels = [int(level) for level in re.findall(r"<h([1-6])[ >]", posting)]
    assert levels[0] == 1 and all(b <= a + 1 for a, b in itertools.pairwise(levels))

    chinese = signed_in(app, "organizer")
    zh = text(chinese.get("/postings/review"))
    assert "<h1>暂缓待审核的岗位</h1>" in zh and "暂缓待审核的岗位：2 个" in zh
    assert "Postings held for review" not in zh and "What to take up" not in zh
    zh_posting = text(chinese.get(f"/postings/{p1.id}"))
    assert "暂缓原因" in zh_posting and "记录条款的处理方式" in zh_posting
    assert gender.explanation_zh in zh_posting and gender.name_zh in zh_posting
    assert "Record the review" not in zh_posting and "Why it is held" not in zh_posting

    # case workers read the review; they get no forms
    worker = english(signed_in(app, "caseworker"))
    assert worker.get("/postings/review").status_code == 200
    read_only = text(worker.get(f"/postings/{p1.id}"))
    assert "This posting is held for review" in read_only
    assert "/category" not in read_only and 'name="how"' not in read_only


def test_the_category_and_demand_forms(setup):
    app, engine = setup
    p2 = stored(engine, 2)
    supervisor = english(signed_in(app, "supervisor"))
    page = text(supervisor.get(f"/postings/{p2.id}"))
    bad = supervisor.post(
        f"/postings/{p2.id}/category",
        {"category": "astronaut", "version": version_of(page, f"/postings/{p2.id}/category")},
    )
    assert bad.status_code == 400
    body = text(bad)
    assert "Choose the occupation" in body and 'id="category-error"' in body
    assert 'aria-describedby="category-hint category-error" aria-invalid="true"' in body
    saved = supervisor.post(
        f"/postings/{p2.id}/category",
        {"category": "warehouse", "version": str(p2.version)},
    )
    assert saved.status_code == 303
    assert saved.headers["Location"].endswith(f"/postings/{p2.id}#category")
    after = text(supervisor.get(saved.headers["Location"]))
    assert "Occupation saved" in after and "The posting is cleared" in after
    assert "chosen by staff" in after and "Cleared for matching by supervisor 老师" in after
    changed = stored(engine, 2)
    assert changed.staff_category == "warehouse" and changed.review == "cleared"

    demands = supervisor.post(
        f"/postings/{p2.id}/demands",
        {"demand_hearing": "2", "demand_lifting": "", "version": str(changed.version)},
    )
    assert demands.status_code == 303
    again = text(supervisor.get(demands.headers["Location"]))
    assert "Demands saved." in again and "set by staff" in again
    assert stored(engine, 2).staff_demands == {"hearing": 2}
    wrong = supervisor.post(
        f"/postings/{p2.id}/demands",
        {"demand_hearing": "7", "version": str(stored(engine, 2).version)},
    )
    assert wrong.status_code == 400
    assert 'id="demand_hearing-error"' in text(wrong) and "for Hearing" in text(wrong)
    with Session(engine) as session:
        audited = session.execute(
            select(AuditLog).where(
                col(AuditLog.object_type) == "posting", col(AuditLog.action) == "change"
            )
        ).scalars()
        assert [row.detail["what"] for row in audited] == ["category", "demands"]


def test_clearing_a_dropped_clause_and_a_job_reason(setup):
    app, engine = setup
    p1 = stored(engine, 1)
    admin = english(signed_in(app, "admin"))
    admin.get(f"/postings/{p1.id}")
    still = admin.post(
        f"/postings/{p1.id}/review",
        {
            "how": "dropped",
            "description": p1.description,
            "requirements": "限女性，工作认真负责。",
            "note": PAYLOAD,
            "version": str(p1.version),
        },
    )
    assert still.status_code == 400
    body = text(still)
    assert "Still holds “限女性”" in body and 'id="requirements-error"' in body
    assert 'aria-describedby="requirements-error"' in body
    assert PAYLOAD not in body and str(escape(PAYLOAD)) in body  # echoed, escaped
    assert "限女性，工作认真负责。</textarea>" in body  # the edit is kept to correct
    cleared = admin.post(
        f"/postings/{p1.id}/review",
        {
            "how": "dropped",
            "description": p1.description,
            "requirements": "工作认真负责。",
            "note": PAYLOAD,
            "version": str(p1.version),
        },
    )
    assert cleared.status_code == 303
    page = text(admin.get(cleared.headers["Location"]))
    assert "Review recorded." in page and "The text as imported" in page
    assert p1.requirements in page and PAYLOAD not in page
    after = stored(engine, 1)
    assert after.review == "cleared" and after.original_text["requirements"] == p1.requirements
    # not held any more: the form is gone, and a post says why
    assert 'name="how"' not in page
    refused = admin.post(
        f"/postings/{p1.id}/review",
        {"how": "job_reason", "note": "x", "version": str(after.version)},
    )
    assert refused.status_code == 409 and "not held for review" in text(refused)


def test_a_job_reason_with_a_restriction_and_a_stale_form(setup, vault, tmp_path):
    app, engine = setup
    p1 = stored(engine, 1)
    organizer = english(signed_in(app, "organizer"))
    organizer.get(f"/postings/{p1.id}")
    missing = organizer.post(
        f"/postings/{p1.id}/review",
        {"how": "job_reason", "note": "", "age_max": "abc", "version": str(p1.version)},
    )
    assert missing.status_code == 400
    body = text(missing)
    assert 'id="note-error"' in body and 'id="age_max-error"' in body
    assert 'href="#field-note"' in body and 'id="field-note"' in body
    done = organizer.post(
        f"/postings/{p1.id}/review",
        {
            "how": "job_reason",
            "note": "女子监区管教岗位",
            "gender": "female",
            "age_min": "",
            "age_max": "35",
            "version": str(p1.version),
        },
    )
    assert done.status_code == 303
    page = text(organizer.get(done.headers["Location"]))
    assert "Restriction accepted as job-related" in page and "aged 35 or less" in page
    assert stored(engine, 1).restrictions == {
        "gender": "female",
        "age_min": None,
        "age_max": 35,
        "reason": "女子监区管教岗位",
    }
    # the form of the old version is stale now
    stale = organizer.post(
        f"/postings/{p1.id}/category", {"category": "warehouse", "version": str(p1.version)}
    )
    assert stale.status_code == 409
    assert "Someone else changed this posting after you opened it" in text(stale)
    assert stored(engine, 1).staff_category is None


def test_who_may_change_a_review_and_csrf(setup):
    app, engine = setup
    p1 = stored(engine, 1)
    worker = signed_in(app, "caseworker")
    for form in ("category", "demands", "review"):
        url = f"/postings/{p1.id}/{form}"
        assert worker.post(url, {"version": str(p1.version)}).status_code == 403
        assert worker.http.get(url).status_code == 405
    admin = signed_in(app, "admin")
    no_token = admin.http.post(
        f"/postings/{p1.id}/category", data={"category": "warehouse", "version": p1.version}
    )
    assert no_token.status_code == 400
    assert admin.post("/postings/99999/category", {"version": "1"}).status_code == 404
    assert admin.get("/postings/99999").status_code == 404
    assert stored(engine, 1).version == p1.version
    with Session(engine) as session:
        refusals = session.execute(
            select(col(AuditLog.actor)).where(col(AuditLog.action) == "refuse")
        ).scalars()
        assert "caseworker" in set(refusals)


def test_the_fair_builder_marks_held_postings_and_does_not_offer_them(setup):
    app, engine = setup
    p1, p2, p3 = (stored(engine, n) for n in (1, 2, 3))
    with Session(engine) as session:
        campaign = session.execute(select(col(Campaign.id))).scalar_one()
    organizer = english(signed_in(app, "organizer"))
    page = text(organizer.get(f"/campaigns/{campaign}/fair"))
    assert f'id="own-{p3.id}"' in page  # offered, checked
    for held in (p1, p2):
        assert f'id="own-{held.id}"' not in page and f'id="other-{held.id}"' not in page
        assert f'href="/postings/{held.id}#review"' in page
    assert page.count("Held for review") == 2
    assert "限女性" in page and "What to take up with the employer:" in page
    assert "Its occupation is not confirmed yet." in page
    zh = text(signed_in(app, "organizer").get(f"/campaigns/{campaign}/fair"))
    assert zh.count("暂缓，待审核") == 2 and "需与用人单位沟通：" in zh
