"""The refresh jobs: nightly over everyone, incremental after changes, one seeker on demand.

They share one lock, so no two refreshes overlap (in one process or across several), and
they use the process's warm ``Refresher``.
"""

from __future__ import annotations

from typing import Any

from matcher.core.job_requests import CHANGES, SEEKER
from matcher.core.models import JobRequest
from matcher.jobs.base import Job, JobContext, day_slot
from matcher.matching.refresh import RefreshSummary, recover_interrupted

__all__ = ["FULL", "INCREMENTAL", "SEEKERS"]

LOCK = "refresh"


def _counts(summary: RefreshSummary) -> dict[str, Any]:
    return {
        "refresh_run": summary.run_id,
        "seekers": summary.seekers,
        "postings": summary.postings,
        "feasible_pairs": summary.feasible_pairs,
        "recommendations": summary.recommendations,
        "graduates_short": summary.graduates_short,
        "seconds": round(summary.seconds, 1),
    }


def _full(ctx: JobContext, requests: list[JobRequest]) -> dict[str, Any]:
    return _counts(ctx.refresher.full(progress=ctx.progress))


def _incremental(ctx: JobContext, requests: list[JobRequest]) -> dict[str, Any]:
    return _counts(ctx.refresher.incremental(progress=ctx.progress)) | {"requests": len(requests)}


def _seekers(ctx: JobContext, requests: list[JobRequest]) -> dict[str, Any]:
    ids = sorted({r.seeker_id for r in requests if r.seeker_id is not None})
    return _counts(ctx.refresher.seekers(ids)) | {"requests": len(requests)}


FULL = Job(
    "full_refresh",
    _full,
    lock=LOCK,
    slot=day_slot,
    on_recover=recover_interrupted,
    label=("全量刷新推荐", "Full refresh of recommendations"),
)
INCREMENTAL = Job(
    CHANGES,
    _incremental,
    lock=LOCK,
    on_recover=recover_interrupted,
    label=("增量刷新推荐", "Incremental refresh"),
)
SEEKERS = Job(
    SEEKER,
    _seekers,
    lock=LOCK,
    on_recover=recover_interrupted,
    label=("单人刷新推荐", "Refresh for one seeker"),
)
