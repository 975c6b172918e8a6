"""Employers and the quota: the arithmetic, the below-quota list (filters, order, area
scope, pages, postings and campaigns per employer), an employer's page, the exports, and
the web pages, with no jobseeker data anywhere in them (both databases)."""

from __future__ import annotations

import csv
import io
import random
import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction

import pytest
from openpyxl import load_workbook
from sqlalchemy import select
from sqlmodel import Session, col

from matcher.core.db import make_engine, write_session
from matcher.core.models import (
    AuditLog,
    Campaign,
    Employer,
    Jobseeker,
    Posting,
    PostingCampaign,
    Recommendation,
    RefreshRun,
)
from matcher.core.paths import data_dir
from matcher.employers.directory import (
    EmployerFilter,
    Quota,
    employer_detail,
    export_below_quota,
    list_employers,
    load_quota_rule,
    quota_of,
    quota_rule,
)
from matcher.people.access import Viewer
from tests.webapp import make_app, signed_in

TODAY = date(2026, 11, 22)
RATIO = Fraction(3, 200)  # 1.5%
ORGANIZER = Viewer(1, "organizer", "organizer")
FULL_ID = re.compile(r"\d{17}[\dX]")


# --- the quota --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("staff", "disabled", "required_people", "shortfall", "status"),
    [
        (200, 3, 3, 0, "meets"),  # exactly 1.5%
        (200, 2, 3, 1, "below"),
        (201, 3, 4, 1, "below"),  # 1.49%: 3.015 people required, so 4
        (100, 1, 2, 1, "below"),  # 1.5 people required, so 2
        (100, 2, 2, 0, "meets"),
        (1000, 40, 15, 0, "meets"),  # above the quota: no negative shortfall
        (10, 0, 1, 1, "below"),  # no exemption for small employers
        (0, 0, 0, 0, "meets"),
        (None, 3, None, None, "unknown"),
        (200, None, 3, None, "unknown"),
        (None, None, None, None, "unknown"),
    ],
)
def test_quota_arithmetic(staff, disabled, required_people, shortfall, status):
    quota = Quota(staff, disabled, RATIO)
    assert quota.required_people == required_people
    assert quota.shortfall == shortfall
    assert quota.status == status


def test_required_is_exact_and_the_ratio_reads_as_a_percentage():
    assert Quota(201, 3, RATIO).required == Decimal("3.015")
    assert Quota(200, 3, RATIO).required == Decimal("3")
    assert Quota(200, 3, RATIO).ratio_percent == Decimal("1.5")
    assert Quota(None, 3, RATIO).required is None


def test_the_data_file_sets_one_and_a_half_percent_everywhere_it_names():
    rule = quota_rule()
    assert rule.default == RATIO
    assert rule.default_percent == Decimal("1.5")
    assert rule.ratio_for("532501") == RATIO  # Honghe, from its task list
    assert rule.ratio_for("520102") == RATIO
    assert rule.ratio_for(None) == RATIO
    text = (data_dir() / "quota.yaml").read_text(encoding="utf-8")
    assert "残疾人就业条例" in text and "004_f5005820ffa6036b" in text  # sources cited


def test_a_quota_file_with_an_area_of_its_own(tmp_path):
    path = tmp_path / "quota.yaml"
    path.write_text(
        'default: {ratio: "0.015"}\n'
        "areas:\n"
        '  - {area: "520000", ratio: "0.016"}\n'
        '  - {area: "520100", ratio: "0.02"}\n',
        encoding="utf-8",
    )
    rule = load_quota_rule(path)
    assert rule.ratio_for("520102") == Fraction(1, 50)  # the most specific area wins
    assert rule.ratio_for("520201") == Fraction(2, 125)
    assert rule.ratio_for("530102") == RATIO
    assert rule.denominator % 1000 == 0
    assert quota_of(staff=100, disabled=1, area_code="520102", rule=rule).shortfall == 1
    path.write_text('default: {ratio: "1.5"}\n', encoding="utf-8")
    with pytest.raises(ValueError, match="between 0 and 1"):
        load_quota_rule(path)
    path.write_text('default: {ratio: "0.015"}\nareas: [{area: "999999", ratio: "0.02"}]\n')
    with pytest.raises(ValueError, match="unknown area"):
        load_quota_rule(path)


# --- test data ------------------------------------------------------------------------------


def _employer(session: Session, name: str, staff: int | None, disabled: int | None, **more) -> int:
    values = {"kind": "private", "area_code": "520102"} | more
    employer = Employer(name=name, staff_count=staff, disabled_staff_count=disabled, **values)
    session.add(employer)
    session.flush()
    assert employer.id is not None
    return employer.id


