"""The code lists of data/codes.yaml: keys, display names and the aliases imports accept."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import yaml

from matcher.core.paths import data_dir
from matcher.core.text import norm_key

__all__ = ["Code", "CodeList", "code_list"]


@dataclass(frozen=True)
class Code:
    key: str
    zh: str
    en: str
    extra: dict[str, Any] = field(default_factory=dict)

    def name(self, locale: str = "zh") -> str:
        return self.en if locale.startswith("en") else self.zh


class CodeList:
    """One code list, with look-up of a key from its key, names or aliases."""

    def __init__(self, name: str, entries: list[dict[str, Any]]) -> None:
        self.name = name
        self.codes: dict[str, Code] = {}
        self._lookup: dict[str, str] = {}
        for entry in entries:
            key = str(entry["key"])
            extra = {k: v for k, v in entry.items() if k not in {"key", "zh", "en", "aliases"}}
            self.codes[key] = Code(key=key, zh=entry["zh"], en=entry["en"], extra=extra)
            for spelling in [key, entry["zh"], entry["en"], *entry.get("aliases", [])]:
                self._lookup.setdefault(norm_key(str(spelling)), key)

    def __contains__(self, key: object) -> bool:
        return key in self.codes

    def __iter__(self) -> Iterator[Code]:
        return iter(self.codes.values())

    def keys(self) -> list[str]:
        return list(self.codes)

    def find(self, text: str) -> str | None:
        """The key that ``text`` names, or None."""
        return self._lookup.get(norm_key(text))

    def get(self, key: str) -> Code:
        return self.codes[key]

    def spellings(self) -> str:
        """The accepted values, for error messages."""
        return "、".join(f"{c.zh}/{c.key}" for c in self.codes.values())


@cache
def _all() -> dict[str, CodeList]:
    raw = yaml.safe_load((data_dir() / "codes.yaml").read_text(encoding="utf-8"))
    return {name: CodeList(name, entries) for name, entries in raw.items()}


def code_list(name: str) -> CodeList:
    return _all()[name]
