"""The case worker's main flow with the keyboard alone: no clicks, and no navigation but the
first visit to the sign-in page. Every element that takes focus on the way shows it."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from playwright.sync_api import expect
from sqlmodel import Session, col, select

from matcher.core.models import ServiceRecord
from tests.browser.conftest import PASSWORD, LiveServer
from tests.helpers import TODAY

pytestmark = pytest.mark.browser

# What has focus, whether it matches a selector, and whether its focus indicator is drawn.
FOCUSED = """selector => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const style = getComputedStyle(el);
  const box = el.getBoundingClientRect();
  return {
    element: el.outerHTML.slice(0, 120),
    matches: selector ? el.matches(selector) : false,
    outline: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0,
    shadow: style.boxShadow !== 'none',
    onScreen: box.bottom > 0 && box.top < window.innerHeight && box.width > 0,
    style: `outline: ${style.outlineStyle} ${style.outlineWidth}; box-shadow: ${style.boxShadow}`,
  };
}"""


def focused(page: Any, selector: str = "") -> dict[str, Any]:
    state = page.evaluate(FOCUSED, selector)
    assert state is not None, "nothing has focus"
    return dict(state)


def press(page: Any, key: str, selector: str = "") -> dict[str, Any]:
    """Press a key that moves focus; the newly focused element must show it."""
    page.keyboard.press(key)
    state = focused(page, selector)
    assert state["outline"] or state["shadow"], (
        f"focus is not visible on {state['element']} ({state['style']})"
    )
    assert state["onScreen"], f"the focused element is off screen: {state['element']}"
    return state


def tab_to(page: Any, selector: str, *, limit: int = 60, back: bool = False) -> None:
    """Tab (or Shift+Tab) until the element matching ``selector`` has focus."""
    for _ in range(limit):
        if press(page, "Shift+Tab" if back else "Tab", selector)["matches"]:
            return
    raise AssertionError(f"{limit} presses of Tab did not reach {selector}")


def activate(page: Any, key: str = "Enter") -> None:
    """Follow a link or submit a form from the keyboard, and wait for the new page."""
    with page.expect_navigation():
        page.keyboard.press(key)


def test_case_worker_signs_in_and_adds_a_service_record_with_the_keyboard_only(
    live_server: LiveServer, new_context: Callable[..., Any]
) -> None:
    page = new_context().new_page()
    keyboard = page.keyboard
    page.goto("/login")

    # Switch to English with Space on the language button.
    tab_to(page, "header button[name=lang]")
    activate(page, "Space")
    expect(page.locator("html")).to_have_attribute("lang", "en")

    # The skip link is the first stop, shows itself, and moves focus to the main content.
    press(page, "Tab", "a.skip-link")
    assert focused(page, "a.skip-link")["matches"], "the skip link is not the first stop"
    expect(page.locator("a.skip-link")).to_be_in_viewport()
    keyboard.press("Enter")
    assert focused(page, "main#main")["matches"], "the skip link did not move focus to main"
    press(page, "Tab", "#username")
    assert focused(page, "#username")["matches"], "after main, the first field is not next"
    keyboard.type("caseworker")
    press(page, "Tab", "#password")
    keyboard.type(PASSWORD)
    activate(page)
    # The form posts to the page's own address; the redirect keeps the skip link's #main.
    expect(page).to_have_url(re.compile(r"/caseload/(#main)?$"))

    # Reach the caseload from the menu (back up from #main), then the first person in it.
    tab_to(page, "header nav a[aria-current=page]", back=True)
    activate(page)
    expect(page).to_have_url(re.compile(r"/caseload/$"))
    press(page, "Tab", "a.skip-link")
    keyboard.press("Enter")
    tab_to(page, "table.caseload tbody a")
    href = page.evaluate("document.activeElement.getAttribute('href')")
    activate(page)
    expect(page).to_have_url(re.compile(re.escape(href) + "$"))
    seeker_id = int(href.rsplit("/", 1)[-1])

    # In the file: the section links lead to the service-record form.
    press(page, "Tab", "a.skip-link")
    keyboard.press("Enter")
    tab_to(page, 'nav.on-page a[href="#records"]')
    keyboard.press("Enter")
    tab_to(page, "#field-kind", limit=10)
    keyboard.type("Career")  # the select jumps to "Career guidance"
    expect(page.locator("#field-kind")).to_have_value("career_guidance")

    served, follow = TODAY - timedelta(days=2), TODAY + timedelta(days=21)
    press(page, "Tab", "#field-served_on")
    keyboard.type(served.strftime("%m%d%Y"))  # the browser's date field, in en-US order
    tab_to(page, "#field-notes", limit=4)
    notes = "Keyboard only: talked through the cleaning posting."
    keyboard.type(notes)
    press(page, "Tab", "#field-next_follow_up")
    keyboard.type(follow.strftime("%m%d%Y"))
    # Back to check the notes, then forward to the button.
    tab_to(page, "#field-notes", limit=4, back=True)
    tab_to(page, "#records form button[type=submit]", limit=6)
    activate(page)

    expect(page.locator("main .notice[role=status]")).to_contain_text("Service record added.")
    expect(page.locator("#records .timeline li", has_text=notes)).to_be_visible()
    with Session(live_server.engine) as session:
        stored = session.exec(
            select(ServiceRecord).where(
                col(ServiceRecord.seeker_id) == seeker_id, col(ServiceRecord.notes) == notes
            )
        ).all()
        assert [(r.kind, r.served_on, r.next_follow_up) for r in stored] == [
            ("career_guidance", served, follow)
        ]
