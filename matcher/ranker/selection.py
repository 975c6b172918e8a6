"""Choosing each seeker's postings across all seekers: 3-5 per graduate, at most five per
seeker, one posting per employer in a list, and at most ``k × openings`` seekers per posting.

The method is the greedy allocation by descending score, in phases:

1. pinned pairs (already sent to the seeker and still feasible) are kept first;
2. graduates' minimum of three, best pairs first;
3. everyone up to five, best pairs first;
4. a second posting from the same employer, only for lists still short (the rule allows it
   when nothing else is feasible);
5. graduates still below three who could have three feasible postings get them even past
   the exposure limit (recorded as over capacity): the plans promise every graduate 3-5.

Because seeker and posting rank each other by the same pair score, the greedy allocation
by descending score is the stable one: no seeker and posting would both rather be matched
to each other than to what they got. Its total score is within a factor two of the best
possible and, on real instances, close to it (see bench/ranker_quality.py).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["Allocation", "allocate", "top_k"]

GRADUATE_MINIMUM = 3
LIST_LENGTH = 5
_CHUNK = 100_000


@dataclass
class Allocation:
    seeker: np.ndarray
    posting: np.ndarray
    score: np.ndarray
    over_capacity: np.ndarray  # bool: given past the exposure limit (phase 5)


def allocate(
    *,
    seeker: np.ndarray,
    posting: np.ndarray,
    score: np.ndarray,
    graduate: np.ndarray,
    capacity: np.ndarray,
    employer: np.ndarray,
    pinned: np.ndarray | None = None,
) -> Allocation:
    """Allocate candidate pairs (parallel arrays) to seekers.

    ``graduate`` is per seeker, ``capacity`` (remaining exposure) and ``employer`` per
    posting; ``pinned`` marks candidate pairs that must be kept.
    """
    order = np.argsort(-score)
    s_sorted, p_sorted = seeker[order], posting[order]
    employer_sorted = employer[p_sorted]
    graduate_sorted = graduate[s_sorted]
    count = np.zeros(len(graduate), dtype=np.int64)
    left = capacity.astype(np.int64).copy()
    taken = np.zeros(len(order), dtype=bool)
    over = np.zeros(len(order), dtype=bool)
    employers: dict[int, set[int]] = {}

    def take(k: int, s: int, p: int) -> None:
        taken[k] = True
        over[k] = left[p] <= 0
        count[s] += 1
        left[p] -= 1
        employers.setdefault(s, set()).add(int(employer_sorted[k]))

    if pinned is not None:
        for k in np.flatnonzero(pinned[order]).tolist():
            s, p = int(s_sorted[k]), int(p_sorted[k])
            if count[s] < LIST_LENGTH:
                take(k, s, p)

    def sweep(limit: int, *, graduates_only: bool, diverse: bool, capped: bool) -> None:
        # Pairs in score order, a chunk at a time. Before a chunk, array operations drop the
        # pairs that cannot be taken anyway (seeker full, posting full, taken): after the
        # first chunks, most seekers are full, and the loop below sees few pairs. The loop
        # checks everything again, so the result is the one-pair-at-a-time greedy's.
        for start in range(0, len(order), _CHUNK):
            stop = min(start + _CHUNK, len(order))
            live = (count[s_sorted[start:stop]] < limit) & ~taken[start:stop]
            if graduates_only:
                live &= graduate_sorted[start:stop]
            if capped:
                live &= left[p_sorted[start:stop]] > 0
            ks = np.flatnonzero(live) + start
            for k, s, p, e in zip(
                ks.tolist(),
                s_sorted[ks].tolist(),
                p_sorted[ks].tolist(),
                employer_sorted[ks].tolist(),
                strict=True,
            ):
                if count[s] >= limit or (capped and left[p] <= 0):
                    continue
                if diverse and e in employers.get(s, ()):
                    continue
                take(k, s, p)

    sweep(GRADUATE_MINIMUM, graduates_only=True, diverse=True, capped=True)
    sweep(LIST_LENGTH, graduates_only=False, diverse=True, capped=True)
    sweep(LIST_LENGTH, graduates_only=False, diverse=False, capped=True)
    sweep(GRADUATE_MINIMUM, graduates_only=True, diverse=True, capped=False)
    sweep(GRADUATE_MINIMUM, graduates_only=True, diverse=False, capped=False)

    chosen = np.flatnonzero(taken)
    return Allocation(
        seeker=s_sorted[chosen],
        posting=p_sorted[chosen],
        score=score[order][chosen],
        over_capacity=over[chosen],
    )


def top_k(
    seeker: np.ndarray, posting: np.ndarray, score: np.ndarray, k: int = LIST_LENGTH
) -> Allocation:
    """The unconstrained baseline: each seeker's k best, ignoring exposure and employers."""
    order = np.lexsort((-score, seeker))
    s = seeker[order]
    starts = np.flatnonzero(np.concatenate(([True], s[1:] != s[:-1])))
    rank = np.arange(len(s)) - np.repeat(starts, np.diff(np.append(starts, len(s))))
    keep = order[rank < k]
    return Allocation(seeker[keep], posting[keep], score[keep], np.zeros(len(keep), bool))
