"""Occupation categories (data/occupations.csv) and their default requirement profiles
(data/occupation_profiles.csv, derived from O*NET ability ratings)."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache

from matcher.core.paths import data_dir
from matcher.core.text import norm_key
from matcher.reference.profiles import dimension_keys
from matcher.reference.terms import TermFinder

__all__ = ["Occupation", "OccupationIndex", "occupations"]

TITLE_WEIGHT = 3  # a keyword in the title says more about the category than one in the text


@dataclass(frozen=True)
class Occupation:
    key: str
    name_zh: str
    name_en: str
    csco_code: str
    onet_code: str
    remote_ok: bool
    keywords: tuple[str, ...]
    fields: tuple[str, ...]
    profile: dict[str, int]

    def name(self, locale: str = "zh") -> str:
        return self.name_en if locale.startswith("en") else self.name_zh


class OccupationIndex:
    def __init__(self, rows: list[Occupation]) -> None:
        self.by_key = {row.key: row for row in rows}
        self._names = {}
        for row in rows:
            for spelling in (row.key, row.name_zh, row.name_en):
                self._names[norm_key(spelling)] = row.key
        self._keywords = TermFinder(
            (spelling, row.key) for row in rows for spelling in (row.name_zh, *row.keywords)
        )

    def __iter__(self) -> Iterator[Occupation]:
        return iter(self.by_key.values())

    def find(self, text: str) -> str | None:
        """The category a cell names by key or name (not by keyword)."""
        return self._names.get(norm_key(text))

    def infer(self, title: str, text: str = "") -> str | None:
        """The category a posting's title and text point to most, or None."""
        scores: dict[str, float] = {}
        for key, chars in self._keywords.count_all(title).items():
            scores[key] = scores.get(key, 0) + TITLE_WEIGHT * chars
        for key, chars in self._keywords.count_all(text).items():
            scores[key] = scores.get(key, 0) + chars
        if not scores:
            return None
        return max(scores, key=lambda key: scores[key])

    def keywords_in(self, text: str) -> list[str]:
        """Categories whose names or keywords ``text`` mentions, in order of mention."""
        return self._keywords.find_all(text)

    def profile(self, key: str) -> dict[str, int]:
        return dict(self.by_key[key].profile)


def _split(cell: str) -> tuple[str, ...]:
    return tuple(item.strip() for item in cell.split(";") if item.strip())


@cache
def occupations() -> OccupationIndex:
    folder = data_dir()
    with (folder / "occupation_profiles.csv").open(encoding="utf-8", newline="") as handle:
        profiles = {
            row["key"]: {dim: int(row[dim]) for dim in dimension_keys()}
            for row in csv.DictReader(handle)
        }
    rows = []
    with (folder / "occupations.csv").open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            rows.append(
                Occupation(
                    key=row["key"],
                    name_zh=row["name_zh"],
                    name_en=row["name_en"],
                    csco_code=row["csco_code"],
                    onet_code=row["onet_code"],
                    remote_ok=row["remote_ok"].strip().lower() == "true",
                    keywords=_split(row["keywords"]),
                    fields=_split(row["fields"]),
                    profile=profiles[row["key"]],
                )
            )
    return OccupationIndex(rows)
