"""Small text helpers shared by imports, vocabularies and the ranker."""

from __future__ import annotations

import re
import unicodedata

__all__ = ["LIST_SEPARATORS", "control_character", "norm_key", "shown_controls", "split_list"]

# List cells split on these (import spec): ; ； 、 , ，
LIST_SEPARATORS = re.compile(r"[;；、,，\n]+")
_SPACE = re.compile(r"\s+")
# NUL and the other C0 control characters, and DEL; tab, line feed and carriage return are
# text. PostgreSQL cannot store NUL in text at all, and none of them belongs in a name, a
# cell or a query (SECURITY.md item 31).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def norm_key(text: str) -> str:
    """A comparison key: NFKC (full-width to half-width), lower case, no spaces."""
    return _SPACE.sub("", unicodedata.normalize("NFKC", text)).lower()


def split_list(text: str) -> list[str]:
    """Split a list cell into its stripped, non-empty items, keeping their order."""
    return [item.strip() for item in LIST_SEPARATORS.split(text) if item.strip()]


def control_character(text: str) -> str | None:
    """The first control character in ``text`` that text may not hold, as ``U+0000``."""
    found = _CONTROL.search(text)
    return None if found is None else f"U+{ord(found.group()):04X}"


def shown_controls(text: str) -> str:
    """``text`` with each such control character written out visibly, as ``\\x00``."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)
