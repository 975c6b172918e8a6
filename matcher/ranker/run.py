"""One ranking run, from inputs to the recommendations to store: no database here.

Candidates (``engine``), pinned pairs kept, allocation across seekers (``selection``),
then each chosen pair's score parts, reasons and needed accommodations (``explain``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np

from matcher.ranker.engine import Candidates, Ranker, SeekerSet, accommodation_names
from matcher.ranker.explain import ReasonWriter
from matcher.ranker.inputs import PostingInput, SeekerInput
from matcher.ranker.selection import GRADUATE_MINIMUM, Allocation, allocate
from matcher.ranker.weights import PARTS, RankerSettings

__all__ = ["RankedRun", "rank", "rank_with"]

Progress = Callable[[str, int, int], None]
Exposure = dict[int, int] | Callable[[list[int]], dict[int, int]]


@dataclass
class RankedRun:
    rows: list[dict[str, Any]]  # seeker_id, posting_id, rank, score, parts, reasons, needs
    seekers: int
    postings: int
    feasible_pairs: int
    over_capacity: int
    graduates_short: int  # graduates with fewer than 3 although 3 were feasible
    candidates: Candidates | None = None
    allocation: Allocation | None = None
    seeker_index: dict[int, int] = field(default_factory=dict)


def rank(
    postings: Sequence[PostingInput],
    seekers: Sequence[SeekerInput],
    settings: RankerSettings,
    *,
    today: date,
    pinned: set[tuple[int, int]] | None = None,
    exposure_elsewhere: dict[int, int] | None = None,
    progress: Progress | None = None,
) -> RankedRun:
    """Rank ``seekers`` against ``postings`` (fitting a ranker on the postings)."""
    ranker = Ranker(postings, settings, today=today)
    return rank_with(
        ranker,
        ranker.seeker_set(seekers),
        pinned=pinned,
        exposure_elsewhere=exposure_elsewhere,
        progress=progress,
    )


def rank_with(
    ranker: Ranker,
    seeker_set: SeekerSet,
    *,
    rows: np.ndarray | None = None,
    pinned: set[tuple[int, int]] | None = None,
    exposure_elsewhere: Exposure | None = None,
    progress: Progress | None = None,
) -> RankedRun:
    """Rank the seekers of ``seeker_set`` (all, or ``rows``) with a prepared ranker.

    ``pinned``: (seeker id, posting id) pairs to keep if still feasible. ``exposure_elsewhere``:
    per posting id, how many seekers outside this run already see it (so that a run for some
    seekers respects the limit with the others); or a function giving that for the posting
    ids the seekers could be given, called once their candidates are known.
    """
    report = progress or (lambda stage, done, total: None)
    settings = ranker.settings
    rows = np.arange(len(seeker_set.items)) if rows is None else rows
    report("scoring", 0, len(rows))
    found = ranker.candidates(seeker_set, rows=rows)
    report("scoring", len(rows), len(rows))
    posting_row = ranker.posting_row
    seeker_row = {seeker_set.items[i].id: i for i in rows.tolist()}
    found, pinned_mask = _with_pinned(
        ranker, seeker_set, found, pinned or set(), seeker_row, posting_row
    )
    capacity = settings.exposure_per_opening * ranker.openings
    if callable(exposure_elsewhere):
        reachable = sorted(set(ranker.posting_id[found.posting].tolist()))
        exposure_elsewhere = exposure_elsewhere(reachable)
    for pid, used in (exposure_elsewhere or {}).items():
        if pid in posting_row:
            capacity[posting_row[pid]] -= used
    chosen = allocate(
        seeker=found.seeker,
        posting=found.posting,
        score=found.score,
        graduate=seeker_set.graduate,
        capacity=np.maximum(capacity, 0),
        employer=ranker.employer,
        pinned=pinned_mask,
    )
    report("explaining", 0, len(chosen.seeker))
    result_rows = _rows(ranker, seeker_set, chosen, settings)
    report("explaining", len(chosen.seeker), len(chosen.seeker))
    given = np.bincount(chosen.seeker, minlength=len(seeker_set.items))[rows]
    short = (
        seeker_set.graduate[rows]
        & (found.feasible_per_seeker[rows] >= GRADUATE_MINIMUM)
        & (given < GRADUATE_MINIMUM)
    )
    return RankedRun(
        rows=result_rows,
        seekers=int(seeker_set.eligible[rows].sum()),
        postings=int(ranker.open.sum()),
        feasible_pairs=found.feasible_pairs,
        over_capacity=int(chosen.over_capacity.sum()),
        graduates_short=int(short.sum()),
        candidates=found,
        allocation=chosen,
        seeker_index=seeker_row,
    )


def _with_pinned(
    ranker: Ranker,
    seekers: SeekerSet,
    found: Candidates,
    pinned: set[tuple[int, int]],
    seeker_row: dict[int, int],
    posting_row: dict[int, int],
) -> tuple[Candidates, np.ndarray]:
    """Add pinned pairs that are still feasible to the candidates, and mark them."""
    pairs = [
        (seeker_row[s], posting_row[p]) for s, p in pinned if s in seeker_row and p in posting_row
    ]
    if not pairs:
        return found, np.zeros(len(found.seeker), dtype=bool)
    i = np.array([s for s, _ in pairs], dtype=np.int64)
    j = np.array([p for _, p in pairs], dtype=np.int64)
    keep = ranker.pairs_feasible(seekers, i, j)
    i, j = i[keep], j[keep]
    known = set(zip(found.seeker.tolist(), found.posting.tolist(), strict=True))
    new = np.array(
        [(a, b) not in known for a, b in zip(i.tolist(), j.tolist(), strict=True)], dtype=bool
    )
    scores = ranker.pair_parts(seekers, i[new], j[new]) @ ranker.weights
    merged = Candidates(
        seeker=np.concatenate([found.seeker, i[new]]),
        posting=np.concatenate([found.posting, j[new]]),
        score=np.concatenate([found.score, scores.astype(np.float32)]),
        feasible_per_seeker=found.feasible_per_seeker,
        feasible_per_posting=found.feasible_per_posting,
    )
    wanted = set(zip(i.tolist(), j.tolist(), strict=True))
    mask = np.array(
        [
            (a, b) in wanted
            for a, b in zip(merged.seeker.tolist(), merged.posting.tolist(), strict=True)
        ]
    )
    return merged, mask


def _rows(
    ranker: Ranker, seekers: SeekerSet, chosen: Allocation, settings: RankerSettings
) -> list[dict[str, Any]]:
    if not len(chosen.seeker):
        return []
    order = np.lexsort((-chosen.score, chosen.seeker))
    i, j, score = chosen.seeker[order], chosen.posting[order], chosen.score[order]
    parts = ranker.pair_parts(seekers, i, j)
    reasons = ReasonWriter(settings).write(ranker, seekers, i, j, parts)
    needs = ranker.needs_accommodation(seekers, i, j)
    needs_names: dict[int, list[str]] = {}
    starts = np.concatenate(([True], i[1:] != i[:-1]))
    rank_in_list = (
        np.arange(len(i)) - np.maximum.accumulate(np.where(starts, np.arange(len(i)), 0)) + 1
    )
    rounded = np.round(parts.astype(np.float64), 4).tolist()
    seeker_ids = [seekers.items[k].id for k in i.tolist()]
    posting_ids = ranker.posting_id[j].tolist()
    rows = []
    for k, (seeker_id, posting_id, rank_value, value, part_values, bits) in enumerate(
        zip(
            seeker_ids,
            posting_ids,
            rank_in_list.tolist(),
            np.round(score.astype(np.float64), 6).tolist(),
            rounded,
            needs.tolist(),
            strict=True,
        )
    ):
        if bits not in needs_names:
            needs_names[bits] = list(accommodation_names(bits))
        rows.append(
            {
                "seeker_id": seeker_id,
                "posting_id": posting_id,
                "rank": rank_value,
                "score": value,
                "parts": dict(zip(PARTS, part_values, strict=True)),
                "reasons": reasons[k],
                "needs_accommodation": needs_names[bits],
            }
        )
    return rows
