"""Exports: masked identifiers, neutralised formulas, UTF-8 with BOM, and a round trip."""

import csv
import io
import json
import re

from openpyxl import load_workbook
from sqlmodel import Session

from matcher.intake import import_file
from matcher.intake.exports import export, neutralize
from tests.helpers import posting_row, seeker_row, write_csv

FULL_ID = re.compile(r"\d{17}[\dX]")


def exported(engine, kind, fmt) -> bytes:
    out = io.BytesIO()
    with Session(engine) as session:
        export(session, kind=kind, fmt=fmt, out=out)
    return out.getvalue()


def test_formulas_are_neutralised():
    assert neutralize('=HYPERLINK("http://evil","click")').startswith("'=")
    for start in ("+", "-", "@", "\t", "\r"):
        assert neutralize(start + "1").startswith("'")
    assert neutralize("会计") == "会计"


def test_a_formula_in_a_cell_is_neutralised_in_csv_and_xlsx(engine, vault, tmp_path):
    row = posting_row(1, 岗位名称='=HYPERLINK("http://evil.example","会计")')
    assert import_file(engine, vault, kind="postings", path=write_csv(tmp_path / "p.csv", [row])).ok
    data = exported(engine, "postings", "csv")
    assert data.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM for Excel
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0]["岗位名称(title)"].startswith("'=HYPERLINK")
    sheet = load_workbook(io.BytesIO(exported(engine, "postings", "xlsx"))).active
    titles = [cell.value for cell in sheet["D"]]
    assert titles[1].startswith("'=HYPERLINK") and sheet["D2"].data_type == "s"


def test_seekers_export_masks_identifiers_in_every_format(engine, vault, tmp_path):
    rows = [seeker_row(n) for n in range(1, 6)]
    assert import_file(engine, vault, kind="seekers", path=write_csv(tmp_path / "s.csv", rows)).ok
    for fmt in ("csv", "json"):
        text = exported(engine, "seekers", fmt).decode("utf-8-sig")
        assert not FULL_ID.search(text)
        assert "1390000" not in text  # phones masked too
    workbook = load_workbook(io.BytesIO(exported(engine, "seekers", "xlsx")))
    cells = " ".join(str(c.value) for row in workbook.active.iter_rows() for c in row)
    assert not FULL_ID.search(cells)


def test_json_is_a_list_of_objects_keyed_by_the_english_column_names(engine, vault, tmp_path):
    assert import_file(
        engine, vault, kind="postings", path=write_csv(tmp_path / "p.csv", [posting_row(2)])
    ).ok
    items = json.loads(exported(engine, "postings", "json"))
    assert items[0]["posting_id"] == "T-P0002"
    assert items[0]["area"] == "520102" and items[0]["education_min"] == "associate"
    assert items[0]["accommodations"] == ["step_free"] and items[0]["suitable_types"] is None


def test_a_postings_export_imports_back_unchanged(engine, vault, tmp_path):
    rows = [posting_row(n) for n in range(6)]
    rows[0] |= {"适合残疾类别": "听力、肢体", "能力要求": "mobility=1"}
    assert import_file(engine, vault, kind="postings", path=write_csv(tmp_path / "p.csv", rows)).ok
    for fmt in ("csv", "xlsx"):
        path = tmp_path / f"export.{fmt}"
        path.write_bytes(exported(engine, "postings", fmt))
        report = import_file(engine, vault, kind="postings", path=path)
        assert report.ok, [p.describe() for p in report.errors]
        assert (report.new, report.changed, report.unchanged) == (0, 0, 6), fmt


def test_an_empty_export_is_valid(engine):
    assert json.loads(exported(engine, "recommendations", "json")) == []
    header = exported(engine, "recommendations", "csv").decode("utf-8-sig").splitlines()[0]
    assert header.startswith("求职者编号(seeker_id)")
