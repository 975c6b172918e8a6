"""Ranking quality on two sets with known targets, JobBridge beside its baselines.

    python -m bench.ranker_quality [--set demo|independent|both] [--seekers 5000]
        [--postings 3000] [--seed 2026]

* **demo**: ``jobbridge demo`` data. The demo generator records, for each synthetic
  seeker, the occupation category they were generated from (``--truth``); the ranker never
  sees it. A posting of that category is worth 1. It shares the ranker's own vocabulary.
* **independent** (``bench/independent``): 1,500 seekers and 700 postings written from a
  vocabulary the ranker's data files do not share, imported through the import files as an
  office's files are. A posting of the seeker's trained occupation is worth 2, one of its
  neighbours 1; reported on the test half of the seekers (all of them are ranked, so that
  they compete for the same openings).

A recommendation that breaks a constraint earns nothing. nDCG@5 uses the gain 2^g - 1 and
the ideal list of each seeker's best feasible postings (capacity aside). Methods, all in
one run on the same data:

* JobBridge: the refresh's ranker, constraints and allocation (capacity k × openings);
* BM25 (bm25s over jieba words), TF-IDF cosine (scikit-learn over jieba words) and TF-IDF
  over character 1-3-grams, each without constraints, and with JobBridge's constraints and
  the plain greedy allocation under the same limits;
* the oracles: the true gains allocated greedily under the same limits (the ceiling the
  issue's targets are stated against), and the most gain the limits allow (a linear
  program).

Besides nDCG@5 and precision@5 (gain at least 1): constraint violations (must be 0),
graduates with at least 3 postings among those with 3 feasible (must be 100%), and the
congestion figures: coverage, the largest exposure per opening, the share of feasible
postings shown to nobody. A second table compares allocation methods on JobBridge's own
scores: unconstrained top-5, the plain greedy, the priced greedy JobBridge uses, and the
exact optimum of the total score under the limits (a linear program, without the
one-posting-per-employer rule).
"""

from __future__ import annotations

import argparse
import base64
import tempfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import jieba
import numpy as np
from scipy import sparse
from scipy.optimize import linprog
from sklearn.feature_extraction.text import TfidfVectorizer

from bench.common import table
from matcher import demo
from matcher.core import schema
from matcher.core.db import make_engine, read_session
from matcher.intake import import_file
from matcher.matching.inputs import load_postings, load_seekers
from matcher.people.identifiers import Vault
from matcher.ranker.engine import Ranker
from matcher.ranker.inputs import PostingInput, SeekerInput
from matcher.ranker.run import rank_with
from matcher.ranker.selection import LIST_LENGTH, allocate, top_k
from matcher.ranker.weights import RankerSettings, load_settings

KEY = base64.urlsafe_b64decode("YmVuY2gta2V5LWJlbmNoLWtleS1iZW5jaC1rZXktMzI=")
POOL = 100  # candidates per seeker that a constrained baseline allocates from


@dataclass
class Lists:
    seeker: np.ndarray  # row in the seeker set
    posting: np.ndarray  # row in the ranker
    score: np.ndarray


@dataclass
class Set:
    """A benchmark set: the ranker's inputs, each pair's true gain, the seekers judged."""

    name: str
    postings: list[PostingInput]
    seekers: list[SeekerInput]
    today: date
    gains: np.ndarray  # seekers × postings: 0, 1 or 2
    judged: np.ndarray  # the seekers reported on


def load_demo(seekers: int, postings: int, seed: int, folder: Path) -> Set:
    engine = make_engine(f"sqlite:///{folder / 'quality.sqlite3'}")
    schema.upgrade(engine)
    data = demo.load(engine, Vault(KEY), seekers=seekers, postings=postings, seed=seed)
    posting_inputs, seeker_inputs, today = _inputs(engine)
    target = np.array([data.truth[s.external_id] for s in seeker_inputs])
    category = np.array([p.category for p in posting_inputs])
    gains = (target[:, None] == category[None, :]).astype(np.int8)
    judged = np.ones(len(seeker_inputs), dtype=bool)
    name = f"demo seed {seed}"
    return Set(name, posting_inputs, seeker_inputs, today, gains, judged)


