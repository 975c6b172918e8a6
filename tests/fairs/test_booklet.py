"""The fair's listing booklet: its content (which postings, grouped and sorted, names in
the reader's language, pay in words), the page by role and language, the print and
large-print layouts, and the PDF made for real and read back with poppler."""

from __future__ import annotations

import itertools
import os
import re
import shutil
import subprocess
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import event, func, select
from sqlmodel import Session, col

from matcher.core.db import make_engine, read_session, write_session
from matcher.core.models import Campaign, Employer, FairListing, Posting, PostingCampaign
from matcher.fairs.booklet import CAMPAIGN, LISTING, booklet, pay_text
from matcher.reference.occupations import occupations
from tests.conftest import CI
from tests.helpers import TODAY
from tests.webapp import make_app, signed_in
from web import pdf as pdf_engine
from web.i18n import LANG_COOKIE

FAIR_DAY = TODAY + timedelta(days=3)  # a fair still to come
DEADLINE = TODAY + timedelta(days=29)
VENUE_NOTES = "展厅入口有坡道和电梯，现场提供手语翻译和读屏设备"

# --- content -------------------------------------------------------------------------------


def _employer(session: Session, name: str, kind: str, facilities: list[str]) -> int:
    employer = Employer(name=name, kind=kind, area_code="520102", facilities=facilities)
    session.add(employer)
    session.flush()
    assert employer.id is not None
    return employer.id


def _posting(session: Session, employer_id: int, n: int, title: str, **more: object) -> int:
    values: dict[str, object] = {
        "external_id": f"BK-{n}",
        "employer_id": employer_id,
        "title": title,
        "category": "data_entry",
        "area_code": "520102",
    } | more
    posting = Posting(**values)  # type: ignore[arg-type]
    session.add(posting)
    session.flush()
    assert posting.id is not None
    return posting.id


@pytest.fixture
def world(engine):
    """A graduate fair with the campaign's own postings at two employers (one of them
    closed), and a third employer's posting outside the campaign."""
    with write_session(engine) as session:
        yi = _employer(session, "乙科技有限公司", "private", ["step_free", "screen_reader"])
        jia = _employer(session, "甲数据有限公司", "soe", [])
        bing = _employer(session, "丙物流有限公司", "private", ["flexible_hours"])
        ids = {
            "entry": _posting(
                session,
                yi,
                1,
                "数据录入员",
                salary_min=3000,
                salary_max=4500,
                accommodations=["screen_reader"],
                text_accommodations=["flexible_hours", "screen_reader"],
                work_modes=["full_time", "remote"],
                education_min="associate",
                graduate_only=True,
                deadline=DEADLINE,
                requirements="熟悉电脑操作，能使用读屏软件",
            ),
            "service": _posting(session, yi, 2, "客服专员", category="customer_service_online"),
            "files": _posting(session, yi, 3, "档案整理员", salary_min=2800),
            "check": _posting(session, jia, 4, "质检员", category="quality_inspection"),
            "closed": _posting(session, jia, 5, "旧岗位", status="closed"),
            "outside": _posting(session, bing, 6, "理货员", category="warehouse"),
        }
        campaign = Campaign(
            name="2026届残疾人高校毕业生专场招聘会",
            kind="graduate_fair",
            organizer="贵阳市残疾人联合会",
            starts_on=FAIR_DAY,
            venue="贵阳国际会议展览中心",
            venue_accessibility=VENUE_NOTES,
            area_code="520100",
        )
        session.add(campaign)
        session.flush()
        assert campaign.id is not None
        own = ("entry", "service", "files", "check", "closed")
        session.add_all(PostingCampaign(posting_id=ids[k], campaign_id=campaign.id) for k in own)
        ids |= {"campaign": campaign.id, "yi": yi, "jia": jia, "bing": bing}
    return ids


def _titles(content) -> list[list[tuple[str, list[str]]]]:
    return [
        [(c.name, [p.title for p in c.postings]) for c in e.categories] for e in content.employers
    ]


