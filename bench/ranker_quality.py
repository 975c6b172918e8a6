"""Ranking quality on demo data with known targets, JobBridge beside its baselines.

    python -m bench.ranker_quality [--seekers 5000] [--postings 3000] [--seed 2026]

The demo generator records, for each synthetic seeker, the occupation category they were
generated from (``jobbridge demo --truth``); the ranker never sees it. A recommended posting
is relevant when it is of that category and feasible: a recommendation that breaks a
constraint earns nothing. Methods, all in this one run on the same data:

* JobBridge: the refresh's ranker, constraints and allocation (capacity k × openings);
* BM25 (bm25s over jieba words) and TF-IDF cosine (scikit-learn over jieba words) top-5,
  each without constraints, and with JobBridge's constraints and the same allocation;
* the oracle: the true targets allocated under the same limits so that as many
  recommendations as possible are relevant (a linear program), the ceiling.

Besides nDCG@5 and precision@5: constraint violations (must be 0), graduates with at least
3 postings among those with 3 feasible (must be 100%), and the congestion figures: coverage,
the largest exposure per opening, the share of feasible postings shown to nobody. A second
table compares allocation methods on JobBridge's own scores: unconstrained top-5, the plain
greedy, the priced greedy JobBridge uses, and the exact optimum of the total score under the
limits (a linear program, without the one-posting-per-employer rule).
"""

from __future__ import annotations

import argparse
import base64
import tempfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import jieba
import numpy as np
from scipy import sparse
from scipy.optimize import linprog
from sklearn.feature_extraction.text import TfidfVectorizer

from bench.common import table
from matcher import demo
from matcher.core import schema
from matcher.core.db import make_engine, read_session
from matcher.matching.inputs import load_postings, load_seekers
from matcher.people.identifiers import Vault
from matcher.ranker.engine import Ranker
from matcher.ranker.run import rank_with
from matcher.ranker.selection import LIST_LENGTH, allocate, top_k
from matcher.ranker.weights import load_settings

KEY = base64.urlsafe_b64decode("YmVuY2gta2V5LWJlbmNoLWtleS1iZW5jaC1rZXktMzI=")
POOL = 100  # candidates per seeker that a constrained baseline allocates from


@dataclass
class Lists:
    seeker: np.ndarray  # row in the seeker set
    posting: np.ndarray  # row in the ranker
    score: np.ndarray


def load(seekers: int, postings: int, seed: int, folder: Path):  # type: ignore[no-untyped-def]
    engine = make_engine(f"sqlite:///{folder / 'quality.sqlite3'}")
    schema.upgrade(engine)
    data = demo.load(engine, Vault(KEY), seekers=seekers, postings=postings, seed=seed)
    today = date.today()
    with read_session(engine) as session:
        posting_inputs = load_postings(session, today=today)
        seeker_inputs = load_seekers(session)
    engine.dispose()
    return data.truth, posting_inputs, seeker_inputs, today


def words(texts: list[str]) -> list[list[str]]:
    jieba.setLogLevel(60)
    return [[w for w in jieba.lcut(t) if w.strip()] for t in texts]


def constrained(
    scores: np.ndarray,
    feasible: np.ndarray,
    graduate: np.ndarray,
    capacity: np.ndarray,
    employer: np.ndarray,
) -> Lists:
    """A baseline's scores, restricted to feasible pairs and allocated like JobBridge's."""
    masked = np.where(feasible, scores, -np.inf)
    keep = min(POOL, masked.shape[1])
    best = np.argpartition(-masked, keep - 1, axis=1)[:, :keep]
    rows = np.repeat(np.arange(masked.shape[0]), keep)
    cols = best.ravel()
    ok = np.isfinite(masked[rows, cols])
    chosen = allocate(
        seeker=rows[ok],
        posting=cols[ok],
        score=masked[rows, cols][ok],
        graduate=graduate,
        capacity=capacity,
        employer=employer,
    )
    return Lists(chosen.seeker, chosen.posting, chosen.score)


def unconstrained(scores: np.ndarray) -> Lists:
    best = np.argsort(-scores, axis=1)[:, :LIST_LENGTH]
    rows = np.repeat(np.arange(scores.shape[0]), best.shape[1])
    return Lists(rows, best.ravel(), scores[rows, best.ravel()])


