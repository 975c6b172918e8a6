"""axe-core on every page each role uses, in Chinese and English, with large text on and off.

One browser context per role, language and text size: it signs in once and visits all of the
role's pages, and the test reports every violation on every page at once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import delete, update
from sqlmodel import Session

from matcher.core.models import Posting, PostingCampaign
from matcher.intake.records import PostingRecord
from matcher.intake.store import insert_postings
from matcher.reference.categories import UNSURE_CATEGORY
from tests.browser.conftest import (
    LiveServer,
    describe_violations,
    prefs_cookies,
    sign_in,
)

pytestmark = pytest.mark.browser

# role (a demo sign-in, or None for a visitor) -> the pages it opens: (name, path, status)
Pages = list[tuple[str, str, int]]


def pages_of(role: str | None, server: LiveServer, held: int) -> Pages:
    ids = server.demo
    seeker = f"/seekers/{ids.seeker}"
    review = [
        ("postings held for review", "/postings/review", 200),
        ("a held posting, with its review", f"/postings/{held}", 200),
    ]
    return {
        "caseworker": [
            ("caseload", "/caseload/", 200),
            ("seeker file", seeker, 200),
            ("why not, with an answer", f"{seeker}/why?posting={ids.why_posting}", 200),
            ("printable slip", f"{seeker}/slip", 200),
            ("postings", "/postings/", 200),
            ("a posting", f"/postings/{ids.posting}", 200),
            ("a fair, read-only", f"/campaigns/{ids.fair}/fair", 200),
            ("invite list, with marks", f"/campaigns/{ids.fair}/invites", 200),
            *review,  # read-only
        ],
        "supervisor": [
            ("dashboard", "/dashboard/", 200),
            ("caseload", "/caseload/", 200),
            ("seeker file, read-only", seeker, 200),
            ("scheduled jobs", "/runs/", 200),
            *review,  # with the forms
        ],
        "admin": [("dashboard", "/dashboard/", 200), ("scheduled jobs", "/runs/", 200)],
        "organizer": [
            ("postings", "/postings/", 200),
            ("a posting", f"/postings/{ids.posting}", 200),
            *review,
            ("employers below the quota", "/employers/", 200),
            ("an employer", f"/employers/{_employer_of(server, ids.posting)}", 200),
            ("fair builder", f"/campaigns/{ids.fair}/fair", 200),
            ("invite list", f"/campaigns/{ids.fair}/invites", 200),
            ("campaigns", "/campaigns/", 200),
            ("a campaign", f"/campaigns/{ids.fair}", 200),
            ("new campaign form", "/campaigns/new", 200),
            ("campaign edit form", f"/campaigns/{ids.fair}/edit", 200),
            ("upload form", f"/campaigns/{ids.fair}/upload", 200),
            ("listing booklet", f"/campaigns/{ids.fair}/booklet", 200),
            ("booklet, print layout", f"/campaigns/{ids.fair}/booklet?print=1", 200),
            ("booklet, large print", f"/campaigns/{ids.fair}/booklet?print=1&large=1", 200),
        ],
        "graduate": [("my postings", "/me/", 200)],
        None: [("sign in", "/login", 200), ("page not found", "/no-such-page", 404)],
    }[role]


@pytest.fixture(scope="module")
def held(live_server: LiveServer) -> Iterator[int]:
    """A posting held for review (an unsure category, a gender and an age clause) among the
    fair's own postings, whose text staff once edited: the review pages with all their
    parts, and the fair builder with a held posting. Removed after this module."""
    with Session(live_server.engine) as session:
        like = session.get(Posting, live_server.demo.posting)
        assert like is not None
        record = PostingRecord(
            external_id="AXE-HELD-1",
            employer="",
            title="实习生",
            category="hr_assistant",
            area_code=like.area_code,
            description="协助部门完成日常工作。",
            requirements="限女性，年龄35岁以下。",
            openings=3,
            category_confidence=0.08,
            review_reasons=[UNSURE_CATEGORY, "flag:age", "flag:gender"],
        )
        posting_id = insert_postings(session, [(record, like.employer_id)])["AXE-HELD-1"]
        session.add(PostingCampaign(posting_id=posting_id, campaign_id=live_server.demo.fair))
        session.execute(
            update(Posting)
            .where(Posting.id == posting_id)  # type: ignore[arg-type]
            .values(original_text={"description": "协助部门。", "requirements": "限女性。"})
        )
        session.commit()
    yield posting_id
    with Session(live_server.engine) as session:
        session.execute(delete(Posting).where(Posting.id == posting_id))  # type: ignore[arg-type]
        session.commit()


def _employer_of(server: LiveServer, posting_id: int) -> int:
    """The employer of a demo posting (its page links to the employer's)."""
    with Session(server.engine) as session:
        posting = session.get(Posting, posting_id)
        assert posting is not None
        return posting.employer_id


@pytest.fixture(scope="module")
def signed_in() -> dict[str | None, Any]:
    """Each role's cookies after signing in once: 24 sign-ins would cost more than the pages.

    The language and text-size cookies are set per test, over these."""
    return {}


def open_as(
    role: str | None,
    context: Any,
    signed_in: dict[str | None, Any],
    server: LiveServer,
    *,
    lang: str,
    text: str,
) -> Any:
    """A page in ``context``, signed in as ``role``, with the display preferences set."""
    if role in signed_in:
        context.add_cookies(signed_in[role]["cookies"])
    context.add_cookies(prefs_cookies(server.url, lang=lang, text=text))
    page = context.new_page()
    if role and role not in signed_in:
        sign_in(page, role)
        signed_in[role] = context.storage_state()
    return page


ROLES = ["caseworker", "supervisor", "admin", "organizer", "graduate", None]


@pytest.mark.parametrize("text", ["normal", "large"])
@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("role", ROLES, ids=[r or "visitor" for r in ROLES])
def test_every_page_passes_axe(
    role: str | None,
    lang: str,
    text: str,
    live_server: LiveServer,
    new_context: Callable[..., Any],
    axe: Callable[[Any], list[dict[str, Any]]],
    signed_in: dict[str | None, Any],
    held: int,
) -> None:
    page = open_as(role, new_context(), signed_in, live_server, lang=lang, text=text)
    reports = []
    for name, path, status in pages_of(role, live_server, held):
        response = page.goto(path)
        assert response is not None and response.status == status, f"{name}: {path}"
        assert page.url == live_server.url + path, f"{name}: redirected to {page.url}"
        html = page.locator("html")
        assert html.get_attribute("lang") == ("zh-CN" if lang == "zh" else "en")
        if name != "printable slip":  # the slip is always in large print
            assert ("large-text" in (html.get_attribute("class") or "")) == (text == "large")
        violations = axe(page)
        if violations:
            reports.append(describe_violations(f"{name} ({path}, {lang}, {text} text)", violations))
    assert not reports, "\n\n".join(reports)


def test_axe_reports_what_it_finds(
    live_server: LiveServer,
    new_context: Callable[..., Any],
    axe: Callable[[Any], list[dict[str, Any]]],
) -> None:
    """The check itself works under the app's CSP: a field without a label is reported."""
    page = new_context().new_page()
    page.goto("/login")
    page.evaluate("document.querySelector('main form').append(document.createElement('input'))")
    violations = axe(page)
    assert [v["id"] for v in violations] == ["label"]
    assert "label" in describe_violations("login", violations)


# Text that sticks out past the right edge of the window, outside the tables that scroll in
# their own region.
OVERFLOW = """() => {
  const width = document.documentElement.clientWidth;
  const found = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode;
    if (!node.textContent.trim() || node.parentElement.closest('.table-wrap')) continue;
    const range = document.createRange();
    range.selectNodeContents(node);
    if ([...range.getClientRects()].some(r => r.right > width + 1)) {
      found.push(`${node.parentElement.outerHTML.slice(0, 80)}...`);
    }
  }
  for (const el of document.querySelectorAll('body *')) {
    if (el.closest('.table-wrap')) continue;
    if (el.getBoundingClientRect().right > width + 1) found.push(el.outerHTML.slice(0, 80));
  }
  return {scroll: document.documentElement.scrollWidth, width, found: found.slice(0, 5)};
}"""


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_page_reflows_to_320_css_pixels_with_large_text(
    lang: str,
    live_server: LiveServer,
    new_context: Callable[..., Any],
    signed_in: dict[str | None, Any],
    held: int,
) -> None:
    """WCAG 1.4.10: at 320 CSS pixels (1280 at 400% zoom) nothing scrolls sideways but the
    data tables, each in its own focusable region."""
    problems = []
    for role in ROLES:
        context = new_context(viewport={"width": 320, "height": 640})
        page = open_as(role, context, signed_in, live_server, lang=lang, text="large")
        for name, path, _status in pages_of(role, live_server, held):
            page.goto(path)
            layout = page.evaluate(OVERFLOW)
            if layout["scroll"] > layout["width"] or layout["found"]:
                problems.append(f"{name} ({path}) as {role}: {layout}")
        context.close()
    assert not problems, "\n".join(problems)
