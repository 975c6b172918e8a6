"""Fit the ranker's score weights on the independent set's train half, and compare them
with the hand-set weights on its test half and on the demo set.

    python -m bench.fit_weights [--write]

Training rows are pairs of a train-half seeker and a feasible posting: every posting worth
something to the seeker (its trained occupation or a neighbour) and as many others drawn at
random. Each row holds the relevance parts of ``Ranker.pair_parts`` (desired, title,
skills, text, major); a logistic regression (scikit-learn) learns which of them tell a
posting worth recommending from one that is not. The truth knows only what the job is, not
where, how or for what pay, so the policy parts (proximity, accommodations, pay, mode,
employer kind, freshness) keep their hand-set weights: fitted, they would go to 0, and the
postings that offer what a disabled seeker needs would lose their place. The coefficients,
negatives set to 0, are scaled to the relevance parts' hand-set share (0.78), so that the
weights sum to 1 and a score stays in [0, 1]. ``--write`` keeps them in
models/ranker_weights_fitted.json (with the data size and date), which the ranker then
reads, if they lower nDCG@5 on neither set and break no constraint;
models/ranker_weights.json keeps the hand-set weights, the fallback.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from dataclasses import replace
from datetime import date
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression

from bench.ranker_quality import Set, load_demo, load_independent, report
from matcher.ranker.engine import Ranker
from matcher.ranker.weights import PARTS, RankerSettings, load_settings, models_dir

NEGATIVES = 20  # random feasible postings of no worth per seeker, beside the worthy ones


def training_rows(
    data: Set, settings: RankerSettings, seed: int = 17
) -> tuple[np.ndarray, np.ndarray]:
    """The score parts and the label (worth something or not) of the training pairs."""
    rng = np.random.default_rng(seed)
    ranker = Ranker(data.postings, settings, today=data.today)
    seekers = ranker.seeker_set(data.seekers)
    feasible = ranker.feasible_matrix(seekers)
    rows, columns = [], []
    for seeker in np.flatnonzero(~data.judged):  # the train half
        worthy = np.flatnonzero(feasible[seeker] & (data.gains[seeker] > 0))
        others = np.flatnonzero(feasible[seeker] & (data.gains[seeker] == 0))
        drawn = rng.choice(
            others, size=min(len(others), max(NEGATIVES, len(worthy))), replace=False
        )
        chosen = np.concatenate([worthy, drawn])
        rows.append(np.full(len(chosen), seeker))
        columns.append(chosen)
    i, j = np.concatenate(rows), np.concatenate(columns)
    parts = ranker.pair_parts(seekers, i, j)
    return parts, (data.gains[i, j] > 0).astype(int)


RELEVANCE = ("desired", "title", "skills", "text", "major")


def fitted_weights(
    parts: np.ndarray, labels: np.ndarray, hand: dict[str, float]
) -> dict[str, float]:
    columns = [PARTS.index(part) for part in RELEVANCE]
    model = LogisticRegression(C=1.0, class_weight="balanced", max_iter=1000)
    model.fit(parts[:, columns], labels)
    coefficients = np.maximum(model.coef_[0], 0.0)
    share = sum(hand[part] for part in RELEVANCE)
    weights = dict(hand)
    for part, c in zip(RELEVANCE, coefficients, strict=True):
        weights[part] = round(float(share * c / coefficients.sum()), 4)
    return weights


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="keep the fitted weights in models/")
    args = parser.parse_args()
    hand = load_settings(models_dir() / "ranker_weights.json")
    with tempfile.TemporaryDirectory() as folder:
        independent = load_independent(Path(folder))
        demo = load_demo(5000, 3000, 2026, Path(folder))
    parts, labels = training_rows(independent, hand)
    weights = fitted_weights(parts, labels, hand.weights)
    # rounding may leave the sum a hair off 1: the largest weight takes the difference
    largest = max(weights, key=lambda part: weights[part])
    weights[largest] = round(weights[largest] + 1.0 - sum(weights.values()), 4)
    fitted = replace(hand, weights=weights, source="fitted")
    print(
        f"Fitted on {len(labels):,} pairs ({labels.sum():,} worth recommending) of "
        f"{int((~independent.judged).sum()):,} train-half seekers:\n"
    )
    print("| part | hand-set | fitted |\n|---|---|---|")
    for part in PARTS:
        print(f"| {part} | {hand.weights[part]:.2f} | {weights[part]:.3f} |")
    # Adopted only if no set loses nDCG@5 and no recommendation breaks a constraint.
    sound = True
    for data in (independent, demo):
        found = {}
        for name, settings in (("hand-set", hand), ("fitted", fitted)):
            ndcg, violations = report(data, settings)[1]["JobBridge (constraints, capacity)"]
            found[name] = ndcg
            sound &= violations == 0
            print(f"\n{data.name}, {name} weights: nDCG@5 {ndcg:.3f}, {violations} violations")
        sound &= found["fitted"] >= found["hand-set"]
    if args.write and not sound:
        print("\nnot written: the fitted weights lower nDCG@5 on a set or break a constraint")
    if args.write and sound:
        raw = json.loads((models_dir() / "ranker_weights.json").read_text(encoding="utf-8"))
        raw |= {
            "source": "fitted",
            "trained_on": {
                "data": "bench/independent, train half",
                "pairs": len(labels),
                "positive_pairs": int(labels.sum()),
                "date": date.today().isoformat(),
                "fitted_by": "python -m bench.fit_weights --write",
            },
            "weights": weights,
        }
        path = models_dir() / "ranker_weights_fitted.json"
        path.write_text(json.dumps(raw, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        print(f"\nwritten: {path}")


if __name__ == "__main__":
    main()
