"""A fair organizer's whole flow in a real browser: create a campaign, upload an employer's
file with errors, read the preview, fix the file, upload it again, confirm, build the fair,
download the booklet (HTML and PDF) and the invite list."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select
from sqlmodel import Session, col

from matcher.core.models import Campaign, Posting
from tests.browser.conftest import LiveServer, describe_violations, prefs_cookies, sign_in
from tests.helpers import TODAY, posting_row, write_xlsx

pytestmark = pytest.mark.browser

Axe = Callable[[Any], list[dict[str, Any]]]
NAME = "2026年第4季度云岩区残疾人专场招聘会（测试）"
VENUE_NOTES = "无障碍坡道、无障碍卫生间、现场手语翻译"


def accessible(page: Any, axe: Axe, where: str) -> None:
    violations = axe(page)
    assert not violations, describe_violations(where, violations)


def employer_rows(*, broken: bool) -> list[dict[str, str]]:
    """Five postings of one employer; broken: three cells a person could get wrong."""
    rows = [
        posting_row(
            900 + n,
            **{
                "岗位编号": f"FAIR-P{n:03d}",
                "用人单位": "云岩区测试助残科技有限公司",
                "工作地点": "贵阳市云岩区",
                "学历要求": "不限",
                "工作方式": "全职",
            },
        )
        for n in range(5)
    ]
    rows[2]["任职要求"] = "身高1.65米以上，五官端正，身体健康。"  # screening flags, not errors
    if broken:
        rows[0]["招聘人数"] = "-2"
        rows[1]["工作地点"] = "火星市"
        rows[3]["月薪下限"] = "面议吧"
    return rows


def postings_stored(server: LiveServer) -> int:
    with Session(server.engine) as session:
        return int(session.execute(select(func.count()).select_from(Posting)).scalar_one())


def test_an_organizer_runs_a_fair_from_campaign_to_invite_list(
    live_server: LiveServer, new_context: Callable[..., Any], axe: Axe, tmp_path: Path
) -> None:
    context = new_context()
    context.add_cookies(prefs_cookies(live_server.url, lang="en", text="normal"))
    page = context.new_page()
    sign_in(page, "organizer")

    # 1. Create the campaign.
    page.goto("/campaigns/new")
    page.get_by_label("Campaign name").fill(NAME)
    page.get_by_label("Kind").select_option("quarterly_fair")
    page.get_by_label("Organizer", exact=True).fill("云岩区残疾人联合会")
    page.get_by_label("Date").fill(str(TODAY + timedelta(days=16)))  # a fair to come
    page.get_by_label("Venue", exact=True).fill("云岩区人力资源市场")
    page.get_by_label("Venue accessibility").fill(VENUE_NOTES)
    page.get_by_label("Area").fill("贵阳市云岩区")
    page.get_by_role("button", name=re.compile("Create|Save")).click()
    expect(page.locator("h1")).to_contain_text(NAME)
    found = re.search(r"/campaigns/(\d+)$", page.url)
    assert found, page.url
    campaign_id = int(found.group(1))
    accessible(page, axe, "the new campaign")

    # 2. Upload a file with errors: the preview names row, column, value and reason, and
    #    nothing is written.
    before = postings_stored(live_server)
    page.get_by_role("link", name="Upload postings or employers").click()
    page.get_by_label("What the file holds").select_option("postings")
    page.get_by_label("File", exact=True).set_input_files(
        str(write_xlsx(tmp_path / "broken.xlsx", employer_rows(broken=True)))
    )
    page.get_by_role("button", name="Upload and preview").click()
    expect(page.locator("h1")).to_contain_text("Preview of broken.xlsx")
    problems = page.locator("table", has=page.locator("caption#problems-caption"))
    for value in ("-2", "火星市", "面议吧"):
        row = problems.locator("tbody tr", has_text=value)
        expect(row).to_have_count(1)
        assert re.search(r"^\s*\d+", row.locator("th").inner_text()), "the row number"
    # No import of the whole file; the valid rows alone only as an explicit choice.
    expect(page.get_by_role("button", name=re.compile("^Import"))).to_have_count(1)
    expect(page.get_by_role("button", name="Import the 2 valid rows, leave out 3")).to_be_visible()
    expect(page.get_by_role("link", name="Download the rejected rows (.xlsx)")).to_be_visible()
    accessible(page, axe, "the preview of a file with errors")
    assert postings_stored(live_server) == before

    # 3. Fix the file and upload it again: five new postings, one flagged; confirm.
    page.goto(f"/campaigns/{campaign_id}/upload")
    page.get_by_label("What the file holds").select_option("postings")
    page.get_by_label("File", exact=True).set_input_files(
        str(write_xlsx(tmp_path / "fixed.xlsx", employer_rows(broken=False)))
    )
    page.get_by_role("button", name="Upload and preview").click()
    expect(page.locator("h1")).to_contain_text("Preview of fixed.xlsx")
    expect(page.locator("#screening-heading")).to_be_visible()
    expect(page.locator("main")).to_contain_text("1.65")
    accessible(page, axe, "the preview of a clean file with a flagged posting")
    assert postings_stored(live_server) == before
    page.get_by_role("button", name="Import, keeping the flags visible").click()
    expect(page.locator("h1")).to_contain_text(NAME)
    assert postings_stored(live_server) == before + 5
    for n in range(5):
        expect(page.locator("main")).to_contain_text(f"FAIR-P{n:03d}")

    # 4. Build the fair: the campaign's postings (checked already) and a few others of the
    #    area; the scheduler works out the figures within seconds.
    page.get_by_role("link", name="Fair builder").click()
    expect(page.locator("h1")).to_contain_text("Fair builder")
    #    The flagged posting is held for review: marked, with what to ask, and not offered.
    held = page.locator(".held-posting")
    expect(held).to_have_count(1)
    expect(held).to_contain_text("Held for review")
    expect(held).to_contain_text("1.65")
    expect(page.locator('input[id^="own-"]')).to_have_count(4)
    others = page.locator('input[id^="other-"]')
    chosen = min(5, others.count())
    for k in range(chosen):
        others.nth(k).check()
    page.get_by_role("button", name="Add the chosen postings").click()
    expect(page.locator("main .notice[role=status]")).to_contain_text("postings added")
    waiting = page.locator("p.waiting")
    for _ in range(60):
        if not waiting.count():
            break
        page.wait_for_timeout(500)
        page.reload()
    expect(waiting).to_have_count(0)
    listed = page.locator("table", has=page.locator("caption#listed-caption")).locator("tbody tr")
    assert listed.count() == 4 + chosen
    expect(listed.first.locator("td").nth(3)).to_have_text(re.compile(r"^[\d,]+$"))
    accessible(page, axe, "the fair builder with its figures")

    # 5. The booklet: the HTML page, then the PDF.
    page.get_by_role("link", name="Listing booklet").click()
    expect(page.locator("main")).to_contain_text(VENUE_NOTES)
    expect(page.locator("main")).to_contain_text("云岩区测试助残科技有限公司")
    accessible(page, axe, "the booklet")
    pdf_link = page.locator('a[href$="/booklet.pdf"]').first
    with page.expect_download() as download:
        pdf_link.click()
    pdf = Path(download.value.path()).read_bytes()
    assert pdf.startswith(b"%PDF") and len(pdf) > 2000

    # 6. The invite list, and its download.
    page.goto(f"/campaigns/{campaign_id}/fair")
    page.get_by_role("link", name="Invite list").click()
    rows = page.locator("table", has=page.locator("caption#invites-caption")).locator("tbody tr")
    assert rows.count() >= 1, "the fair fits somebody in the area"
    accessible(page, axe, "the invite list")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the invite list (Excel)").click()
    book = openpyxl.load_workbook(io.BytesIO(Path(download.value.path()).read_bytes()))
    sheet = book.active
    assert [c.value for c in sheet[1]][:2] == ["Rank", "Name"]
    assert sheet.max_row - 1 >= rows.count() >= 1  # every row of the list, not one page
    book.close()
    with Session(live_server.engine) as session:
        campaign = session.get(Campaign, campaign_id)
        assert campaign is not None and campaign.analysed_at is not None
        assert campaign.venue_accessibility == VENUE_NOTES
        linked = session.execute(
            select(func.count()).where(col(Posting.external_id).startswith("FAIR-P"))
        ).scalar_one()
        assert linked == 5
