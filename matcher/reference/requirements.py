"""What a posting demands and what a seeker is after, read once from their text and stored.

A posting's effective requirement profile is read by ``matcher.reference.demands``: the
category's profile (data/occupation_profiles.csv) as the prior, the text's phrases
(data/demand_phrases.csv) and words, each demand with a confidence and its source. Demands
the employer's file states (能力要求) override what was read, and a staff member's edits
override both. Some demands are intrinsic: the core of the job, which no accommodation
bridges (data/occupation_intrinsic.csv, and phrases marked intrinsic such as colour vision).
Accommodations and skills that the text mentions count as offered and asked for.

A seeker's desired categories come from their desired jobs, and their major's categories
from the fields of study of data/occupations.csv.

The results are stored with ``profile_version()``, a digest of the data files they come from,
so that a refresh can tell which stored profiles are stale after the data changes.
"""

from __future__ import annotations

import csv
import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache, lru_cache
from typing import Any

from matcher.core.codes import code_list
from matcher.core.paths import data_dir
from matcher.core.text import norm_key
from matcher.reference.demands import demand_model, phrase_hits
from matcher.reference.occupations import occupations
from matcher.reference.profiles import dimension_keys
from matcher.reference.skills import skills
from matcher.reference.terms import TermFinder

__all__ = [
    "PostingProfile",
    "PostingText",
    "SeekerProfile",
    "posting_profile",
    "posting_profiles",
    "profile_version",
    "seeker_profile",
]

_SOURCES = (
    "occupations.csv",
    "occupation_profiles.csv",
    "occupation_intrinsic.csv",
    "demand_phrases.csv",
    "corpus/postings.jsonl",
    "codes.yaml",
    "skills.csv",
)


@cache
def profile_version() -> str:
    digest = hashlib.sha256()
    for name in _SOURCES:
        digest.update((data_dir() / name).read_bytes())
    return digest.hexdigest()[:16]


@cache
def _intrinsic_by_category() -> dict[str, frozenset[str]]:
    table: dict[str, set[str]] = {}
    with (data_dir() / "occupation_intrinsic.csv").open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            table.setdefault(row["key"], set()).add(row["dimension"])
    return {key: frozenset(dims) for key, dims in table.items()}


@cache
def _accommodation_finder() -> TermFinder:
    return TermFinder(
        (spelling, code.key)
        for code in code_list("accommodations")
        for spelling in (code.zh, *code.extra.get("aliases", ()))
        if len(norm_key(spelling)) >= 3  # short aliases (手语, 远程) are too loose in prose
    )


@dataclass(frozen=True)
class PostingText:
    category: str
    text: str  # title, duties and requirements
    explicit: dict[str, int] | None = None  # the employer's file
    staff: dict[str, int] | None = None  # a staff member's edits


@dataclass(frozen=True)
class PostingProfile:
    demands: dict[str, int]  # the effective requirement profile
    sources: dict[str, dict[str, Any]] = field(default_factory=dict)  # {dim: {source, …}}
    intrinsic: list[str] = field(default_factory=list)  # dimensions no accommodation bridges
    text_accommodations: list[str] = field(default_factory=list)  # offered, says the text
    text_skills: list[str] = field(default_factory=list)  # vocabulary skills the text mentions


def posting_profiles(postings: Sequence[PostingText]) -> list[PostingProfile]:
    """The effective profile of each posting (read in one batch)."""
    read = demand_model().predict_all([(p.category, p.text) for p in postings])
    found = []
    for posting, demands in zip(postings, read, strict=True):
        sources = {
            dim: {"source": d.source, "quote": d.quote, "confidence": round(d.confidence, 3)}
            for dim, d in demands.items()
        }
        levels = {dim: d.level for dim, d in demands.items()}
        for source, given in (("file", posting.explicit), ("staff", posting.staff)):
            for dim, level in (given or {}).items():
                levels[dim] = level
                sources[dim] = {"source": source, "quote": "", "confidence": 1.0}
        intrinsic = set(_intrinsic_by_category().get(posting.category, ()))
        intrinsic |= {
            hit.phrase.dimension
            for hit in phrase_hits(posting.text)
            if hit.phrase.intrinsic and not hit.negated and levels[hit.phrase.dimension] > 0
        }
        found.append(
            PostingProfile(
                demands={dim: levels[dim] for dim in dimension_keys()},
                sources=sources,
                intrinsic=sorted(intrinsic),
                text_accommodations=_accommodations(posting.text),
                text_skills=_skills(posting.text),
            )
        )
    return found


def posting_profile(
    *,
    category: str,
    text: str,
    explicit: dict[str, int] | None = None,
    staff: dict[str, int] | None = None,
) -> PostingProfile:
    return posting_profiles([PostingText(category, text, explicit, staff)])[0]


_SENTENCE_END = re.compile(r"(?<=[。！？!?；;\n])")


def _sentences(text: str) -> list[str]:
    return [part for part in _SENTENCE_END.split(text) if part.strip()]


@lru_cache(maxsize=65536)
def _sentence_terms(sentence: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The accommodations and skills one sentence mentions. Cached: postings repeat stock
    sentences, and the demo generator builds its text from a finite set of them."""
    return (
        tuple(_accommodation_finder().find_all(sentence)),
        tuple(skills().find_in_text(sentence)),
    )


def _accommodations(text: str) -> list[str]:
    return list(dict.fromkeys(a for s in _sentences(text) for a in _sentence_terms(s)[0]))


def _skills(text: str) -> list[str]:
    return list(dict.fromkeys(k for s in _sentences(text) for k in _sentence_terms(s)[1]))


@dataclass(frozen=True)
class SeekerProfile:
    desired_categories: list[str]
    major_categories: list[str]
    text_skills: list[str]


@cache
def _fields() -> tuple[TermFinder, dict[str, list[str]]]:
    """Fields of study found in a major, and the categories each field leads to (a field
    such as 电子商务 leads to several)."""
    categories: dict[str, list[str]] = {}
    for row in occupations():
        for study in row.fields:
            categories.setdefault(norm_key(study), []).append(row.key)
    return TermFinder((study, study) for study in categories), categories


def seeker_profile(*, desired_jobs: str, major: str, experience: str) -> SeekerProfile:
    return SeekerProfile(
        desired_categories=list(_desired_categories(desired_jobs)),
        major_categories=list(_major_categories(major)),
        text_skills=_skills(experience),
    )


@lru_cache(maxsize=65536)
def _desired_categories(desired_jobs: str) -> tuple[str, ...]:
    return tuple(occupations().keywords_in(desired_jobs))


@lru_cache(maxsize=65536)
def _major_categories(major: str) -> tuple[str, ...]:
    if not major:
        return ()
    finder, categories = _fields()
    found = dict.fromkeys(key for field in finder.find_all(major) for key in categories[field])
    if not found:
        # A major named unlike every field still points at the categories it mentions.
        return tuple(occupations().keywords_in(major))
    return tuple(found)
