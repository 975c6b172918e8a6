"""What each role does, in a real browser: the case worker's file work, the graduate declining a
posting, the supervisor's dashboard, and the display preferences that follow the reader."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from playwright.sync_api import Page, expect
from sqlmodel import Session, col, select

from matcher.core.models import Jobseeker, Recommendation, ServiceRecord
from tests.browser.conftest import (
    LiveServer,
    describe_violations,
    prefs_cookies,
    sign_in,
    sign_out,
)
from tests.helpers import TODAY

pytestmark = pytest.mark.browser

Axe = Callable[[Any], list[dict[str, Any]]]


def assert_accessible(page: Any, axe: Axe, where: str) -> None:
    violations = axe(page)
    assert not violations, describe_violations(where, violations)


def notice(page: Any) -> Any:
    """The confirmation after a change: a status message the reader can see where they are."""
    found = page.locator("main .notice[role=status]")
    expect(found).to_be_visible()
    expect(found).to_be_in_viewport()
    return found


def english(new_context: Callable[..., Any], server: LiveServer) -> Any:
    context = new_context()
    context.add_cookies(prefs_cookies(server.url, lang="en", text="normal"))
    return context.new_page()


def test_case_worker_works_through_a_seeker_file(
    live_server: LiveServer, new_context: Callable[..., Any], axe: Axe
) -> None:
    seeker_id = live_server.demo.flow_seeker
    with Session(live_server.engine) as session:
        seeker = session.get(Jobseeker, seeker_id)
        assert seeker is not None
        name = seeker.name
    page = english(new_context, live_server)
    sign_in(page, "caseworker")
    expect(page).to_have_url(re.compile(r"/caseload/$"))

    # Find the seeker with the caseload's filter and open the file.
    page.get_by_label("Name", exact=True).fill(name)
    page.get_by_role("button", name="Apply filters").click()
    page.locator(f'table.caseload a[href="/seekers/{seeker_id}"]').click()
    expect(page.locator("h1")).to_contain_text(name)

    # Capability assessment: change one level and save.
    assessment = page.locator("#assessment form")
    level = assessment.locator("select").first
    before = level.input_value()
    after = "1" if before != "1" else "2"
    level.select_option(after)
    assessment.get_by_role("button", name="Save the assessment").click()
    expect(notice(page)).to_contain_text("Assessment saved.")
    expect(page.locator("#assessment form select").first).to_have_value(after)
    assert_accessible(page, axe, "seeker file after saving the assessment")

    # A service record dated in the future is refused, with the error tied to the field.
    records = page.locator("#records form")
    notes = "Called about the warehouse posting; interested."
    records.get_by_label("Kind of service").select_option("career_guidance")
    records.get_by_label("Date of the service").fill((TODAY + timedelta(days=30)).isoformat())
    records.get_by_label("Notes", exact=True).fill(notes)
    with page.expect_navigation() as refused:
        records.get_by_role("button", name="Add the record").click()
    assert refused.value.status == 400
    served_on = page.locator("#field-served_on")
    expect(served_on).to_have_attribute("aria-invalid", "true")
    expect(served_on).to_have_attribute("aria-describedby", re.compile(r"\bserved_on-error\b"))
    error = page.locator("#served_on-error")
    expect(error).to_be_visible()
    expect(error).to_contain_text("The date cannot be later than today")
    expect(served_on).to_have_accessible_description(re.compile("later than today"))
    summary = page.locator(".error-summary[role=alert]")
    expect(summary.locator('a[href="#field-served_on"]')).to_be_visible()
    expect(page).to_have_title(re.compile(r"^Error:"))
    expect(summary).to_be_focused()
    # What was typed is kept.
    expect(page.locator("#field-notes")).to_have_value(notes)
    assert_accessible(page, axe, "seeker file with an error in the service record")

    # Corrected, it is added, with its next follow-up.
    served, follow = TODAY - timedelta(days=1), TODAY + timedelta(days=14)
    records = page.locator("#records form")
    records.get_by_label("Date of the service").fill(served.isoformat())
    records.get_by_label("Next follow-up (optional)").fill(follow.isoformat())
    records.get_by_role("button", name="Add the record").click()
    expect(notice(page)).to_contain_text("Service record added.")
    entry = page.locator("#records .timeline li", has_text=notes)
    expect(entry).to_be_visible()
    expect(entry).to_contain_text("Career guidance")
    expect(page.locator("#field-served_on")).not_to_have_attribute("aria-invalid", "true")

    # Refresh the recommendations, mark them sent, record an interview on one.
    page.get_by_role("button", name="Refresh recommendations now").click()
    expect(notice(page)).to_contain_text("Refresh requested")
    reload_until_refreshed(page)
    items = page.locator("#recommendations ol.recommendations > li")
    expect(items.first).to_be_visible()
    count = items.count()
    page.get_by_role("button", name="Mark new ones as sent").click()
    expect(notice(page)).to_contain_text("marked as sent")
    expect(items).to_have_count(count)
    for index in range(count):
        expect(items.nth(index)).to_contain_text("Status: Sent")
    first = items.first
    rec_id = int((first.get_attribute("id") or "").removeprefix("rec-"))
    first.get_by_label("Outcome").select_option("interview")
    first.get_by_role("button", name="Save the outcome").click()
    expect(notice(page)).to_contain_text("Outcome recorded.")
    expect(page.locator(f"#rec-{rec_id}")).to_contain_text("Status: Interview")
    assert_accessible(page, axe, "seeker file after recording an outcome")

    with Session(live_server.engine) as session:
        rec = session.get(Recommendation, rec_id)
        assert rec is not None and rec.status == "interview"
        stored = session.exec(
            select(ServiceRecord).where(
                col(ServiceRecord.seeker_id) == seeker_id, col(ServiceRecord.notes) == notes
            )
        ).all()
        assert [(r.served_on, r.next_follow_up) for r in stored] == [(served, follow)]


def test_graduate_declines_a_posting_and_it_is_not_recommended_again(
    live_server: LiveServer, new_context: Callable[..., Any], axe: Axe
) -> None:
    ids = live_server.demo
    graduate = new_context().new_page()  # in Chinese, the default
    sign_in(graduate, "graduate")
    expect(graduate).to_have_url(re.compile(r"/me/$"))
    items = graduate.locator("main ol.recommendations > li")
    count = items.count()
    assert count >= 2, "the demo graduate needs recommendations"
    declined = items.first
    title = declined.locator("h2").inner_text()
    action = declined.locator("form").get_attribute("action") or ""
    rec_id = int(action.rstrip("/").rsplit("/", 1)[-1])
    with Session(live_server.engine) as session:
        rec = session.get(Recommendation, rec_id)
        assert rec is not None
        posting_id = rec.posting_id
    declined.locator("input[name=reason]").fill("离家太远")
    declined.locator("button[name=interested][value=no]").click()
    notice(graduate)
    expect(items).to_have_count(count - 1)
    expect(graduate.locator("main ol.recommendations h2", has_text=title)).to_have_count(0)
    assert_accessible(graduate, axe, "graduate portal after declining")

    # The seeker's case worker ranks them again: the declined posting stays away.
    worker = english(new_context, live_server)
    sign_in(worker, ids.graduate_worker)
    worker.goto(f"/seekers/{ids.graduate_seeker}")
    worker.get_by_role("button", name="Refresh recommendations now").click()
    expect(notice(worker)).to_contain_text("Refresh requested")
    reload_until_refreshed(worker)
    again = worker.locator(f'#recommendations article:has(a[href="/postings/{posting_id}"])')
    if again.count():  # still listed only as the record of the decline
        expect(again).to_contain_text("Status: Declined")
    graduate.reload()
    expect(graduate.locator("main ol.recommendations h2", has_text=title)).to_have_count(0)
    with Session(live_server.engine) as session:
        offered = session.exec(
            select(Recommendation).where(
                col(Recommendation.seeker_id) == ids.graduate_seeker,
                col(Recommendation.posting_id) == posting_id,
                col(Recommendation.active).is_(True),
                col(Recommendation.status) != "declined",
            )
        ).all()
        assert offered == []


def test_supervisor_reads_the_dashboard_and_a_file(
    live_server: LiveServer, new_context: Callable[..., Any]
) -> None:
    page = english(new_context, live_server)
    sign_in(page, "supervisor")
    expect(page).to_have_url(re.compile(r"/dashboard/$"))
    figures = page.get_by_role("table", name="Key figures")
    expect(figures).to_be_visible()
    expect(figures.locator("tbody th[scope=row]")).to_have_count(4)
    chart = page.locator("main svg.chart")
    expect(chart).to_have_attribute("role", "img")
    expect(chart).to_have_accessible_name(re.compile(r"Key figures against the 100% target"))
    expect(page.get_by_role("img", name=re.compile("Key figures"))).to_have_count(1)
    # Supervisors read files; they do not change them.
    page.goto(f"/seekers/{live_server.demo.seeker}")
    expect(page.locator("h1")).to_be_visible()
    expect(page.locator("main form[method=post]")).to_have_count(0)
    expect(page.locator("main select, main textarea")).to_have_count(0)


def test_language_and_large_text_follow_the_reader(
    live_server: LiveServer, new_context: Callable[..., Any]
) -> None:
    page = new_context().new_page()
    html = page.locator("html")
    large = re.compile(r"\blarge-text\b")

    def font_size() -> float:
        return float(
            page.evaluate("parseFloat(getComputedStyle(document.documentElement).fontSize)")
        )

    def expect_prefs(lang: str, big: bool) -> None:
        expect(html).to_have_attribute("lang", lang)
        if big:
            expect(html).to_have_class(large)
            expect(page.locator("header button[name=text]")).to_have_attribute(
                "aria-pressed", "true"
            )
            assert font_size() > 16
        else:
            expect(html).not_to_have_class(large)
            expect(page.locator("header button[name=text]")).to_have_attribute(
                "aria-pressed", "false"
            )
            assert font_size() == 16

    page.goto("/login")
    expect_prefs("zh-CN", big=False)
    page.locator("header button[name=lang]").click()
    expect_prefs("en", big=False)
    expect(page.locator("h1")).to_have_text("Sign in")
    page.locator("header button[name=text]").click()
    expect_prefs("en", big=True)

    sign_in(page, "organizer")
    expect(page).to_have_url(re.compile(r"/postings/$"))
    expect_prefs("en", big=True)
    page.locator("main table tbody a").first.click()
    expect(page).to_have_url(re.compile(r"/postings/\d+$"))
    expect_prefs("en", big=True)

    sign_out(page)
    expect(page).to_have_url(re.compile(r"/login$"))
    expect_prefs("en", big=True)
    sign_in(page, "organizer")
    expect_prefs("en", big=True)

    # And back: Chinese, normal text, on every page from here on.
    page.locator("header button[name=lang]").click()
    page.locator("header button[name=text]").click()
    expect_prefs("zh-CN", big=False)
    page.locator("header nav a").first.click()
    expect_prefs("zh-CN", big=False)
    sign_out(page)
    expect_prefs("zh-CN", big=False)


def reload_until_refreshed(page: Page) -> None:
    """The scheduler takes the request up within seconds; the page says while it waits."""
    waiting = page.get_by_text("is waiting for the scheduler")
    for _ in range(60):
        if not waiting.count():
            return
        page.wait_for_timeout(500)
        page.reload()
    raise AssertionError("the scheduler did not refresh the seeker within 30 s")