def test_without_a_listing_the_campaign_postings_are_grouped_and_sorted(engine, world):
    with read_session(engine) as session:
        content = booklet(session, campaign_id=world["campaign"])
    assert content is not None and content.source == CAMPAIGN
    # employers by name (乙 U+4E59 before 甲 U+7532), categories by name, postings by title
    assert [e.name for e in content.employers] == ["乙科技有限公司", "甲数据有限公司"]
    names = {
        key: occupations().by_key[key].name("zh")
        for key in ("data_entry", "customer_service_online")
    }
    yi_categories = sorted(
        [
            (names["data_entry"], ["数据录入员", "档案整理员"]),
            (names["customer_service_online"], ["客服专员"]),
        ]
    )
    assert _titles(content)[0] == yi_categories
    assert _titles(content)[1] == [
        (occupations().by_key["quality_inspection"].name("zh"), ["质检员"])
    ]
    assert content.closed_left_out == 1  # the closed posting is counted, not printed
    assert (content.postings, content.openings) == (4, 4)
    assert content.venue_accessibility == VENUE_NOTES
    assert content.kind == "高校毕业生专场" and content.area == "贵州省贵阳市"
    assert content.organizer == "贵阳市残疾人联合会" and content.starts_on == FAIR_DAY


def test_a_listing_replaces_the_campaign_postings(engine, world):
    with write_session(engine) as session:
        for key in ("check", "outside", "closed"):
            session.add(FairListing(campaign_id=world["campaign"], posting_id=world[key]))
    with read_session(engine) as session:
        content = booklet(session, campaign_id=world["campaign"])
    assert content is not None and content.source == LISTING
    assert [e.name for e in content.employers] == ["丙物流有限公司", "甲数据有限公司"]
    assert [p.title for e in content.employers for c in e.categories for p in c.postings] == [
        "理货员",
        "质检员",
    ]
    assert content.closed_left_out == 1


def test_names_pay_and_marks_in_english(engine, world):
    with read_session(engine) as session:
        content = booklet(session, campaign_id=world["campaign"], locale="en")
    assert content is not None and content.locale == "en"
    assert content.kind == "Graduate fair"
    yi = content.employers[0]
    assert yi.kind == "Private enterprise"
    # accommodation names in the code list's order, without repeats
    assert yi.facilities == ("Screen reader", "Step-free access")
    postings = {p.title: p for c in yi.categories for p in c.postings}
    entry = postings["数据录入员"]
    assert entry.pay == "3,000–4,500 yuan a month"
    assert entry.education == "Junior college"
    assert entry.work_modes == ("Full-time", "Remote")
    assert entry.accommodations == ("Screen reader", "Flexible hours")
    assert entry.graduate_only and entry.deadline == DEADLINE
    assert entry.requirements == "熟悉电脑操作，能使用读屏软件"
    assert entry.area == "贵州省贵阳市南明区"
    assert postings["客服专员"].pay == "Negotiable" and not postings["客服专员"].graduate_only
    assert postings["档案整理员"].pay == "from 2,800 yuan a month"
    assert [c.name for c in yi.categories] == sorted(c.name for c in yi.categories)
    assert content.employers[1].facilities == ()


@pytest.mark.parametrize(
    ("low", "high", "zh", "en"),
    [
        (3000, 4500, "3,000–4,500 元/月", "3,000–4,500 yuan a month"),
        (12000, 12000, "12,000 元/月", "12,000 yuan a month"),
        (2800, None, "2,800 元/月起", "from 2,800 yuan a month"),
        (None, 6000, "最高 6,000 元/月", "up to 6,000 yuan a month"),
        (None, None, "面议", "Negotiable"),
        (0, 0, "面议", "Negotiable"),
    ],
)
def test_pay_in_words(low, high, zh, en):
    assert pay_text(low, high, "zh") == zh
    assert pay_text(low, high, "en") == en


