"""What a posting demands on each functional dimension, read from its text with the
category's profile as the prior, each demand with a confidence and where it came from.

Two steps:

1. **Phrases** (data/demand_phrases.csv). Each alternative of each pattern is a phrase of
   its own. A phrase counts only where it begins a word (rjieba's segmentation, jieba's
   dictionary: 护工 inside 维护工作 is none), and a negation just before it in the same part
   of the sentence (无需, 不用, 不需要 …) negates that phrase alone: in 只需接听，无需外呼
   the calls are still answered. Rows of level 0 are phrases that say a demand does not
   apply (纯文字客服, 不接电话, 无需搬运).
2. **The demand model**, one per dimension (scikit-learn's logistic regression over the
   category profile's level, the phrases found and the words of the job's own clauses),
   fitted on the labelled postings of data/corpus/postings.jsonl. It names the level, 0, 1
   or 2, with its probability as the confidence.

A demand's source is the phrase that supports its level (quoted), else the category.
Explicit demands (a posting's own 能力要求 cell, a staff member's edit) override it all,
elsewhere (``matcher.reference.requirements``).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any

import numpy as np
import rjieba
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from matcher.core.paths import data_dir
from matcher.reference.categories import corpus, one_blas_thread, words
from matcher.reference.occupations import occupations
from matcher.reference.posting_text import job_text
from matcher.reference.profiles import dimension_keys

__all__ = [
    "Demand",
    "DemandModel",
    "Hit",
    "Labelled",
    "demand_model",
    "phrase_hits",
]

# Words that, just before a phrase in the same part of a sentence, say it does not apply.
# A bare 无 is not one: 无色盲 ("no colour blindness") states a demand.
_NEGATION = re.compile(r"(无需|无须|不需要|不需|不用|不必|不要求|免|不会|没有)\s*$")
_PART = re.compile(r"[，,、；;。！!？?\n]")


@dataclass(frozen=True)
class Phrase:
    key: str  # dimension:level:text of the alternative
    dimension: str
    level: int  # 0: the demand does not apply
    intrinsic: bool
    pattern: re.Pattern[str]


@dataclass(frozen=True)
class Hit:
    phrase: Phrase
    quote: str  # the words of the posting that matched
    negated: bool


@dataclass(frozen=True)
class Demand:
    level: int
    confidence: float
    source: str  # "category" or "phrase" (or "staff", set elsewhere)
    quote: str = ""  # the phrase, for source "phrase"


def _alternatives(pattern: str) -> list[str]:
    """The top-level alternatives of a regular expression (``a|b(c|d)`` -> a, b(c|d))."""
    parts, depth, start = [], 0, 0
    for index, char in enumerate(pattern):
        if char == "\\":
            continue
        if char in "([":
            depth += 1
        elif char in ")]":
            depth -= 1
        elif char == "|" and depth == 0 and (index == 0 or pattern[index - 1] != "\\"):
            parts.append(pattern[start:index])
            start = index + 1
    parts.append(pattern[start:])
    return [part for part in parts if part]


@cache
def phrases() -> tuple[Phrase, ...]:
    found = []
    with (data_dir() / "demand_phrases.csv").open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            for alternative in _alternatives(row["pattern"]):
                found.append(
                    Phrase(
                        key=f"{row['dimension']}:{row['level']}:{alternative}",
                        dimension=row["dimension"],
                        level=int(row["level"]),
                        intrinsic=row["intrinsic"].strip().lower() == "true",
                        pattern=re.compile(alternative, re.IGNORECASE),
                    )
                )
    return tuple(found)


@cache
def _scanners() -> list[tuple[re.Pattern[str], list[list[Phrase]]]]:
    """Per dimension, one pattern for all its phrases (a group per distinct wording, which
    stands for every row of the dimension that shares it). A scan per dimension keeps
    phrases of different dimensions that overlap (驾照: driving and sight)."""
    scanners = []
    for dimension in dimension_keys():
        groups: dict[str, list[Phrase]] = {}
        for phrase in phrases():
            if phrase.dimension == dimension:
                groups.setdefault(phrase.pattern.pattern, []).append(phrase)
        if not groups:
            continue
        wordings = sorted(groups, key=len, reverse=True)
        pattern = "|".join(f"(?P<p{i}>{wording})" for i, wording in enumerate(wordings))
        scanners.append((re.compile(pattern, re.IGNORECASE), [groups[w] for w in wordings]))
    return scanners


@lru_cache(maxsize=65536)
def phrase_hits(text: str) -> tuple[Hit, ...]:
    """The phrases ``text`` says, each where it begins a word, with its negation."""
    found: list[Hit] = []
    for part in _PART.split(text):
        if not part.strip():
            continue
        starts: set[int] | None = None
        for scanner, by_group in _scanners():
            for match in scanner.finditer(part):
                if starts is None:
                    starts = _word_starts(part)
                if match.start() not in starts:
                    continue  # inside another word: 护工 in 维护工作
                negated = bool(_NEGATION.search(part[: match.start()][-6:]))
                group = int((match.lastgroup or "p0")[1:])
                found.extend(Hit(phrase, match.group(), negated) for phrase in by_group[group])
    return tuple(found)


def _word_starts(part: str) -> set[int]:
    starts, position = set(), 0
    for word in rjieba.cut(part):
        starts.add(position)
        position += len(word)
    return starts


@dataclass(frozen=True)
class Labelled:
    category: str
    text: str  # title and body
    levels: dict[str, int]


def _phrase_features(hits: Sequence[Hit], dimension: str) -> dict[str, float]:
    features: dict[str, float] = {}
    for hit in hits:
        if hit.phrase.dimension != dimension:
            continue
        kind = "not" if hit.negated or hit.phrase.level == 0 else f"raise{hit.phrase.level}"
        features[f"{kind}:{hit.phrase.key}"] = 1.0
        features[f"{kind}:any"] = 1.0
    return features


class DemandModel:
    """Per dimension, the level a posting demands, from its category's profile and text."""

    def __init__(
        self, *, C: float = 5.0, word_weight: float = 0.5, category_weight: float = 1.0
    ) -> None:
        self.C = C
        self.word_weight = word_weight
        self.category_weight = category_weight

    def fit(self, examples: Sequence[Labelled]) -> DemandModel:
        texts = [job_text(e.text) for e in examples]
        self.words_ = TfidfVectorizer(analyzer=words, sublinear_tf=True, min_df=2).fit(texts)
        word_matrix = self.words_.transform(texts) * self.word_weight
        hits = [phrase_hits(e.text) for e in examples]
        self.keys_: dict[str, list[str]] = {}
        self.models_: dict[str, Any] = {}
        with one_blas_thread():
            for dimension in dimension_keys():
                self._fit_dimension(dimension, examples, hits, word_matrix)
        return self

    def _fit_dimension(
        self, dimension: str, examples: Sequence[Labelled], hits: list[Any], word_matrix: Any
    ) -> None:
        rows = [self._row(e.category, h, dimension) for e, h in zip(examples, hits, strict=True)]
        self.keys_[dimension] = sorted({key for row in rows for key in row})
        matrix = sparse.hstack([self._matrix(rows, dimension), word_matrix]).tocsr()
        labels = [e.levels[dimension] for e in examples]
        self.models_[dimension] = (
            LogisticRegression(C=self.C, max_iter=2000).fit(matrix, labels)
            if len(set(labels)) > 1
            else labels[0]
        )

    def _row(self, category: str, hits: Sequence[Hit], dimension: str) -> dict[str, float]:
        prior = occupations().profile(category)[dimension]
        return {
            f"prior:{prior}": 1.0,
            f"category:{category}": self.category_weight,
        } | _phrase_features(hits, dimension)

    def _matrix(self, rows: list[dict[str, float]], dimension: str) -> Any:
        column = {key: i for i, key in enumerate(self.keys_[dimension])}
        data, indices, pointers = [], [], [0]
        for row in rows:
            for key, value in row.items():
                if key in column:
                    indices.append(column[key])
                    data.append(value)
            pointers.append(len(indices))
        shape = (len(rows), len(column))
        return sparse.csr_matrix((data, indices, pointers), shape=shape)

    def predict_all(self, postings: Sequence[tuple[str, str]]) -> list[dict[str, Demand]]:
        """For each (category, text), every dimension's demand."""
        if not postings:
            return []
        word_matrix = self.words_.transform([job_text(t) for _, t in postings]) * self.word_weight
        hits = [phrase_hits(text) for _, text in postings]
        own = [phrase_hits(job_text(text)) for _, text in postings]
        found: list[dict[str, Demand]] = [{} for _ in postings]
        for dimension in dimension_keys():
            model = self.models_[dimension]
            rows = [self._row(c, h, dimension) for (c, _), h in zip(postings, hits, strict=True)]
            if isinstance(model, int):
                levels, confidence = np.full(len(rows), model), np.ones(len(rows))
            else:
                matrix = sparse.hstack([self._matrix(rows, dimension), word_matrix]).tocsr()
                levels, confidence = _levels(model.predict_proba(matrix), model.classes_)
            for i, (level, sure) in enumerate(zip(levels, confidence, strict=True)):
                level = max(int(level), _stated(own[i], dimension))
                found[i][dimension] = _sourced(level, float(sure), hits[i], dimension)
        return found

    def predict(self, category: str, text: str) -> dict[str, Demand]:
        return self.predict_all([(category, text)])[0]


