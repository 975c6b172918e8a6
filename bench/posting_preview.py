"""How long the preview of a 20,000-row postings file takes, and where the time goes.

    python -m bench.posting_preview [--postings 20000] [--repeats 3] [--no-profile]

The rows are made from the labelled corpus (data/corpus/postings.jsonl) as an office would
paste them from the boards (岗位编号, 用人单位, 岗位名称, 岗位描述, 学历要求, 薪资, 工作地点): each
row a corpus posting with its title qualified by a site and a shift (…（二厂夜班）) and its
sentences in another order, so that a file of 20,000 is not 20,000 copies of 920 texts.
Two cases: 7 employers in one area each (every posting compared with thousands of the same
employer and area: the hard case for the duplicate check) and the corpus's 614 employers in
their own areas (the spread case). Each file is written as .csv and as .xlsx.

A preview is what the web upload does before its confirm step
(``web/views/campaigns.py``): ``import_file(..., dry_run=True)`` into a database with the
schema and nothing else, then ``matcher.fairs.campaigns.preview(report)`` for the page's
rows (their screening findings). Each timed run is a fresh process, so the category model
is fitted inside it, as in a server's first preview; its wall time and its CPU time are
reported (the CPU time says more on a shared machine); the breakdown (cProfile, one more
run per file) shows that fit apart.

Beside it, reading the workbook alone (fresh processes too): the reader
(``matcher.intake.reader.read_table``, which gives a plain workbook to calamine after its
checks), the reader made to take its openpyxl path (``_plain`` answering no), openpyxl's
read-only parse with the reader's settings, and calamine (Rust, through python-calamine)
alone. Targets: a preview of 20,000 rows within 10 s from .csv and 25 s from .xlsx.

Results: bench/results/posting_preview.md.
"""

from __future__ import annotations

import argparse
import cProfile
import csv
import pstats
import random
import re
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from openpyxl import Workbook, load_workbook
from python_calamine import CalamineWorkbook

from bench.common import Run, measure, median_seconds, peak_mb, table
from matcher.core import schema
from matcher.core.db import make_engine
from matcher.fairs.campaigns import preview
from matcher.intake import import_file, reader
from matcher.people.identifiers import Vault
from matcher.reference.categories import corpus

COLUMNS = ["岗位编号", "用人单位", "岗位名称", "岗位描述", "学历要求", "薪资", "工作地点"]
SITES = [
    "一厂",
    "二厂",
    "三厂",
    "总部",
    "东区",
    "西区",
    "南区",
    "北区",
    "新区",
    "园区",
    "高新区",
    "开发区",
    "市区店",
    "城东店",
    "城西店",
    "万达店",
    "机场店",
    "车站店",
    "一分部",
    "二分部",
]
SHIFTS = [
    "白班",
    "夜班",
    "长白班",
    "两班倒",
    "储备",
    "初级",
    "中级",
    "高级",
    "临时工",
    "实习",
    "兼职",
    "全职",
    "周末班",
    "早班",
    "晚班",
    "主管",
    "组长",
    "助理",
    "学徒",
    "熟手",
]
_SENTENCE = re.compile(r"(?<=[。；;！!？?])|\s+(?=\d{1,2}[.、．])")
RESULTS = Path(__file__).parent / "results"
KEY = b"posting-preview-bench-key-32byte"  # the Vault's 32 bytes; nothing is stored
CASES = {"7 employers, one area each": 7, "all 614 employers, their own areas": None}
TARGETS = {"csv": 10.0, "xlsx": 25.0}  # seconds for 20,000 rows