def load_independent(folder: Path, seed: int = 17) -> Set:
    """Write the independent set's files, import them as an office would, and load them."""
    from bench.independent import generate

    truth = generate.write(
        folder / "files", seekers=1500, postings=700, seed=seed, today=date.today()
    )
    engine = make_engine(f"sqlite:///{folder / 'independent.sqlite3'}")
    schema.upgrade(engine)
    for kind in ("postings", "seekers"):
        report = import_file(engine, Vault(KEY), kind=kind, path=folder / "files" / f"{kind}.csv")
        if not report.written:
            raise SystemExit(f"the independent {kind} did not import: {report.summary()}")
    posting_inputs, seeker_inputs, today = _inputs(engine)
    trained = [truth["seekers"][s.external_id]["occupation"] for s in seeker_inputs]
    posted = [truth["postings"][p.external_id] for p in posting_inputs]
    neighbours = truth["neighbours"]
    gains = np.array(
        [[2 if t == o else 1 if o in neighbours[t] else 0 for o in posted] for t in trained],
        dtype=np.int8,
    )
    judged = np.array([truth["seekers"][s.external_id]["half"] == "test" for s in seeker_inputs])
    held = len(truth["postings"]) - len(posting_inputs)
    name = f"independent set, test half ({held} of {len(truth['postings'])} postings held)"
    return Set(name, posting_inputs, seeker_inputs, today, gains, judged)


def _inputs(engine: Any) -> tuple[list[PostingInput], list[SeekerInput], date]:
    today = date.today()
    with read_session(engine) as session:
        posting_inputs = [p for p in load_postings(session, today=today) if p.status == "open"]
        seeker_inputs = load_seekers(session)
    engine.dispose()
    return posting_inputs, seeker_inputs, today


def words(texts: list[str]) -> list[list[str]]:
    jieba.setLogLevel(60)
    return [[w for w in jieba.lcut(t) if w.strip()] for t in texts]


def constrained(
    scores: np.ndarray,
    feasible: np.ndarray,
    graduate: np.ndarray,
    capacity: np.ndarray,
    employer: np.ndarray,
    *,
    priced: bool = False,
) -> Lists:
    """A baseline's scores, restricted to feasible pairs and allocated under the same
    limits as JobBridge's (the plain greedy unless ``priced``)."""
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
        priced=priced,
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
    gains: np.ndarray,
    feasible: np.ndarray,
    judged: np.ndarray,
    graduate: np.ndarray,
    openings: np.ndarray,
) -> list[object]:
    """The row of the quality table for one method's lists."""
    n = gains.shape[0]
    order = np.lexsort((-lists.score, lists.seeker))
    s, p = lists.seeker[order], lists.posting[order]
    starts = np.concatenate(([True], s[1:] != s[:-1])) if len(s) else np.zeros(0, bool)
    position = np.arange(len(s)) - np.maximum.accumulate(np.where(starts, np.arange(len(s)), 0))
    worth = np.where(feasible, 2.0**gains - 1, 0.0)
    gain = worth[s, p]
    dcg = np.bincount(s, weights=gain / np.log2(position + 2), minlength=n)
    hits = np.bincount(s, weights=(gain > 0).astype(float), minlength=n)
    discount = 1 / np.log2(np.arange(LIST_LENGTH) + 2)
    best = -np.sort(-worth, axis=1)[:, :LIST_LENGTH]
    ideal = best @ discount[: best.shape[1]]
    rated = judged & (ideal > 0)
    ndcg = (dcg[rated] / ideal[rated]).mean()
    precision = (hits[rated] / LIST_LENGTH).mean()
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


HEADERS = [
    "method",
    "nDCG@5",
    "P@5",
    "violations",
    "graduates ≥3 (of 3 feasible)",
    "coverage",
    "max exposure / opening",
    "feasible postings shown to nobody",
]