def _levels(probabilities: Any, classes: Any) -> tuple[Any, Any]:
    """The level of each row, and its confidence: present (1 or 2) when those two together
    are likelier than 0, then the likelier of them; the confidence is that of the decision
    to demand the dimension or not, which is what excludes people."""
    by_level = np.zeros((len(probabilities), 3))
    for column, level in enumerate(classes):
        by_level[:, int(level)] = probabilities[:, column]
    present = by_level[:, 1] + by_level[:, 2]
    levels = np.where(present >= 0.5, np.where(by_level[:, 2] >= by_level[:, 1], 2, 1), 0)
    return levels, np.maximum(present, 1 - present)


def _stated(hits: Sequence[Hit], dimension: str) -> int:
    """The level the job's own clauses state outright: the highest phrase said without a
    negation, unless a phrase says the demand does not apply (纯文字客服). A job that
    answers calls needs hearing whatever the model weighs: the cost of missing it is a
    deaf graduate sent to a phone job."""
    said = [h.phrase.level for h in hits if h.phrase.dimension == dimension and not h.negated]
    return 0 if not said or 0 in said else max(said)


def _sourced(level: int, confidence: float, hits: Sequence[Hit], dimension: str) -> Demand:
    """The demand with the phrase that supports its level, if one does."""
    said = [
        (0 if hit.negated else hit.phrase.level, hit.quote)
        for hit in hits
        if hit.phrase.dimension == dimension
    ]
    # The strongest unnegated phrase first: 接听 before the 外呼 of 无需外呼.
    for says, quote in sorted(said, key=lambda pair: -pair[0]):
        if (level > 0 and says >= level) or (level == 0 and says == 0):
            return Demand(level, confidence, "phrase", quote)
    return Demand(level, confidence, "category")


def labelled(split: str | None = None) -> list[Labelled]:
    """The corpus's postings as demand examples (their true category's prior)."""
    return [
        Labelled(row["category"], f"{row['title']}\n{row['text']}", row["demands"])
        for row in corpus(split)
    ]


@cache
def demand_model() -> DemandModel:
    """The model fitted on every labelled posting."""
    return DemandModel().fit(labelled())
