"""Reading uploads defensively (SECURITY.md items 25 and 26)."""

import zipfile
from pathlib import Path

import pytest

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
