"""The skills vocabulary (data/skills.csv): free-text skills and certificates to ids.

A list cell ("Excel、五笔打字、熟练使用PS") is read item by item: an exact spelling first,
then known spellings inside the item, then a close fuzzy match (rapidfuzz) for typos.
Items that match nothing are kept as written so that text scoring can still use them.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache

from rapidfuzz import fuzz, process

from matcher.core.paths import data_dir
from matcher.core.text import norm_key, split_list
from matcher.reference.terms import TermFinder

__all__ = ["Skill", "SkillVocabulary", "skills"]

FUZZY_CUTOFF = 90  # rapidfuzz ratio; below this, typos and different skills look alike
FUZZY_MIN_LENGTH = 4  # short spellings are too easily confused to match fuzzily


@dataclass(frozen=True)
class Skill:
    id: str
    kind: str  # "skill" or "certificate"
    name_zh: str
    name_en: str
    group: str
    categories: tuple[str, ...]

    def name(self, locale: str = "zh") -> str:
        return self.name_en if locale.startswith("en") else self.name_zh


class SkillVocabulary:
    def __init__(self, rows: list[tuple[Skill, list[str]]]) -> None:
        self.by_id = {skill.id: skill for skill, _ in rows}
        self._finder = TermFinder(
            (spelling, skill.id)
            for skill, synonyms in rows
            for spelling in (skill.name_zh, skill.name_en, *synonyms)
        )
        self._fuzzy_choices = [key for key in self._finder.lookup if len(key) >= FUZZY_MIN_LENGTH]
        self._matched: dict[str, list[str]] = {}  # items repeat a lot across rows

    def normalize(self, text: str) -> tuple[list[str], list[str]]:
        """(skill ids, items matched to nothing) for a list cell."""
        ids: list[str] = []
        unknown: list[str] = []
        for item in split_list(text):
            found = self.match(item)
            if found:
                ids.extend(skill for skill in found if skill not in ids)
            else:
                unknown.append(item)
        return ids, unknown

    def match(self, item: str) -> list[str]:
        """Skill ids for one list item (see the module doc for the order of attempts)."""
        if item not in self._matched:
            self._matched[item] = self._match(item)
        return list(self._matched[item])

    def _match(self, item: str) -> list[str]:
        exact = self._finder.exact(item)
        if exact:
            return [exact]
        inside = self._finder.find_all(item)
        if inside:
            return inside
        key = norm_key(item)
        if len(key) >= FUZZY_MIN_LENGTH:
            best = process.extractOne(
                key, self._fuzzy_choices, scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF
            )
            if best is not None:
                return [self._finder.lookup[best[0]]]
        return []

    def find_in_text(self, text: str) -> list[str]:
        """Skill ids mentioned anywhere in free text (descriptions, experience)."""
        return self._finder.find_all(text)


@cache
def skills() -> SkillVocabulary:
    rows = []
    with (data_dir() / "skills.csv").open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            skill = Skill(
                id=row["id"],
                kind=row["kind"],
                name_zh=row["name_zh"],
                name_en=row["name_en"],
                group=row["group"],
                categories=tuple(filter(None, row["categories"].split(";"))),
            )
            rows.append((skill, [s.strip() for s in row["synonyms"].split(";") if s.strip()]))
    return SkillVocabulary(rows)