def postings(count: int, *, employers: int | None, seed: int = 16) -> list[list[str]]:
    """``count`` rows of COLUMNS from the corpus; ``employers`` of its employers, each in one
    area (the first it posts in), or every employer in its own areas when None."""
    rng = random.Random(seed)
    base = corpus()
    homes: dict[str, str] = {}
    for row in base:
        homes.setdefault(row["employer"], row["area"])
    chosen = sorted(homes)
    if employers is not None:
        chosen = rng.sample(chosen, employers)
    rows = []
    for number in range(1, count + 1):
        row = base[rng.randrange(len(base))]
        if employers is None:
            employer, area = row["employer"], row["area"]
        else:
            employer = chosen[number % len(chosen)]
            area = homes[employer]
        sentences = [part for part in _SENTENCE.split(row["text"]) if part.strip()]
        rng.shuffle(sentences)
        rows.append(
            [
                f"P{number:06d}",
                employer,
                f"{row['title']}（{rng.choice(SITES)}{rng.choice(SHIFTS)}）",
                " ".join(sentences),
                row["education"],
                row["salary"],
                area,
            ]
        )
    return rows


def write_csv(path: Path, rows: Sequence[Sequence[str]], header: Sequence[str] = COLUMNS) -> Path:
    """As Excel's "CSV UTF-8" saves it (with a byte-order mark)."""
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def write_xlsx(path: Path, rows: Sequence[Sequence[str]], header: Sequence[str] = COLUMNS) -> Path:

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("岗位")
    sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
    workbook.save(path)
    return path


def _preview(path: Path, folder: Path) -> dict[str, Any]:
    """The upload's preview into a new database with the schema: ``seconds`` from the
    import to the page's rows, the schema's making apart (a server has its database)."""
    engine = make_engine(f"sqlite:///{folder / 'preview.sqlite3'}")
    schema.upgrade(engine)
    started, cpu = time.perf_counter(), time.process_time()
    report = import_file(
        engine,
        Vault(KEY),
        kind="postings",
        path=path,
        campaign="专场招聘会",
        dry_run=True,
        valid_only=True,  # as the web preview asks (it offers to import the valid rows)
    )
    shown = preview(report)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    engine.dispose()
    assert report.ok, report.summary()
    return {
        "seconds": seconds,
        "cpu": cpu,
        "result": f"{len(shown.rows):,} rows, {len(report.duplicates):,} duplicates, "
        f"{report.held:,} held, {len(shown.screened):,} with findings",
    }


def preview_file(path: str) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as folder:
        return _preview(Path(path), Path(folder))


def profile_file(path: str, top: int = 15) -> dict[str, Any]:
    """One preview under cProfile: the ``top`` functions by cumulative time."""
    profiler = cProfile.Profile()
    with tempfile.TemporaryDirectory() as folder:
        profiler.runcall(_preview, Path(path), Path(folder))
    functions = pstats.Stats(profiler).get_stats_profile().func_profiles
    ranked = sorted(functions.items(), key=lambda item: -item[1].cumtime)[:top]
    return {
        "rows": [
            [f"{f.cumtime:.2f}", f"{f.tottime:.2f}", f.ncalls, f"`{_where(name, f.file_name)}`"]
            for name, f in ranked
        ]
    }


def _where(name: str, file_name: str) -> str:
    for root in ("site-packages/", str(Path(__file__).parent.parent) + "/"):
        file_name = file_name.split(root)[-1]
    return name if file_name == "~" else f"{file_name}:{name}"


def read_reader(path: str) -> dict[str, Any]:
    return {"rows": len(reader.read_table(Path(path)).rows)}


def read_reader_openpyxl(path: str) -> dict[str, Any]:
    reader._plain = lambda *args: False  # this process only: every workbook to openpyxl
    return {"rows": len(reader.read_table(Path(path)).rows)}


def read_openpyxl(path: str) -> dict[str, Any]:
    workbook = load_workbook(path, read_only=True, data_only=True)
    sheet = workbook.worksheets[0]
    sheet.reset_dimensions()
    rows = sum(1 for _ in sheet.iter_rows(max_col=101, values_only=True))
    workbook.close()
    return {"rows": rows - 1}


def read_calamine(path: str) -> dict[str, Any]:
    with CalamineWorkbook.from_path(path) as workbook:
        rows = workbook.get_sheet_by_index(0).to_python(skip_empty_area=False)
    return {"rows": len(rows) - 1}