def test_one_set_of_queries_whatever_the_size_and_no_seeker_table(engine, world):
    statements: list[str] = []

    def record(_conn, _cursor, statement, *_args):
        if statement.lstrip().lower().startswith("select"):  # not SQLite's own BEGIN
            statements.append(statement.lower())

    def count() -> int:
        statements.clear()
        with read_session(engine) as session:
            content = booklet(session, campaign_id=world["campaign"])
            assert content is not None
        return len(statements)

    event.listen(engine, "before_cursor_execute", record)
    try:
        small = count()
        with write_session(engine) as session:
            for n in range(100, 160):
                employer = world["bing"] if n % 2 else world["jia"]
                posting = _posting(session, employer, n, f"岗位{n}", category="packaging")
                session.add(PostingCampaign(posting_id=posting, campaign_id=world["campaign"]))
        large = count()
        assert not [s for s in statements if "jobseeker" in s]
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert small == large == 3, statements  # the campaign, any listing, the postings


def test_an_unknown_campaign_has_no_booklet(engine, world):
    with read_session(engine) as session:
        assert booklet(session, campaign_id=world["campaign"] + 999) is None


# --- the web pages ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def fair(demo_database_url: str) -> dict[str, object]:
    """A demo campaign with a few open postings (a short PDF), its venue notes set, and the
    title of one of its postings."""
    engine = make_engine(demo_database_url)
    with write_session(engine) as session:
        counts = session.execute(
            select(col(PostingCampaign.campaign_id), func.count())
            .join(Posting, col(Posting.id) == col(PostingCampaign.posting_id))
            .where(col(Posting.status) == "open")
            .group_by(col(PostingCampaign.campaign_id))
            .having(func.count() >= 4)
            .order_by(func.count(), col(PostingCampaign.campaign_id))
        ).all()
        assert counts, "the demo data has a campaign with postings"
        campaign_id = int(counts[0][0])
        campaign = session.get(Campaign, campaign_id)
        assert campaign is not None
        campaign.venue_accessibility = VENUE_NOTES
        title = (
            session.execute(
                select(col(Posting.title))
                .join(PostingCampaign, col(PostingCampaign.posting_id) == col(Posting.id))
                .where(
                    col(PostingCampaign.campaign_id) == campaign_id, col(Posting.status) == "open"
                )
                .order_by(col(Posting.id))
            )
            .scalars()
            .first()
        )
        found = {"id": campaign_id, "name": campaign.name, "title": title, "postings": counts[0][1]}
    engine.dispose()
    return found


@pytest.fixture
def app(monkeypatch, demo_database_url):
    app = make_app(monkeypatch, demo_database_url)
    yield app
    app.extensions["jobbridge.engine"].dispose()


def _page(client, url: str, lang: str = "zh"):
    client.http.set_cookie(LANG_COOKIE, lang)
    return client.http.get(url)  # not client.get: it reads every answer as text


def test_the_page_by_role(app, fair):
    url = f"/campaigns/{fair['id']}/booklet"
    for role in ("organizer", "admin", "supervisor", "caseworker"):
        response = _page(signed_in(app, role), url)
        assert response.status_code == 200, role
        text = response.get_data(as_text=True)
        assert fair["name"] in text and VENUE_NOTES in text and fair["title"] in text, role
    assert _page(signed_in(app, "graduate"), url).status_code == 403
    organizer = signed_in(app, "organizer")
    assert _page(organizer, f"/campaigns/{fair['id'] + 999}/booklet").status_code == 404
    assert _page(organizer, f"/campaigns/{fair['id'] + 999}/booklet.pdf").status_code == 404


def test_the_page_in_both_languages(app, fair):
    organizer = signed_in(app, "organizer")
    url = f"/campaigns/{fair['id']}/booklet"
    zh = _page(organizer, url, "zh").get_data(as_text=True)
    assert '<html lang="zh-CN"' in zh
    assert "岗位手册" in zh and "场地无障碍情况" in zh and "参会用人单位" in zh
    assert "元/月" in zh or "面议" in zh
    en = _page(organizer, url, "en").get_data(as_text=True)
    assert '<html lang="en"' in en
    assert (
        "Listing booklet" in en and "Access at the venue" in en and "Employers at this fair" in en
    )
    assert "yuan a month" in en or "Negotiable" in en
    assert "元/月" not in en and "参会用人单位" not in en
    # headings in order: h1, then employers (h2), categories (h3), postings (h4)
    levels = [int(n) for n in re.findall(r"<h([1-6])", en)]
    assert levels[0] == 1 and all(b - a <= 1 for a, b in itertools.pairwise(levels))
    assert 4 in levels
    for link in ("?print=1", "?print=1&amp;large=1", "booklet.pdf", "booklet.pdf?large=1"):
        assert link in en, link