def _posting(session: Session, employer_id: int, n: int, **more) -> int:
    values = {
        "external_id": f"E-P{n}",
        "employer_id": employer_id,
        "title": f"岗位{n}",
        "category": "data_entry",
        "area_code": "520102",
    } | more
    posting = Posting(**values)
    session.add(posting)
    session.flush()
    assert posting.id is not None
    return posting.id


def _campaign(session: Session, name: str, starts_on: date | None, posting_ids, **more) -> int:
    campaign = Campaign(name=name, starts_on=starts_on, kind="quarterly_fair", **more)
    session.add(campaign)
    session.flush()
    assert campaign.id is not None
    session.add_all(PostingCampaign(posting_id=p, campaign_id=campaign.id) for p in posting_ids)
    return campaign.id


@pytest.fixture
def world(engine):
    """Employers in Guiyang (two districts), Zunyi and Kunming, of several kinds, below,
    at and above the quota, with postings open and closed and campaigns of two years."""
    with write_session(engine) as session:
        ids = {
            # Nanming (520102), Guiyang
            "A": _employer(session, "A 南明制造有限公司", 1000, 5),  # needs 15: short 10
            "B": _employer(session, "B 南明物流有限公司", 400, 0, kind="soe"),  # short 6
            "C": _employer(session, "C 南明软件有限公司", 400, 0),  # short 6, after B by name
            "D": _employer(session, "D 南明会计事务所", 200, 3),  # exactly 1.5%: meets
            "E": _employer(session, "E 南明餐饮有限公司", None, 0),  # unknown
            # Yunyan (520103), Guiyang
            "F": _employer(session, "F 云岩商贸有限公司", 201, 3, area_code="520103"),  # short 1
            # Zunyi (520300) and Kunming (530102): other areas
            "G": _employer(session, "G 遵义食品有限公司", 2000, 0, area_code="520302"),  # 30
            "H": _employer(session, "H 昆明电子有限公司", 600, 1, area_code="530102"),  # 8
            "I": _employer(session, "I 无地区有限公司", 100, 0, area_code=None),  # short 2
        }
        posted = datetime(2026, 1, 1, tzinfo=UTC)
        a1 = _posting(session, ids["A"], 1, created_at=posted)
        _posting(session, ids["A"], 2, created_at=posted + timedelta(days=2), openings=3)
        _posting(
            session,
            ids["A"],
            3,
            status="closed",
            created_at=posted + timedelta(days=1),
            openings=5,
        )
        b1 = _posting(session, ids["B"], 4, status="closed")
        c1 = _posting(session, ids["C"], 5)
        _campaign(session, "今年的招聘会", date(2026, 3, 15), [a1], area_code="520100")
        _campaign(session, "去年的招聘会", date(2025, 9, 1), [c1, a1])
        # undated: counted in the year it was made
        _campaign(
            session,
            "未定日期的活动",
            None,
            [b1],
            created_at=datetime(2026, 6, 1, tzinfo=UTC),
        )
    return ids


def _names(found) -> list[str]:
    return [row.name[0] for row in found.rows]


# --- the list -------------------------------------------------------------------------------


def test_the_below_quota_list_sorts_by_shortfall_then_name(engine, world):
    with Session(engine) as session:
        found = list_employers(session, where=EmployerFilter(), today=TODAY)
    assert _names(found) == ["G", "A", "H", "B", "C", "I", "F"]
    assert [row.quota.shortfall for row in found.rows] == [30, 10, 8, 6, 6, 2, 1]
    assert found.total == 7 and found.shortfall == 63
    assert all(row.quota.status == "below" for row in found.rows)


def test_the_list_keeps_to_an_area_and_everything_in_it(engine, world):
    def names(area: str) -> list[str]:
        with Session(engine) as session:
            return _names(list_employers(session, where=EmployerFilter(area=area), today=TODAY))

    assert names("520102") == ["A", "B", "C"]  # a district
    assert names("520100") == ["A", "B", "C", "F"]  # Guiyang: both districts
    assert names("520000") == ["G", "A", "B", "C", "F"]  # Guizhou, not Kunming
    assert names("530000") == ["H"]
    assert names("110000") == []


