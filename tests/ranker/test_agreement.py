"""The fast ranker agrees with the slow reference on random small cases (STYLE.md habit 6)."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings

from matcher.ranker.engine import Ranker
from matcher.ranker.reference import ReferenceRanker
from matcher.ranker.weights import PARTS, load_settings
from tests.ranker.cases import TODAY, cases

SETTINGS = load_settings()
SLOW = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


def build(seekers, postings):
    fast = Ranker(postings, SETTINGS, today=TODAY, min_df=1, max_df=1.0)
    slow = ReferenceRanker(postings, SETTINGS, today=TODAY, min_df=1, max_df=1.0)
    return fast, fast.seeker_set(seekers), slow


@SLOW
@given(cases())
def test_feasibility_agrees(case):
    seekers, postings = case
    fast, seeker_set, slow = build(seekers, postings)
    expected = np.array([[slow.feasible(s, p) for p in postings] for s in seekers])
    assert (fast.feasible_matrix(seeker_set) == expected).all()


@SLOW
@given(cases())
def test_score_parts_agree(case):
    seekers, postings = case
    fast, seeker_set, slow = build(seekers, postings)
    rows, cols = np.meshgrid(np.arange(len(seekers)), np.arange(len(postings)), indexing="ij")
    parts = fast.pair_parts(seeker_set, rows.ravel(), cols.ravel())
    for k, (i, j) in enumerate(zip(rows.ravel(), cols.ravel(), strict=True)):
        expected = slow.parts(seekers[i], postings[j])
        assert np.allclose(parts[k], [expected[p] for p in PARTS], atol=1e-5), (i, j)


@pytest.mark.parametrize("few", [0, 32])  # the group's posting matrices transposed or not
@SLOW
@given(case=cases())
def test_candidates_are_every_feasible_pair_with_the_reference_score(few, case, monkeypatch):
    monkeypatch.setattr("matcher.ranker.engine._FEW_SEEKERS", few)
    seekers, postings = case
    fast, seeker_set, slow = build(seekers, postings)
    found = fast.candidates(seeker_set, keep=len(postings))
    got = {
        (int(s), int(p)): float(v)
        for s, p, v in zip(found.seeker, found.posting, found.score, strict=True)
    }
    expected = {
        (i, j): slow.score(s, p)
        for i, s in enumerate(seekers)
        for j, p in enumerate(postings)
        if slow.feasible(s, p)
    }
    assert got.keys() == expected.keys()
    for pair, value in expected.items():
        assert abs(got[pair] - value) < 1e-5, pair
    assert found.feasible_pairs == len(expected)


@SLOW
@given(cases(max_seekers=5, max_postings=12))
def test_the_kept_candidates_are_each_seekers_best(case):
    seekers, postings = case
    fast, seeker_set, slow = build(seekers, postings)
    found = fast.candidates(seeker_set, keep=3)
    for i, seeker in enumerate(seekers):
        scores = sorted(
            (slow.score(seeker, p) for p in postings if slow.feasible(seeker, p)), reverse=True
        )[:3]
        kept = sorted(found.score[found.seeker == i].tolist(), reverse=True)
        assert np.allclose(kept, scores, atol=1e-5)
