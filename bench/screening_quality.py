"""Screening quality on the labelled postings, JobBridge beside keyword baselines.

    python -m bench.screening_quality [--postings 10000] [--repeats 3]

The labelled set (data/screening/labelled_postings.csv, see the README beside it) lists for
each posting the rule keys it should be flagged for and those it should get a note for. A
posting is flagged when the screener returns at least one result of severity "flag".
Methods, on the same postings:

* JobBridge: ``matcher.reference.screening.screen(title, description, requirements)``;
* baseline: a posting is flagged when its text contains any of a naive keyword list
  (身体健康, 身高, 男, 女, 岁);
* per-rule baseline: one keyword list per rule (身高 for height, 岁 for age, 男/女 for
  gender ...); a rule fires when any of its keywords occurs.

Reported: precision, recall and F1 at the posting level (flagged vs should be flagged) for
the dev half (the rules were written against it), the held-out test half and all postings;
the same per rule key; the notes; and the time per 1,000 postings (median of fresh-process
runs, the rules compiled before timing; the first call, which loads and compiles them, apart).
"""

from __future__ import annotations

import argparse
import csv
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from bench.common import measure, median_seconds, table
from matcher.core.paths import data_dir
from matcher.reference.screening import _screened, rules, screen

NAIVE_KEYWORDS = ("身体健康", "身高", "男", "女", "岁")
RULE_KEYWORDS = {
    "height": ("身高",),
    "weight": ("体重",),
    "appearance": ("形象", "五官", "相貌", "身材"),
    "general_health": ("身体健康",),
    "no_disability": ("残疾", "健全"),
    "medical_history": ("病史", "疾病"),
    "vision": ("视力", "色盲"),
    "hearing": ("听力",),
    "age": ("岁",),
    "gender": ("男", "女"),
}
SPLITS = ("dev", "test", "all")


@dataclass(frozen=True)
class Posting:
    id: str
    split: str
    texts: tuple[str, str, str]  # title, description, requirements
    flags: frozenset[str]
    notes: frozenset[str]


@dataclass(frozen=True)
class Score:
    precision: float
    recall: float
    f1: float
    support: int  # postings that should fire

    def cells(self) -> list[str]:
        return [f"{self.precision:.3f}", f"{self.recall:.3f}", f"{self.f1:.3f}"]


def _keys(cell: str) -> frozenset[str]:
    return frozenset(key for key in cell.split(";") if key)


def load_postings() -> list[Posting]:
    path = data_dir() / "screening" / "labelled_postings.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        return [
            Posting(
                id=row["id"],
                split=row["split"],
                texts=(row["title"], row["description"], row["requirements"]),
                flags=_keys(row["flags"]),
                notes=_keys(row["notes"]),
            )
            for row in csv.DictReader(handle)
        ]


def score(pairs: Iterable[tuple[bool, bool]]) -> Score:
    """Precision, recall and F1 of (predicted, expected) pairs."""
    tp = fp = fn = 0
    for predicted, expected in pairs:
        tp += predicted and expected
        fp += predicted and not expected
        fn += expected and not predicted
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return Score(precision, recall, f1, tp + fn)


@dataclass(frozen=True)
class Prediction:
    flags: frozenset[str]
    notes: frozenset[str]


def jobbridge(posting: Posting) -> Prediction:
    found = screen(*posting.texts)
    return Prediction(
        flags=frozenset(f.rule for f in found if f.severity == "flag"),
        notes=frozenset(f.rule for f in found if f.severity == "note"),
    )


def naive_baseline(posting: Posting) -> Prediction:
    text = "".join(posting.texts)
    hit = any(word in text for word in NAIVE_KEYWORDS)
    return Prediction(flags=frozenset({"any"}) if hit else frozenset(), notes=frozenset())


def rule_baseline(posting: Posting) -> Prediction:
    text = "".join(posting.texts)
    fired = {key for key, words in RULE_KEYWORDS.items() if any(w in text for w in words)}
    return Prediction(flags=frozenset(fired), notes=frozenset())


