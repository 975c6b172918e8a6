"""Sentinel tests for SECURITY.md item 8: no page or export a fair organizer can open carries
a seeker's disability grade or type, certificate or ID number, phone, or health notes.

A seeker on a built and analysed fair's invite list is given unmistakable values in every
such field; then every GET route an organizer may use (walked from the app's URL map, so a
new page is covered as soon as it exists) is opened with real ids, and every export is
downloaded and read: none may contain any of them.
"""

from __future__ import annotations

import io
import shutil
import subprocess
import zipfile

import pytest
from sqlalchemy import select, update
from sqlmodel import col

from matcher import jobs
from matcher.core import clock
from matcher.core.db import make_engine, read_session, write_session
from matcher.core.models import (
    Campaign,
    CapabilityProfile,
    Employer,
    FairSeeker,
    Jobseeker,
    Posting,
    ServiceRecord,
    User,
    table_of,
)
from matcher.fairs import listing
from matcher.people.access import Viewer
from tests.webapp import make_app, signed_in
from web.i18n import LANG_COOKIE
from web.security import ANYONE, SIGNED_IN, policy_of

SENTINELS = {
    "id_number_masked": "SENTINEL-ID-4417",
    "cert_no_masked": "SENTINEL-CERT-8821",
    "phone_masked": "SENTINEL-PHONE-5530",
}
NOTE = "SENTINEL-HEALTH-NOTE-癫痫病史"
REVEALING = ("手语视频", "Sign-language video")
# A seeker whose disability types and grade are the only ones of their kind in the text.
LABELS = ("残疾等级", "残疾人证号", "身份证号", "Disability grade", "Certificate number")


@pytest.fixture
def app(monkeypatch, demo_database_url):
    app = make_app(monkeypatch, demo_database_url)
    yield app
    app.extensions["jobbridge.engine"].dispose()


def plant_sentinel(database_url: str) -> tuple[int, int, int]:
    """Build a fair, analyse it, and give one seeker on its invite list the sentinels.
    Returns (campaign id, seeker id, employer id)."""
    engine = make_engine(database_url)
    with write_session(engine) as session:
        admin = session.execute(select(User).where(col(User.username) == "admin")).scalar_one()
        campaign = (
            session.execute(
                select(Campaign)
                .where(col(Campaign.kind) == "quarterly_fair")
                .order_by(col(Campaign.id))
            )
            .scalars()
            .first()
        )
        assert campaign is not None and campaign.id is not None
        fair = campaign.id
        own, others, _ = listing.postings_to_add(session, campaign_id=fair)
        listing.add_postings(
            session,
            viewer=Viewer.of(admin),
            campaign_id=fair,
            posting_ids=[p.id for p in own + others],
        )
    jobs.run(jobs.JobContext(engine), "fair_analysis", trigger="request")
    with write_session(engine) as session:
        seeker = (
            session.execute(
                select(col(FairSeeker.seeker_id))
                .where(col(FairSeeker.campaign_id) == fair, col(FairSeeker.fits) > 0)
                .order_by(col(FairSeeker.score).desc())
            )
            .scalars()
            .first()
        )
        assert seeker is not None, "the fair fits somebody"
        session.execute(
            update(table_of(Jobseeker))
            .where(table_of(Jobseeker).c.id == seeker)
            .values(**SENTINELS, contact_preference="sign_language_video")
        )
        session.add(
            ServiceRecord(seeker_id=seeker, kind="follow_up", served_on=clock.today(), notes=NOTE)
        )
        profile = session.execute(
            select(CapabilityProfile).where(col(CapabilityProfile.seeker_id) == seeker)
        ).scalar()
        if profile is not None:
            profile.notes = NOTE
        employer = (
            session.execute(
                select(col(Posting.employer_id)).where(
                    col(Posting.id).in_([p.id for p in own + others])
                )
            )
            .scalars()
            .first()
        )
    engine.dispose()
    assert employer is not None
    return fair, seeker, employer