def test_the_list_filters_by_kind_and_by_name(engine, world):
    with Session(engine) as session:
        soe = list_employers(session, where=EmployerFilter(kind="soe"), today=TODAY)
        named = list_employers(
            session, where=EmployerFilter(name="南明", below_only=False), today=TODAY
        )
        percent = list_employers(
            session, where=EmployerFilter(name="%", below_only=False), today=TODAY
        )
    assert _names(soe) == ["B"]
    # every employer of that name, whatever its quota, unknown counts last
    assert _names(named) == ["A", "B", "C", "D", "E"]
    assert [row.quota.status for row in named.rows] == [
        *("below", "below", "below", "meets", "unknown")
    ]
    assert named.shortfall == 22
    assert percent.total == 0  # a % in the name is a character, not a wildcard


def test_the_list_pages(engine, world):
    with Session(engine) as session:

        def page(offset: int, limit: int = 3):
            return list_employers(
                session, where=EmployerFilter(), today=TODAY, offset=offset, limit=limit
            )

        first, second, third, past = page(0), page(3), page(6), page(9)
    assert _names(first) + _names(second) + _names(third) == ["G", "A", "H", "B", "C", "I", "F"]
    assert first.total == second.total == third.total == past.total == 7
    assert past.rows == [] and past.shortfall == 63


def test_the_list_counts_open_postings_and_campaigns_of_this_year(engine, world):
    with Session(engine) as session:
        found = {
            row.name[0]: row
            for row in list_employers(
                session, where=EmployerFilter(area="520102"), today=TODAY
            ).rows
        }
        last_year = {
            row.name[0]: row
            for row in list_employers(
                session, where=EmployerFilter(area="520102"), today=date(2025, 12, 31)
            ).rows
        }
    assert {k: r.open_postings for k, r in found.items()} == {"A": 2, "B": 0, "C": 1}
    assert {k: r.campaign_this_year for k, r in found.items()} == {
        "A": True,
        "B": True,  # an undated campaign made this year
        "C": False,  # only last year's
    }
    assert {k: r.campaign_this_year for k, r in last_year.items()} == {
        "A": True,
        "B": False,
        "C": True,
    }


def test_the_list_agrees_with_the_arithmetic(engine, tmp_path):
    """SQL's whole-number figures against Python's exact ones, on random counts, with an
    area of another ratio (1.6%) among them."""
    path = tmp_path / "quota.yaml"
    path.write_text('default: {ratio: "0.015"}\nareas: [{area: "520300", ratio: "0.016"}]\n')
    rule = load_quota_rule(path)
    rng = random.Random(7)
    with write_session(engine) as session:
        for n in range(300):
            staff = rng.choice([None, 0, 1, 66, 67, 100, 200, 201, rng.randrange(1, 5000)])
            required = int(staff * 0.016) if staff else 0
            disabled = rng.choice([None, 0, required, required + 1, rng.randrange(0, 80)])
            area = rng.choice(["520102", "520302", "530102", None])
            _employer(session, f"R{n:03d}", staff, disabled, area_code=area)
    with Session(engine) as session:
        found = list_employers(
            session, where=EmployerFilter(below_only=False), today=TODAY, rule=rule
        )
    assert found.total == 300
    expected = {row.name: row.quota for row in found.rows}
    statuses = [row.quota.status for row in found.rows]
    assert "unknown" not in statuses[: statuses.count("meets") + statuses.count("below")]
    below = [name for name, quota in expected.items() if quota.status == "below"]
    with Session(engine) as session:
        listed = list_employers(session, where=EmployerFilter(), today=TODAY, rule=rule)
    assert sorted(row.name for row in listed.rows) == sorted(below)
    assert listed.shortfall == sum(expected[name].shortfall or 0 for name in below)
    gaps = [row.quota.staff * row.quota.ratio - row.quota.disabled for row in listed.rows]
    assert gaps == sorted(gaps, reverse=True)


# --- an employer's page ---------------------------------------------------------------------


def test_an_employers_page(engine, world):
    with write_session(engine) as session:
        employer = session.get(Employer, world["A"])
        employer.facilities = ["step_free", "sign_language"]
        employer.contact_name = "王经理"
        employer.contact_phone = "0851-88886666"
        employer.credit_code = "91520102MA6DKXYZ1B"
    with Session(engine) as session:
        detail = employer_detail(session, viewer=ORGANIZER, employer_id=world["A"])
        hidden = employer_detail(session, viewer=Viewer(9, "g", "graduate"), employer_id=world["A"])
        assert employer_detail(session, viewer=ORGANIZER, employer_id=99999) is None
    assert detail is not None and hidden is not None
    assert detail.facilities == ("step_free", "sign_language")
    assert detail.contact_phone == "0851-88886666" and hidden.contact_phone is None
    assert (detail.quota.required_people, detail.quota.shortfall) == (15, 10)
    assert [p.external_id for p in detail.postings] == ["E-P2", "E-P3", "E-P1"]  # newest first
    assert [p.status for p in detail.postings] == ["open", "closed", "open"]
    assert (detail.postings_total, detail.open_postings, detail.open_openings) == (3, 2, 4)
    assert [(c.name, c.postings) for c in detail.campaigns] == [
        ("今年的招聘会", 1),
        ("去年的招聘会", 1),
    ]


