"""Functional profiles: the dimensions, capability defaults, and what accommodations bridge.

A profile maps each dimension key to a level 0..2 (DESIGN.md). A seeker's capacity comes
from their assessed profile if a case worker recorded one, else from the defaults for their
disability types and grade (data/capability_defaults.csv); with several types the most
limiting level of each dimension applies.
"""

from __future__ import annotations

import csv
import re
from functools import cache

from matcher.core.codes import code_list
from matcher.core.paths import data_dir

__all__ = [
    "ProfileError",
    "bridged_levels",
    "default_capacity",
    "dimension_keys",
    "format_levels",
    "parse_levels",
]

_PAIR = re.compile(r"^\s*([^=:：]+?)\s*[=:：]\s*(\S+)\s*$")
_LEVEL_WORDS = {
    "0": 0,
    "1": 1,
    "2": 2,
    "无": 0,
    "不需要": 0,
    "一般": 1,
    "部分": 1,
    "需要": 2,
    "必须": 2,
}


class ProfileError(ValueError):
    pass


@cache
def dimension_keys() -> tuple[str, ...]:
    return tuple(code_list("dimensions").keys())


def parse_levels(text: str) -> dict[str, int]:
    """Parse ``mobility=0;hands=2`` (keys or their Chinese names; ``;`` ``；`` ``,`` ``，``)."""
    dimensions = code_list("dimensions")
    levels: dict[str, int] = {}
    for item in filter(None, (part.strip() for part in re.split(r"[;；,，、\n]", text))):
        match = _PAIR.match(item)
        if not match:
            raise ProfileError(f"'{item}' is not of the form dimension=level")
        key = dimensions.find(match.group(1))
        if key is None:
            raise ProfileError(
                f"'{match.group(1)}' is not a dimension; use one of {', '.join(dimension_keys())}"
            )
        level = _LEVEL_WORDS.get(match.group(2))
        if level is None:
            raise ProfileError(f"level '{match.group(2)}' for {key} must be 0, 1 or 2")
        if key in levels and levels[key] != level:
            raise ProfileError(f"{key} is given twice with different levels")
        levels[key] = level
    return levels


def format_levels(levels: dict[str, int]) -> str:
    return ";".join(f"{key}={levels[key]}" for key in dimension_keys() if key in levels)


@cache
def _defaults() -> dict[tuple[str, int], dict[str, int]]:
    table: dict[tuple[str, int], dict[str, int]] = {}
    with (data_dir() / "capability_defaults.csv").open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            key = (row["disability_type"], int(row["grade"]))
            table[key] = {dim: int(row[dim]) for dim in dimension_keys()}
    return table


def default_capacity(disability_types: list[str], grade: int) -> dict[str, int]:
    """Default capacity per dimension; several types combine to the most limiting level."""
    return dict(_combined(tuple(sorted(disability_types or ["multiple"])), grade))


@cache
def _combined(disability_types: tuple[str, ...], grade: int) -> dict[str, int]:
    defaults = _defaults()
    rows = [defaults[(kind, grade)] for kind in disability_types]
    return {dim: min(row[dim] for row in rows) for dim in dimension_keys()}


@cache
def bridged_levels(accommodation: str) -> dict[str, int]:
    """The dimensions an accommodation bridges, each with the highest demand it bridges."""
    extra = code_list("accommodations").get(accommodation).extra
    return {str(dim): int(level) for dim, level in extra["bridges"].items()}
