"""Finding the same job posted twice by one employer in one area: nearly the same title
(rapidfuzz ratio of the normalised titles), and nearly the same text when both have one.

The postings of a group are indexed by title, so a new one is compared only with those
whose title is near its own, and their texts in one call to rapidfuzz: a file of 20,000
postings of a few employers is checked in seconds, where comparing every pair took minutes.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Generic, TypeVar

from rapidfuzz import fuzz, process

from matcher.core.text import norm_key

__all__ = ["TEXT_SIMILARITY", "TITLE_SIMILARITY", "Twins"]

TITLE_SIMILARITY = 90  # rapidfuzz ratio of two normalised titles to call them the same job
TEXT_SIMILARITY = 80  # ... and of the first 300 characters of their texts, when both have one
_TEXT_READ = 300

Tag = TypeVar("Tag")


class _Title(Generic[Tag]):
    def __init__(self) -> None:
        self.texts: list[str] = []
        self.tags: list[Tag] = []  # of the postings with a text, in the order added
        self.textless: list[Tag] = []  # of those without one


class Twins(Generic[Tag]):
    """The postings of one employer and area seen so far, each with a tag (a row, a record)."""

    def __init__(self) -> None:
        self._titles: dict[str, _Title[Tag]] = defaultdict(_Title)

    def add(self, title: str, text: str, tag: Tag) -> None:
        group = self._titles[norm_key(title)]
        if text:
            group.texts.append(text[:_TEXT_READ])
            group.tags.append(tag)
        else:
            group.textless.append(tag)

    def find(self, title: str, text: str) -> Tag | None:
        """The tag of a posting already added that is the same job, if one is."""
        key = norm_key(title)
        near = [key] if key in self._titles else []
        near += [
            other
            for other, _, _ in process.extract(
                key,
                list(self._titles),
                scorer=fuzz.ratio,
                score_cutoff=TITLE_SIMILARITY,
                limit=None,
            )
            if other != key
        ]
        for other in near:
            group = self._titles[other]
            if not text:  # nothing to tell them apart by
                return (group.tags or group.textless)[0]
            if group.textless:
                return group.textless[0]
            best = process.extractOne(
                text[:_TEXT_READ], group.texts, scorer=fuzz.ratio, score_cutoff=TEXT_SIMILARITY
            )
            if best is not None:
                return group.tags[best[2]]
        return None