# --- exports ---------------------------------------------------------------------------------


def test_the_export_as_xlsx_and_csv(engine, world):
    with write_session(engine) as session:
        _employer(session, '=HYPERLINK("http://evil.example","点击")', 300, 0, contact_name="李")

    def exported(fmt: str, lang: str = "zh") -> bytes:
        out = io.BytesIO()
        where = EmployerFilter(area="520102")
        with Session(engine) as session:
            count = export_below_quota(
                session, where=where, today=TODAY, fmt=fmt, lang=lang, out=out, viewer=ORGANIZER
            )
        assert count == 4
        return out.getvalue()

    sheet = load_workbook(io.BytesIO(exported("xlsx"))).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows[0][:3] == ["用人单位", "单位性质", "地区"]
    assert [row[0][0] for row in rows[1:]] == ["A", "B", "C", "'"]  # short 10, 6, 6, 5
    assert rows[4][0].startswith("'=HYPERLINK")
    a = dict(zip(rows[0], rows[1], strict=True))
    assert a["在职职工人数"] == "1000" and a["应安排残疾人数"] == "15" and a["缺口人数"] == "10"
    assert a["安排比例(%)"] == "1.5" and a["在招岗位数"] == "2" and a["今年参加招聘活动"] == "是"
    assert a["地区"] == "贵州省贵阳市南明区" and a["单位性质"] == "民营企业"

    data = exported("csv", lang="en")
    assert data.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM, as the other exports
    table = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert [row["Employer"][0] for row in table] == ["A", "B", "C", "'"]
    assert table[0]["Shortfall"] == "10" and table[0]["In a campaign this year"] == "yes"


# --- the web pages -------------------------------------------------------------------------

SENTINEL_NAME = "哨兵求职者甲"
SENTINEL_ID = "520102199001011234"


@pytest.fixture(scope="module")
def web_world(demo_database_url: str) -> dict[str, int]:
    """In the demo database: an employer far below the quota whose posting is recommended
    to a seeker with recognisable data, so that any leak of seeker data shows."""
    engine = make_engine(demo_database_url)
    with write_session(engine) as session:
        employer = _employer(
            session,
            "哨兵用人单位测试有限公司",
            900000,
            0,
            area_code="520102",
            contact_name="赵联系",
            contact_phone="0851-12345678",
            facilities=["screen_reader"],
        )
        posting = _posting(session, employer, 990001, external_id="SENTINEL-P1")
        for n in range(60):  # more than a page below the quota, in Anshun (520402)
            _employer(session, f"分页测试单位{n:02d}", 100 + n, 0, area_code="520402")
        seeker = Jobseeker(
            external_id="SENTINEL-S1",
            name=SENTINEL_NAME,
            disability_types=["visual"],
            disability_grade=2,
            area_code="520102",
            id_number_masked="520***********1234",
            cert_no_masked="520***********123412",
            consent=True,
        )
        run = RefreshRun(kind="single", status="succeeded")
        session.add_all([seeker, run])
        session.flush()
        session.add(
            Recommendation(
                run_id=run.id,
                seeker_id=seeker.id,
                posting_id=posting,
                rank=1,
                score=0.9,
                active=True,
            )
        )
    engine.dispose()
    return {"employer": employer}


@pytest.fixture
def app(monkeypatch, demo_database_url):
    app = make_app(monkeypatch, demo_database_url)
    yield app
    app.extensions["jobbridge.engine"].dispose()


def _no_seeker_data(text: str) -> None:
    assert SENTINEL_NAME not in text
    assert "SENTINEL-S1" not in text and "520***********1234" not in text
    assert SENTINEL_ID not in text and not FULL_ID.search(text)
    for word in ("残疾等级", "残疾类别", "Disability grade", "Disability type"):
        assert word not in text


