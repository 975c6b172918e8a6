"""The one-to-one service list, the seeker-file services and the dashboard figures, on
small hand-made data (both databases)."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from openpyxl import load_workbook
from sqlmodel import Session

from matcher.core.db import write_session
from matcher.core.models import ServiceRecord, User
from matcher.intake.records import SeekerRecord
from matcher.intake.store import insert_seekers
from matcher.people.access import Viewer
from matcher.seekers import file as seeker_file
from matcher.seekers.caseload import CaseloadFilter, caseload, export_caseload
from matcher.seekers.kpi import dashboard, quarter_start
from tests.helpers import TODAY


def _seeker(n: int, area: str, **changes: object) -> SeekerRecord:
    values: dict[str, object] = {
        "external_id": f"C-{n}",
        "name": f"样例{n}",
        "disability_types": ["physical"],
        "disability_grade": 3,
        "area_code": area,
        "consent": True,
        "id_number": None,
    }
    return SeekerRecord(**(values | changes))  # type: ignore[arg-type]


@pytest.fixture
def world(engine, vault, frozen_clock):
    """Two case workers in two districts of Guiyang, a supervisor of the city, and five
    seekers at different stages of the "four ones"."""
    with write_session(engine) as session:
        users = [
            User(username="w1", password_hash="x", role="case_worker", area_codes=["520102"]),
            User(username="w2", password_hash="x", role="case_worker", area_codes=["520103"]),
            User(username="boss", password_hash="x", role="supervisor", area_codes=["520100"]),
        ]
        session.add_all(users)
        session.flush()
        ids = insert_seekers(
            session,
            vault,
            [
                _seeker(1, "520102", is_graduate=True),
                _seeker(2, "520102"),
                _seeker(3, "520102", disability_types=["visual"]),
                _seeker(4, "520103", is_graduate=True),
                _seeker(5, "520102", employment_status="employed"),
            ],
        )
        w1 = users[0].id
        records = [
            # 1: overdue follow-up
            ("C-1", "info_check", TODAY - timedelta(days=40), TODAY - timedelta(days=10)),
            # 2: all four done; follow-up still ahead
            ("C-2", "info_check", TODAY - timedelta(days=30), None),
            ("C-2", "capability_assessment", TODAY - timedelta(days=29), None),
            ("C-2", "need_registration", TODAY - timedelta(days=28), None),
            ("C-2", "career_guidance", TODAY - timedelta(days=5), TODAY + timedelta(days=9)),
            # 3: a follow-up that was done (a later service)
            ("C-3", "info_check", TODAY - timedelta(days=60), TODAY - timedelta(days=30)),
            ("C-3", "follow_up", TODAY - timedelta(days=20), None),
        ]
        session.add_all(
            ServiceRecord(seeker_id=ids[s], kind=k, served_on=d, next_follow_up=f, worker_id=w1)
            for s, k, d, f in records
        )
        viewers = {u.username: Viewer.of(u) for u in users}
    return ids, viewers


def test_the_caseload_is_scoped_and_sorted_by_urgency(engine, world):
    _, viewers = world
    with Session(engine) as session:
        rows = caseload(session, viewer=viewers["w1"], today=TODAY).rows
        city = caseload(session, viewer=viewers["boss"], today=TODAY).rows
        page = caseload(session, viewer=viewers["w1"], today=TODAY, offset=1, limit=2)
    assert [r.external_id for r in rows] == ["C-1", "C-5", "C-3", "C-2"]
    assert {r.external_id for r in city} == {f"C-{n}" for n in range(1, 6)}
    assert [r.external_id for r in page.rows] == ["C-5", "C-3"]
    assert page.total == 4 and page.overdue == 1
    first, *_, last = rows
    assert first.overdue and first.follow_up == TODAY - timedelta(days=10)
    assert first.needs_postings  # a graduate with nothing sent
    assert last.four_ones_done == 4 and not last.overdue
    c3 = next(r for r in rows if r.external_id == "C-3")
    assert c3.follow_up is None  # served after the follow-up date


@pytest.mark.parametrize(
    ("where", "expected"),
    [
        (CaseloadFilter(graduate=True), {"C-1"}),
        (CaseloadFilter(graduate=False), {"C-2", "C-3", "C-5"}),
        (CaseloadFilter(disability_type="visual"), {"C-3"}),
        (CaseloadFilter(status="employed"), {"C-5"}),
        (CaseloadFilter(overdue=True), {"C-1"}),
        (CaseloadFilter(name="样例2"), {"C-2"}),
        (CaseloadFilter(area="520103"), set()),
    ],
)
def test_caseload_filters(engine, world, where, expected):
    _, viewers = world
    with Session(engine) as session:
        rows = caseload(session, viewer=viewers["w1"], today=TODAY, where=where).rows
    assert {r.external_id for r in rows} == expected


def test_the_export_has_statuses_but_no_identifiers_or_grades(engine, world):
    _, viewers = world
    with Session(engine) as session:
        rows = caseload(session, viewer=viewers["boss"], today=TODAY).rows
    out = io.BytesIO()
    assert export_caseload(rows, fmt="xlsx", lang="en", out=out) == 5
    sheet = load_workbook(io.BytesIO(out.getvalue())).active
    headers = [c.value for c in next(sheet.iter_rows(max_row=1))]
    assert "Overdue" in headers and not any("grade" in h.lower() for h in headers)
    csv_out = io.BytesIO()
    export_caseload(rows, fmt="csv", lang="zh", out=csv_out)
    text = csv_out.getvalue().decode("utf-8-sig")
    assert text.startswith("编号,姓名") and "逾期" in text


def test_dashboard_figures(engine, world):
    _, viewers = world
    with Session(engine) as session:
        figures = dashboard(session, viewer=viewers["boss"], today=TODAY)
        own = dashboard(session, viewer=viewers["w2"], today=TODAY)
    total = figures.total
    assert total.seekers == 5 and total.filed == 3
    assert total.seeking == 4  # C-5 is employed
    assert total.served == 1 and total.four_ones == 1
    assert total.graduates == 2 and total.graduates_with_postings == 0
    assert total.filing_rate == pytest.approx(0.6)
    assert {a.area_code for a in figures.areas} == {"520102", "520103"}
    assert own.total.seekers == 1
    assert quarter_start(date(2026, 11, 22)) == date(2026, 10, 1)
    assert quarter_start(date(2027, 1, 1)) == date(2027, 1, 1)


def test_service_records_are_validated_field_by_field(engine, world):
    ids, viewers = world
    with write_session(engine) as session, pytest.raises(seeker_file.Invalid) as caught:
        seeker_file.add_record(
            session,
            viewer=viewers["w1"],
            seeker_id=ids["C-2"],
            kind="nonsense",
            served_on="2026-13-40",
            notes="",
            next_follow_up="tomorrow",
            today=TODAY,
        )
    fields = {p.field for p in caught.value.problems}
    assert fields == {"kind", "served_on", "next_follow_up"}
    with write_session(engine) as session, pytest.raises(seeker_file.NotFound):
        seeker_file.add_record(
            session,
            viewer=viewers["w2"],  # not their seeker
            seeker_id=ids["C-2"],
            kind="follow_up",
            served_on=str(TODAY - timedelta(days=21)),
            notes="",
            next_follow_up="",
            today=TODAY,
        )
    with write_session(engine) as session, pytest.raises(seeker_file.NotFound):
        seeker_file.add_record(
            session,
            viewer=viewers["boss"],  # supervisors read only
            seeker_id=ids["C-2"],
            kind="follow_up",
            served_on=str(TODAY - timedelta(days=21)),
            notes="",
            next_follow_up="",
            today=TODAY,
        )


def test_an_assessment_replaces_the_defaults_and_counts_as_one_of_the_four(engine, world):
    ids, viewers = world
    with Session(engine) as session:
        before = seeker_file.load_file(session, viewer=viewers["w1"], seeker_id=ids["C-1"])
        version, defaults = before.seeker.version, dict(before.capacity)
    levels = {key: "2" for key in defaults} | {"mobility": "0"}
    with write_session(engine) as session:
        seeker_file.save_assessment(
            session,
            viewer=viewers["w1"],
            seeker_id=ids["C-1"],
            levels=levels,
            notes="wheelchair user",
            version=version,
            today=TODAY,
        )
    with Session(engine) as session:
        after = seeker_file.load_file(session, viewer=viewers["w1"], seeker_id=ids["C-1"])
        assert after.capacity["mobility"] == 0 and after.assessed.source == "assessment"
        assert after.seeker.version == version + 1
        rows = caseload(
            session, viewer=viewers["w1"], today=TODAY, where=CaseloadFilter(name="样例1")
        ).rows
    assert rows[0].done["capability_assessment"]
    with write_session(engine) as session, pytest.raises(seeker_file.Stale):
        seeker_file.save_assessment(
            session,
            viewer=viewers["w1"],
            seeker_id=ids["C-1"],
            levels=levels,
            notes="",
            version=version,  # the version read before the first save
            today=TODAY,
        )


def test_the_dashboard_reads_todays_snapshot_and_else_computes_live(engine, world):
    from matcher import jobs
    from matcher.seekers.kpi import current

    ids, viewers = world
    assert jobs.run(jobs.JobContext(engine), "kpi_snapshot", trigger="cli")
    with write_session(engine) as session:  # a change after the snapshot
        session.add(ServiceRecord(seeker_id=ids["C-4"], kind="info_check", served_on=TODAY))
    boss = viewers["boss"]
    with Session(engine) as session:
        kept = current(session, viewer=boss, today=TODAY)
        live = current(session, viewer=boss, today=TODAY, live=True)
        tomorrow = current(session, viewer=boss, today=TODAY + timedelta(days=1))
        worker = current(session, viewer=viewers["w1"], today=TODAY)
        computed = dashboard(session, viewer=boss, today=TODAY)
    assert kept.as_of is not None and kept.total.filed == 3  # as at the snapshot
    assert [a.area_code for a in kept.areas] == ["520102", "520103"]
    assert kept.quarter_from == quarter_start(TODAY)
    assert live.as_of is None and live.total.filed == 4 == computed.total.filed
    assert live.total == computed.total and live.outcomes == computed.outcomes
    assert tomorrow.as_of is None and tomorrow.total == computed.total  # no snapshot that day
    assert worker.as_of is None  # a case worker's scope is not a set of areas
    assert kept.total.seekers == live.total.seekers == 5


def test_the_dashboard_page_says_when_its_snapshot_was_taken(monkeypatch, demo_database_url):
    from matcher import jobs
    from matcher.core.db import make_engine
    from tests.webapp import make_app, signed_in

    engine = make_engine(demo_database_url)
    jobs.run(jobs.JobContext(engine), "kpi_snapshot", trigger="cli")  # today, on the real clock
    engine.dispose()
    app = make_app(monkeypatch, demo_database_url)
    client = signed_in(app, "supervisor")
    kept = client.get("/dashboard/").get_data(as_text=True)
    live = client.get("/dashboard/?live=1").get_data(as_text=True)
    app.extensions["jobbridge.engine"].dispose()
    link = 'href="/dashboard/?live=1"'
    assert link in kept and link not in live
    assert "每日快照" in kept and "每日快照" not in live.split("<h2>")[0]
