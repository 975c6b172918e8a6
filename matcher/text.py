"""Small text helpers shared by imports, vocabularies and the ranker."""

from __future__ import annotations

import re
import unicodedata

__all__ = ["LIST_SEPARATORS", "norm_key", "split_list"]

# List cells split on these (import spec): ; ； 、 , ，
LIST_SEPARATORS = re.compile(r"[;；、,，\n]+")
_SPACE = re.compile(r"\s+")


def norm_key(text: str) -> str:
    """A comparison key: NFKC (full-width to half-width), lower case, no spaces."""
    return _SPACE.sub("", unicodedata.normalize("NFKC", text)).lower()


def split_list(text: str) -> list[str]:
    """Split a list cell into its stripped, non-empty items, keeping their order."""
    return [item.strip() for item in LIST_SEPARATORS.split(text) if item.strip()]
