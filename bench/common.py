"""Shared benchmark plumbing: each measured run in a fresh process, medians, tables.

Every run is spawned in a new interpreter so that its peak memory (ru_maxrss) is its own
and no cache from an earlier run helps it. The machine is noisy: report medians of several
runs, and ratios between methods measured side by side.
"""

from __future__ import annotations

import multiprocessing
import resource
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass
class Run:
    seconds: float
    peak_mb: float
    info: dict[str, Any]


def _timed(function: Callable[..., dict[str, Any] | None], args: tuple[Any, ...]) -> Run:
    started = time.perf_counter()
    info = function(*args) or {}
    seconds = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    return Run(seconds=info.pop("seconds", seconds), peak_mb=peak_mb, info=info)


def measure(function: Callable[..., Any], *args: Any, repeats: int = 3) -> list[Run]:
    """Run ``function(*args)`` ``repeats`` times, each in a fresh process."""
    context = multiprocessing.get_context("spawn")
    runs = []
    for _ in range(repeats):
        with context.Pool(1) as pool:
            runs.append(pool.apply(_timed, (function, args)))
    return runs


def median_seconds(runs: list[Run]) -> float:
    return statistics.median(run.seconds for run in runs)


def peak_mb(runs: list[Run]) -> float:
    return max(run.peak_mb for run in runs)


def table(headers: list[str], rows: list[list[Any]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)
