"""How long importing a 20,000-row postings file takes.

    python -m bench.bench_import [--postings 20000] [--repeats 3]

The file is made once: demo postings (with their employers) exported with
`jobbridge export postings`, as .xlsx and as .csv. Each run imports it into a new, empty
SQLite database, so every row is new: validated, categorised, checked for duplicates within
the file and against the database, and written in one transaction. Side by side, the floor:
only reading the same file into rows of text (`matcher.intake.reader.read_table`).
"""

from __future__ import annotations

import argparse
import base64
import tempfile
from pathlib import Path
from typing import Any

from sqlmodel import Session

from bench.common import measure, median_seconds, peak_mb, table
from matcher import demo
from matcher.core import schema
from matcher.core.db import make_engine
from matcher.intake import import_file
from matcher.intake.exports import export
from matcher.intake.reader import read_table
from matcher.people.identifiers import Vault

KEY = base64.urlsafe_b64decode("YmVuY2gta2V5LWJlbmNoLWtleS1iZW5jaC1rZXktMzI=")


def _engine(path: Path) -> Any:
    engine = make_engine(f"sqlite:///{path}")
    schema.upgrade(engine)
    return engine


def make_files(folder: Path, postings: int) -> dict[str, Path]:
    engine = _engine(folder / "source.sqlite3")
    demo.load(engine, Vault(KEY), seekers=0, postings=postings)
    files = {}
    with Session(engine) as session:
        for fmt in ("xlsx", "csv"):
            files[fmt] = folder / f"postings.{fmt}"
            with files[fmt].open("wb") as handle:
                export(session, kind="postings", fmt=fmt, out=handle)
    engine.dispose()
    return files


def import_into_new_database(path: str) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as folder:
        engine = _engine(Path(folder) / "target.sqlite3")
        report = import_file(engine, Vault(KEY), kind="postings", path=Path(path))
        engine.dispose()
    assert report.ok and report.written, report.summary()
    return {"new": report.new, "duplicates": len(report.duplicates)}


def read_only(path: str) -> dict[str, Any]:
    return {"rows": len(read_table(Path(path)).rows)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postings", type=int, default=20_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        files = make_files(Path(folder), args.postings)
        rows = []
        for fmt, path in files.items():
            ours = measure(import_into_new_database, str(path), repeats=args.repeats)
            floor = measure(read_only, str(path), repeats=args.repeats)
            size = path.stat().st_size / 1048576
            rows.append(
                [
                    f"import {fmt} ({size:.1f} MB)",
                    f"{median_seconds(ours):.1f}",
                    f"{peak_mb(ours):.0f}",
                    f"{ours[0].info['new']:,} new, {ours[0].info['duplicates']} duplicates",
                ]
            )
            rows.append(
                [
                    f"floor: read {fmt} only",
                    f"{median_seconds(floor):.1f}",
                    f"{peak_mb(floor):.0f}",
                    f"{floor[0].info['rows']:,} rows",
                ]
            )
    print(
        f"Postings import, {args.postings:,} rows (median of {args.repeats} runs, "
        "each in a fresh process)\n"
    )
    print(table(["method", "seconds", "peak MB", "result"], rows))


if __name__ == "__main__":
    main()