def test_the_print_and_large_print_layouts(app, fair):
    organizer = signed_in(app, "organizer")
    url = f"/campaigns/{fair['id']}/booklet?print=1"
    normal = _page(organizer, url).get_data(as_text=True)
    assert 'class="booklet-print"' in normal and "site-header" not in normal
    assert "/static/booklet.css" in normal and VENUE_NOTES in normal and fair["title"] in normal
    large = _page(organizer, url + "&large=1").get_data(as_text=True)
    assert 'class="booklet-print large-print"' in large
    assert "岗位手册（大字版）" in large
    english = _page(organizer, url + "&large=1", "en").get_data(as_text=True)
    assert '<html lang="en"' in english and "Large-print listing booklet" in english
    css = Path("web/static/booklet.css").read_text(encoding="utf-8")
    assert re.search(r"@page\s*\{[^}]*size:\s*A4", css)
    body = re.search(r"\.large-print body \{[^}]*font-size:\s*(\d+)pt", css)
    assert body and int(body.group(1)) >= 18
    assert re.search(r"html\.large-print \{[^}]*color:\s*#000", css)
    served = organizer.http.get("/static/booklet.css")
    assert served.status_code == 200 and b"large-print" in served.get_data()
    served.close()


# --- the PDF, made and read back ---------------------------------------------------------------


def _need_pdf_tools() -> None:
    missing = [
        tool for tool in ("pdfinfo", "pdftoppm", "pdftotext", "fc-list") if not shutil.which(tool)
    ]
    if pdf_engine.chromium() is None:
        missing.append("chromium")
    if (
        "fc-list" not in missing
        and not subprocess.run(
            ["fc-list", ":lang=zh"], capture_output=True, text=True, check=False
        ).stdout.strip()
    ):
        missing.append("a CJK font")
    if missing:
        message = (
            f"the booklet PDF tests need {', '.join(missing)} "
            "(apt-get install chromium poppler-utils fonts-wqy-microhei; .ci/run does)"
        )
        if CI:
            pytest.fail(f"CI=true and {message}")
        pytest.skip(message)


def _info(pdf: bytes) -> dict[str, str]:
    out = subprocess.run(["pdfinfo", "-"], input=pdf, capture_output=True, check=True).stdout
    return dict(
        (key.strip(), value.strip())
        for key, _, value in (line.partition(":") for line in out.decode().splitlines())
    )


def _dark_pixels(pgm: Path) -> int:
    """Pixels darker than mid-grey in a binary PGM (P5) page image."""
    data = pgm.read_bytes()
    fields = re.match(rb"P5\s+(\d+)\s+(\d+)\s+(\d+)\s", data)
    assert fields, pgm
    pixels = data[fields.end() :]
    return sum(1 for value in pixels if value < 128)


def test_the_pdf_is_made_and_reads_back(app, fair, tmp_path):
    _need_pdf_tools()
    organizer = signed_in(app, "organizer")
    url = f"/campaigns/{fair['id']}/booklet.pdf"
    response = _page(organizer, url)
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith(f'attachment; filename="booklet-{fair["id"]}.pdf"')
    assert (
        "filename*=UTF-8''" in disposition and "%E5%B2%97%E4%BD%8D%E6%89%8B%E5%86%8C" in disposition
    )
    pdf = response.get_data()
    assert pdf.startswith(b"%PDF")
    info = _info(pdf)
    pages = int(info["Pages"])
    assert pages >= 2  # the cover, then the employers
    assert info["Page size"].endswith("(A4)")

    (tmp_path / "booklet.pdf").write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-r", "50", "-png", str(tmp_path / "booklet.pdf"), str(tmp_path / "page")],
        check=True,
    )
    images = sorted(tmp_path.glob("page-*.png"))
    assert len(images) == pages
    assert all(image.read_bytes().startswith(b"\x89PNG") for image in images)
    subprocess.run(
        ["pdftoppm", "-r", "50", "-gray", str(tmp_path / "booklet.pdf"), str(tmp_path / "grey")],
        check=True,
    )
    greys = sorted(tmp_path.glob("grey-*.pgm"))
    assert len(greys) == pages
    blank = [grey.name for grey in greys if _dark_pixels(grey) < 200]
    assert blank == [], "pages with (almost) nothing printed on them"

    text = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode("utf-8")
    squeezed = re.sub(r"\s+", "", text)
    assert re.sub(r"\s+", "", str(fair["title"])) in squeezed
    assert re.sub(r"\s+", "", VENUE_NOTES) in squeezed  # Chinese text, in a CJK font
    assert re.sub(r"\s+", "", str(fair["name"])) in squeezed
    assert re.search(rf"\b2\s*/\s*{pages}\b", text), "page numbers at the foot of the pages"

    large = _page(organizer, url + "?large=1")
    assert large.status_code == 200
    assert 'filename="booklet-' in large.headers["Content-Disposition"]
    assert "large-print" in large.headers["Content-Disposition"]
    assert int(_info(large.get_data())["Pages"]) > pages


