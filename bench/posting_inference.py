"""Reading postings written apart from the code: the category, the demands and the
exclusionary clauses of the labelled corpus's test half, beside baselines.

    python -m bench.posting_inference [--repeats 3]

The corpus (data/corpus/postings.jsonl, see the README beside it) is split in two: the
models are fitted on the train half, as ``category_model()`` and ``demand_model()`` fit on
all of it (the category model on the train postings and ``seed_examples()``), and judged on
the held-out test half. Reported:

* the category: top-1 accuracy, the share of guesses that are sure (confidence at least
  ``HOLD_BELOW``; the rest are held for a person) and the accuracy among those; beside the
  keyword rule the old code used: the first category whose Chinese name or one of whose
  keywords is in the title, else in the text (no category found counts as wrong);
* the demands: a demand is present at level 1 or more; precision, recall and support (test
  postings that have it) per dimension, the model given the guessed category and given the
  true one, beside the category's profile alone (the true category's);
* the exclusionary clauses: ``screen(title, text)``'s flags mapped to the corpus's kinds and
  compared per (posting, kind): micro precision and recall, and per kind;
* the time per 1,000 postings of ``guess_all`` and ``predict_all`` (the guessed categories),
  median of fresh-process runs, the fits apart.

Results: bench/results/posting_inference.md.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from bench.common import measure, median_seconds, table
from matcher.reference.categories import (
    CategoryGuess,
    CategoryModel,
    Example,
    corpus,
    seed_examples,
)
from matcher.reference.demands import Demand, DemandModel, labelled
from matcher.reference.occupations import occupations
from matcher.reference.profiles import dimension_keys
from matcher.reference.screening import rules, screen

RESULTS = Path(__file__).parent / "results"
FIVE = ("hearing", "speech", "sight", "mobility", "lifting")  # the targets
DEMAND_TARGET = 0.95  # precision and recall, each, for the five
SCREEN_TARGET = 0.97  # micro precision and recall
KIND_TARGET, KIND_SUPPORT = 0.90, 20  # per kind, for kinds with this many labelled postings

# screen()'s flag rules as the corpus's kinds. The corpus files eyesight, hearing and
# illness clauses under health, and its one weight clause (注明身高体重) under height.
KIND = {
    "no_disability": "disability",
    "general_health": "health",
    "medical_history": "health",
    "vision": "health",
    "hearing": "health",
    "gender": "gender",
    "height": "height",
    "weight": "height",
    "appearance": "looks",
    "age": "age",
    "household_registration": "household_registration",
    "voice": "voice",
    "photo": "photo",
}


@dataclass(frozen=True)
class Score:
    precision: float
    recall: float
    support: int  # truly present

    def cells(self) -> list[str]:
        return [f"{self.precision:.3f}", f"{self.recall:.3f}"]


def score(pairs: Iterable[tuple[bool, bool]]) -> Score:
    """Precision and recall of (predicted, true) pairs; 1.0 where nothing was to count."""
    tp = fp = fn = 0
    for predicted, true in pairs:
        tp += predicted and true
        fp += predicted and not true
        fn += true and not predicted
    return Score(tp / (tp + fp) if tp + fp else 1.0, tp / (tp + fn) if tp + fn else 1.0, tp + fn)


def fit_categories() -> CategoryModel:
    examples = [Example(r["title"], r["text"], r["category"]) for r in corpus("train")]
    return CategoryModel().fit(examples + seed_examples())


def fit_demands() -> DemandModel:
    return DemandModel().fit(labelled("train"))


def keyword_category(title: str, text: str) -> str | None:
    """The old rule: the first category named in the title, else in the text."""
    for where in (title.lower(), text.lower()):
        for occupation in occupations():
            if any(s.lower() in where for s in (occupation.name_zh, *occupation.keywords)):
                return occupation.key
    return None


def demand_text(row: dict[str, Any]) -> str:
    return f"{row['title']}\n{row['text']}"  # as labelled() gives it


def present(levels: Iterable[tuple[int, int]]) -> list[tuple[bool, bool]]:
    """(predicted, true) levels as (predicted present, truly present) pairs."""
    return [(guess >= 1, truth >= 1) for guess, truth in levels]


def category_section(test: list[dict[str, Any]], guesses: list[CategoryGuess]) -> list[str]:
    truth = [r["category"] for r in test]
    right = [g.key == t for g, t in zip(guesses, truth, strict=True)]
    sure = [ok for g, ok in zip(guesses, right, strict=True) if g.sure]
    found = [keyword_category(r["title"], r["text"]) for r in test]
    rows = [
        [
            "JobBridge `CategoryModel` (train half + seed examples)",
            f"{sum(right) / len(test):.1%}",
            f"{len(sure) / len(test):.1%}",
            f"{sum(sure) / len(sure):.1%}",
            "0.0%",
        ],
        [
            "baseline: first category named in the title, else the text",
            f"{sum(f == t for f, t in zip(found, truth, strict=True)) / len(test):.1%}",
            "–",
            "–",
            f"{sum(f is None for f in found) / len(test):.1%}",
        ],
    ]
    headers = ["method", "top-1 accuracy", "sure", "accuracy when sure", "no category"]
    return [f"Category, {len(test)} test postings\n", table(headers, rows)]


def demand_rows(
    test: list[dict[str, Any]],
    guessed: list[dict[str, Demand]],
    true: list[dict[str, Demand]],
    dimensions: Iterable[str],
) -> list[list[str]]:
    rows = []
    for dim in dimensions:
        levels = [r["demands"][dim] for r in test]
        profile = [occupations().profile(r["category"])[dim] for r in test]
        by_guess = score(present(zip([d[dim].level for d in guessed], levels, strict=True)))
        by_true = score(present(zip([d[dim].level for d in true], levels, strict=True)))
        prior = score(present(zip(profile, levels, strict=True)))
        met = [
            "yes" if min(s.precision, s.recall) >= DEMAND_TARGET else "no"
            for s in (by_guess, by_true)
        ]
        cells = [*by_guess.cells(), *by_true.cells(), *prior.cells()]
        rows.append([dim, str(by_true.support), *cells, " / ".join(met)])
    return rows


def demand_section(
    test: list[dict[str, Any]], guesses: list[CategoryGuess], model: DemandModel
) -> list[str]:
    texts = [demand_text(r) for r in test]
    guessed = model.predict_all([(g.key, t) for g, t in zip(guesses, texts, strict=True)])
    true = model.predict_all([(r["category"], t) for r, t in zip(test, texts, strict=True)])
    headers = [
        "dimension",
        "support",
        "P (guessed category)",
        "R (guessed category)",
        "P (true category)",
        "R (true category)",
        "baseline P (profile)",
        "baseline R (profile)",
    ]
    others = [d for d in dimension_keys() if d not in FIVE]
    return [
        f"Demands (present: level ≥ 1); target P and R ≥ {DEMAND_TARGET} for the five; "
        "met: with the guessed / the true category\n",
        table([*headers, "target met"], demand_rows(test, guessed, true, FIVE)),
        "\nThe other dimensions (no target)\n",
        table(headers, [row[:-1] for row in demand_rows(test, guessed, true, others)]),
    ]


def screening_section(test: list[dict[str, Any]]) -> list[str]:
    unmapped = {r.key for r in rules() if r.severity == "flag"} - set(KIND)
    assert not unmapped, f"flag rules without a corpus kind: {unmapped}"
    found = [
        {KIND[f.rule] for f in screen(r["title"], r["text"]) if f.severity == "flag"} for r in test
    ]
    truth = [{f["kind"] for f in r["flags"]} for r in test]
    kinds = sorted({k for labels in truth for k in labels} | {k for f in found for k in f})
    per_kind = {
        kind: score((kind in f, kind in t) for f, t in zip(found, truth, strict=True))
        for kind in kinds
    }
    micro = score(
        (kind in f, kind in t) for f, t in zip(found, truth, strict=True) for kind in kinds
    )
    met = min(micro.precision, micro.recall) >= SCREEN_TARGET
    rows = [["all kinds (micro)", str(micro.support), *micro.cells(), "yes" if met else "no"]]
    for kind, s in per_kind.items():
        judged = s.support >= KIND_SUPPORT
        ok = min(s.precision, s.recall) >= KIND_TARGET
        rows.append([kind, str(s.support), *s.cells(), ("yes" if ok else "no") if judged else "–"])
    return [
        f"Exclusionary clauses, per (posting, kind) on the test half; targets: micro P and R ≥ "
        f"{SCREEN_TARGET}, per kind ≥ {KIND_TARGET} where {KIND_SUPPORT}+ postings have it\n",
        table(["kind", "support", "precision", "recall", "target met"], rows),
    ]


def _time_inference() -> dict[str, Any]:
    info: dict[str, Any] = {}
    started = time.perf_counter()
    categories = fit_categories()
    info["fit_categories"] = time.perf_counter() - started
    started = time.perf_counter()
    demands = fit_demands()
    info["fit_demands"] = time.perf_counter() - started
    test = corpus("test")
    started = time.perf_counter()
    guesses = categories.guess_all((r["title"], r["text"]) for r in test)
    demands.predict_all([(g.key, demand_text(r)) for g, r in zip(guesses, test, strict=True)])
    return info | {"seconds": time.perf_counter() - started, "postings": len(test)}


def timing_section(repeats: int) -> list[str]:
    runs = measure(_time_inference, repeats=repeats)
    postings = runs[0].info["postings"]

    def middle(key: str) -> float:
        return float(sorted(run.info[key] for run in runs)[len(runs) // 2])

    rows = [
        [
            "`guess_all` + `predict_all` (guessed categories)",
            f"{median_seconds(runs) / postings * 1000:.2f}",
        ],
        ["fit `CategoryModel` (train half + seed examples)", f"{middle('fit_categories'):.2f}"],
        ["fit `DemandModel` (train half, 11 dimensions)", f"{middle('fit_demands'):.2f}"],
    ]
    return [
        f"Time (the {postings} test postings, median of {repeats} fresh processes; "
        "inference as seconds per 1,000 postings, fits in seconds)\n",
        table(["step", "seconds"], rows),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    test = corpus("test")
    guesses = fit_categories().guess_all((r["title"], r["text"]) for r in test)
    sections = [
        category_section(test, guesses),
        demand_section(test, guesses, fit_demands()),
        screening_section(test),
        timing_section(args.repeats),
    ]
    text = "\n\n".join("\n".join(section) for section in sections) + "\n"
    print(text)
    RESULTS.mkdir(exist_ok=True)
    heading = f"# Posting inference (python -m bench.posting_inference)\n\nMeasured {date.today()}."
    (RESULTS / "posting_inference.md").write_text(f"{heading}\n\n{text}", encoding="utf-8")


if __name__ == "__main__":
    main()
