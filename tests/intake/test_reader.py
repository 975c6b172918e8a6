"""Reading uploads defensively (SECURITY.md items 25, 26 and 30)."""

import re
import zipfile
from datetime import date, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from matcher.intake import reader
from matcher.intake.reader import FileRefused, Limits, read_table
from tests.helpers import dimension_bomb, seeker_row, write_csv, write_xlsx

ROWS = [
    seeker_row(n, 姓名=name) for n, name in enumerate(["张三丰", "李四", "王五", "赵𠮷"][:3], 1)
]


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-8", "gb18030", "gbk"])
def test_the_same_table_reads_identically_in_each_encoding(tmp_path, encoding):
    reference = read_table(write_csv(tmp_path / "ref.csv", ROWS))
    table = read_table(write_csv(tmp_path / "t.csv", ROWS, encoding=encoding))
    assert (table.headers, table.rows) == (reference.headers, reference.rows)


def test_rare_characters_survive_gb18030(tmp_path):
    rows = [seeker_row(1, 姓名="赵𠮷")]  # 𠮷 exists in GB18030 and UTF-8, not in GBK
    table = read_table(write_csv(tmp_path / "t.csv", rows, encoding="gb18030"))
    assert table.rows[0][1][table.headers.index("姓名")] == "赵𠮷"


def test_a_latin1_file_is_refused_with_a_message(tmp_path):
    path = tmp_path / "latin1.csv"
    path.write_bytes("name,city\nMüller,Zürich\nRenée,Besançon\nJosé,Málaga\n".encode("latin-1"))
    with pytest.raises(FileRefused, match="encoding"):
        read_table(path)


def test_xlsx_and_csv_read_the_same(tmp_path):
    csv_table = read_table(write_csv(tmp_path / "t.csv", ROWS))
    xlsx_table = read_table(write_xlsx(tmp_path / "t.xlsx", ROWS))
    assert (xlsx_table.headers, xlsx_table.rows) == (csv_table.headers, csv_table.rows)


def test_an_id_number_typed_as_a_number_in_excel_is_kept_recognisable(tmp_path):
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.active.append(["身份证号"])
    workbook.active.append([520102200105171234])
    workbook.save(tmp_path / "n.xlsx")
    table = read_table(tmp_path / "n.xlsx")
    assert "E+" in table.rows[0][1][0]


def test_a_50_mb_file_is_refused_without_being_read(tmp_path, monkeypatch):
    path = tmp_path / "big.csv"
    with path.open("wb") as handle:
        handle.truncate(50 * 1024 * 1024)

    def no_reading(*args, **kwargs):
        raise AssertionError("the file was read")

    monkeypatch.setattr(Path, "read_bytes", no_reading)
    with pytest.raises(FileRefused, match=r"50\.0 MB"):
        read_table(path)


def test_a_zip_bomb_is_refused_before_it_is_unpacked(tmp_path):
    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (300 * 1024 * 1024))
    assert path.stat().st_size < 2 * 1024 * 1024
    with pytest.raises(FileRefused, match=r"zip bomb|unpacks"):
        read_table(path)


def test_a_renamed_png_is_refused(tmp_path):
    path = tmp_path / "photo.xlsx"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 100)
    with pytest.raises(FileRefused, match="PNG"):
        read_table(path)


@pytest.mark.parametrize("suffix", [".xls", ".xlsm"])
def test_legacy_and_macro_workbooks_are_refused(tmp_path, suffix):
    path = tmp_path / f"old{suffix}"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100)
    with pytest.raises(FileRefused, match="not accepted"):
        read_table(path)


def test_a_macro_workbook_renamed_to_xlsx_is_refused(tmp_path):
    path = write_xlsx(tmp_path / "m.xlsx", ROWS)
    with zipfile.ZipFile(path) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    members["[Content_Types].xml"] = members["[Content_Types].xml"].replace(
        b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
        b"application/vnd.ms-excel.sheet.macroEnabled.main+xml",
    )
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    with pytest.raises(FileRefused, match="macros"):
        read_table(path)


def test_row_and_column_limits(tmp_path):
    rows = [seeker_row(n) for n in range(1, 12)]
    with pytest.raises(FileRefused, match="more than 10 rows, counting empty ones"):
        read_table(write_csv(tmp_path / "t.csv", rows), limits=Limits(max_rows=10))
    with pytest.raises(FileRefused, match="columns"):
        read_table(write_csv(tmp_path / "t.csv", rows), limits=Limits(max_columns=5))


