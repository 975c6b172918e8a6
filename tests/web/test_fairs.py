"""The fair builder and the invite list through the web app, on both databases: an organizer
builds a fair, the scheduler's analysis fills the figures, the invite list and its export
show an organizer no health or identity data, and case workers mark their own people."""

from __future__ import annotations

import csv
import io
import re

import openpyxl
import pytest
from sqlalchemy import select
from sqlmodel import col

from matcher import jobs
from matcher.core.codes import code_list
from matcher.core.db import make_engine, read_session
from matcher.core.job_requests import Debounce
from matcher.core.models import AuditLog, Campaign, FairInvite, Jobseeker, User
from matcher.people.access import area_prefix
from tests.webapp import make_app, signed_in


@pytest.fixture
def app(monkeypatch, demo_database_url):
    app = make_app(monkeypatch, demo_database_url)
    yield app
    app.extensions["jobbridge.engine"].dispose()


def analyse(app) -> None:
    ctx = jobs.JobContext(app.extensions["jobbridge.engine"])
    jobs.take_requests(ctx, Debounce())


def the_workers_fair(app) -> Campaign:
    """The quarterly fair of the city the demo case worker works in."""
    with read_session(app.extensions["jobbridge.engine"]) as session:
        worker = session.execute(
            select(User).where(col(User.username) == "caseworker")
        ).scalar_one()
        for campaign in session.execute(
            select(Campaign).where(col(Campaign.kind) == "quarterly_fair")
        ).scalars():
            if any(c.startswith(area_prefix(campaign.area_code or "")) for c in worker.area_codes):
                return campaign
    raise AssertionError("no fair in the case worker's city")


def build(app, organizer) -> Campaign:
    """List the fair's own postings and a few others, and let the scheduler analyse it (the
    module's tests share one database: a fair built before is built again from empty)."""
    campaign = the_workers_fair(app)
    page = organizer.get(f"/campaigns/{campaign.id}/fair").get_data(as_text=True)
    for listed in re.findall(r"/fair/postings/(\d+)/remove", page):
        organizer.post(f"/campaigns/{campaign.id}/fair/postings/{listed}/remove")
    page = organizer.get(f"/campaigns/{campaign.id}/fair").get_data(as_text=True)
    own = re.findall(r'id="own-(\d+)"', page)
    others = re.findall(r'id="other-(\d+)"', page)
    assert own and others
    response = organizer.post(
        f"/campaigns/{campaign.id}/fair/postings", {"posting": own + others[:3]}
    )
    assert response.status_code == 302
    page = organizer.get(f"/campaigns/{campaign.id}/fair").get_data(as_text=True)
    assert 'class="waiting"' in page  # pending until the scheduler has run
    analyse(app)
    return campaign


def test_an_organizer_builds_a_fair_and_reads_its_figures(app):
    organizer = signed_in(app, "organizer")
    campaign = build(app, organizer)
    page = organizer.get(f"/campaigns/{campaign.id}/fair").get_data(as_text=True)
    assert 'class="waiting"' not in page
    listed = re.findall(r"/fair/postings/(\d+)/remove", page)
    assert listed
    # each listed posting's row has two figures
    rows = re.findall(r"<tr>\s*<th scope=\"row\"><a href=\"/postings/\d+\">.*?</tr>", page, re.S)
    assert rows and all(re.search(r"<td>[\d,]+</td>\s*<td>[\d,]+</td>", row) for row in rows)
    # take one off: it leaves the listing and the figures are pending again
    response = organizer.post(f"/campaigns/{campaign.id}/fair/postings/{listed[0]}/remove")
    assert response.status_code == 302
    page = organizer.get(f"/campaigns/{campaign.id}/fair").get_data(as_text=True)
    assert f"/fair/postings/{listed[0]}/remove" not in page and 'class="waiting"' in page
    assert (
        organizer.post(f"/campaigns/{campaign.id}/fair/postings/{listed[0]}/remove").status_code
        == 404
    )
    assert organizer.get("/campaigns/999999/fair").status_code == 404
    for role in ("caseworker", "supervisor", "graduate"):  # only builders take postings off
        other = signed_in(app, role)
        assert (
            other.post(f"/campaigns/{campaign.id}/fair/postings/{listed[1]}/remove").status_code
            == 403
        )


