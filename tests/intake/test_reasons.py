"""The import's problem reasons in Chinese (data/import_reasons.yaml): every reason the
importers can give is provoked with real files and read in Chinese, with its numbers and
values carried over; the upload preview shows them in the reader's language."""

from __future__ import annotations

import ast
import re
import zipfile
from pathlib import Path

import pytest

from matcher.core.codes import code_list
from matcher.intake import Limits, import_file
from matcher.intake import reader as reader_module
from matcher.intake.cells import CellError, read_cell
from matcher.intake.reasons import NESTED, PART_NAMES, localize, localized, rules
from matcher.intake.service import ImportReport
from tests.fairs.test_campaigns import english, new_campaign, upload
from tests.helpers import (
    POSTING_HEADERS,
    ROOT,
    SEEKER_HEADERS,
    id_number,
    posting_row,
    seeker_row,
    write_csv,
    write_xlsx,
)
from tests.webapp import make_app, signed_in

# The modules whose messages end up as an import problem's reason.
SOURCES = [
    "matcher/intake/cells.py",
    "matcher/intake/reader.py",
    "matcher/intake/rows.py",
    "matcher/intake/service.py",
    "matcher/reference/areas.py",
    "matcher/people/identifiers.py",
    "matcher/reference/profiles.py",
]
RAISED = {"CellError", "FileRefused", "IdentifierError", "AreaError", "ProfileError"}
CJK = re.compile(r"[\u4e00-\u9fff]")
# Three English words in a row: a sentence left untranslated.
ENGLISH_RUN = re.compile(r"[A-Za-z]{2,}(?:[ ,;:'’]+[A-Za-z]{2,}){2,}")
PLACEHOLDER = re.compile(r"\{(\w+)\}")
CREDIT_CODE = "91520102MA6D00001C"


# --- the sites in the code that word a reason ---------------------------------------------


