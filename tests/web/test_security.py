"""The web app's promises in SECURITY.md, each with its test: sign-in and sessions (1-5),
escaping and headers (10-12), masked identifiers and the audit log (14, 16), clean logs
(17), reasons and declines (18), and refused stale saves (24)."""

from __future__ import annotations

import logging
import re

import pytest
from sqlalchemy import func, select, update
from sqlmodel import Session, col

from matcher.core.db import make_engine, write_session
from matcher.core.models import AuditLog, Jobseeker, Recommendation, User
from matcher.matching.refresh import Refresher
from tests.helpers import ROOT
from tests.webapp import Client, make_app, signed_in

PAYLOAD = "<script>alert('x')</script>\"'><img src=x onerror=alert(1)>"
ID_NUMBER = re.compile(r"\d{17}[\dXx]")


@pytest.fixture
def app(monkeypatch, demo_database_url):
    app = make_app(monkeypatch, demo_database_url)
    yield app
    app.extensions["jobbridge.engine"].dispose()


@pytest.fixture
def db(demo_database_url):
    engine = make_engine(demo_database_url)
    with Session(engine) as session:
        yield session
    engine.dispose()


def _worker_seeker(db: Session) -> Jobseeker:
    """A seeker of the demo case worker's areas who has recommendations."""
    db.rollback()  # a new snapshot: see what the app committed since
    worker = db.execute(select(User).where(col(User.username) == "caseworker")).scalar_one()
    found = (
        db.execute(
            select(Jobseeker)
            .join(Recommendation, col(Recommendation.seeker_id) == col(Jobseeker.id))
            .where(
                col(Jobseeker.area_code).in_(worker.area_codes),
                col(Jobseeker.user_id).is_(None),
                col(Recommendation.active).is_(True),
            )
            .order_by(col(Jobseeker.id))
        )
        .scalars()
        .first()
    )
    assert found is not None, "the demo data gives the case worker seekers with postings"
    return found


def _audit_count(db: Session, **where: str) -> int:
    db.rollback()  # a new snapshot: see what the app committed since
    query = select(func.count()).select_from(AuditLog)
    for key, value in where.items():
        query = query.where(getattr(AuditLog, key) == value)
    return db.execute(query).scalar_one()


def test_passwords_are_argon2id(db):
    hashes = db.execute(select(col(User.password_hash))).scalars().all()
    assert hashes and all(h.startswith("$argon2id$") for h in hashes)


def test_an_unknown_or_disabled_account_costs_a_hash_check_all_the_same(
    monkeypatch, demo_database_url
):
    """A wrong password takes as long whether the username exists or not: a hash is
    verified either way, so timing does not tell which accounts exist."""
    from argon2 import PasswordHasher

    checked: list[str] = []
    real = PasswordHasher.verify

    def counting(self, stored, password):
        checked.append(stored)
        return real(self, stored, password)

    monkeypatch.setattr(PasswordHasher, "verify", counting)
    app = make_app(monkeypatch, demo_database_url)
    engine = app.extensions["jobbridge.engine"]
    with write_session(engine) as session:
        session.execute(update(User).where(col(User.username) == "supervisor").values(active=False))
    try:
        for name, address in (("no-such-person", "10.7.0.1"), ("supervisor", "10.7.0.2")):
            client = Client(app, address=address)
            client.get("/login")
            checked.clear()
            response = client.post("/login", {"username": name, "password": "jobbridge-demo"})
            assert response.status_code == 401
            assert len(checked) == 1 and checked[0].startswith("$argon2id$"), name
    finally:
        with write_session(engine) as session:
            session.execute(
                update(User).where(col(User.username) == "supervisor").values(active=True)
            )
        engine.dispose()


def test_the_eleventh_failure_is_refused_across_two_app_instances(monkeypatch, demo_database_url):
    first, second = (make_app(monkeypatch, demo_database_url) for _ in range(2))
    name = "nobody-special"  # an account no other test uses
    for attempt in range(10):
        client = Client(first if attempt % 2 else second, address="10.9.9.9")
        client.get("/login")
        response = client.post("/login", {"username": name, "password": "wrong"})
        assert response.status_code == 401
    client = Client(second, address="10.9.9.9")
    client.get("/login")
    refused = client.post("/login", {"username": name, "password": "jobbridge-demo"})
    assert refused.status_code == 429
    # another account from the same address (an office's) still signs in
    other = Client(first, address="10.9.9.9")
    other.get("/login")
    allowed = other.post("/login", {"username": "admin", "password": "jobbridge-demo"})
    assert allowed.status_code in (302, 303)
    for app in (first, second):
        app.extensions["jobbridge.engine"].dispose()