def test_other_file_types_are_refused(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("hello")
    with pytest.raises(FileRefused, match="unsupported"):
        read_table(path)


def test_a_workbook_claiming_a_million_rows_is_read_only_to_the_row_limit(tmp_path, monkeypatch):
    """SECURITY item 30: the sheet's dimension is not believed, blank rows count toward the
    limit, and no row is padded past the column limit; counted in rows, not seconds."""
    from openpyxl.worksheet._read_only import ReadOnlyWorksheet

    path = dimension_bomb(tmp_path / "bomb.xlsx", [seeker_row(n) for n in range(1, 4)])
    assert path.stat().st_size < 10_000
    read, widest = [0], [0]
    original = ReadOnlyWorksheet._cells_by_row

    def counted(self, *args, **kwargs):
        for row in original(self, *args, **kwargs):
            read[0] += 1
            widest[0] = max(widest[0], len(row))
            yield row

    monkeypatch.setattr(ReadOnlyWorksheet, "_cells_by_row", counted)
    limits = Limits(max_rows=2_000)
    with pytest.raises(FileRefused, match="more than 2000 rows, counting empty ones"):
        read_table(path, limits=limits)
    assert read[0] <= limits.max_rows + 2  # the header, the limit, and the one that passed it
    assert widest[0] <= limits.max_columns + 1
    # the same sheet without the far row reads as usual, its rows not padded
    normal = read_table(write_xlsx(tmp_path / "normal.xlsx", [seeker_row(n) for n in range(1, 4)]))
    assert len(normal.rows) == 3 and all(
        len(cells) == len(normal.headers) for _, cells in normal.rows
    )


def test_a_far_row_within_the_limit_still_reads(tmp_path):
    """Empty rows below the table (a stray space far down) are allowed up to the limit."""
    path = dimension_bomb(tmp_path / "far.xlsx", [seeker_row(1)], last_row=500)
    table = read_table(path)
    assert [number for number, _ in table.rows] == [2]


def test_reading_is_timed(tmp_path):
    rows = [seeker_row(n % 900 + 1) for n in range(1_200)]
    with pytest.raises(FileRefused, match="longer than 0 seconds"):
        read_table(write_csv(tmp_path / "slow.csv", rows), limits=Limits(max_seconds=0))


# --- the two workbook parsers -----------------------------------------------------------
#
# calamine reads plain workbooks, openpyxl every other one (reader.py's docstring says why):
# the two must give the same strings, and no workbook the scan is unsure of may reach
# calamine, which builds the sheet's whole rectangle in memory and aborts the process when
# that cannot be had.


@pytest.fixture
def no_calamine(monkeypatch):
    """calamine fails the test if it is asked to open anything."""
    import python_calamine

    def refuse(*args, **kwargs):
        raise AssertionError("calamine was given this workbook")

    monkeypatch.setattr(python_calamine.CalamineWorkbook, "from_path", refuse)


def _openpyxl_only(monkeypatch):
    monkeypatch.setattr(reader, "_plain", lambda *args: False)


def _sheet_with(path: Path, sheet_data: str) -> Path:
    """A workbook whose first sheet's ``<sheetData>`` is ``sheet_data``, as written."""
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.active["A1"] = "x"
    workbook.save(path)
    with zipfile.ZipFile(path) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    sheet = members["xl/worksheets/sheet1.xml"].decode()
    members["xl/worksheets/sheet1.xml"] = re.sub(
        r"<sheetData>.*</sheetData>|<sheetData\s*/>",
        lambda _: f"<sheetData>{sheet_data}</sheetData>",
        sheet,
        flags=re.S,
    ).encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def _text(ref: str, value: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{value}</t></is></c>'


HEADER_ROW = '<row r="1">' + _text("A1", "编号") + _text("B1", "值") + "</row>"
FAR_B = _text("B99999", " ")

_cells = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**17), 10**17),
    st.floats(allow_nan=False, allow_infinity=False),
    st.dates(min_value=date(1900, 3, 1)),
    st.datetimes(min_value=datetime(1900, 3, 1)).map(lambda moment: moment.replace(microsecond=0)),
    st.times().map(lambda moment: moment.replace(microsecond=0)),
    st.text(alphabet=" 　\nabcXYZ019.-+:/张三丰李四𠮷（）E", max_size=12).filter(
        lambda text: not text.startswith("=")
    ),
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    rows=st.lists(st.lists(_cells, min_size=1, max_size=6), min_size=1, max_size=6),
    top=st.integers(1, 3),
    left=st.integers(1, 3),
)
def test_calamine_reads_plain_workbooks_as_openpyxl_does(tmp_path_factory, rows, top, left):
    from openpyxl import Workbook

    path = tmp_path_factory.mktemp("agree") / "t.xlsx"
    workbook = Workbook()
    for r, values in enumerate(rows, start=top):
        for c, value in enumerate(values, start=left):
            workbook.active.cell(row=r, column=c, value=value)
    workbook.save(path)

    def read(parser):
        try:
            table = parser(path)
        except FileRefused as refused:
            return str(refused)
        return table.headers, table.rows

    assert read(read_table) == read(lambda p: reader._read_with_openpyxl(p, Limits(), 1e12))