READERS: dict[str, Callable[[str], dict[str, Any]]] = {
    "reader `read_table` (checks, then calamine)": read_reader,
    "reader `read_table`, openpyxl path (`_plain` False)": read_reader_openpyxl,
    "openpyxl read-only alone (the reader's settings)": read_openpyxl,
    "python-calamine alone": read_calamine,
}


def _spread(runs: list[Run]) -> str:
    return f"{min(r.seconds for r in runs):.1f}–{max(r.seconds for r in runs):.1f}"


def preview_row(case: str, path: Path, postings: int, repeats: int) -> list[str]:
    runs = measure(preview_file, str(path), repeats=repeats)
    fmt = path.suffix[1:]
    seconds, target = median_seconds(runs), TARGETS[fmt] * postings / 20_000
    cpu = sorted(run.info["cpu"] for run in runs)[len(runs) // 2]
    return [
        case,
        f"{fmt} ({path.stat().st_size / 1048576:.1f} MB)",
        f"{seconds:.1f}",
        _spread(runs),
        f"{cpu:.1f}",
        f"{peak_mb(runs):.0f}",
        f"≤ {target:.0f} s: {'met' if seconds <= target else 'not met'}",
        runs[0].info["result"],
    ]


def read_rows(case: str, path: Path, postings: int, repeats: int) -> list[list[str]]:
    rows, medians = [], []
    for name, read in READERS.items():
        runs = measure(read, str(path), repeats=repeats)
        assert runs[0].info["rows"] == postings, (name, runs[0].info)
        medians.append(median_seconds(runs))
        rows.append([case, name, f"{medians[-1]:.2f}", _spread(runs), f"{peak_mb(runs):.0f}"])
    reader, reader_openpyxl, openpyxl, calamine = medians
    rows.append([case, "ratio calamine / openpyxl, alone", f"{calamine / openpyxl:.3f}", "", ""])
    rows.append([case, "ratio, through the reader", f"{reader / reader_openpyxl:.3f}", "", ""])
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postings", type=int, default=20_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--no-profile", action="store_true", help="skip the cProfile runs")
    args = parser.parse_args()

    previews, reads, profiles = [], [], []
    with tempfile.TemporaryDirectory() as folder:
        for case, employers in CASES.items():
            rows = postings(args.postings, employers=employers)
            name = Path(folder) / f"postings-{employers or 'all'}"
            for path in (
                write_csv(name.with_suffix(".csv"), rows),
                write_xlsx(name.with_suffix(".xlsx"), rows),
            ):
                previews.append(preview_row(case, path, args.postings, args.repeats))
                if path.suffix == ".xlsx":
                    reads += read_rows(case, path, args.postings, args.repeats)
                if not args.no_profile:
                    profiled = measure(profile_file, str(path), repeats=1)[0]
                    profiles.append((f"{case}, {path.suffix[1:]}", profiled.info["rows"]))
    runs = f"median of {args.repeats} runs, each in a fresh process"
    sections = [
        f"Preview of a {args.postings:,}-row postings file (`import_file(..., dry_run=True)`, "
        f"then `preview(report)`; {runs})\n",
        table(
            ["case", "file", "median s", "spread s", "CPU s", "peak MB", "target", "result"],
            previews,
        ),
        f"\nReading the workbook alone ({runs})\n",
        table(["case", "method", "median s", "spread s", "peak MB"], reads),
    ]
    for title, top in profiles:
        sections += [
            f"\nWhere the time goes: {title} (one run under cProfile, top 15 by cumulative time)\n",
            table(["cumulative s", "own s", "calls", "function"], top),
        ]
    text = "\n".join(sections) + "\n"
    print(text)
    RESULTS.mkdir(exist_ok=True)
    heading = f"# Posting preview (python -m bench.posting_preview)\n\nMeasured {date.today()}."
    (RESULTS / "posting_preview.md").write_text(f"{heading}\n\n{text}", encoding="utf-8")


if __name__ == "__main__":
    main()
