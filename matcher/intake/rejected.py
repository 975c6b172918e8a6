"""The rows an import left out, given back as a spreadsheet to fix and upload again.

Only an import of the valid rows (an explicit choice) leaves rows out. The file holds the
rows as they were uploaded, in the same columns, with one more column first that says what
is wrong with each, in Chinese and in English; an import reads that column as a note and
ignores it. It is the uploader's own data handed back, not an export of stored records,
so identifiers are not masked: the rows must import once fixed.
"""

from __future__ import annotations

from typing import IO

from matcher.intake.columns import REASONS_NOTE
from matcher.intake.exports import write_table
from matcher.intake.reasons import localized
from matcher.intake.service import ImportReport

__all__ = ["rejected_file"]


def rejected_file(report: ImportReport, *, fmt: str, out: IO[bytes]) -> int:
    """Write the rows ``report`` rejected, each with its reasons; the number written."""
    reasons: dict[int, list[str]] = {}
    for problem in report.errors:
        if problem.row is None:
            continue
        zh, en = localized(problem.reason, "zh"), problem.reason
        said = zh if zh == en else f"{zh} / {en}"
        reasons.setdefault(problem.row, []).append(f"{problem.column}: {said}")
    width = len(report.headers)
    table = (
        ["；".join(reasons[row]), *(report.cells.get(row, []) + [""] * width)[:width]]
        for row in report.rejected_rows
    )
    return write_table([REASONS_NOTE, *report.headers], table, fmt=fmt, out=out)
