"""Imports: every alias, every encoding, all-or-nothing, idempotent, duplicates reported."""

import pytest
from sqlalchemy import func, select
from sqlmodel import Session

from matcher.core.models import (
    AuditLog,
    Campaign,
    CapabilityProfile,
    Employer,
    Jobseeker,
    Posting,
    PostingCampaign,
)
from matcher.intake import import_file
from matcher.intake.columns import KINDS, column_specs, match_header
from tests.helpers import ROOT, id_number, posting_row, seeker_row, write_csv, write_xlsx

TEMPLATES = ROOT / "data" / "templates"


def count(engine, model) -> int:
    with Session(engine) as session:
        return session.execute(select(func.count()).select_from(model)).scalar_one()


def run(engine, vault, kind, path, **options):
    return import_file(engine, vault, kind=kind, path=path, **options)


# --- headers -----------------------------------------------------------------------------

ALIASES = [
    (kind, spec.field, spelling)
    for kind in KINDS
    for spec in column_specs(kind)
    if spec.read
    for spelling in (spec.field, spec.zh, *spec.aliases)
]


@pytest.mark.parametrize(("kind", "field", "spelling"), ALIASES)
def test_every_header_alias_names_its_column(kind, field, spelling):
    for written in (spelling, f"*{spelling.upper()}", f"{spelling}（说明）"):
        match = match_header(kind, [written])
        assert [spec.field for spec in match.columns.values()] == [field], written


def test_the_columns_only_an_export_writes_are_notes_to_an_import():
    written = [spec for spec in column_specs("postings") if not spec.read]
    assert {spec.field for spec in written} >= {"review", "demand_sources", "screening_flags"}
    match = match_header("postings", [f"{spec.zh}({spec.field})" for spec in written])
    assert not match.columns and not match.unknown


def test_english_and_chinese_headers_import_the_same(engine, vault, tmp_path):
    rows = [seeker_row(n) for n in range(1, 4)]
    fields = {spec.zh: spec.field for spec in column_specs("seekers")}
    english = [{fields[k]: v for k, v in row.items()} for row in rows]
    chinese_report = run(
        engine, vault, "seekers", write_csv(tmp_path / "zh.csv", rows), dry_run=True
    )
    english_report = run(engine, vault, "seekers", write_csv(tmp_path / "en.csv", english))
    assert chinese_report.ok and english_report.ok and english_report.new == 3
    again = run(engine, vault, "seekers", write_csv(tmp_path / "zh.csv", rows))
    assert (again.new, again.changed, again.unchanged) == (0, 0, 3)


def test_a_missing_required_column_is_named(engine, vault, tmp_path):
    rows = [{k: v for k, v in seeker_row(1).items() if k != "残疾等级"}]
    report = run(engine, vault, "seekers", write_csv(tmp_path / "t.csv", rows))
    assert not report.ok
    assert any("残疾等级" in p.column and "missing" in p.reason for p in report.errors)


def test_an_unknown_column_is_a_warning_not_an_error(engine, vault, tmp_path):
    rows = [seeker_row(1) | {"备注": "x"}]
    report = run(engine, vault, "seekers", write_csv(tmp_path / "t.csv", rows))
    assert report.ok and report.written
    assert [p.column for p in report.warnings if "not a known column" in p.reason] == ["备注"]


# --- encodings and formats --------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-8", "gb18030", "gbk"])
def test_each_encoding_imports_the_same_seekers(engine, vault, tmp_path, encoding):
    rows = [seeker_row(n, 姓名=f"测试{name}") for n, name in enumerate(["甲", "乙", "丙"], 1)]
    report = run(engine, vault, "seekers", write_csv(tmp_path / "t.csv", rows, encoding=encoding))
    assert report.ok and report.new == 3
    with Session(engine) as session:
        names = session.execute(select(Jobseeker.name).order_by(Jobseeker.external_id)).scalars()
        assert list(names) == ["测试甲", "测试乙", "测试丙"]


def test_an_xlsx_made_with_openpyxl_imports(engine, vault, tmp_path):
    report = run(
        engine,
        vault,
        "postings",
        write_xlsx(tmp_path / "p.xlsx", [posting_row(n) for n in range(5)]),
    )
    assert report.ok and report.new == 5 and count(engine, Posting) == 5


