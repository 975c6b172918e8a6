"""`python -m bench`: run every benchmark in turn, printing their tables (about an hour).

The load benchmark (bench/load.py) needs a PostgreSQL server: it runs when
JOBBRIDGE_TEST_POSTGRES_URL names one, and is skipped otherwise.
"""

from __future__ import annotations

import os
import runpy
import sys

names = [
    "bench.bench_demo",
    "bench.booklet_pdf",
    "bench.bench_import",
    "bench.hostile_files",
    "bench.ranker_quality",
    "bench.ranker_speed",
    "bench.screening_quality",
    "bench.web_pages",
]
if os.environ.get("JOBBRIDGE_TEST_POSTGRES_URL"):
    names.append("bench.load")
else:
    print("bench.load skipped: set JOBBRIDGE_TEST_POSTGRES_URL to a PostgreSQL server\n")
for name in names:
    sys.argv = [name]
    runpy.run_module(name, run_name="__main__")
    print()
