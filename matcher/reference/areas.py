"""Administrative divisions: resolve a code or a name, and walk the hierarchy.

An area may be given as a code (``520102``), a name (``南明区``), a short name (``南明``),
or a path of names (``贵阳市南明区``, ``贵州省贵阳市南明区``, ``贵阳市/南明区``). A name that
fits several divisions is refused with the candidates, never guessed.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import cache

from matcher.core.paths import data_dir
from matcher.core.text import norm_key

__all__ = ["ANYWHERE", "Area", "AreaError", "AreaIndex", "areas"]

ANYWHERE = "*"
ANYWHERE_WORDS = {"不限", "任意", "均可", "全国", "any", "anywhere", "*"}
_PATH_SEPARATORS = re.compile(r"[\s/\\>\-—,，·]+")


class AreaError(ValueError):
    """The text names no division, or several."""


@dataclass(frozen=True)
class Area:
    code: str
    name: str
    parent_code: str | None
    level: int  # 1 province, 2 prefecture, 3 county
    short_name: str


class AreaIndex:
    def __init__(self, rows: list[Area], aliases: dict[str, str]) -> None:
        self.by_code = {area.code: area for area in rows}
        names: dict[str, set[str]] = {}
        for area in rows:
            for spelling in _spellings(area):
                names.setdefault(norm_key(spelling), set()).add(area.code)
        for alias, code in aliases.items():
            names.setdefault(norm_key(alias), set()).add(code)
        self._names = names
        self._resolved: dict[str, str] = {}

    def resolve(self, text: str) -> str:
        """The code for ``text``; ``*`` for anywhere. Raises AreaError with the reason."""
        value = text.strip()
        if value in self._resolved:
            return self._resolved[value]
        code = self._resolve(value)
        self._resolved[value] = code
        return code

    def _resolve(self, value: str) -> str:
        if norm_key(value) in ANYWHERE_WORDS:
            return ANYWHERE
        if value.isdigit():
            if value in self.by_code:
                return value
            raise AreaError(f"no administrative division has the code {value}")
        key = norm_key(_PATH_SEPARATORS.sub("", value))
        candidates = self._names.get(key) or self._match_path(key, None)
        if len(candidates) == 1:
            return next(iter(candidates))
        if len(candidates) > 1:
            options = "、".join(sorted(self.full_name(code) for code in candidates))
            raise AreaError(f"'{value}' names several divisions ({options}); give the fuller name")
        raise AreaError(f"'{value}' is not a known administrative division")

    def _match_path(self, key: str, within: str | None) -> set[str]:
        """Divisions named by ``key`` read as a path of spellings, each inside the one before
        (贵州省黔南州都匀市, 贵阳南明区)."""
        found: set[str] = set()
        for end in range(1, len(key) + 1):
            for code in self._names.get(key[:end], ()):
                if within is not None and within not in self.ancestors(code)[1:]:
                    continue
                rest = key[end:]
                found |= {code} if not rest else self._match_path(rest, code)
        return found

    def ancestors(self, code: str) -> list[str]:
        """``code`` and its parents, nearest first."""
        chain = []
        current: str | None = code
        while current:
            chain.append(current)
            current = self.by_code[current].parent_code
        return chain

    def covers(self, broad: str, code: str) -> bool:
        """Whether the division ``broad`` contains ``code`` (or is it); ``*`` covers all."""
        return broad == ANYWHERE or broad in self.ancestors(code)

    def full_name(self, code: str) -> str:
        if code == ANYWHERE:
            return "不限"
        return "".join(self.by_code[c].name for c in reversed(self.ancestors(code)))

    def name(self, code: str) -> str:
        return "不限" if code == ANYWHERE else self.by_code[code].name

    def prefecture(self, code: str) -> str:
        """The prefecture-level division of ``code`` (itself for a province or prefecture)."""
        chain = self.ancestors(code)
        return chain[-2] if len(chain) >= 2 else chain[-1]

    def city(self, code: str) -> str:
        """The city a division belongs to: its prefecture, or for the districts and counties
        of a municipality (重庆市), the municipality."""
        chain = self.ancestors(code)
        if len(chain) == 2 and self.by_code[chain[0]].level == 3:
            return chain[1]
        return chain[-2] if len(chain) >= 2 else chain[-1]


def _spellings(area: Area) -> set[str]:
    """The name, the short name, and the everyday short forms of autonomous divisions
    (黔南州 for 黔南布依族苗族自治州, 松桃县 for 松桃苗族自治县)."""
    spellings = {area.name, area.short_name}
    for suffix, short in (("自治州", "州"), ("自治县", "县")):
        if area.name.endswith(suffix):
            spellings.add(area.short_name + short)
    return spellings


@cache
def areas() -> AreaIndex:
    rows, aliases = [], {}
    with (data_dir() / "areas.csv").open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            rows.append(
                Area(
                    code=row["code"],
                    name=row["name"],
                    parent_code=row["parent_code"] or None,
                    level=int(row["level"]),
                    short_name=row["short_name"],
                )
            )
            for alias in filter(None, row["aliases"].split(";")):
                aliases[alias] = row["code"]
    return AreaIndex(rows, aliases)