def organizer_urls(app, values: dict[str, object]) -> tuple[list[str], list[str]]:
    """Every GET route an organizer may open, filled with ``values``; and the rules left
    out because they need a value not given (listed, so that the test says so)."""
    urls, unfilled = [], []
    for rule in app.url_map.iter_rules():
        if "GET" not in (rule.methods or ()) or rule.endpoint == "static":
            continue
        policy = policy_of(app, rule.endpoint) or frozenset()
        if "organizer" not in policy and SIGNED_IN not in policy and ANYONE not in policy:
            continue
        if not set(rule.arguments) <= set(values):
            unfilled.append(rule.rule)
            continue
        with app.test_request_context():
            from flask import url_for

            urls.append(url_for(rule.endpoint, **{k: values[k] for k in rule.arguments}))
    return sorted(urls), sorted(unfilled)


def readable(response) -> str:
    """The text of a response, whatever its type (HTML, CSV, XLSX, PDF)."""
    body = response.get_data()
    kind = response.mimetype or ""
    if "spreadsheetml" in kind:
        with zipfile.ZipFile(io.BytesIO(body)) as book:
            return "\n".join(
                book.read(name).decode("utf-8") for name in book.namelist() if name.endswith(".xml")
            )
    if kind == "application/pdf":
        if shutil.which("pdftotext") is None:
            return ""  # booklets carry no seeker at all; test_booklet reads their text
        return subprocess.run(
            ["pdftotext", "-", "-"], input=body, capture_output=True, check=True
        ).stdout.decode("utf-8")
    return body.decode("utf-8-sig", errors="replace")


def test_no_organizer_page_or_export_carries_health_or_identity_data(app, demo_database_url):
    fair, seeker, employer = plant_sentinel(demo_database_url)
    with read_session(app.extensions["jobbridge.engine"]) as session:
        planted = session.get(Jobseeker, seeker)
        assert planted is not None and planted.id_number_masked == SENTINELS["id_number_masked"]
        name = planted.name
        posting = session.execute(select(col(Posting.id))).scalars().first()
        assert session.get(Employer, employer) is not None
    values = {
        "campaign_id": fair,
        "posting_id": posting,
        "employer_id": employer,
        "kind": "postings",
        "ext": "csv",
    }
    urls, unfilled = organizer_urls(app, values)
    # Routes with other arguments are only reachable as the answer to an organizer's own
    # upload (its token): test_campaigns covers that preview's content.
    assert all("<token>" in rule for rule in unfilled), unfilled
    variants = []
    for url in urls:
        variants.append(url)
        if url.endswith("/export") or "export" in url:
            variants += [f"{url}?format=csv", f"{url}?format=xlsx"]
        if url.endswith("/booklet"):
            variants += [f"{url}?print=1", f"{url}?print=1&large=1"]
    organizer = signed_in(app, "organizer")
    seen_name, checked = False, 0
    for url in variants:
        for lang in ("zh", "en"):
            organizer.http.set_cookie(LANG_COOKIE, lang)
            response = organizer.http.get(url)
            if response.status_code != 200:
                assert response.status_code in (302, 404), (url, response.status_code)
                continue
            text = readable(response)
            # a sign-language video call, as a contact preference, tells of a disability
            found = [s for s in (*SENTINELS.values(), NOTE, *REVEALING) if s in text]
            assert found == [], (url, lang, found)
            if url.endswith("/invites") or "invites/export" in url:
                assert not [label for label in LABELS if label in text], url
            seen_name |= name in text
            checked += 1
    assert seen_name, "the planted seeker is on a page the organizer reads (the invite list)"
    assert checked >= 10
    # The staff view of the same invite list does reach the seeker's file, where the
    # masked values live: the sentinels are real, and only the organizer is kept from them.
    worker = signed_in(app, "admin")
    file = worker.get(f"/seekers/{seeker}").get_data(as_text=True)
    assert SENTINELS["id_number_masked"] in file