@pytest.mark.parametrize("name", ["seekers", "employers", "postings"])
@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_the_templates_import_cleanly(engine, vault, name, suffix):
    if name == "postings":  # the template's postings belong to the template's employers
        assert run(engine, vault, "employers", TEMPLATES / f"employers{suffix}").ok
    report = run(engine, vault, name, TEMPLATES / f"{name}{suffix}")
    assert report.ok, [p.describe() for p in report.errors]
    assert report.new == 2


# --- all or nothing ---------------------------------------------------------------------


def test_three_bad_rows_out_of_50_write_nothing_and_are_all_reported(engine, vault, tmp_path):
    run(engine, vault, "seekers", write_csv(tmp_path / "first.csv", [seeker_row(900)]))
    rows = [seeker_row(n) for n in range(1, 51)]
    rows[9]["残疾等级"] = "五级"  # file row 11
    rows[24]["身份证号"] = rows[24]["身份证号"][:17] + (
        "1" if rows[24]["身份证号"][17] != "1" else "2"
    )  # row 26
    rows[39]["常住地"] = "火星市"  # row 41
    report = run(engine, vault, "seekers", write_csv(tmp_path / "t.csv", rows))
    assert not report.ok and not report.written
    assert sorted({p.row for p in report.errors}) == [11, 26, 41]
    by_row = {p.row: p for p in report.errors}
    assert by_row[11].column == "残疾等级" and by_row[11].value == "五级"
    assert "check character" in by_row[26].reason
    assert by_row[26].value.endswith(rows[24]["身份证号"][-2:]) and "5201" not in by_row[26].value
    assert "火星市" in by_row[41].reason
    assert count(engine, Jobseeker) == 1  # only what was already stored


def test_a_wrong_id_checksum_is_refused_with_the_reason(engine, vault, tmp_path):
    row = seeker_row(3)
    row["身份证号"] = row["身份证号"][:17] + ("0" if row["身份证号"][17] != "0" else "1")
    report = run(engine, vault, "seekers", write_csv(tmp_path / "t.csv", [row]))
    assert [(p.row, p.column) for p in report.errors] == [(2, "身份证号")]
    assert "GB 11643" in report.errors[0].reason


def test_dry_run_writes_nothing(engine, vault, tmp_path):
    report = run(
        engine, vault, "postings", write_csv(tmp_path / "p.csv", [posting_row(1)]), dry_run=True
    )
    assert report.ok and report.new == 1 and not report.written
    assert count(engine, Posting) == 0 and count(engine, Employer) == 0


def test_a_refused_file_is_reported_as_a_file_problem(engine, vault, tmp_path):
    path = tmp_path / "image.xlsx"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 64)
    report = run(engine, vault, "seekers", path)
    assert not report.ok and report.errors[0].row is None


# --- idempotence and duplicates ---------------------------------------------------------


def test_importing_the_same_file_twice_changes_nothing(engine, vault, tmp_path):
    path = write_csv(tmp_path / "p.csv", [posting_row(n) for n in range(10)])
    first = run(engine, vault, "postings", path, campaign="2026年第四季度专场")
    second = run(engine, vault, "postings", path, campaign="2026年第四季度专场")
    assert (first.new, second.new, second.changed, second.unchanged) == (10, 0, 0, 10)
    assert count(engine, Posting) == 10 and count(engine, PostingCampaign) == 10
    with Session(engine) as session:
        versions = set(session.execute(select(Posting.version)).scalars())
    assert versions == {1}


def test_a_changed_row_is_updated_in_place(engine, vault, tmp_path):
    run(engine, vault, "postings", write_csv(tmp_path / "p.csv", [posting_row(1)]))
    report = run(
        engine, vault, "postings", write_csv(tmp_path / "p.csv", [posting_row(1, 招聘人数="4")])
    )
    assert (report.new, report.changed) == (0, 1)
    with Session(engine) as session:
        posting = session.execute(select(Posting)).scalar_one()
        assert (posting.openings, posting.version) == (4, 2)


def test_duplicates_within_a_file_are_reported_and_not_inserted(engine, vault, tmp_path):
    rows = [
        posting_row(1),
        posting_row(
            2,
            岗位编号="T-P9999",
            岗位名称=posting_row(1)["岗位名称"],
            用人单位=posting_row(1)["用人单位"],
            岗位职责=posting_row(1)["岗位职责"],
        ),
    ]
    report = run(engine, vault, "postings", write_csv(tmp_path / "p.csv", rows))
    assert report.ok and report.new == 1
    assert [(d.row, d.same_as) for d in report.duplicates] == [(3, "row 2")]
    assert count(engine, Posting) == 1