def test_login_clears_a_planted_session_and_keeps_next_on_site(app):
    client = Client(app)
    with client.http.session_transaction() as session:
        session["planted"] = "attacker"
    client.get("/login")
    response = client.post(
        "/login?next=https://evil.example/x",
        {"username": "caseworker", "password": "jobbridge-demo"},
    )
    assert response.headers["Location"].startswith("/")
    assert "evil" not in response.headers["Location"]
    with client.http.session_transaction() as session:
        assert "planted" not in session and session["uid"]
    for target in ("//evil.example", "/\\evil.example", "javascript:alert(1)"):
        client = Client(app)
        client.get("/login")
        response = client.post(
            f"/login?next={target}", {"username": "caseworker", "password": "jobbridge-demo"}
        )
        assert response.headers["Location"] == "/caseload/", target


def test_a_session_replayed_after_logout_is_refused(app):
    client = signed_in(app, "caseworker")
    assert client.get("/caseload/").status_code == 200
    with client.http.session_transaction() as session:
        stolen = dict(session)
    client.post("/logout")
    replay = Client(app)
    with replay.http.session_transaction() as session:
        session.update(stolen)
    response = replay.get("/caseload/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_cookie_attributes_and_idle_timeout(app, frozen_clock):
    client = Client(app)
    client.get("/login")
    response = client.post("/login", {"username": "caseworker", "password": "jobbridge-demo"})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert client.get("/caseload/").status_code == 200
    frozen_clock.advance(minutes=29)
    assert client.get("/caseload/").status_code == 200  # each request renews the idle time
    frozen_clock.advance(minutes=31)
    response = client.get("/caseload/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_production_cookies_are_secure(monkeypatch, demo_database_url):
    monkeypatch.setenv("JOBBRIDGE_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "s" * 40)
    app = make_app(monkeypatch, demo_database_url)
    client = Client(app)
    client.get("/login")
    response = client.post("/login", {"username": "caseworker", "password": "jobbridge-demo"})
    assert "Secure" in response.headers["Set-Cookie"]
    assert "Strict-Transport-Security" not in client.get("/login").headers  # plain HTTP
    https = client.get("/login", base_url="https://localhost")
    assert https.headers["Strict-Transport-Security"] == "max-age=31536000"
    app.extensions["jobbridge.engine"].dispose()


def test_an_address_is_refused_after_a_hundred_failures_not_ten(app):
    """One address may be a whole office: its limit is well above one account's."""
    from matcher.core import clock
    from matcher.core.models import LoginAttempt
    from matcher.people.accounts import ADDRESS_FAILURE_LIMIT

    engine = app.extensions["jobbridge.engine"]
    with write_session(engine) as session:
        session.add_all(
            LoginAttempt(key="addr:10.8.8.8", at=clock.utcnow())
            for _ in range(ADDRESS_FAILURE_LIMIT - 1)
        )
    client = Client(app, address="10.8.8.8")
    client.get("/login")
    last = client.post("/login", {"username": "office-typo", "password": "wrong"})
    assert last.status_code == 401  # the hundredth failure is still only refused
    refused = client.post("/login", {"username": "admin", "password": "jobbridge-demo"})
    assert refused.status_code == 429


def test_security_headers(app):
    client = signed_in(app, "caseworker")
    response = client.get("/caseload/")
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["Cache-Control"] == "no-store"
    page = response.get_data(as_text=True)
    assert "<script" not in page and " style=" not in page and "<style" not in page


def test_an_unexpected_error_is_a_plain_500_page(monkeypatch, demo_database_url):
    monkeypatch.setenv("JOBBRIDGE_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "s" * 40)
    app = make_app(monkeypatch, demo_database_url)

    def broken():
        raise RuntimeError("secret internals")

    from web.security import ANYONE, allow

    app.add_url_rule("/broken", "broken", allow(ANYONE)(broken))
    response = app.test_client().get("/broken")
    body = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "secret internals" not in body and "Traceback" not in body
    app.extensions["jobbridge.engine"].dispose()


def test_xss_payloads_in_every_free_text_field_are_escaped(app, db):
    seeker = _worker_seeker(db)
    worker = signed_in(app, "caseworker")
    page = worker.get(f"/seekers/{seeker.id}").get_data(as_text=True)
    version = re.search(r'name="version" value="(\d+)"', page).group(1)
    levels = {f"level_{k}": "2" for k in re.findall(r'name="level_(\w+)"', page)}
    worker.post(
        f"/seekers/{seeker.id}/assessment", {**levels, "notes": PAYLOAD, "version": version}
    )
    worker.post(f"/seekers/{seeker.id}/plan", {"goals": PAYLOAD, "version": "0"})
    worker.post(
        f"/seekers/{seeker.id}/records",
        {"kind": "follow_up", "served_on": "2026-01-05", "notes": PAYLOAD},
    )
    rec = db.execute(
        select(col(Recommendation.id)).where(
            col(Recommendation.seeker_id) == seeker.id, col(Recommendation.active).is_(True)
        )
    ).scalar()
    assert rec is not None
    worker.post(
        f"/seekers/{seeker.id}/recommendations/{rec}", {"status": "declined", "reason": PAYLOAD}
    )
    # a bad form echoes the input back
    echoed = worker.post(
        f"/seekers/{seeker.id}/records", {"kind": "follow_up", "served_on": "", "notes": PAYLOAD}
    )
    pages = [
        worker.get(f"/seekers/{seeker.id}"),
        echoed,
        worker.get(f"/seekers/{seeker.id}/why", query_string={"posting": PAYLOAD}),
        worker.get("/caseload/", query_string={"name": PAYLOAD}),
        worker.get("/postings/", query_string={"q": PAYLOAD}),
    ]
    for response in pages:
        body = response.get_data(as_text=True)
        assert PAYLOAD not in body
        assert "<script>alert" not in body and "<img src=x" not in body
    assert "&lt;script&gt;alert(" in pages[0].get_data(as_text=True)


def test_identifiers_are_masked_everywhere_and_revealing_is_logged(app, db):
    seeker = _worker_seeker(db)
    posting_id = db.execute(
        select(col(Recommendation.posting_id)).where(col(Recommendation.active).is_(True))
    ).scalar()
    pages = {
        "caseworker": [
            "/caseload/",
            f"/seekers/{seeker.id}",
            f"/seekers/{seeker.id}/slip",
            "/caseload/export?format=csv",
            f"/postings/{posting_id}",
        ],
        "supervisor": ["/dashboard/", "/caseload/", f"/seekers/{seeker.id}"],
        "organizer": ["/postings/", f"/postings/{posting_id}"],
        "graduate": ["/me/"],
        "admin": ["/dashboard/", "/caseload/export?format=csv"],
    }
    for role, urls in pages.items():
        client = signed_in(app, role)
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, url
            body = response.get_data(as_text=True)
            assert not ID_NUMBER.search(body), (role, url)
    file_page = signed_in(app, "caseworker").get(f"/seekers/{seeker.id}").get_data(as_text=True)
    assert seeker.id_number_masked and seeker.id_number_masked in file_page
    worker = signed_in(app, "caseworker")
    before = _audit_count(db, action="reveal")
    revealed = worker.post(f"/seekers/{seeker.id}/reveal", {"what": "id_number"})
    assert revealed.status_code == 200
    assert ID_NUMBER.search(revealed.get_data(as_text=True))
    assert _audit_count(db, action="reveal") == before + 1
    assert (
        signed_in(app, "supervisor")
        .post(f"/seekers/{seeker.id}/reveal", {"what": "id_number"})
        .status_code
        == 403
    )


def test_viewing_a_file_writes_one_audit_row(app, db):
    seeker = _worker_seeker(db)
    worker = signed_in(app, "caseworker")
    before = _audit_count(db, action="view", object_id=str(seeker.id))
    worker.get(f"/seekers/{seeker.id}")
    assert _audit_count(db, action="view", object_id=str(seeker.id)) == before + 1
    export_before = _audit_count(db, action="export")
    worker.http.get("/caseload/export?format=xlsx")
    assert _audit_count(db, action="export") == export_before + 1


def test_no_code_updates_or_deletes_audit_rows():

    root = ROOT
    for path in [*root.joinpath("matcher").rglob("*.py"), *root.joinpath("web").rglob("*.py")]:
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"(update|delete)\(\s*(AuditLog|table_of\(AuditLog\))", text), path


def test_logs_carry_no_identifiers_or_passwords(app, db, caplog):
    caplog.set_level(logging.DEBUG)
    seeker = _worker_seeker(db)
    client = Client(app)
    client.get("/login")
    client.post("/login", {"username": "caseworker", "password": "wrong-password-123"})
    worker = signed_in(app, "caseworker")
    worker.get(f"/seekers/{seeker.id}")
    worker.post(f"/seekers/{seeker.id}/reveal", {"what": "phone"})
    worker.post(
        f"/seekers/{seeker.id}/records",
        {"kind": "follow_up", "served_on": "2026-01-05", "notes": "private note 4471"},
    )
    text = caplog.text
    assert not ID_NUMBER.search(text)
    assert not re.search(r"1[3-9]\d{9}", text)
    assert "wrong-password-123" not in text and "private note 4471" not in text


def test_a_stale_save_is_refused_with_a_message(app, db):
    seeker = _worker_seeker(db)
    first, second = signed_in(app, "caseworker"), signed_in(app, "admin")
    page = first.get(f"/seekers/{seeker.id}").get_data(as_text=True)
    second.get(f"/seekers/{seeker.id}")
    version = re.search(r'name="version" value="(\d+)"', page).group(1)
    levels = {f"level_{k}": "1" for k in re.findall(r'name="level_(\w+)"', page)}
    saved = first.post(f"/seekers/{seeker.id}/assessment", {**levels, "version": version})
    assert saved.status_code == 302
    stale = second.post(f"/seekers/{seeker.id}/assessment", {**levels, "version": version})
    assert stale.status_code == 409
    assert "其他人保存了修改" in stale.get_data(as_text=True)


def test_the_graduate_sees_reasons_and_a_declined_posting_is_not_recommended_again(
    app, db, demo_database_url
):
    graduate = signed_in(app, "graduate")
    page = graduate.get("/me/").get_data(as_text=True)
    own = db.execute(
        select(Jobseeker)
        .join(User, col(User.id) == col(Jobseeker.user_id))
        .where(col(User.username) == "graduate")
    ).scalar_one()
    recs = (
        db.execute(
            select(Recommendation).where(
                col(Recommendation.seeker_id) == own.id, col(Recommendation.active).is_(True)
            )
        )
        .scalars()
        .all()
    )
    assert recs
    for reason in recs[0].reasons:
        assert reason["zh"] in page or reason["en"] in page
    declined = recs[0]
    response = graduate.post(f"/me/recommendations/{declined.id}", {"interested": "no"})
    assert response.status_code == 302
    engine = make_engine(demo_database_url)
    Refresher(engine).seekers([own.id])
    with Session(engine) as session:
        active = (
            session.execute(
                select(col(Recommendation.posting_id)).where(
                    col(Recommendation.seeker_id) == own.id, col(Recommendation.active).is_(True)
                )
            )
            .scalars()
            .all()
        )
    engine.dispose()
    assert declined.posting_id not in active


@pytest.mark.parametrize("instances", [1, 2])
def test_concurrent_wrong_passwords_cannot_race_past_the_limit(
    monkeypatch, demo_database_url, instances
):
    """Twenty wrong passwords at once for one account, on one or two app instances: at most
    ten are checked, the rest refused with 429 (each attempt is counted before the check)."""
    from tests.helpers import run_together

    apps = [make_app(monkeypatch, demo_database_url) for _ in range(instances)]
    name = f"racer-{instances}"
    clients = []
    for k in range(20):
        client = Client(apps[k % instances], address=f"10.6.{instances}.{k}")
        client.get("/login")
        clients.append(client)
    answers: list[int] = []

    def attempt(client: Client) -> None:
        answers.append(client.post("/login", {"username": name, "password": "wrong"}).status_code)

    assert run_together(*(lambda c=c: attempt(c) for c in clients)) == []
    assert sorted(set(answers)) == [401, 429] and answers.count(401) == 10, answers
    for app in apps:
        app.extensions["jobbridge.engine"].dispose()
