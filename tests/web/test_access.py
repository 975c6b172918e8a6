"""Access control on every route (SECURITY.md items 6, 7, 9): the policy matrix for every
role, object-level scoping (another person's id answers 404), CSRF and POST-only changes."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy import select
from sqlmodel import Session, col

from matcher.core.db import make_engine
from matcher.core.models import (
    AuditLog,
    Campaign,
    Employer,
    Jobseeker,
    Posting,
    Recommendation,
    User,
)
from matcher.people.access import area_prefix
from tests.webapp import Client, make_app, signed_in
from web.security import policy_of

ROLES = ("admin", "supervisor", "caseworker", "organizer", "graduate")


def _active_rec(session: Session, seeker_id: int) -> int:
    found = (
        session.execute(
            select(col(Recommendation.id))
            .where(col(Recommendation.seeker_id) == seeker_id, col(Recommendation.active).is_(True))
            .order_by(col(Recommendation.rank))
        )
        .scalars()
        .first()
    )
    assert found is not None, f"seeker {seeker_id} has recommendations"
    return int(found)


@dataclass(frozen=True)
class Ids:
    mine: int  # a seeker of the case worker "caseworker", inside the supervisor's city
    other: int  # a seeker of another county, outside both
    own: int  # the demo graduate's own file
    posting: int
    campaign: int
    employer: int

    def fill(self, database_url: str) -> dict[str, int]:
        """The ids, with each seeker's recommendation as it is now (a refresh replaces it)."""
        engine = make_engine(database_url)
        with Session(engine) as session:
            recs = {
                "own_rec": _active_rec(session, self.own),
                "mine_rec": _active_rec(session, self.mine),
                "other_rec": _active_rec(session, self.other),
            }
        engine.dispose()
        return self.__dict__ | recs


@pytest.fixture(scope="module")
def ids(demo_database_url: str) -> Ids:
    engine = make_engine(demo_database_url)
    with Session(engine) as session:
        worker = session.execute(
            select(User).where(col(User.username) == "caseworker")
        ).scalar_one()
        graduate = session.execute(
            select(col(User.id)).where(col(User.username) == "graduate")
        ).scalar_one()
        own = session.execute(
            select(col(Jobseeker.id)).where(col(Jobseeker.user_id) == graduate)
        ).scalar_one()

        def with_recs(*conditions: object) -> tuple[int, int]:
            row = session.execute(
                select(col(Jobseeker.id), col(Recommendation.id))
                .join(Recommendation, col(Recommendation.seeker_id) == col(Jobseeker.id))
                .where(col(Recommendation.active).is_(True), *conditions)  # type: ignore[arg-type]
                .order_by(col(Jobseeker.id))
            ).first()
            assert row is not None
            return int(row[0]), int(row[1])

        mine, _ = with_recs(
            col(Jobseeker.area_code).in_(worker.area_codes), col(Jobseeker.id) != own
        )
        other, _ = with_recs(
            ~col(Jobseeker.area_code).startswith(area_prefix("520100")),
            col(Jobseeker.case_worker_id) != worker.id,
        )
        _active_rec(session, own)
        posting = session.execute(select(col(Posting.id))).scalars().first()
        campaign = session.execute(select(col(Campaign.id))).scalars().first()
        employer = session.execute(select(col(Employer.id))).scalars().first()
    engine.dispose()
    return Ids(mine, other, own, int(posting or 0), int(campaign or 0), int(employer or 0))


@pytest.fixture
def app(monkeypatch, demo_database_url):
    app = make_app(monkeypatch, demo_database_url)
    yield app
    app.extensions["jobbridge.engine"].dispose()


