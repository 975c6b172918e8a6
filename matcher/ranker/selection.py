"""Choosing each seeker's postings across all seekers: 3-5 per graduate, at most five per
seeker, one posting per employer in a list, and at most ``k × openings`` seekers per posting.

The method is a priced greedy allocation. Taking pairs by descending score alone lets the
best-placed seekers fill their lists with the postings everyone wants, while others, with
fewer options, are left without: on demo data it kept 91% of the best total score that the
limits allow (computed exactly with a linear program in bench/ranker_quality.py). So first
each posting gets a price, by a Lagrangian relaxation of its exposure limit: seekers pick
their best pairs net of prices, over-asked postings get dearer, under-asked ones cheaper
(a projected subgradient method, a few dozen vectorised rounds). Then the greedy takes pairs
by descending net score, in phases:

1. pinned pairs (already sent to the seeker and still feasible) are kept first;
2. graduates' minimum of three, best pairs first;
3. everyone up to five, best pairs first;
4. a second posting from the same employer, only for lists still short (the rule allows it
   when nothing else is feasible);
5. graduates still below three who could have three feasible postings get them even past
   the exposure limit (recorded as over capacity): the plans promise every graduate 3-5.

With prices the allocation keeps about 99% of the best total score, and more seekers get a
list; the limits and the rules above hold exactly, since the greedy enforces them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["Allocation", "allocate", "prices", "top_k"]

GRADUATE_MINIMUM = 3
LIST_LENGTH = 5
_CHUNK = 100_000
PRICE_ROUNDS = 20
PRICE_STEP = 0.1


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
    priced: bool = True,
) -> Allocation:
    """Allocate candidate pairs (parallel arrays) to seekers.

    ``graduate`` is per seeker, ``capacity`` (remaining exposure) and ``employer`` per
    posting; ``pinned`` marks candidate pairs that must be kept.
    """
    net = score
    # Without prices: the plain greedy, for comparison (bench/ranker_quality.py), and for one
    # seeker, who competes with nobody in this run.
    if priced and len(np.unique(seeker)) > 1:
        net = (
            score - prices(seeker=seeker, posting=posting, score=score, capacity=capacity)[posting]
        )
    order = np.argsort(-net)
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


def prices(
    *,
    seeker: np.ndarray,
    posting: np.ndarray,
    score: np.ndarray,
    capacity: np.ndarray,
    rounds: int = PRICE_ROUNDS,
    step: float = PRICE_STEP,
) -> np.ndarray:
    """A price per posting from the Lagrangian relaxation of the exposure limits.

    Each round every seeker takes their five best pairs net of prices (those still worth
    it); each posting's price then moves by how far demand exceeds its limit, relative to
    the limit, with a step shrinking as 1/sqrt(round), and never below zero.
    """
    price = np.zeros(len(capacity), dtype=np.float32)
    if not len(seeker):
        return price
    # Candidates as a dense seekers × rank matrix: each round is then a few array operations.
    order = np.argsort(seeker, kind="stable")  # candidates come grouped by seeker: cheap
    s, p, v = seeker[order], posting[order], score[order].astype(np.float32)
    first = np.concatenate(([True], s[1:] != s[:-1]))
    slot = np.arange(len(s)) - np.maximum.accumulate(np.where(first, np.arange(len(s)), 0))
    rows = np.cumsum(first) - 1
    value = np.full((rows[-1] + 1, slot.max() + 1), -np.inf, dtype=np.float32)
    where = np.zeros(value.shape, dtype=np.int64)
    value[rows, slot] = v
    where[rows, slot] = p
    take = min(LIST_LENGTH, value.shape[1])
    limit = np.maximum(capacity, 1).astype(np.float32)
    for round_number in range(rounds):
        net = value - price[where]
        best = np.argpartition(-net, take - 1, axis=1)[:, :take]
        wanted = np.take_along_axis(net, best, axis=1) > 0
        demand = np.bincount(
            np.take_along_axis(where, best, axis=1)[wanted], minlength=len(capacity)
        )
        price += step / np.sqrt(round_number + 1) * (demand - capacity) / limit
        np.maximum(price, 0, out=price)
    return price


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
