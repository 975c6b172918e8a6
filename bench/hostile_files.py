"""Reading hostile spreadsheets: how long the reader takes to refuse them (SECURITY item 30).

`python -m bench.hostile_files`: a 6 KB workbook whose sheet claims ``A1:XFD1048576`` and
holds one space in its last row, read with the default limits (100,000 rows, 100 columns),
beside an honest workbook of the same 3 data rows and one of 20,000 rows. Each read runs in
a fresh process; medians of 5. Before the fix, openpyxl padded every one of the million rows
to 16,384 cells: 20,000 of them took 45 s, the whole file about 37 minutes by extrapolation.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from bench.common import measure, median_seconds, peak_mb, table
from matcher.intake.reader import FileRefused, read_table
from tests.helpers import dimension_bomb, seeker_row, write_xlsx


def read(path: str) -> dict[str, object]:
    try:
        return {"result": f"{len(read_table(Path(path)).rows):,} rows"}
    except FileRefused as refused:
        return {"result": f"refused: {str(refused)[:60]}…"}


def main(repeats: int = 5) -> None:
    with tempfile.TemporaryDirectory() as folder:
        base = Path(folder)
        files = {
            "dimension bomb (A1:XFD1048576)": dimension_bomb(
                base / "bomb.xlsx", [seeker_row(n) for n in range(1, 4)]
            ),
            "honest workbook, 3 rows": write_xlsx(
                base / "small.xlsx", [seeker_row(n) for n in range(1, 4)]
            ),
            "honest workbook, 20,000 rows": write_xlsx(
                base / "large.xlsx", [seeker_row(n % 999 + 1) for n in range(20_000)]
            ),
        }
        rows = []
        for name, path in files.items():
            runs = measure(read, str(path), repeats=repeats)
            rows.append(
                [
                    name,
                    f"{path.stat().st_size / 1024:,.0f}",
                    f"{median_seconds(runs):.2f}",
                    f"{min(r.seconds for r in runs):.2f}–{max(r.seconds for r in runs):.2f}",
                    f"{peak_mb(runs):.0f}",
                    runs[0].info["result"],
                ]
            )
    print(table(["file", "KB", "median s", "spread s", "peak MB", "result"], rows))


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:]))
