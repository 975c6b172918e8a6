"""The demo generator: deterministic, realistic shares, valid data, every kind present."""

from collections import Counter

from sqlalchemy import func, select
from sqlmodel import Session

from matcher import demo
from matcher.core.codes import code_list
from matcher.core.models import Campaign, Jobseeker, Posting, PostingCampaign, ServiceRecord, User
from matcher.people.identifiers import parse_cert_no, parse_id_number
from matcher.people.passwords import verify_password
from matcher.reference.areas import areas
from matcher.reference.occupations import occupations
from matcher.reference.profiles import bridged_levels, default_capacity
from tests.helpers import TODAY


def test_the_same_seed_gives_the_same_data():
    first = demo.generate(seekers=200, postings=120, seed=7, today=TODAY)
    second = demo.generate(seekers=200, postings=120, seed=7, today=TODAY)
    other = demo.generate(seekers=200, postings=120, seed=8, today=TODAY)
    assert first.seekers == second.seekers and first.postings == second.postings
    assert first.seekers != other.seekers


def test_records_are_valid():
    data = demo.generate(seekers=400, postings=300, seed=1, today=TODAY)
    for seeker in data.seekers:
        national = parse_id_number(seeker.id_number)
        cert = parse_cert_no(seeker.cert_no)
        assert cert.id_number == national.number and cert.grade == seeker.disability_grade
        assert national.gender == seeker.gender and national.birth_date.year == seeker.birth_year
        assert seeker.area_code in areas().by_code and seeker.external_id.startswith("DEMO-S")
        assert set(seeker.accommodations_needed) <= set(code_list("accommodations").keys())
        assert not seeker.is_graduate or seeker.education in {"associate", "bachelor", "master"}
    for posting in data.postings:
        assert posting.category in occupations().by_key
        assert posting.salary_min <= posting.salary_max
        assert posting.external_id.startswith("DEMO-P")
    kinds = {e.kind for e in data.employers}
    assert kinds == set(code_list("employer_kinds").keys()) - {"unknown"}


def test_each_seekers_target_is_a_job_they_can_do():
    data = demo.generate(seekers=500, postings=10, seed=3, today=TODAY)
    index = {s.external_id: s for s in data.seekers}
    assistance = {"packaging", "handicraft", "cleaning"}
    for seeker_id, target in data.truth.items():
        seeker = index[seeker_id]
        capacity = seeker.capabilities or default_capacity(
            seeker.disability_types, seeker.disability_grade
        )
        gaps = {d for d, level in occupations().profile(target).items() if level > capacity[d]}
        bridgeable = {d for a in code_list("accommodations").keys() for d in bridged_levels(a)}
        assert gaps <= bridgeable or target in assistance


def test_shares_are_realistic():
    data = demo.generate(seekers=5000, postings=100, seed=2026, today=TODAY)
    graduates = sum(s.is_graduate for s in data.seekers)
    assert 650 <= graduates <= 950  # ~800 of 5,000
    types = Counter(
        s.disability_types[0] if len(s.disability_types) == 1 else "multiple"
        for s in data.seekers
        if not s.is_graduate
    )
    assert types["physical"] > types["hearing"] > types["visual"] > types["speech"]
    prefectures = Counter(areas().prefecture(s.area_code) for s in data.seekers)
    assert prefectures["520500"] > prefectures["520400"]  # 毕节 is three times 安顺
    assert len(prefectures) == 9


def test_load_writes_everything_with_the_demo_sign_ins(engine, vault):
    result = demo.load(engine, vault, seekers=120, postings=80, today=TODAY)
    assert "120 seekers" in result.summary()
    with Session(engine) as session:

        def count(model):
            return session.execute(select(func.count()).select_from(model)).scalar_one()

        assert count(Jobseeker) == 120 and count(Posting) == 80
        assert count(Campaign) >= 9 and count(PostingCampaign) >= 80 and count(ServiceRecord) > 0
        users = {u.username: u for u in session.execute(select(User)).scalars()}
        for name in ("admin", "supervisor", "caseworker", "organizer", "graduate"):
            assert verify_password(users[name].password_hash, demo.DEMO_PASSWORD)
        assert users["supervisor"].area_codes == ["520100"]
        graduate = session.execute(
            select(Jobseeker).where(Jobseeker.user_id == users["graduate"].id)
        ).scalar_one()
        assert graduate.is_graduate and graduate.consent
        unassigned = session.execute(
            select(func.count()).select_from(Jobseeker).where(Jobseeker.case_worker_id.is_(None))
        ).scalar_one()
        assert unassigned == 0


def test_the_demo_can_be_made_for_any_division_of_china():
    """jobbridge demo --area: people, employers, fairs and sign-ins belong to that area."""
    from matcher.reference.areas import areas

    index = areas()
    data = demo.generate(seekers=120, postings=60, seed=4, area="红河哈尼族彝族自治州")
    assert data.region.code == "532500" and data.region.capital == "532500"
    assert all(index.covers("532500", s.area_code) for s in data.seekers)
    assert all(index.covers("532500", p.area_code) for p in data.postings)
    assert {index.prefecture(s.area_code) for s in data.seekers} == {"532500"}
    assert len({s.area_code for s in data.seekers}) > 5  # spread over its counties
    assert not any("贵州" in e.name or "黔" in e.name for e in data.employers)
    assert not any("贵州" in (s.school or "") for s in data.seekers)
    organizers = {c["organizer"] for c in data.campaigns}
    assert "红河哈尼族彝族自治州残疾人联合会" in organizers and "云南省残疾人联合会" in organizers
    whole = demo.generate(seekers=200, postings=40, seed=4, area="浙江省")
    assert {index.prefecture(s.area_code)[:2] for s in whole.seekers} == {"33"}
    assert len({index.prefecture(s.area_code) for s in whole.seekers}) == 11
    assert whole.region.caseworker_areas[0].startswith("3301")  # the capital, 杭州


def test_an_unknown_area_is_refused_by_the_command(cli):
    from matcher.cli import main

    assert cli.invoke(main, ["init-db"]).exit_code == 0
    refused = cli.invoke(main, ["demo", "--area", "火星市", "--seekers", "5"])
    assert refused.exit_code == 2 and "火星市" in refused.output
    made = cli.invoke(main, ["demo", "--area", "修文县", "--seekers", "30", "--postings", "10"])
    assert made.exit_code == 0, made.output