def test_the_pdf_in_english(app, fair):
    _need_pdf_tools()
    response = _page(signed_in(app, "organizer"), f"/campaigns/{fair['id']}/booklet.pdf", "en")
    assert response.status_code == 200
    assert "booklet" in response.headers["Content-Disposition"]
    text = subprocess.run(
        ["pdftotext", "-", "-"], input=response.get_data(), capture_output=True, check=True
    ).stdout.decode("utf-8")
    assert "Access at the venue" in text and "Employers at this fair" in text


def _fake_browser(folder: Path, script: str) -> None:
    folder.mkdir()
    browser = folder / "chromium"
    browser.write_text(f"#!/bin/sh\n{script}\n", encoding="utf-8")
    browser.chmod(0o755)


def test_without_a_browser_the_pdf_route_says_so(app, fair, monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))  # no browser on it
    organizer = signed_in(app, "organizer")
    response = _page(organizer, f"/campaigns/{fair['id']}/booklet.pdf?large=1", "en")
    assert response.status_code == 503
    page = response.get_data(as_text=True)
    assert "The PDF could not be made" in page and "Fair booklets" in page
    assert "print=1&amp;large=1" in page  # the large-print layout to print instead
    assert "Traceback" not in page
    zh = _page(organizer, f"/campaigns/{fair['id']}/booklet.pdf").get_data(as_text=True)
    assert "无法生成 PDF" in zh


def test_the_pdf_route_by_role(app, fair, monkeypatch, tmp_path):
    """Who may ask for the PDF (made for real for the organizer above): here without a
    browser, so that an allowed role gets the error page (503) and a refused one 403."""
    monkeypatch.setenv("PATH", str(tmp_path))
    url = f"/campaigns/{fair['id']}/booklet.pdf"
    for role in ("organizer", "admin", "supervisor", "caseworker"):
        assert _page(signed_in(app, role), url).status_code == 503, role
    assert _page(signed_in(app, "graduate"), url).status_code == 403
    anonymous = app.test_client().get(url)
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]


def test_a_failing_browser_gives_the_error_page(app, fair, monkeypatch, tmp_path):
    _fake_browser(tmp_path / "bin", "echo 'crashed' >&2; exit 3")
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}:/usr/bin:/bin")
    response = _page(signed_in(app, "organizer"), f"/campaigns/{fair['id']}/booklet.pdf", "en")
    assert response.status_code == 503
    page = response.get_data(as_text=True)
    assert "Making the PDF failed or took too long" in page and "Traceback" not in page


def test_a_browser_past_the_timeout_is_ended(monkeypatch, tmp_path):
    pid_file = tmp_path / "pid"
    _fake_browser(tmp_path / "bin", f"echo $$ > {pid_file}; exec sleep 60")
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}:/usr/bin:/bin")
    started = time.monotonic()
    with pytest.raises(pdf_engine.PdfFailed, match="more than 1 s"):
        pdf_engine.html_to_pdf("<html><body><p>x</p></body></html>", timeout=1)
    assert time.monotonic() - started < 10
    pid = int(pid_file.read_text())
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