def test_organizers_see_no_health_or_identity_data_on_the_invite_list(app):
    organizer = signed_in(app, "organizer")
    campaign = build(app, organizer)
    page = organizer.get(f"/campaigns/{campaign.id}/invites").get_data(as_text=True)
    ids = [int(i) for i in re.findall(r'id="invitee-(\d+)"', page)]
    assert ids
    assert "/seekers/" not in page and "<select" not in page  # no files, no marking
    with read_session(app.extensions["jobbridge.engine"]) as session:
        seekers = session.execute(select(Jobseeker).where(col(Jobseeker.id).in_(ids))).scalars()
        secrets = set()
        for s in seekers:
            assert s.name in page
            secrets |= {s.id_number_masked, s.cert_no_masked, s.phone_masked}
    types = {entry.name("zh") for entry in code_list("disability_types")}
    grades = {entry.name("zh") for entry in code_list("disability_grades")}
    for text in (
        page,
        organizer.get(f"/campaigns/{campaign.id}/invites/export?format=csv")
        .get_data()
        .decode("utf-8-sig"),
    ):
        found = {s for s in secrets | types | grades if s and s in text}
        assert found == set(), found
    workbook = openpyxl.load_workbook(
        io.BytesIO(
            organizer.http.get(f"/campaigns/{campaign.id}/invites/export?format=xlsx").get_data()
        )
    )
    header = [cell.value for cell in workbook.active[1]]
    workbook.close()
    assert header == ["排序", "姓名", "地区", "联系方式偏好", "匹配岗位", "邀请状态"]
    with read_session(app.extensions["jobbridge.engine"]) as session:
        exported = session.execute(
            select(AuditLog).where(
                col(AuditLog.object_type) == "fair_invites", col(AuditLog.action) == "export"
            )
        ).scalars()
        assert len(list(exported)) >= 2


def test_a_case_worker_marks_their_own_people_only(app):
    organizer = signed_in(app, "organizer")
    campaign = build(app, organizer)
    worker = signed_in(app, "caseworker")
    page = worker.get(f"/campaigns/{campaign.id}/invites").get_data(as_text=True)
    markable = re.findall(r'/invites/(\d+)"', page)
    assert markable
    everyone = organizer.get(f"/campaigns/{campaign.id}/invites/export?format=csv")
    assert len(list(csv.reader(io.StringIO(everyone.get_data().decode("utf-8-sig"))))) > len(
        markable
    )
    seeker = int(markable[0])
    response = worker.post(f"/campaigns/{campaign.id}/invites/{seeker}", {"status": "attending"})
    assert response.status_code == 302 and f"#invitee-{seeker}" in response.headers["Location"]
    page = worker.get(f"/campaigns/{campaign.id}/invites").get_data(as_text=True)
    assert '<option value="attending" selected>' in page
    assert (
        worker.post(f"/campaigns/{campaign.id}/invites/{seeker}", {"status": "x"}).status_code
        == 400
    )
    assert (
        organizer.post(
            f"/campaigns/{campaign.id}/invites/{seeker}", {"status": "invited"}
        ).status_code
        == 403
    )
    engine = make_engine(str(app.extensions["jobbridge.engine"].url.render_as_string(False)))
    with read_session(engine) as session:
        (mark,) = session.execute(
            select(FairInvite).where(
                col(FairInvite.campaign_id) == campaign.id, col(FairInvite.seeker_id) == seeker
            )
        ).scalars()
        assert mark.status == "attending"
        outsider = (
            session.execute(
                select(col(Jobseeker.id)).where(
                    ~col(Jobseeker.area_code).startswith(area_prefix(campaign.area_code or ""))
                )
            )
            .scalars()
            .first()
        )
    engine.dispose()
    assert (
        worker.post(
            f"/campaigns/{campaign.id}/invites/{outsider}", {"status": "invited"}
        ).status_code
        == 404
    )