def test_a_plain_workbook_is_read_by_calamine(tmp_path, monkeypatch):
    import openpyxl

    monkeypatch.setattr(openpyxl, "load_workbook", lambda *a, **k: pytest.fail("openpyxl"))
    table = read_table(write_xlsx(tmp_path / "t.xlsx", ROWS))
    assert len(table.rows) == 3
    with pytest.raises(FileRefused, match="longer than 0 seconds"):
        rows = [seeker_row(n % 900 + 1) for n in range(1_200)]
        read_table(write_xlsx(tmp_path / "slow.xlsx", rows), limits=Limits(max_seconds=0))


@pytest.mark.parametrize(
    ("sheet_data", "rows"),
    [
        # the dimension bomb's far cell, a far cell within the column limit, a far row
        (HEADER_ROW + '<row r="1048576">' + _text("XFD1048576", " ") + "</row>", None),
        (HEADER_ROW + '<row r="100002">' + _text("CW100002", " ") + "</row>", None),
        (HEADER_ROW + '<row r="100002"><c r="A100002" s="1"/></row>', None),
        # sparse within the limits: a rectangle of 99,999 × 2 cells for 5 of them
        (HEADER_ROW + f'<row r="2">{_text("A2", "1")}</row><row r="99999">{FAR_B}</row>', [2]),
        # cells whose place the scan cannot be sure of, as calamine would read it
        (HEADER_ROW + '<row r="2"><c t="inlineStr"><is><t>1</t></is></c></row>', [2]),
        (HEADER_ROW + '<row r="2"><c  r="A2" t="inlineStr"><is><t>1</t></is></c></row>', [2]),
        (HEADER_ROW + '<row r="2"><x:c xmlns:x="s" r="XFD2"><x:v>1</x:v></x:c></row>', []),
        (HEADER_ROW + '<row r="2"><c r="A2" t="n" r="XFD9"><v>1</v></c></row>', None),
        # values openpyxl reads otherwise than calamine
        (HEADER_ROW + '<row r="2"><c r="A2" t="e"><v>#DIV/0!</v></c></row>', [2]),
        (HEADER_ROW + '<row r="2"><c r="A2"><v>520102200105171234</v></c></row>', [2]),
    ],
)
def test_workbooks_the_scan_is_unsure_of_go_to_openpyxl(tmp_path, no_calamine, sheet_data, rows):
    path = _sheet_with(tmp_path / "t.xlsx", sheet_data)
    if rows is None:
        with pytest.raises(FileRefused):
            read_table(path)
    else:
        assert [number for number, _ in read_table(path).rows] == rows


def test_error_values_and_long_integers_read_as_openpyxl_reads_them(tmp_path):
    path = _sheet_with(
        tmp_path / "t.xlsx",
        HEADER_ROW + '<row r="2"><c r="A2" t="e"><v>#DIV/0!</v></c>'
        '<c r="B2"><v>520102200105171234</v></c></row>',
    )
    assert read_table(path).rows == [(2, ["#DIV/0!", "520102200105171234"])]


def _lying(path: Path, member: str, declared: bytes) -> Path:
    """Rewrite ``member``'s directory entries to declare only its first bytes, ``declared``
    (size and CRC): Python's zipfile reads that much, a reader that inflates the whole
    stream reads everything."""
    import struct
    import zlib

    raw = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo(member)
    fields = struct.pack("<I", zlib.crc32(declared)), struct.pack("<I", len(declared))
    local = info.header_offset
    raw[local + 14 : local + 18], raw[local + 22 : local + 26] = fields
    central = raw.rfind(b"PK\x01\x02" + raw[local + 4 : local + 10][:2])
    while raw[central + 46 : central + 46 + len(member)] != member.encode():
        central = raw.rfind(b"PK\x01\x02", 0, central)
    raw[central + 16 : central + 20], raw[central + 24 : central + 28] = fields
    path.write_bytes(bytes(raw))
    return path


def test_a_member_that_inflates_past_its_declared_size_never_reaches_calamine(
    tmp_path, no_calamine
):
    rows = '<row r="2">' + _text("A2", "1") + "</row>"
    far = '<row r="1048576">' + _text("XFD1048576", " ") + "</row>"
    path = _sheet_with(tmp_path / "t.xlsx", HEADER_ROW + rows + far)
    with zipfile.ZipFile(path) as archive:
        sheet = archive.read("xl/worksheets/sheet1.xml")
    _lying(path, "xl/worksheets/sheet1.xml", sheet[: sheet.index(far.encode())])
    with pytest.raises(FileRefused, match="could not be opened"):
        read_table(path)  # openpyxl reads the declared bytes: an unfinished sheet


def test_an_archive_with_a_comment_or_bytes_before_it_goes_to_openpyxl(tmp_path, no_calamine):
    path = write_xlsx(tmp_path / "t.xlsx", ROWS)
    with zipfile.ZipFile(path, "a") as archive:
        archive.comment = b"saved by hand"
    assert len(read_table(path).rows) == 3