METHODS: dict[str, Callable[[Posting], Prediction]] = {
    "JobBridge screen()": jobbridge,
    "baseline: keywords 身体健康/身高/男/女/岁": naive_baseline,
    "baseline: one keyword list per rule": rule_baseline,
}


def in_split(postings: list[Posting], split: str) -> list[Posting]:
    return [p for p in postings if split in ("all", p.split)]


def posting_level(postings: list[Posting], predictions: dict[str, Prediction]) -> Score:
    return score((bool(predictions[p.id].flags), bool(p.flags)) for p in postings)


def per_rule(postings: list[Posting], predictions: dict[str, Prediction], key: str) -> Score:
    return score((key in predictions[p.id].flags, key in p.flags) for p in postings)


def per_note(postings: list[Posting], predictions: dict[str, Prediction], key: str) -> Score:
    return score((key in predictions[p.id].notes, key in p.notes) for p in postings)


def _time_screening(method: str, count: int) -> dict[str, Any]:
    postings = load_postings()
    function = METHODS[method]
    started = time.perf_counter()
    function(postings[0])  # the first call loads and compiles the rules
    first = time.perf_counter() - started
    started = time.perf_counter()
    for index in range(count):
        _screened.cache_clear()  # every screening timed, not the cache that remembers them
        function(postings[index % len(postings)])
    return {"seconds": time.perf_counter() - started, "first": first}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postings", type=int, default=10_000, help="postings per timed run")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    postings = load_postings()
    predictions = {name: {p.id: f(p) for p in postings} for name, f in METHODS.items()}
    sizes = {split: len(in_split(postings, split)) for split in SPLITS}
    flagged = {split: sum(bool(p.flags) for p in in_split(postings, split)) for split in SPLITS}
    print(
        f"Labelled postings: {sizes['all']} ({sizes['dev']} dev, {sizes['test']} test); "
        f"should be flagged: {flagged['all']} ({flagged['dev']} dev, {flagged['test']} test)\n"
    )

    rows = []
    for name in METHODS:
        for split in SPLITS:
            s = posting_level(in_split(postings, split), predictions[name])
            rows.append([name, split, *s.cells()])
    print("Posting level: flagged vs should be flagged\n")
    print(table(["method", "split", "precision", "recall", "F1"], rows))

    mine, base = (
        predictions["JobBridge screen()"],
        predictions["baseline: one keyword list per rule"],
    )
    test = in_split(postings, "test")
    rows = []
    for rule in rules():
        if rule.severity != "flag":
            continue
        s, t, b = (
            per_rule(postings, mine, rule.key),
            per_rule(test, mine, rule.key),
            per_rule(postings, base, rule.key),
        )
        rows.append([rule.key, s.support, *s.cells(), f"{t.f1:.3f}", *b.cells()])
    print("\nPer rule, all postings (test: F1 on the held-out half; baseline: per-rule keywords)\n")
    print(
        table(
            [
                "rule",
                "postings",
                "precision",
                "recall",
                "F1",
                "test F1",
                "baseline P",
                "baseline R",
                "baseline F1",
            ],
            rows,
        )
    )

    rows = []
    for key in sorted({k for p in postings for k in p.notes}):
        s = per_note(postings, mine, key)
        rows.append([key, s.support, *s.cells()])
    print("\nNotes (severity note: lawful conditions to check, or a flag with a job reason)\n")
    print(table(["rule", "postings", "precision", "recall", "F1"], rows))

    rows = []
    for name in METHODS:
        runs = measure(_time_screening, name, args.postings, repeats=args.repeats)
        per_thousand = median_seconds(runs) / args.postings * 1000
        first = sorted(run.info["first"] for run in runs)[len(runs) // 2]
        rows.append([name, f"{per_thousand * 1000:.1f}", f"{first * 1000:.1f}"])
    print(
        f"\nTime ({args.postings:,} postings per run, median of {args.repeats} fresh processes)\n"
    )
    print(table(["method", "ms per 1,000 postings", "first call ms (load, compile)"], rows))


if __name__ == "__main__":
    main()
