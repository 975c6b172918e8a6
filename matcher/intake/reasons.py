"""The import's problem reasons in the reader's language (data/import_reasons.yaml).

The importers word their reasons in English; the CLI and the English UI show them as they
are. For Chinese, the first entry of the data file whose pattern matches the whole reason
gives its Chinese template, filled with the pattern's named groups. A reason no entry
matches stays in English, and says so, so that a page can mark its language.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

import yaml

from matcher.core.codes import code_list
from matcher.core.paths import data_dir
from matcher.reference.occupations import occupations
from matcher.reference.screening import rules as screening_rules

__all__ = ["NESTED", "PART_NAMES", "Localized", "ReasonRule", "localize", "localized", "rules"]

NESTED = "reason"  # a part that is itself a reason


def _rule_names() -> dict[str, str]:
    return {rule.key: rule.name_zh for rule in screening_rules()}


def _category_names() -> dict[str, str]:
    return {row.key: row.name_zh for row in occupations()}


# Parts named by a list other than a code list: screening rules and posting categories.
PART_NAMES = {"screening_rules": _rule_names, "categories": _category_names}


@dataclass(frozen=True)
class Localized:
    text: str
    lang: str  # the language ``text`` is in: "zh" or "en"


@dataclass(frozen=True)
class ReasonRule:
    pattern: re.Pattern[str]
    zh: str
    parts: dict[str, str]  # group name -> "reason" or a code list's name


@cache
def rules() -> tuple[ReasonRule, ...]:
    raw = yaml.safe_load((data_dir() / "import_reasons.yaml").read_text(encoding="utf-8"))
    return tuple(
        ReasonRule(
            pattern=re.compile(entry["en"], re.DOTALL),
            zh=entry["zh"],
            parts=dict(entry.get("parts", {})),
        )
        for entry in raw["reasons"]
    )


def localize(reason: str, lang: str) -> Localized:
    """``reason`` in ``lang`` ("zh" or "en"); English when no entry matches it."""
    if not lang.startswith("zh"):
        return Localized(reason, "en")
    for rule in rules():
        match = rule.pattern.fullmatch(reason)
        if match is None:
            continue
        values = {
            name: _part(rule.parts.get(name), value or "")
            for name, value in match.groupdict().items()
        }
        return Localized(rule.zh.format(**values), "zh")
    return Localized(reason, "en")


def localized(reason: str, lang: str) -> str:
    return localize(reason, lang).text


def _part(kind: str | None, value: str) -> str:
    if kind is None or not value:
        return value
    if kind == NESTED:
        return localized(value, "zh")
    if kind in PART_NAMES:
        listed = PART_NAMES[kind]()
        return "、".join(listed.get(item, item) for item in value.split(", "))
    codes = code_list(kind)
    names = []
    for item in value.split(", "):
        key = codes.find(item)
        names.append(codes.get(key).zh if key is not None else item)
    return "、".join(names)
