"""Administrative divisions of all China: resolve a code, a name or an address, and walk
the hierarchy.

An area may be given as a code (``520102``, or a former one: ``520221`` is now ``520204``),
a name (``南明区``, or a former one: ``水城县``), a short name (``南明``, ``黔南州``), a path of
names (``贵阳市南明区``, ``贵州省贵阳市南明区``, ``上海-徐汇区``, ``北京·朝阳区``), or an
address whose path of divisions is followed by a town, a street or a village
(``贵州省贵阳市修文县扎佐镇``, ``修文县龙场镇``): the address resolves to the finest division
it names. A name that fits several divisions is refused with the candidates, never guessed,
unless one of them lies in the area the caller says the text comes from (``near``).
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
_PATH_SEPARATORS = re.compile(r"[\s/\\>\-—,，、·]+")
_REMARK = re.compile(r"[（(][^）)]*[）)]")


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
        self._former_codes: dict[str, str] = {}
        for area in rows:
            for spelling in _spellings(area):
                names.setdefault(norm_key(spelling), set()).add(area.code)
        for alias, code in aliases.items():
            if alias.isdigit():
                self._former_codes[alias] = code
            else:
                names.setdefault(norm_key(alias), set()).add(code)
        self._names = names
        self._longest = max(len(key) for key in names)
        # The spellings an address may end a division with: the name, a former name, and
        # the everyday short forms of autonomous divisions (黔南州), not the bare short name.
        self._full: dict[str, tuple[str, ...]] = {
            area.code: tuple(norm_key(spelling) for spelling in _spellings(area) - _bare(area))
            for area in rows
        }
        for alias, code in aliases.items():
            if not alias.isdigit():
                self._full[code] += (norm_key(alias),)
        self._resolved: dict[tuple[str, str | None], str] = {}

    def resolve(self, text: str, *, near: str | None = None) -> str:
        """The code for ``text``; ``*`` for anywhere. Raises AreaError with the reason.
        ``near``: the division the text comes from (a campaign's, an office's), which
        decides between namesakes (朝阳区 near 110000 is Beijing's)."""
        value = text.strip()
        found = self._resolved.get((value, near))
        if found is None:
            found = self._resolved[(value, near)] = self._resolve(value, near)
        return found

    def _resolve(self, value: str, near: str | None) -> str:
        if norm_key(value) in ANYWHERE_WORDS:
            return ANYWHERE
        if value.isdigit():
            if value in self.by_code:
                return value
            if value in self._former_codes:
                return self._former_codes[value]
            raise AreaError(f"no administrative division has the code {value}")
        value = _REMARK.sub("", value).strip() or value  # 成都（可远程）: the remark is no place
        key = norm_key(_PATH_SEPARATORS.sub("", value))
        candidates = (
            self._names.get(key)
            or self._match_path(key, None)
            or self._address(key)
            or self._leading_parts(value)
        )
        candidates = self._narrowed(candidates, near)
        if len(candidates) == 1:
            return next(iter(candidates))
        if len(candidates) > 1:
            options = "、".join(sorted(self.full_name(code) for code in candidates))
            raise AreaError(f"'{value}' names several divisions ({options}); give the fuller name")
        raise AreaError(f"'{value}' is not a known administrative division")

    def _narrowed(self, candidates: set[str], near: str | None) -> set[str]:
        """Of namesakes, the one that holds all the others (南昌 is the city, not its county
        南昌县; 红河 the prefecture), else those nearest to ``near``: in its prefecture, else
        its province."""
        if len(candidates) < 2:
            return candidates
        broad = [c for c in candidates if all(c in self.ancestors(o) for o in candidates)]
        if broad:
            return {broad[0]}
        if not near or near not in self.by_code:
            return candidates
        for around in self.ancestors(near):
            inside = {code for code in candidates if around in self.ancestors(code)}
            if inside:
                return inside
        return candidates

    def _match_path(self, key: str, within: str | None) -> set[str]:
        """Divisions named by ``key`` read as a path of spellings, each inside the one before
        (贵州省黔南州都匀市, 贵阳南明区)."""
        found: set[str] = set()
        for end in range(1, min(len(key), self._longest) + 1):
            for code in self._names.get(key[:end], ()):
                if within is not None and within not in self.ancestors(code)[1:]:
                    continue
                rest = key[end:]
                found |= {code} if not rest else self._match_path(rest, code)
        return found

    def _leading_parts(self, value: str) -> set[str]:
        """Parts written apart (东莞 长安镇, 重庆 两江新区, 广州、佛山): the most leading parts
        that name a division, whatever follows them, since a space or a mark ends the
        division's name (a short one included)."""
        parts = [part for part in _PATH_SEPARATORS.split(value) if part]
        for count in range(len(parts) - 1, 0, -1):
            key = norm_key("".join(parts[:count]))
            found = self._names.get(key) or self._match_path(key, None)
            if found:
                return set(found)
        return set()

    def _address(self, key: str) -> set[str]:
        """An address: the longest start of ``key`` that is a path of divisions ending in a
        full name (修文县, 黔南州, 上海市), whatever follows it (a town, a street, a village, a
        house number). A short name is not enough before other text: 南明路 is a street."""
        for end in range(len(key) - 1, 1, -1):
            start = key[:end]
            found = self._names.get(start) or self._match_path(start, None)
            found = {code for code in found if start.endswith(self._full[code])}
            if found:
                return found
        return set()

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


def _bare(area: Area) -> set[str]:
    """The short name, where it is not the whole name (南明, but not 赵县)."""
    return {area.short_name} - {area.name}


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