def test_the_same_job_under_a_new_id_in_another_campaign_is_linked_not_copied(
    engine, vault, tmp_path
):
    run(
        engine,
        vault,
        "postings",
        write_csv(tmp_path / "a.csv", [posting_row(1)]),
        campaign="贵阳春季专场",
    )
    again = posting_row(1, 岗位编号="OTHER-1")
    report = run(
        engine, vault, "postings", write_csv(tmp_path / "b.csv", [again]), campaign="国企专项"
    )
    assert report.ok and report.new == 0
    assert report.duplicates[0].same_as == "posting T-P0001"
    assert count(engine, Posting) == 1
    with Session(engine) as session:
        campaigns = session.execute(select(Campaign.name).join(PostingCampaign)).scalars()
        assert sorted(campaigns) == ["国企专项", "贵阳春季专场"]


def test_a_repeated_seeker_id_or_id_number_in_a_file_is_an_error(engine, vault, tmp_path):
    rows = [
        seeker_row(1),
        seeker_row(1),
        seeker_row(2, 编号="T-S7777", 身份证号=id_number(1), 残疾人证号=id_number(1) + "43"),
    ]
    report = run(engine, vault, "seekers", write_csv(tmp_path / "t.csv", rows))
    assert not report.ok and {p.row for p in report.errors} == {3, 4}


def test_a_person_already_on_file_under_another_id_is_refused(engine, vault, tmp_path):
    run(engine, vault, "seekers", write_csv(tmp_path / "a.csv", [seeker_row(1)]))
    report = run(
        engine, vault, "seekers", write_csv(tmp_path / "b.csv", [seeker_row(1, 编号="NEW-1")])
    )
    assert not report.ok and "T-S0001" in report.errors[0].reason


# --- what is stored ---------------------------------------------------------------------


def test_identifiers_are_stored_encrypted_with_a_digest_and_a_mask(engine, vault, tmp_path):
    row = seeker_row(4)
    run(engine, vault, "seekers", write_csv(tmp_path / "t.csv", [row]))
    with Session(engine) as session:
        seeker = session.execute(select(Jobseeker)).scalar_one()
        assert vault.decrypt(seeker.id_number_cipher) == row["身份证号"]
        assert seeker.id_number_digest == vault.digest(row["身份证号"])
        assert seeker.id_number_masked == row["身份证号"][:3] + "*" * 11 + row["身份证号"][-4:]
        assert vault.decrypt(seeker.phone_cipher) == row["联系电话"]
        assert (seeker.birth_year, seeker.gender) == (2001, "female")  # from the ID number


def test_seeker_fields_are_read_as_codes(engine, vault, tmp_path):
    row = seeker_row(
        5,
        残疾类别="视力、听力",
        残疾等级="2",
        残疾人证号=id_number(5) + "72",
        技能="熟练使用Excel、五笔打字、some rare craft",
        意向地区="不限",
    )
    row |= {
        "所需便利": "读屏软件；文字沟通",
        "能力评估": "视觉=0;hearing=1",
        "工作方式": "全职、远程",
    }
    report = run(engine, vault, "seekers", write_csv(tmp_path / "t.csv", [row]))
    assert report.ok, [p.describe() for p in report.errors]
    with Session(engine) as session:
        seeker = session.execute(select(Jobseeker)).scalar_one()
        assert seeker.disability_types == ["visual", "hearing"] and seeker.disability_grade == 2
        assert seeker.skills == ["office_software", "wubi_typing"]
        assert "some rare craft" in seeker.skills_text
        assert seeker.willing_areas == ["*"]
        assert seeker.accommodations_needed == ["screen_reader", "text_channel"]
        assert seeker.work_modes == ["full_time", "remote"]
        profile = session.execute(select(CapabilityProfile)).scalar_one()
        assert profile.levels == {"sight": 0, "hearing": 1} and profile.source == "import"


def test_a_certificate_that_contradicts_the_row_is_an_error(engine, vault, tmp_path):
    row = seeker_row(6, 残疾人证号=id_number(6) + "12")  # certifies visual grade 2
    report = run(engine, vault, "seekers", write_csv(tmp_path / "t.csv", [row]))
    reasons = " ".join(p.reason for p in report.errors)
    assert "unlike the disability type" in reasons and "grade 2" in reasons