def test_the_list_page(app, web_world):
    organizer = signed_in(app, "organizer")
    page = organizer.get("/employers/?area=520102")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    first = text.index("哨兵用人单位测试有限公司")  # the largest shortfall first
    assert f'href="/employers/{web_world["employer"]}"' in text[first - 200 : first]
    assert text.index("<tbody>") < first < text.index("</tbody>")
    assert "/employers/export?area=520102&amp;format=xlsx" in text
    _no_seeker_data(text)
    by_name = organizer.get("/employers/?area=南明区&kind=private").get_data(as_text=True)
    assert "哨兵用人单位测试有限公司" in by_name
    soe = organizer.get("/employers/?area=520102&kind=soe").get_data(as_text=True)
    assert "哨兵用人单位测试有限公司" not in soe
    elsewhere = organizer.get("/employers/?area=530000").get_data(as_text=True)
    assert "哨兵用人单位测试有限公司" not in elsewhere
    search = organizer.get("/employers/?q=哨兵用人").get_data(as_text=True)
    assert "哨兵用人单位测试有限公司" in search
    wrong = organizer.get("/employers/?area=火星")
    assert wrong.status_code == 400
    wrong_text = wrong.get_data(as_text=True)
    assert 'href="#field-area"' in wrong_text and 'aria-invalid="true"' in wrong_text


def test_the_list_page_pages(app, web_world, demo_database_url):
    engine = make_engine(demo_database_url)
    with Session(engine) as session:
        total = list_employers(session, where=EmployerFilter(), today=TODAY, limit=1).total
    engine.dispose()
    assert total > 50, "the demo has more than a page of employers below the quota"
    worker = signed_in(app, "caseworker")
    first = worker.get("/employers/").get_data(as_text=True)
    assert first.count('<th scope="row">') == 50 and 'rel="next"' in first
    last = -(-total // 50)
    final = worker.get(f"/employers/?page={last}").get_data(as_text=True)
    assert final.count('<th scope="row">') == total - 50 * (last - 1)
    assert 'rel="prev"' in final and 'rel="next"' not in final
    past = worker.get("/employers/?page=999")
    assert past.status_code == 200 and '<th scope="row">' not in past.get_data(as_text=True)


def test_the_employer_page(app, web_world):
    organizer = signed_in(app, "organizer")
    response = organizer.get(f"/employers/{web_world['employer']}")
    text = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "哨兵用人单位测试有限公司" in text and "赵联系" in text and "0851-12345678" in text
    assert "SENTINEL-P1" not in text and "岗位990001" in text  # the posting, by title
    assert text.count("13,500") == 3  # 900,000 x 1.5% required (exact, people), all short
    _no_seeker_data(text)
    assert organizer.get("/employers/99999999").status_code == 404


def test_the_posting_page_links_its_employer(app, web_world, demo_database_url):
    engine = make_engine(demo_database_url)
    with Session(engine) as session:
        posting = session.execute(
            select(col(Posting.id)).where(col(Posting.external_id) == "SENTINEL-P1")
        ).scalar_one()
    engine.dispose()
    text = signed_in(app, "organizer").get(f"/postings/{posting}").get_data(as_text=True)
    assert f'href="/employers/{web_world["employer"]}"' in text


def test_the_export_writes_an_audit_row(app, web_world, demo_database_url):
    organizer = signed_in(app, "organizer")
    for fmt in ("xlsx", "csv"):
        response = organizer.http.get(f"/employers/export?format={fmt}&area=520102")
        assert response.status_code == 200
        assert "employers-below-quota-" in response.headers["Content-Disposition"]
        data = response.get_data()
        if fmt == "csv":
            assert data.startswith(b"\xef\xbb\xbf")
            text = data.decode("utf-8-sig")
        else:
            sheet = load_workbook(io.BytesIO(data)).active
            text = " ".join(str(c.value) for row in sheet.iter_rows() for c in row)
        assert "哨兵用人单位测试有限公司" in text and "0851-12345678" in text
        _no_seeker_data(text)
    bad = organizer.http.get("/employers/export?format=csv&area=火星")
    assert bad.status_code == 302 and "/employers/" in bad.headers["Location"]
    engine = make_engine(demo_database_url)
    with Session(engine) as session:
        rows = session.execute(
            select(AuditLog).where(
                col(AuditLog.actor) == "organizer",
                col(AuditLog.object_type) == "employers_below_quota",
            )
        ).scalars()
        details = [row.detail for row in rows]
    engine.dispose()
    assert {d["format"] for d in details} >= {"xlsx", "csv"}
    assert all(d["area"] == "520102" and d["rows"] >= 1 for d in details)