def evaluate(
    name: str,
    lists: Lists,
    *,
    relevant: np.ndarray,
    feasible: np.ndarray,
    graduate: np.ndarray,
    openings: np.ndarray,
) -> list[object]:
    n = relevant.shape[0]
    order = np.lexsort((-lists.score, lists.seeker))
    s, p = lists.seeker[order], lists.posting[order]
    starts = np.concatenate(([True], s[1:] != s[:-1])) if len(s) else np.zeros(0, bool)
    position = np.arange(len(s)) - np.maximum.accumulate(np.where(starts, np.arange(len(s)), 0))
    gain = (relevant[s, p] & feasible[s, p]).astype(float)
    dcg = np.bincount(s, weights=gain / np.log2(position + 2), minlength=n)
    hits = np.bincount(s, weights=gain, minlength=n)
    available = relevant.sum(axis=1)
    ideal = np.array(
        [sum(1 / np.log2(i + 2) for i in range(min(LIST_LENGTH, int(a)))) for a in available]
    )
    judged = available > 0
    ndcg = (dcg[judged] / ideal[judged]).mean()
    precision = (hits[judged] / LIST_LENGTH).mean()
    violations = int((~feasible[s, p]).sum())
    given = np.bincount(s, minlength=n)
    feasible_count = feasible.sum(axis=1)
    due = graduate & (feasible_count >= 3)
    graduates_ok = (given[due] >= 3).mean() if due.any() else 1.0
    exposure = np.bincount(p, minlength=len(openings))
    shown_nobody = ((exposure == 0) & feasible.any(axis=0)).sum() / max(
        1, feasible.any(axis=0).sum()
    )
    coverage = (given[feasible_count > 0] > 0).mean()
    return [
        name,
        f"{ndcg:.3f}",
        f"{precision:.3f}",
        violations,
        f"{graduates_ok:.1%}",
        f"{coverage:.1%}",
        f"{(exposure / openings).max():.1f}",
        f"{shown_nobody:.1%}",
    ]


def scores_of(found: object, s: np.ndarray, p: np.ndarray) -> np.ndarray:
    """JobBridge's score of given pairs (0 for pairs outside its candidates)."""
    lookup = dict(
        zip(
            zip(found.seeker.tolist(), found.posting.tolist(), strict=True),  # type: ignore[attr-defined]
            found.score.tolist(),
            strict=True,
        )
    )  # type: ignore[attr-defined]
    return np.array([lookup.get(k, 0.0) for k in zip(s.tolist(), p.tolist(), strict=True)])


def optimum(
    s: np.ndarray, p: np.ndarray, worth: np.ndarray, seekers: int, capacity: np.ndarray
) -> np.ndarray:
    """The pairs that maximise total worth with at most five per seeker and at most the
    exposure limit per posting (a linear program whose optimum is whole: the constraint
    matrix is that of a bipartite flow)."""
    n = len(s)
    constraints = sparse.vstack(
        [
            sparse.csr_matrix((np.ones(n), (s, np.arange(n))), shape=(seekers, n)),
            sparse.csr_matrix((np.ones(n), (p, np.arange(n))), shape=(len(capacity), n)),
        ]
    ).tocsr()
    limits = np.concatenate([np.full(seekers, LIST_LENGTH), capacity])
    result = linprog(-worth, A_ub=constraints, b_ub=limits, bounds=(0, 1), method="highs")
    return result.x > 0.5


