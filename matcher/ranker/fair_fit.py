"""A fair's fit figures: which of the fair's postings fit whom. No database here.

The fair's postings are scored against the seekers of the last refresh with the same
vocabulary, so the figures agree with the recommendations: a posting "fits" a seeker when
the pair is feasible (the hard constraints: area, education, disability type, work mode,
capability against the posting's demands with the accommodations offered, pay).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from matcher.ranker.engine import Ranker, SeekerSet
from matcher.ranker.inputs import PostingInput

__all__ = ["FairFit", "SeekerFit", "fit_fair"]

TOP_POSTINGS = 3  # fair postings named per seeker on the invite list


@dataclass(frozen=True)
class SeekerFit:
    seeker_id: int
    fits: int  # how many of the fair's postings fit this seeker
    score: float  # the best of their scores (0 when none fits)
    top_postings: tuple[int, ...]  # posting ids, best first


@dataclass(frozen=True)
class FairFit:
    fits: dict[int, int]  # posting id -> seekers it fits, anywhere
    fits_in_area: dict[int, int]  # posting id -> seekers it fits within the fair's area
    seekers: list[SeekerFit]  # every eligible seeker of the area, fitting or not


def fit_fair(
    ranked_with: Ranker,
    seekers: SeekerSet,
    postings: Sequence[PostingInput],
    *,
    in_area: np.ndarray,
    top: int = TOP_POSTINGS,
) -> FairFit:
    """Score ``seekers`` against the fair's ``postings`` with the vocabulary of
    ``ranked_with`` (the ranker of the last refresh). ``in_area``: a boolean mask over
    ``seekers`` rows, the seekers of the fair's area."""
    ranker = Ranker(
        postings, ranked_with.settings, today=ranked_with.today, vocabulary=ranked_with.vocabulary
    )
    posting_ids = ranker.posting_id
    everyone = np.flatnonzero(seekers.eligible)
    local_rows = np.flatnonzero(seekers.eligible & in_area)
    if not len(postings):
        return FairFit({}, {}, [SeekerFit(seekers.items[r].id, 0, 0.0, ()) for r in local_rows])
    overall = ranker.candidates(seekers, keep=top, rows=everyone)
    # A fair for the whole province has everyone in its area: score them once.
    same = np.array_equal(local_rows, everyone)
    local = overall if same else ranker.candidates(seekers, keep=top, rows=local_rows)
    assert overall.feasible_per_posting is not None and local.feasible_per_posting is not None
    fits = dict(zip(posting_ids.tolist(), overall.feasible_per_posting.tolist(), strict=True))
    fits_in_area = dict(zip(posting_ids.tolist(), local.feasible_per_posting.tolist(), strict=True))
    best: dict[int, list[tuple[float, int]]] = {}
    for row, column, score in zip(
        local.seeker.tolist(), local.posting.tolist(), local.score.tolist(), strict=True
    ):
        best.setdefault(row, []).append((score, int(posting_ids[column])))
    found = []
    for row in local_rows.tolist():
        chosen = sorted(best.get(row, []), key=lambda pair: (-pair[0], pair[1]))[:top]
        found.append(
            SeekerFit(
                seeker_id=seekers.items[row].id,
                fits=int(local.feasible_per_seeker[row]),
                score=round(chosen[0][0], 4) if chosen else 0.0,
                top_postings=tuple(pid for _, pid in chosen),
            )
        )
    return FairFit(fits, fits_in_area, found)
