"""What a posting demands and what a seeker is after, read once from their text and stored.

A posting's effective requirement profile starts from its occupation category's profile
(data/occupation_profiles.csv), is raised by what its text says in the many ways Chinese
postings say it (data/demand_phrases.csv: 接听电话 demands hearing and speech, 持C1驾照
demands driving, 长时间站立 demands mobility, 无色盲色弱 demands sight...), lowered where the
text says a demand does not apply (无需接听电话), and finally overridden by the employer's
explicit demands. Some demands are intrinsic: the core of the job, which no accommodation
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
from dataclasses import dataclass
from functools import cache, lru_cache

from matcher.core.codes import code_list
from matcher.core.paths import data_dir
from matcher.core.text import norm_key
from matcher.reference.occupations import occupations
from matcher.reference.profiles import dimension_keys
from matcher.reference.skills import skills
from matcher.reference.terms import TermFinder

__all__ = [
    "PostingProfile",
    "SeekerProfile",
    "posting_profile",
    "profile_version",
    "seeker_profile",
]

_SOURCES = (
    "occupations.csv",
    "occupation_profiles.csv",
    "occupation_intrinsic.csv",
    "demand_phrases.csv",
    "codes.yaml",
    "skills.csv",
)
# Words that, just before a phrase, say the demand does not apply. A bare 无 is not one:
# 无色盲 ("no colour blindness") states a demand.
_NEGATION = re.compile(r"(无需|无须|不需要|不需|不用|不必|不要求|免)[^，。；;,.]{0,3}$")


@cache
def profile_version() -> str:
    digest = hashlib.sha256()
    for name in _SOURCES:
        digest.update((data_dir() / name).read_bytes())
    return digest.hexdigest()[:16]


@dataclass(frozen=True)
class _Phrase:
    dimension: str
    level: int
    intrinsic: bool
    pattern: re.Pattern[str]


@cache
def _phrases() -> tuple[_Phrase, ...]:
    with (data_dir() / "demand_phrases.csv").open(encoding="utf-8", newline="") as handle:
        return tuple(
            _Phrase(
                dimension=row["dimension"],
                level=int(row["level"]),
                intrinsic=row["intrinsic"].strip().lower() == "true",
                pattern=re.compile(row["pattern"], re.IGNORECASE),
            )
            for row in csv.DictReader(handle)
        )


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
class PostingProfile:
    demands: dict[str, int]  # the effective requirement profile
    intrinsic: list[str]  # dimensions no accommodation bridges
    text_accommodations: list[str]  # accommodations the text says are offered
    text_skills: list[str]  # vocabulary skills the text mentions


def posting_profile(
    *, category: str, text: str, explicit: dict[str, int] | None = None
) -> PostingProfile:
    demands = occupations().profile(category)
    intrinsic = set(_intrinsic_by_category().get(category, ()))
    raised: dict[str, int] = {}
    negated: set[str] = set()
    accommodations: list[str] = []
    found_skills: list[str] = []
    for sentence in _sentences(text):
        found = _read_sentence(sentence)
        for dim, level in found.raised:
            raised[dim] = max(raised.get(dim, 0), level)
        negated.update(found.negated)
        intrinsic.update(found.intrinsic)
        accommodations.extend(found.accommodations)
        found_skills.extend(found.skills)
    for dim in negated - set(raised):
        demands[dim] = 0  # the text says it does not apply, and nothing says it does
    for dim, level in raised.items():
        demands[dim] = max(demands[dim], level)
    demands.update(explicit or {})
    return PostingProfile(
        demands={dim: demands[dim] for dim in dimension_keys()},
        intrinsic=sorted(intrinsic),
        text_accommodations=list(dict.fromkeys(accommodations)),
        text_skills=list(dict.fromkeys(found_skills)),
    )


_SENTENCE_END = re.compile(r"(?<=[。！？!?；;\n])")


def _sentences(text: str) -> list[str]:
    return [part for part in _SENTENCE_END.split(text) if part.strip()]


@dataclass(frozen=True)
class _SentenceFindings:
    raised: tuple[tuple[str, int], ...]
    negated: frozenset[str]
    intrinsic: frozenset[str]
    accommodations: tuple[str, ...]
    skills: tuple[str, ...]


@lru_cache(maxsize=65536)
def _read_sentence(sentence: str) -> _SentenceFindings:
    """What one sentence says. Cached: postings repeat stock sentences, and the demo
    generator builds its text from a finite set of them."""
    raised: list[tuple[str, int]] = []
    negated: set[str] = set()
    intrinsic: set[str] = set()
    for phrase in _phrases():
        match = phrase.pattern.search(sentence)
        if match is None:
            continue
        if _NEGATION.search(sentence[max(0, match.start() - 8) : match.start()]):
            negated.add(phrase.dimension)
            continue
        raised.append((phrase.dimension, phrase.level))
        if phrase.intrinsic:
            intrinsic.add(phrase.dimension)
    return _SentenceFindings(
        raised=tuple(raised),
        negated=frozenset(negated),
        intrinsic=frozenset(intrinsic),
        accommodations=tuple(_accommodation_finder().find_all(sentence)),
        skills=tuple(skills().find_in_text(sentence)),
    )


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
        for field in row.fields:
            categories.setdefault(norm_key(field), []).append(row.key)
    return TermFinder((field, field) for field in categories), categories


def seeker_profile(*, desired_jobs: str, major: str, experience: str) -> SeekerProfile:
    found_skills = [
        skill for sentence in _sentences(experience) for skill in _read_sentence(sentence).skills
    ]
    return SeekerProfile(
        desired_categories=list(_desired_categories(desired_jobs)),
        major_categories=list(_major_categories(major)),
        text_skills=list(dict.fromkeys(found_skills)),
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