def allocation_table(found, ranker, seeker_set, capacity, free, ours):  # type: ignore[no-untyped-def]
    plain = allocate(
        seeker=found.seeker,
        posting=found.posting,
        score=found.score,
        graduate=seeker_set.graduate,
        capacity=capacity,
        employer=ranker.employer,
        priced=False,
    )
    chosen = optimum(
        found.seeker, found.posting, found.score.astype(float), len(seeker_set.items), capacity
    )
    best = found.score[chosen].sum()
    openings = np.maximum(ranker.openings, 1)
    feasible_postings = np.zeros(len(openings), dtype=bool)
    feasible_postings[found.posting] = True
    rows = []
    for name, s, p, v in [
        ("unconstrained top-5", free.seeker, free.posting, free.score),
        ("greedy by score", plain.seeker, plain.posting, plain.score),
        ("priced greedy (JobBridge)", ours.seeker, ours.posting, ours.score),
        (
            "optimum (LP, no employer rule)",
            found.seeker[chosen],
            found.posting[chosen],
            found.score[chosen],
        ),
    ]:
        exposure = np.bincount(p, minlength=len(openings))
        rows.append(
            [
                name,
                f"{v.sum():.0f}",
                f"{v.sum() / free.score.sum():.1%}",
                f"{v.sum() / best:.1%}",
                f"{len(np.unique(s)) / seeker_set.eligible.sum():.1%}",
                f"{(exposure / openings).max():.1f}",
                f"{((exposure == 0) & feasible_postings).sum() / feasible_postings.sum():.1%}",
            ]
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seekers", type=int, default=5000)
    parser.add_argument("--postings", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    settings = load_settings()
    with tempfile.TemporaryDirectory() as folder:
        truth, postings, seekers, today = load(args.seekers, args.postings, args.seed, Path(folder))
    ranker = Ranker(postings, settings, today=today)
    seeker_set = ranker.seeker_set(seekers)
    feasible = ranker.feasible_matrix(seeker_set)
    target = np.array([truth[s.external_id] for s in seekers])
    category = np.array([p.category for p in postings])
    relevant = target[:, None] == category[None, :]
    relevant &= feasible
    graduate = seeker_set.graduate
    openings = np.maximum(ranker.openings, 1)
    capacity = settings.exposure_per_opening * ranker.openings
    employer = ranker.employer
    measure = dict(relevant=relevant, feasible=feasible, graduate=graduate, openings=openings)
    rows: list[list[object]] = []

    ranked = rank_with(ranker, seeker_set)
    assert ranked.allocation is not None and ranked.candidates is not None
    ours = Lists(ranked.allocation.seeker, ranked.allocation.posting, ranked.allocation.score)
    found = ranked.candidates
    free = top_k(found.seeker, found.posting, found.score)
    rows.append(evaluate("JobBridge (constraints, capacity)", ours, **measure))
    rows.append(
        evaluate(
            "JobBridge, unconstrained top-5 (feasible only)",
            Lists(free.seeker, free.posting, free.score),
            **measure,
        )
    )

    posting_words = words([p.text for p in postings])
    seeker_words = words([s.text for s in seekers])
    import bm25s

    retriever = bm25s.BM25()
    retriever.index(posting_words, show_progress=False)
    bm25 = np.zeros(feasible.shape, dtype=np.float32)
    docs, values = retriever.retrieve(seeker_words, k=min(POOL, len(postings)), show_progress=False)
    bm25[np.repeat(np.arange(len(seekers)), docs.shape[1]), docs.ravel()] = values.ravel()
    rows.append(evaluate("BM25 (bm25s, jieba), top-5", unconstrained(bm25), **measure))
    rows.append(
        evaluate(
            "BM25 + JobBridge constraints and capacity",
            constrained(bm25, feasible, graduate, capacity, employer),
            **measure,
        )
    )

    vectorizer = TfidfVectorizer(analyzer=lambda tokens: tokens, sublinear_tf=True)
    tfidf = (
        vectorizer.fit(posting_words).transform(seeker_words)
        @ vectorizer.transform(posting_words).T
    ).toarray()
    rows.append(evaluate("TF-IDF cosine (jieba), top-5", unconstrained(tfidf), **measure))
    rows.append(
        evaluate(
            "TF-IDF + JobBridge constraints and capacity",
            constrained(tfidf, feasible, graduate, capacity, employer),
            **measure,
        )
    )

    # The ceiling: as many relevant recommendations as the limits allow, JobBridge's score
    # breaking ties (relevant pairs are worth far more than any score).
    pool_s, pool_p = np.nonzero(relevant)
    pool_s = np.concatenate([pool_s, found.seeker])
    pool_p = np.concatenate([pool_p, found.posting])
    pairs = np.unique(pool_s * feasible.shape[1] + pool_p)
    pool_s, pool_p = pairs // feasible.shape[1], pairs % feasible.shape[1]
    worth = relevant[pool_s, pool_p] * 10.0 + scores_of(found, pool_s, pool_p)
    chosen = optimum(pool_s, pool_p, worth, len(seekers), capacity)
    rows.append(
        evaluate(
            "oracle: most relevant the limits allow (LP)",
            Lists(pool_s[chosen], pool_p[chosen], worth[chosen]),
            **measure,
        )
    )

    allocation_rows = allocation_table(found, ranker, seeker_set, capacity, free, ours)
    kept = ours.score.sum() / free.score.sum()
    print(
        f"Ranking quality: {len(seekers):,} seekers × {len(postings):,} open postings "
        f"(demo seed {args.seed}); exposure limit {settings.exposure_per_opening} × openings\n"
    )
    print(
        table(
            [
                "method",
                "nDCG@5",
                "P@5",
                "violations",
                "graduates ≥3 (of 3 feasible)",
                "coverage",
                "max exposure / opening",
                "feasible postings shown to nobody",
            ],
            rows,
        )
    )
    print(
        f"\nThe allocation keeps {kept:.1%} of the total score of JobBridge's unconstrained "
        f"top-5 ({ours.score.sum():.0f} of {free.score.sum():.0f}).\n"
    )
    print(
        table(
            [
                "allocation of JobBridge's scores",
                "total score",
                "× unconstrained",
                "× optimum",
                "seekers with a list",
                "max exposure / opening",
                "feasible postings shown to nobody",
            ],
            allocation_rows,
        )
    )


if __name__ == "__main__":
    main()
