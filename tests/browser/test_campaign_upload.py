"""Uploading a postings file into a campaign in Chromium: the preview of a file with errors
and of a clean file with flagged requirements, checked with axe in Chinese and English, with
large text on and off. Nothing is imported (the preview is a dry run), so the shared demo
data stays as the other browser tests expect it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import LiveServer, describe_violations, prefs_cookies, sign_in
from tests.browser.test_accessibility import OVERFLOW
from tests.helpers import posting_row, write_xlsx

pytestmark = pytest.mark.browser
KEEP_FLAGS = {"zh": "导入（保留需沟通标记）", "en": "Import, keeping the flags visible"}


def upload(page: Any, campaign: int, path: Path) -> None:
    page.goto(f"/campaigns/{campaign}/upload")
    page.locator("#kind").select_option("postings")
    page.locator("#file").set_input_files(str(path))
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()


@pytest.mark.parametrize("text", ["normal", "large"])
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_upload_preview_passes_axe(
    lang: str,
    text: str,
    tmp_path: Path,
    live_server: LiveServer,
    new_context: Callable[..., Any],
    axe: Callable[[Any], list[dict[str, Any]]],
) -> None:
    context = new_context()
    context.add_cookies(prefs_cookies(live_server.url, lang=lang, text=text))
    page = context.new_page()
    sign_in(page, "organizer")
    campaign = live_server.demo.fair
    flagged = posting_row(7001, 任职要求="身高165cm以上，五官端正，身体健康。")
    files = {
        "errors": write_xlsx(
            tmp_path / "有错误的岗位.xlsx", [flagged, posting_row(7002, 截止日期="下个月")]
        ),
        "clean": write_xlsx(tmp_path / "岗位.xlsx", [flagged, posting_row(7003)]),
    }
    reports = []
    for name, path in files.items():
        upload(page, campaign, path)
        assert f"/campaigns/{campaign}/upload/" in page.url, page.url
        main = page.locator("main")
        assert main.locator("#screening-heading").count() == 1
        assert main.locator("ul.findings > li").count() >= 3  # height, looks, health
        confirm = main.locator("form button.primary")
        if name == "errors":
            assert main.locator(".error-summary").count() == 1 and confirm.count() == 0
            assert "下个月" in main.locator("#problems-caption + thead + tbody").inner_text()
        else:
            assert confirm.count() == 1
            assert confirm.inner_text().strip() == KEEP_FLAGS[lang]
        violations = axe(page)
        if violations:
            reports.append(describe_violations(f"{name} preview ({lang}, {text} text)", violations))
        if text == "large":  # WCAG 1.4.10: reflows to 320 CSS pixels but for its tables
            page.set_viewport_size({"width": 320, "height": 640})
            layout = page.evaluate(OVERFLOW)
            if layout["scroll"] > layout["width"] or layout["found"]:
                reports.append(f"{name} preview ({lang}) at 320 px: {layout}")
            page.set_viewport_size({"width": 1280, "height": 720})
    assert not reports, "\n\n".join(reports)