def report(
    data: Set, settings: RankerSettings | None = None
) -> tuple[str, dict[str, tuple[float, int]]]:
    """The two tables of one set, and each method's nDCG@5 and violations by name."""
    settings = settings or load_settings()
    postings, seekers = data.postings, data.seekers
    ranker = Ranker(postings, settings, today=data.today)
    seeker_set = ranker.seeker_set(seekers)
    feasible = ranker.feasible_matrix(seeker_set)
    graduate = seeker_set.graduate
    openings = np.maximum(ranker.openings, 1)
    capacity = settings.exposure_per_opening * ranker.openings
    employer = ranker.employer
    measure = dict(
        gains=data.gains,
        feasible=feasible,
        judged=data.judged,
        graduate=graduate,
        openings=openings,
    )
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

    def baseline(name: str, scores: np.ndarray) -> None:
        rows.append(evaluate(f"{name}, top-5", unconstrained(scores), **measure))
        rows.append(
            evaluate(
                f"{name} + constraints, greedy capacity",
                constrained(scores, feasible, graduate, capacity, employer),
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
    baseline("BM25 (bm25s, jieba)", bm25)

    vectorizer = TfidfVectorizer(analyzer=lambda tokens: tokens, sublinear_tf=True)
    tfidf = (
        vectorizer.fit(posting_words).transform(seeker_words)
        @ vectorizer.transform(posting_words).T
    ).toarray()
    baseline("TF-IDF cosine (jieba words)", tfidf)
    chars = TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True)
    chars.fit([p.text for p in postings])
    char_scores = (
        chars.transform([s.text for s in seekers]) @ chars.transform([p.text for p in postings]).T
    ).toarray()
    baseline("TF-IDF cosine (char 1-3-grams)", char_scores)

    # The ceilings: the true gains allocated greedily under the same limits, and as much
    # gain as the limits allow (a linear program); JobBridge's score breaks ties.
    truth = np.where(feasible, data.gains.astype(float), -np.inf)
    truth_lists = constrained(
        truth + 1e-3 * np.tanh(char_scores), feasible, graduate, capacity, employer
    )
    rows.append(evaluate("oracle: true gains, greedy capacity", truth_lists, **measure))
    pool_s, pool_p = np.nonzero(feasible & (data.gains > 0))
    pool_s = np.concatenate([pool_s, found.seeker])
    pool_p = np.concatenate([pool_p, found.posting])
    pairs = np.unique(pool_s * feasible.shape[1] + pool_p)
    pool_s, pool_p = pairs // feasible.shape[1], pairs % feasible.shape[1]
    worth = (2.0 ** data.gains[pool_s, pool_p] - 1) * 10.0 + scores_of(found, pool_s, pool_p)
    chosen = optimum(pool_s, pool_p, worth, len(seekers), capacity)
    rows.append(
        evaluate(
            "oracle: most gain the limits allow (LP)",
            Lists(pool_s[chosen], pool_p[chosen], worth[chosen]),
            **measure,
        )
    )

    allocation_rows = allocation_table(found, ranker, seeker_set, capacity, free, ours)
    kept = ours.score.sum() / free.score.sum()
    text = (
        f"### {data.name}: {len(seekers):,} seekers ({int(data.judged.sum()):,} judged) × "
        f"{len(postings):,} open postings; exposure limit {settings.exposure_per_opening} × "
        "openings\n\n"
        + table(HEADERS, rows)
        + f"\n\nThe allocation keeps {kept:.1%} of the total score of JobBridge's unconstrained "
        f"top-5 ({ours.score.sum():.0f} of {free.score.sum():.0f}).\n\n"
        + table(
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
    return text, {str(row[0]): (float(str(row[1])), int(str(row[3]))) for row in rows}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", choices=("demo", "independent", "both"), default="both")
    parser.add_argument("--seekers", type=int, default=5000)
    parser.add_argument("--postings", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        sets = []
        if args.set in ("independent", "both"):
            sets.append(load_independent(Path(folder)))
        if args.set in ("demo", "both"):
            sets.append(load_demo(args.seekers, args.postings, args.seed, Path(folder)))
    for data in sets:
        text, ndcg = report(data)
        print(text)
        ours = ndcg["JobBridge (constraints, capacity)"][0]
        base = ndcg["TF-IDF cosine (char 1-3-grams) + constraints, greedy capacity"][0]
        ceiling = ndcg["oracle: true gains, greedy capacity"][0]
        print(
            f"\nJobBridge {ours:.3f}: {ours - base:+.3f} against char TF-IDF + constraints "
            f"({base:.3f}), {ours / ceiling:.1%} of the greedy oracle ({ceiling:.3f})\n"
        )


if __name__ == "__main__":
    main()