# Who may use each page; every other signed-in role gets 403, anonymous is sent to sign in.
STAFF = {"admin", "supervisor", "caseworker"}
EDITORS = {"admin", "caseworker"}
REVIEWERS = {"admin", "supervisor", "organizer"}  # of postings (matcher.employers.review)
GETS = {
    "/caseload/": STAFF,
    "/caseload/export?format=csv": STAFF,
    "/seekers/{mine}": STAFF,
    "/seekers/{mine}/why?posting=x": STAFF,
    "/seekers/{mine}/slip": STAFF,
    "/postings/": STAFF | {"organizer"},
    "/postings/{posting}": STAFF | {"organizer"},
    "/postings/review": STAFF | {"organizer"},
    "/me/": {"graduate"},
    "/dashboard/": {"admin", "supervisor"},
    "/runs/": {"admin", "supervisor"},
    "/employers/": STAFF | {"organizer"},
    "/employers/{employer}": STAFF | {"organizer"},
    "/employers/export?format=csv": STAFF | {"organizer"},
    "/campaigns/{campaign}/fair": STAFF | {"organizer"},
    "/campaigns/{campaign}/invites": STAFF | {"organizer"},
    "/campaigns/{campaign}/invites/export?format=csv": STAFF | {"organizer"},
    "/campaigns/": STAFF | {"organizer"},
    "/campaigns/{campaign}": STAFF | {"organizer"},
    "/campaigns/new": {"admin", "organizer"},
    "/campaigns/{campaign}/edit": {"admin", "organizer"},
    "/campaigns/{campaign}/upload": {"admin", "organizer"},
    "/campaigns/templates/postings.csv": STAFF | {"organizer"},
    "/campaigns/{campaign}/booklet": STAFF | {"organizer"},
    "/campaigns/{campaign}/booklet?print=1&large=1": STAFF | {"organizer"},
}
POSTS = {
    "/seekers/{mine}/assessment": EDITORS,
    "/seekers/{mine}/plan": EDITORS,
    "/seekers/{mine}/records": EDITORS,
    "/seekers/{mine}/send": EDITORS,
    "/seekers/{mine}/reveal": EDITORS,
    "/seekers/{mine}/recommendations/{mine_rec}": EDITORS,
    "/me/recommendations/{own_rec}": {"graduate"},
    "/seekers/{mine}/refresh": EDITORS,
    "/runs/": {"admin"},
    "/campaigns/{campaign}/fair/postings": {"admin", "organizer"},
    # Posting review: refused as stale (no version), so nothing changes.
    "/postings/{posting}/category": REVIEWERS,
    "/postings/{posting}/demands": REVIEWERS,
    "/postings/{posting}/review": REVIEWERS,
    # Each refused as invalid (an empty form, no file, an unknown upload): nothing changes.
    "/campaigns/new": {"admin", "organizer"},
    "/campaigns/{campaign}/edit": {"admin", "organizer"},
    "/campaigns/{campaign}/upload": {"admin", "organizer"},
    "/campaigns/{campaign}/upload/0123456789abcdef0123456789abcdef": {"admin", "organizer"},
}
PUBLIC = {"/login": 200, "/healthz": 200, "/": 302, "/static/app.css": 200}


def test_every_endpoint_declares_who_may_use_it(app):
    missing = [
        rule.endpoint for rule in app.url_map.iter_rules() if policy_of(app, rule.endpoint) is None
    ]
    assert missing == []
    # and a view without a policy is refused rather than served
    app.add_url_rule("/forgotten", "forgotten", lambda: "secret")
    assert app.test_client().get("/forgotten").status_code == 403


def test_every_route_is_in_the_matrix(app):
    routes = {rule.rule for rule in app.url_map.iter_rules()}
    covered = {
        "/caseload/",
        "/caseload/export",
        "/seekers/<int:seeker_id>",
        "/seekers/<int:seeker_id>/why",
        "/seekers/<int:seeker_id>/slip",
        "/postings/",
        "/postings/<int:posting_id>",
        "/postings/review",
        "/postings/<int:posting_id>/category",
        "/postings/<int:posting_id>/demands",
        "/postings/<int:posting_id>/review",
        "/me/",
        "/dashboard/",
        "/runs/",
        "/employers/",
        "/employers/<int:employer_id>",
        "/employers/export",
        "/campaigns/<int:campaign_id>/fair",
        "/campaigns/<int:campaign_id>/fair/postings",
        "/campaigns/<int:campaign_id>/fair/postings/<int:posting_id>/remove",  # test_web_fairs
        "/campaigns/<int:campaign_id>/invites",
        "/campaigns/<int:campaign_id>/invites/export",
        "/campaigns/<int:campaign_id>/invites/<int:seeker_id>",  # test_web_fairs
        "/campaigns/",
        "/campaigns/new",
        "/campaigns/<int:campaign_id>",
        "/campaigns/<int:campaign_id>/edit",
        "/campaigns/<int:campaign_id>/upload",
        "/campaigns/<int:campaign_id>/upload/<token>",  # GET by role: test_campaigns
        "/campaigns/<int:campaign_id>/upload/<token>/rejected",  # by role: test_campaigns
        "/campaigns/templates/<any(postings, employers, seekers):kind>.<any(xlsx, csv):ext>",
        "/campaigns/<int:campaign_id>/booklet",
        "/campaigns/<int:campaign_id>/booklet.pdf",  # by role: test_booklet (a PDF each)
        "/seekers/<int:seeker_id>/assessment",
        "/seekers/<int:seeker_id>/plan",
        "/seekers/<int:seeker_id>/records",
        "/seekers/<int:seeker_id>/send",
        "/seekers/<int:seeker_id>/refresh",
        "/seekers/<int:seeker_id>/reveal",
        "/seekers/<int:seeker_id>/recommendations/<int:rec_id>",
        "/me/recommendations/<int:rec_id>",
        "/login",
        "/logout",
        "/prefs",
        "/healthz",
        "/",
        "/static/<path:filename>",
    }
    assert routes == covered, "a new route needs its row in the access matrix"


