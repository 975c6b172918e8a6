"""`python -m bench`: run every benchmark in turn, printing their tables (about an hour)."""

from __future__ import annotations

import runpy
import sys

for name in (
    "bench.bench_demo",
    "bench.bench_import",
    "bench.ranker_quality",
    "bench.ranker_speed",
    "bench.screening_quality",
    "bench.web_pages",
):
    sys.argv = [name]
    runpy.run_module(name, run_name="__main__")
    print()