def _skeleton(node: ast.expr, constants: dict[str, str]) -> str | None:
    """A regex for the texts ``node`` can produce; None for a passed-through message."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return re.escape(node.value)
    if isinstance(node, ast.JoinedStr):
        return "".join(
            re.escape(part.value)
            if isinstance(part, ast.Constant) and isinstance(part.value, str)
            else ".*?"
            for part in node.values
        )
    if isinstance(node, ast.Name) and node.id in constants:
        return re.escape(constants[node.id])
    return None


def reason_sites() -> list[tuple[str, int, str]]:
    """(file, line, regex) of every literal reason the import modules word."""
    sites = []
    for name in SOURCES:
        tree = ast.parse((ROOT / name).read_text(encoding="utf-8"))
        constants = {
            target.id: node.value.value
            for node in tree.body
            if isinstance(node, ast.Assign)
            and isinstance(node.value, ast.Constant)
            and isinstance(node.value.value, str)
            for target in node.targets
            if isinstance(target, ast.Name)
        }
        for call in (node for node in ast.walk(tree) if isinstance(node, ast.Call)):
            func = call.func
            called = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
            wording: list[ast.expr] = []
            if called in RAISED and call.args:
                wording = call.args[:1]
            elif name.endswith("rows.py") and called in {"error", "warn"} and len(call.args) > 1:
                wording = call.args[1:2]
            elif called == "Problem" and len(call.args) > 3:
                wording = call.args[3:4]
            elif called == "Duplicate" and len(call.args) > 3:
                wording = call.args[2:4]  # what it is the same as, and why
            for node in wording:
                skeleton = _skeleton(node, constants)
                if skeleton is not None:
                    sites.append((name, call.lineno, skeleton))
    return sites


def test_the_scan_finds_the_reason_sites():
    sites = reason_sites()
    assert len(sites) > 60, "the scan of the import modules found too few reasons"
    files = {name for name, _, _ in sites}
    assert files == set(SOURCES)


# --- provoking every reason with real files ----------------------------------------------


def _reasons(report: ImportReport) -> list[str]:
    return (
        [problem.reason for problem in report.problems]
        + [duplicate.reason for duplicate in report.duplicates]
        + [duplicate.same_as for duplicate in report.duplicates]
    )


def _zip(path: Path, members: dict[str, bytes | str]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for member, data in members.items():
            archive.writestr(member, data)
    return path


def _workbook_parts(**more: bytes | str) -> dict[str, bytes | str]:
    return {"[Content_Types].xml": "<Types/>", "xl/workbook.xml": "<workbook/>", **more}


def refused_files(tmp_path: Path) -> list[tuple[Path, Limits | None]]:
    """Files the reader refuses as a whole, each with the limits to read it under."""
    files: list[tuple[Path, Limits | None]] = []

    def raw(name: str, data: bytes, limits: Limits | None = None) -> None:
        path = tmp_path / name
        path.write_bytes(data)
        files.append((path, limits))

    raw("empty.csv", b"")
    raw("notes.txt", b"hello")
    for suffix in (".xls", ".xlsm", ".xlsb"):
        raw(f"old{suffix}", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100)
    big = tmp_path / "big.csv"
    with big.open("wb") as handle:
        handle.truncate(2 * 1024 * 1024)
    files.append((big, Limits(max_bytes=1024 * 1024)))
    for number, signature in enumerate(reader_module._SIGNATURES):
        raw(f"renamed{number}.xlsx", signature + b"\0" * 100)
    raw("text.xlsx", "编号,姓名\n".encode())
    files.append((_zip(tmp_path / "other.xlsx", {"notes.txt": "hello"}), None))
    bomb = _workbook_parts(**{"xl/worksheets/sheet1.xml": b"\0" * (5 * 1024 * 1024)})
    files.append((_zip(tmp_path / "bomb.xlsx", bomb), None))
    wide = _workbook_parts(**{f"xl/media/part{n}.bin": b"\0" * 900_000 for n in range(3)})
    files.append((_zip(tmp_path / "wide.xlsx", wide), Limits(max_unzipped_bytes=2 * 1024 * 1024)))
    macro = write_xlsx(tmp_path / "macro.xlsx", [seeker_row(1)])
    with zipfile.ZipFile(macro) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    members["[Content_Types].xml"] = members["[Content_Types].xml"].replace(
        b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
        b"application/vnd.ms-excel.sheet.macroEnabled.main+xml",
    )
    files.append((_zip(macro, members), None))
    raw("damaged.xlsx", b"PK\x03\x04" + b"\x01" * 200)
    files.append((_zip(tmp_path / "hollow.xlsx", _workbook_parts()), None))
    raw("long.csv", ("编号,姓名\nA-1," + "长" * 140_000 + "\n").encode())
    raw("bom.csv", b"\xef\xbb\xbf\xe7\xbc\x96\xe5\x8f\xb7\n\xff\xfe\n")
    raw("latin1.csv", "name,city\nMüller,Zürich\nRenée,Besançon\n".encode("latin-1"))
    rows = [seeker_row(n) for n in range(1, 4)]
    files.append((write_csv(tmp_path / "columns.csv", rows), Limits(max_columns=5)))
    files.append((write_csv(tmp_path / "rows.csv", rows), Limits(max_rows=2)))
    slow = [seeker_row(n % 900 + 1) for n in range(600)]
    files.append((write_csv(tmp_path / "slow.csv", slow), Limits(max_seconds=0)))
    raw("ragged.csv", "编号,姓名\nA-1,张三,多余\n".encode())
    raw("blank.csv", b",,\n,,\n")
    return files


def bad_postings() -> tuple[list[dict[str, str]], list[str]]:
    """Posting rows with a bad cell of every kind a posting has, and the headers."""
    rows = [
        posting_row(1, 岗位职责="长" * 10_001),
        posting_row(2, 招聘人数="许多"),
        posting_row(3, 招聘人数="-2"),
        posting_row(4, 月薪下限="面议"),
        posting_row(5, 月薪上限="2000000"),
        posting_row(6, 截止日期="2026-13-45"),
        posting_row(7, 截止日期="下个月"),
        posting_row(8, 学历要求="火星学历"),
        posting_row(9, 工作方式="飞行"),
        posting_row(10, 工作地点="火星市"),
        posting_row(11, 工作地点="999999"),
        posting_row(12, 工作地点="鼓楼区"),
        posting_row(13, 工作地点="不限"),
        posting_row(14, 面向高校毕业生="也许"),
        posting_row(15, 岗位类别="外星探索"),
        posting_row(16, 适合残疾类别="超能力"),
        posting_row(17, 能力要求="随便"),
        posting_row(18, 能力要求="翅膀=1"),
        posting_row(19, 能力要求="视觉=5"),
        posting_row(20, 能力要求="视觉=1;视觉=2"),
        posting_row(21, 岗位名称=""),
        posting_row(22, 岗位名称="某某某", 岗位职责="", 任职要求=""),
        posting_row(23, 月薪下限="5000", 月薪上限="4000"),
        posting_row(24, 招聘人数="0"),
        posting_row(25, 截止日期="2020-01-01"),
        posting_row(26, 任职要求="女，身高165cm以上，五官端正"),  # held, not refused
    ]
    return rows, [*POSTING_HEADERS, "岗位类别", "面向高校毕业生", "适合残疾类别", "能力要求"]


def bad_seekers() -> tuple[list[dict[str, str]], list[str]]:
    first17 = id_number(90)[:17]
    wrong_check = first17 + ("0" if id_number(90)[17] != "0" else "1")
    rows = [
        seeker_row(1, 出生年份="一九九〇"),
        seeker_row(2, 出生年份="1800"),
        seeker_row(3, 身份证号="123", 残疾人证号="12345"),
        seeker_row(4, 身份证号="52010220011340123X", 残疾人证号=""),
        seeker_row(5, 身份证号="52010220991231123X", 残疾人证号=""),
        seeker_row(6, 身份证号=wrong_check, 残疾人证号=""),
        seeker_row(7, 残疾人证号=wrong_check + "43"),
        seeker_row(8, 残疾人证号=id_number(8) + "93"),
        seeker_row(9, 残疾人证号=id_number(9) + "45"),
        seeker_row(10, 联系电话="12345"),
        seeker_row(11, 身份证号="5.20102200105171E+17", 残疾人证号=""),
        seeker_row(12, 出生年份="1990"),
        seeker_row(13, 性别="女"),
        seeker_row(14, 残疾人证号=id_number(99) + "43"),
        seeker_row(15, 残疾类别="视力"),
        seeker_row(16, 残疾等级="一级"),
        seeker_row(17, 毕业年份="2005"),
        seeker_row(18, 学历="初中"),
        seeker_row(19, 同意授权="否"),
        seeker_row(20, 姓名=""),
        seeker_row(21, 残疾等级="五级"),
        seeker_row(22, 技能="Excel\x00用友"),  # NUL: PostgreSQL cannot even store it
    ]
    return rows, [*SEEKER_HEADERS, "出生年份", "性别", "毕业年份"]


def other_credit_code() -> str:
    """A second valid unified social credit code (the check character found by trying)."""
    for char in "0123456789ABCDEFGHJKLMNPQRTUWXY":
        code = CREDIT_CODE[:-2] + "2" + char
        try:
            return str(read_cell("credit_code", code))
        except CellError:
            continue
    raise AssertionError("no check character fits")


def provoke(engine, vault, tmp_path: Path) -> list[str]:
    """Every reason the importers give, from real files; some stored rows first."""
    found: list[str] = []

    def run(kind: str, path: Path, **options) -> ImportReport:
        report = import_file(engine, vault, kind=kind, path=path, **options)
        found.extend(_reasons(report))
        return report

    for path, limits in refused_files(tmp_path):
        report = run("postings", path, limits=limits, dry_run=True)
        assert report.errors and report.errors[0].row is None, path.name

    # the header: a required column missing, a column twice, a column unknown
    headers = [h for h in POSTING_HEADERS if h != "岗位名称"] + ["地点", "备注"]
    run("postings", write_csv(tmp_path / "header.csv", [posting_row(1)], headers=headers))

    # bad cells of every type, in a workbook and in a CSV file
    rows, headers = bad_postings()
    run("postings", write_xlsx(tmp_path / "postings.xlsx", rows, headers=headers), dry_run=True)
    rows, headers = bad_seekers()
    run("seekers", write_csv(tmp_path / "seekers.csv", rows, headers=headers), dry_run=True)
    employers = [
        {"单位名称": "甲公司", "统一社会信用代码": "ABC", "单位性质": "民营企业"},
        {"单位名称": "乙公司", "统一社会信用代码": CREDIT_CODE[:-1] + "D", "单位性质": "国企"},
        {"单位名称": "丙公司", "单位性质": "民企", "职工人数": "10", "残疾职工人数": "20"},
    ]
    columns = ["单位名称", "统一社会信用代码", "单位性质", "职工人数", "残疾职工人数"]
    path = write_csv(tmp_path / "employers.csv", employers, headers=columns)
    run("employers", path, dry_run=True)

    # against each other and against what is stored
    same_number = seeker_row(32, 编号="T-S7777", 身份证号=id_number(31))
    same_number["残疾人证号"] = id_number(31) + "43"
    run("seekers", write_csv(tmp_path / "s1.csv", [seeker_row(31), seeker_row(31), same_number]))
    assert run("seekers", write_csv(tmp_path / "s2.csv", [seeker_row(33)])).written
    run("seekers", write_csv(tmp_path / "s3.csv", [seeker_row(33, 编号="NEW-1")]))

    second = other_credit_code()
    stored = [
        {"单位名称": "甲公司", "统一社会信用代码": CREDIT_CODE, "单位性质": "民营企业"},
        {"单位名称": "乙公司", "统一社会信用代码": second, "单位性质": "民营企业"},
    ]
    assert run("employers", write_csv(tmp_path / "e1.csv", stored)).written
    again = [
        {"单位名称": "甲公司", "统一社会信用代码": second, "单位性质": "民营企业"},
        {"单位名称": "丙公司", "单位性质": "民营企业"},
        {"单位名称": "丙公司", "单位性质": "民营企业"},
    ]
    run("employers", write_csv(tmp_path / "e2.csv", again))

    assert run("postings", write_csv(tmp_path / "p1.csv", [posting_row(41)])).written
    twin = posting_row(45)
    postings = [
        posting_row(41, 岗位编号="OTHER-41"),
        posting_row(42, 用人单位=posting_row(41)["用人单位"], 单位性质="国有企业"),
        posting_row(43, 用人单位="未登记单位", 单位性质=""),
        posting_row(44),
        posting_row(44),
        twin,
        posting_row(46, **{k: twin[k] for k in ("用人单位", "岗位名称", "岗位职责")}),
    ]
    run("postings", write_csv(tmp_path / "p2.csv", postings))
    return found


def _first_rule(reason: str) -> int | None:
    return next(
        (n for n, rule in enumerate(rules()) if rule.pattern.fullmatch(reason)),
        None,
    )


def _used_rules(reason: str) -> set[int]:
    """The entries that word ``reason`` in Chinese, nested parts included."""
    number = _first_rule(reason)
    if number is None:
        return set()
    rule = rules()[number]
    match = rule.pattern.fullmatch(reason)
    assert match is not None
    used = {number}
    for name, kind in rule.parts.items():
        if kind == NESTED and match[name]:
            used |= _used_rules(match[name])
    return used


def test_every_reason_the_importers_give_reads_in_chinese(engine, vault, tmp_path):
    found = provoke(engine, vault, tmp_path)

    # every reason worded in the code was provoked
    unprovoked = [
        (name, line, skeleton)
        for name, line, skeleton in reason_sites()
        if not any(re.fullmatch(skeleton, reason, re.DOTALL) for reason in found)
    ]
    assert not unprovoked, f"add files to provoke these reasons: {unprovoked}"
    for what in reader_module._SIGNATURES.values():
        assert any(f"(it looks like {what})" in reason for reason in found)

    # each one reads in Chinese, with its numbers and values, and stays English in English
    wrong = []
    for reason in sorted(set(found)):
        said = localize(reason, "zh")
        number = _first_rule(reason)
        assert localized(reason, "en") == reason
        if number is None or said.lang != "zh" or not CJK.search(said.text):
            wrong.append((reason, said.text, "not translated"))
            continue
        if ENGLISH_RUN.search(said.text):
            wrong.append((reason, said.text, "English left in it"))
        if not set(re.findall(r"\d+", reason)) <= set(re.findall(r"\d+", said.text)):
            wrong.append((reason, said.text, "a number lost"))
        rule = rules()[number]
        match = rule.pattern.fullmatch(reason)
        assert match is not None
        for name, value in match.groupdict().items():
            if value and name not in rule.parts and value not in said.text:
                wrong.append((reason, said.text, f"{name} lost"))
    assert not wrong, wrong

    # and every entry of the data file is used by some reason
    used = set().union(*(_used_rules(reason) for reason in found))
    unused = [rule.pattern.pattern for n, rule in enumerate(rules()) if n not in used]
    assert not unused, f"entries no reason uses: {unused}"


def test_some_reasons_in_chinese():
    examples = {
        "the same id is already on row 7": "相同的编号已在第 7 行",
        "the year must be between 1900 and 2031": "年份必须在 1900 到 2031 之间",
        "its first 18 characters are not a valid ID number: "
        "the check character is wrong (GB 11643-1999)": "前 18 位不是有效的身份证号："
        "校验码不正确（GB 11643-1999）",
        "level '5' for sight must be 0, 1 or 2": "视觉的等级“5”必须是 0、1 或 2",
        "the stored employer is of kind soe; kept that": "已存的用人单位性质为“国有企业”，保留原值",
        "row 12": "第 12 行",
    }
    for english_text, chinese in examples.items():
        assert localized(english_text, "zh") == chinese
        assert localized(english_text, "en") == english_text
    assert localize("something new", "zh").lang == "en"
    assert localized("something new", "zh") == "something new"


def test_the_data_file_is_well_formed():
    assert len(rules()) > 60
    for rule in rules():
        groups = set(rule.pattern.groupindex)
        assert set(PLACEHOLDER.findall(rule.zh)) == groups, rule.pattern.pattern
        assert CJK.search(rule.zh) and not ENGLISH_RUN.search(rule.zh), rule.zh
        for name, kind in rule.parts.items():
            assert name in groups, rule.pattern.pattern
            assert kind in {NESTED, *PART_NAMES} or code_list(kind) is not None


# --- the upload preview -------------------------------------------------------------------


@pytest.fixture
def app(monkeypatch, demo_database_url):
    app = make_app(monkeypatch, demo_database_url)
    yield app
    app.extensions["jobbridge.engine"].dispose()


def _reason_cells(page: str) -> list[str]:
    """The reason column of the problems table (the fourth cell of each row)."""
    table = page.split('id="problems-caption"', 1)[1].split("</table>", 1)[0]
    return re.findall(
        r"<tr>\s*<th[^>]*>[^<]*</th>\s*(?:<td>[^<]*</td>\s*){2}(<td[^>]*>[^<]*)", table
    )


def test_the_preview_shows_reasons_in_the_readers_language(app, tmp_path, monkeypatch):
    organizer = signed_in(app, "organizer")
    campaign_id = new_campaign(organizer, "原因翻译测试专场")
    broken = [posting_row(701, 截止日期="2026-13-45"), posting_row(702, 招聘人数="许多")]
    preview_url = upload(organizer, campaign_id, write_xlsx(tmp_path / "岗位.xlsx", broken))

    chinese = organizer.get(preview_url).get_data(as_text=True)
    cells = _reason_cells(chinese)
    assert cells == ["<td>不是真实存在的日期", "<td>人数必须是整数"]
    assert "is not a real calendar date" not in chinese

    english_page = english(organizer).get(preview_url).get_data(as_text=True)
    assert _reason_cells(english_page) == [
        "<td>is not a real calendar date",
        "<td>the number must be a whole number",
    ]
    assert "不是真实存在的日期" not in english_page

    # a reason the data file does not know is shown in English, marked as English
    organizer.http.set_cookie("jb_lang", "zh")
    monkeypatch.setattr("matcher.intake.reasons.rules", lambda: ())
    fallback = organizer.get(preview_url).get_data(as_text=True)
    assert _reason_cells(fallback)[0] == '<td lang="en">is not a real calendar date'


def test_a_duplicate_is_explained_in_chinese(app, tmp_path):
    organizer = signed_in(app, "organizer")
    campaign_id = new_campaign(organizer, "重复原因测试")
    rows = [
        {"单位名称": "贵阳翻译测试有限公司", "单位性质": "民营企业", "所在地区": "贵阳市南明区"},
        {"单位名称": "贵阳翻译测试有限公司", "单位性质": "民营企业", "所在地区": "贵阳市南明区"},
    ]
    preview_url = upload(
        organizer, campaign_id, write_csv(tmp_path / "单位.csv", rows), kind="employers"
    )
    chinese = organizer.get(preview_url).get_data(as_text=True)
    assert "与 第 2 行 相同：文件中同一用人单位出现两次" in chinese
    english_page = english(organizer).get(preview_url).get_data(as_text=True)
    assert "Same as row 2: the same employer twice in the file" in english_page
