"""Write the .xlsx import templates from the .csv ones in data/templates/.

Usage: python scripts/make_templates.py

The workbooks carry the same header and example rows, a bold frozen header, and text format
on the identifier columns so that Excel does not turn an 18-digit ID number into a rounded
number.
"""

from __future__ import annotations

import csv
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font

ROOT = Path(__file__).resolve().parent.parent
TEXT_COLUMNS = {"编号", "身份证号", "残疾人证号", "联系电话", "统一社会信用代码", "岗位编号"}


def main() -> None:
    for source in sorted((ROOT / "data" / "templates").glob("*.csv")):
        with source.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.reader(handle))
        workbook = Workbook()
        sheet = workbook.active
        sheet.title = source.stem
        for row in rows:
            sheet.append(row)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
            letter = cell.column_letter
            sheet.column_dimensions[letter].width = max(10, len(str(cell.value)) * 2 + 4)
            if cell.value in TEXT_COLUMNS:
                for (body,) in sheet.iter_rows(min_row=2, min_col=cell.column, max_col=cell.column):
                    body.number_format = "@"
        sheet.freeze_panes = "A2"
        target = source.with_suffix(".xlsx")
        workbook.save(target)
        print(f"wrote {target.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