@pytest.mark.parametrize("role", [*ROLES, None])
def test_the_access_matrix(app, ids, role, demo_database_url):
    client = signed_in(app, role) if role else Client(app)
    fill = ids.fill(demo_database_url)
    for url, allowed in GETS.items():
        response = client.get(url.format(**fill))
        if role is None:
            assert response.status_code == 302 and "/login" in response.headers["Location"], url
        elif role in allowed:
            assert response.status_code == 200, (role, url)
        else:
            assert response.status_code == 403, (role, url)
    for url, allowed in POSTS.items():
        if "_rec}" in url:
            fill = ids.fill(demo_database_url)
        response = client.post(url.format(**fill), {"what": "phone"})
        if role is None:
            assert response.status_code == 302, url
        elif role in allowed:
            assert response.status_code not in (403, 404, 405), (role, url)
        else:
            assert response.status_code == 403, (role, url)
    for url, status in PUBLIC.items():
        response = client.get(url)
        response.close()  # a static file is streamed from an open file
        assert response.status_code == status, url


def test_another_persons_id_answers_404(app, ids, demo_database_url):
    worker = signed_in(app, "caseworker")
    fill = ids.fill(demo_database_url)
    for url in ("/seekers/{other}", "/seekers/{other}/why?posting=x", "/seekers/{other}/slip"):
        assert worker.get(url.format(**fill)).status_code == 404, url
    for url in (
        "/seekers/{other}/assessment",
        "/seekers/{other}/plan",
        "/seekers/{other}/records",
        "/seekers/{other}/send",
        "/seekers/{other}/refresh",
        "/seekers/{other}/reveal",
        "/seekers/{other}/recommendations/{other_rec}",
        "/seekers/{mine}/recommendations/{other_rec}",  # someone else's recommendation
    ):
        assert worker.post(url.format(**fill), {"what": "phone"}).status_code == 404, url
    supervisor = signed_in(app, "supervisor")
    assert supervisor.get(f"/seekers/{ids.other}").status_code == 404
    assert supervisor.get(f"/seekers/{ids.mine}").status_code == 200
    graduate = signed_in(app, "graduate")
    assert graduate.post(f"/me/recommendations/{fill['mine_rec']}", {}).status_code == 404
    # the refusals are in the audit log
    engine = make_engine(demo_database_url)
    with Session(engine) as session:
        refused = session.execute(
            select(col(AuditLog.object_id)).where(
                col(AuditLog.action) == "refuse", col(AuditLog.actor) == "caseworker"
            )
        ).scalars()
        assert str(ids.other) in set(refused)
    engine.dispose()


def test_state_changes_need_csrf_and_post(app, ids):
    worker = signed_in(app, "caseworker")
    no_token = worker.http.post(
        f"/seekers/{ids.mine}/records",
        data={"kind": "follow_up", "served_on": "2026-01-05", "notes": "x"},
    )
    assert no_token.status_code == 400
    assert worker.http.get(f"/seekers/{ids.mine}/records").status_code == 405
    assert worker.http.get("/logout").status_code == 405
    assert Client(app).http.post("/login", data={"username": "admin"}).status_code == 400


def test_refusals_on_the_fair_routes_are_audited(app, demo_database_url):
    """A missing fair, posting or invitee answers 404 through the one refusal path, which
    writes the audit row (issue 13, L3)."""
    admin = signed_in(app, "admin")
    missing = 987654
    answers = [
        admin.post(f"/campaigns/{missing}/fair/postings", {"posting": "1"}),
        admin.post(f"/campaigns/{missing}/fair/postings/{missing}/remove", {}),
        admin.get(f"/campaigns/{missing}/invites/export"),
        admin.post(f"/campaigns/{missing}/invites/{missing}", {"status": "invited"}),
    ]
    assert [a.status_code for a in answers] == [404] * 4
    engine = make_engine(demo_database_url)
    with Session(engine) as session:
        refused = session.execute(
            select(col(AuditLog.object_type), col(AuditLog.object_id)).where(
                col(AuditLog.action) == "refuse",
                col(AuditLog.actor) == "admin",
                col(AuditLog.object_id) == str(missing),
            )
        ).all()
    engine.dispose()
    assert len(refused) == 4, refused
