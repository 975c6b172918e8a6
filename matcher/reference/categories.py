"""Which occupation category a posting is for, read from its title and its text, with a
confidence.

A linear model (scikit-learn's logistic regression) over four views of a posting: the
words of its title (segmented as jieba does, by rjieba, so that 护工 inside 维护工作 is no
word of its own) and its character n-grams, and the words and character n-grams of the
job's own clauses (``posting_text.job_text``: the duties and requirements, not the perks,
the company blurb or the contact line). The title decides first: its views weigh more than the
body's, which counts as weighted evidence. The confidence is the model's probability of
the category it names; a posting below ``HOLD_BELOW`` is held for a person to confirm.

It learns from data/corpus/postings.jsonl (labelled postings written in the styles of the
job boards, independently of this code; data/corpus/README.md), from each category's names
and keywords (data/occupations.csv) and from the demo's posting texts
(data/demo/postings.yaml). ``category_model()`` fits on all of them once per process
(about two seconds); ``bench/posting_inference.py`` fits on the corpus's train half and
scores the test half.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np
import rjieba
import yaml
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from threadpoolctl import threadpool_limits

from matcher.core.paths import data_dir
from matcher.reference.occupations import occupations
from matcher.reference.posting_text import clean_title, job_text

__all__ = [
    "HOLD_BELOW",
    "UNSURE_CATEGORY",
    "CategoryGuess",
    "CategoryModel",
    "Example",
    "category_model",
    "corpus",
    "seed_examples",
    "words",
]

# Below this confidence a category is a guess: the posting is stored, and held for review
# with this reason.
HOLD_BELOW = 0.35
UNSURE_CATEGORY = "category_uncertain"
TITLE_WEIGHT = 2.0
BODY_WEIGHT = 1.0


@dataclass(frozen=True)
class Example:
    title: str
    text: str
    category: str


@dataclass(frozen=True)
class CategoryGuess:
    key: str
    confidence: float  # the model's probability of ``key``
    runner_up: str  # the next most likely category

    @property
    def sure(self) -> bool:
        return self.confidence >= HOLD_BELOW


def one_blas_thread() -> threadpool_limits:
    """Fit small models on one BLAS thread: their vectors are a few thousand numbers, and
    OpenBLAS's threads cost more in hand-offs than they save (a fit takes 4 times as long
    on two threads as on one)."""
    return threadpool_limits(limits=1, user_api="blas")


def words(text: str) -> list[str]:
    """The words of ``text`` (jieba's segmentation), without punctuation and spaces."""
    return [w for w in rjieba.cut(text.lower()) if w.strip() and (w.isalnum() or len(w) > 1)]


class CategoryModel:
    """Fit on examples, then name the category of a posting with a confidence."""

    def __init__(self, *, C: float = 50.0) -> None:
        self.C = C

    def fit(self, examples: Sequence[Example]) -> CategoryModel:
        titles = [clean_title(e.title) for e in examples]
        bodies = [job_text(e.text) for e in examples]
        self.title_words_ = TfidfVectorizer(analyzer=words, sublinear_tf=True, min_df=1).fit(titles)
        self.title_chars_ = TfidfVectorizer(
            analyzer="char", ngram_range=(1, 2), sublinear_tf=True, min_df=1
        ).fit(titles)
        self.body_chars_ = TfidfVectorizer(
            analyzer="char", ngram_range=(2, 3), sublinear_tf=True, min_df=2, max_features=15000
        ).fit(bodies)
        self.body_words_ = TfidfVectorizer(analyzer=words, sublinear_tf=True, min_df=2).fit(bodies)
        features = self._features(titles, bodies)
        with one_blas_thread():
            self.model_ = LogisticRegression(C=self.C, max_iter=3000, tol=1e-3).fit(
                features, [e.category for e in examples]
            )
        self.classes_: list[str] = [str(c) for c in self.model_.classes_]
        return self

    def _features(self, titles: list[str], bodies: list[str]) -> Any:
        return sparse.hstack(
            [
                self.title_words_.transform(titles) * TITLE_WEIGHT,
                self.title_chars_.transform(titles) * TITLE_WEIGHT,
                self.body_chars_.transform(bodies) * BODY_WEIGHT,
                self.body_words_.transform(bodies) * BODY_WEIGHT,
            ]
        ).tocsr()

    def guess_all(self, postings: Iterable[tuple[str, str]]) -> list[CategoryGuess]:
        """The category of each (title, text), with its confidence."""
        items = list(postings)
        if not items:
            return []
        titles = [clean_title(title) for title, _ in items]
        bodies = [job_text(text) for _, text in items]
        probabilities = self.model_.predict_proba(self._features(titles, bodies))
        order = np.argsort(-probabilities, axis=1)
        return [
            CategoryGuess(
                key=self.classes_[row[0]],
                confidence=float(probabilities[i, row[0]]),
                runner_up=self.classes_[row[1]],
            )
            for i, row in enumerate(order)
        ]

    def guess(self, title: str, text: str = "") -> CategoryGuess:
        return self.guess_all([(title, text)])[0]


def corpus(split: str | None = None) -> list[dict[str, Any]]:
    """The labelled postings of data/corpus/postings.jsonl (``split``: train or test)."""
    path = data_dir() / "corpus" / "postings.jsonl"
    with path.open(encoding="utf-8") as handle:
        rows = [json.loads(line) for line in handle if line.strip()]
    return [row for row in rows if split is None or row["split"] == split]


def seed_examples() -> list[Example]:
    """What the categories say of themselves: each one's names and keywords as titles, and
    the demo's titles with its duty sentences."""
    found = [
        Example(spelling, "", row.key)
        for row in occupations()
        for spelling in (row.name_zh, *row.keywords)
    ]
    demo = yaml.safe_load((data_dir() / "demo" / "postings.yaml").read_text(encoding="utf-8"))
    for key, text in demo["categories"].items():
        duties = text.get("duties", [])
        for number, title in enumerate(text.get("titles", [])):
            body = "；".join(duties[number % max(len(duties), 1) :][:3])
            found.append(Example(title, body, key))
    return found


@cache
def category_model() -> CategoryModel:
    """The model fitted on every labelled posting and the categories' own words."""
    examples = [Example(r["title"], r["text"], r["category"]) for r in corpus()]
    return CategoryModel().fit(examples + seed_examples())
