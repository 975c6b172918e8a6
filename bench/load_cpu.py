"""Whose CPU time the load benchmark's measured window used: the benchmark's own processes
(load generator, gunicorn and its workers, the refresh) with the PostgreSQL backends of its
database, the server's shared background processes, and everything else on the machine.

The machine is shared (2 cores), so a slow window may be the benchmark's own load or someone
else's; this tells them apart. Processes are sampled every ``interval`` seconds and each
one's CPU time is counted from its first sample to its last, so processes that start and
end inside the window (a refresh, a test run) count too, give or take one interval.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

import psutil

__all__ = ["CpuShare"]


def _busy(times: Any) -> float:
    return float(times.user + times.system)


def _machine_busy() -> float:
    """CPU seconds the machine spent on anything (niced work included), since boot."""
    times = psutil.cpu_times()
    # guest time is counted in user time already
    not_busy = ("idle", "iowait", "guest", "guest_nice")
    return float(sum(getattr(times, name) for name in times._fields if name not in not_busy))


@dataclass
class CpuShare:
    database: str  # the benchmark's database: its backends count as the benchmark's
    root: int = field(default_factory=os.getpid)  # the benchmark's own process
    seen: dict[tuple[int, float], tuple[str, float, float]] = field(default_factory=dict)
    started: float = 0.0
    machine_start: float = 0.0
    machine_end: float = 0.0

    def _kind(self, process: psutil.Process, ours: set[int]) -> str:
        if process.pid in ours:
            return "benchmark"
        try:
            command = " ".join(process.cmdline())
        except (psutil.Error, OSError):
            return "others"
        if command.startswith("postgres:"):
            # "postgres: 15/main: <user> <database> <client> <state>", or a background
            # process ("checkpointer", "walwriter", "autovacuum worker <database>" ...)
            if f" {self.database} " in f"{command} ":
                return "benchmark"
            parts = command.split()
            return "database background" if len(parts) <= 5 else "others"
        return "others"

    def sample(self) -> None:
        """Record every process's CPU time so far (call regularly through the window)."""
        try:
            root = psutil.Process(self.root)
            ours = {self.root, *(child.pid for child in root.children(recursive=True))}
        except psutil.Error:
            ours = {self.root}
        for process in psutil.process_iter():
            try:
                key = (process.pid, process.create_time())
                busy = _busy(process.cpu_times())
            except (psutil.Error, OSError):
                continue
            if key in self.seen:
                kind, first, _ = self.seen[key]
                self.seen[key] = (kind, first, busy)
            else:
                # A process first seen now started after the last sample: all of its CPU
                # time so far falls in the window (unless the window is just opening).
                first = busy if not self.started else 0.0
                self.seen[key] = (self._kind(process, ours), first, busy)

    def start(self) -> None:
        self.seen.clear()
        self.sample()
        self.started = 1.0
        self.machine_start = _machine_busy()

    def stop(self, seconds: float) -> dict[str, Any]:
        self.sample()
        self.machine_end = _machine_busy()
        used: dict[str, float] = {}
        for kind, first, last in self.seen.values():
            used[kind] = used.get(kind, 0.0) + max(0.0, last - first)
        capacity = seconds * (psutil.cpu_count() or 1)
        machine = self.machine_end - self.machine_start
        result = {
            "capacity_cpu_s": round(capacity, 1),
            "machine_busy_cpu_s": round(machine, 1),
            **{f"{kind}_cpu_s": round(value, 1) for kind, value in sorted(used.items())},
        }
        result["others_share"] = round(used.get("others", 0.0) / capacity, 3) if capacity else 0
        return result
