"""How long `jobbridge demo` takes, and how much memory, at the benchmark size.

    python -m bench.bench_demo [--seekers 100000] [--postings 20000] [--repeats 3]

Side by side in the same run:
* JobBridge: generate and store everything (what `jobbridge demo` does) on a new SQLite file;
* floor: generating the records in memory only, without the database;
* baseline: the usual ORM way of storing (one object per row, `session.add_all`, flush),
  timed on a 10% sample of the seekers and extrapolated, as it says in the table.
"""

from __future__ import annotations

import argparse
import base64
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlmodel import Session

from bench.common import measure, median_seconds, peak_mb, table
from matcher import demo
from matcher.core import schema
from matcher.core.db import make_engine
from matcher.core.models import Jobseeker
from matcher.people.identifiers import Vault, mask_id_number

KEY = base64.urlsafe_b64decode("YmVuY2gta2V5LWJlbmNoLWtleS1iZW5jaC1rZXktMzI=")


def _fresh_engine(folder: str) -> Any:
    engine = make_engine(f"sqlite:///{Path(folder) / 'bench.sqlite3'}")
    schema.upgrade(engine)
    return engine


def jobbridge_demo(seekers: int, postings: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as folder:
        engine = _fresh_engine(folder)
        data = demo.load(engine, Vault(KEY), seekers=seekers, postings=postings)
        engine.dispose()
        return {"seconds": data.seconds, "seekers": len(data.seekers)}


def generate_only(seekers: int, postings: int) -> None:
    demo.generate(seekers=seekers, postings=postings)


def orm_objects(seekers: int, postings: int) -> dict[str, Any]:
    """Store a sample of the seekers one ORM object at a time; return the time of that part."""
    vault = Vault(KEY)
    data = demo.generate(seekers=seekers, postings=0)
    with tempfile.TemporaryDirectory() as folder:
        engine = _fresh_engine(folder)
        started = time.perf_counter()
        with Session(engine) as session:
            for record in data.seekers:
                session.add(
                    Jobseeker(
                        external_id=record.external_id,
                        name=record.name,
                        id_number_cipher=vault.encrypt(record.id_number or ""),
                        id_number_digest=vault.digest(record.id_number or ""),
                        id_number_masked=mask_id_number(record.id_number or ""),
                        disability_types=record.disability_types,
                        disability_grade=record.disability_grade,
                        area_code=record.area_code,
                        skills=record.skills,
                        willing_areas=record.willing_areas,
                        work_modes=record.work_modes,
                        accommodations_needed=record.accommodations_needed,
                        experience=record.experience,
                    )
                )
            session.commit()
        seconds = time.perf_counter() - started
        engine.dispose()
    return {"seconds": seconds}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seekers", type=int, default=100_000)
    parser.add_argument("--postings", type=int, default=20_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    size = f"{args.seekers:,} × {args.postings:,}"
    ours = measure(jobbridge_demo, args.seekers, args.postings, repeats=args.repeats)
    floor = measure(generate_only, args.seekers, args.postings, repeats=args.repeats)
    sample = max(1, args.seekers // 10)
    orm = measure(orm_objects, sample, 0, repeats=args.repeats)
    orm_full = median_seconds(orm) * args.seekers / sample
    rows = [
        [
            "JobBridge `demo.load` (generate + store, SQLite)",
            f"{median_seconds(ours):.1f}",
            f"{peak_mb(ours):.0f}",
            "1.00",
        ],
        [
            "floor: generate in memory only",
            f"{median_seconds(floor):.1f}",
            f"{peak_mb(floor):.0f}",
            f"{median_seconds(floor) / median_seconds(ours):.2f}",
        ],
        [
            f"baseline: ORM objects, seekers only ({sample:,} timed, ×{args.seekers // sample} "
            "extrapolated)",
            f"{orm_full:.1f}",
            "–",
            f"{orm_full / median_seconds(ours):.2f}",
        ],
    ]
    print(f"Demo data at {size} (median of {args.repeats} runs, each in a fresh process)\n")
    print(table(["method", "seconds", "peak MB", "× JobBridge"], rows))


if __name__ == "__main__":
    main()