def test_an_import_never_overwrites_a_case_workers_assessment(engine, vault, tmp_path):
    run(engine, vault, "seekers", write_csv(tmp_path / "t.csv", [seeker_row(7)]))
    with Session(engine) as session:
        seeker_id = session.execute(select(Jobseeker.id)).scalar_one()
        session.add(
            CapabilityProfile(seeker_id=seeker_id, levels={"mobility": 1}, source="assessment")
        )
        session.commit()
    run(
        engine,
        vault,
        "seekers",
        write_csv(tmp_path / "t.csv", [seeker_row(7, 能力评估="mobility=0")]),
    )
    with Session(engine) as session:
        profile = session.execute(select(CapabilityProfile)).scalar_one()
        assert (profile.levels, profile.source) == ({"mobility": 1}, "assessment")


def test_no_consent_is_a_warning(engine, vault, tmp_path):
    report = run(
        engine, vault, "seekers", write_csv(tmp_path / "t.csv", [seeker_row(8, 同意授权="否")])
    )
    assert report.ok and any("consent" in p.reason for p in report.warnings)


def test_posting_categories_are_inferred_and_employers_created(engine, vault, tmp_path):
    rows = [posting_row(n) for n in range(4)]
    report = run(engine, vault, "postings", write_csv(tmp_path / "p.csv", rows))
    assert report.ok
    with Session(engine) as session:
        categories = dict(session.execute(select(Posting.external_id, Posting.category)).all())
        assert categories == {
            "T-P0000": "customer_service_online",
            "T-P0001": "accounting",
            "T-P0002": "data_annotation",
            "T-P0003": "massage_wellness",
        }
        kinds = set(session.execute(select(Employer.kind)).scalars())
        assert kinds == {"private"}


def test_explicit_demands_override_the_category_profile(engine, vault, tmp_path):
    row = posting_row(1) | {"能力要求": "hearing=2;行走站立=1"}
    run(engine, vault, "postings", write_csv(tmp_path / "p.csv", [row]))
    with Session(engine) as session:
        posting = session.execute(select(Posting)).scalar_one()
        assert posting.demands == {"hearing": 2, "mobility": 1}
        assert posting.requirement_profile["hearing"] == 2
        assert posting.requirement_profile["sight"] == 2  # from the category


def test_a_new_employer_without_a_kind_is_registered_as_unknown(engine, vault, tmp_path):
    row = posting_row(1, 单位性质="")
    report = run(engine, vault, "postings", write_csv(tmp_path / "p.csv", [row]))
    assert report.ok and report.written
    with Session(engine) as session:
        assert session.execute(select(Employer.kind)).scalar_one() == "unknown"


def test_a_passed_deadline_stores_the_posting_closed(engine, vault, tmp_path):
    report = run(
        engine,
        vault,
        "postings",
        write_csv(tmp_path / "p.csv", [posting_row(1, 截止日期="2020-01-01")]),
    )
    assert report.ok and report.warnings
    with Session(engine) as session:
        assert session.execute(select(Posting.status)).scalar_one() == "closed"


def test_employers_import_checks_credit_codes_and_upserts(engine, vault, tmp_path):
    rows = [
        {
            "单位名称": "甲公司",
            "统一社会信用代码": "91520102MA6D00001C",
            "单位性质": "民营企业",
            "职工人数": "200",
            "残疾职工人数": "2",
        },
        {"单位名称": "乙公司", "统一社会信用代码": "91520102MA6D00001D", "单位性质": "国企"},
    ]
    report = run(engine, vault, "employers", write_csv(tmp_path / "e.csv", rows))
    assert [(p.row, p.column) for p in report.errors] == [(3, "统一社会信用代码")]
    report = run(engine, vault, "employers", write_csv(tmp_path / "e.csv", rows[:1]))
    assert report.ok and report.new == 1
    renamed = [rows[0] | {"单位名称": "甲公司（贵州）"}]
    report = run(engine, vault, "employers", write_csv(tmp_path / "e.csv", renamed))
    assert (report.new, report.changed) == (0, 1)
    assert count(engine, Employer) == 1


def test_each_import_writes_an_audit_row(engine, vault, tmp_path):
    run(engine, vault, "postings", write_csv(tmp_path / "p.csv", [posting_row(1)]))
    with Session(engine) as session:
        entry = session.execute(select(AuditLog)).scalar_one()
        assert (entry.action, entry.object_type, entry.detail["new"]) == ("import", "postings", 1)
