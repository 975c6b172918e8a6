"""Find known terms inside free text.

Shared by the skills vocabulary and the occupation categories. Spellings are compared on
``norm_key`` text (NFKC, lower case, no spaces). Latin spellings must stand alone
("java" is not found inside "javascript"); Chinese spellings match anywhere. At each
position the longest spelling wins, and the scan continues after it.

The scan indexes spellings by their first character: a regular expression with thousands
of alternatives tries each of them at every position and was 30 times slower.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from matcher.core.text import norm_key

__all__ = ["TermFinder"]


def _is_word_char(char: str) -> bool:
    return char.isascii() and char.isalnum()


class TermFinder:
    def __init__(self, spellings: Iterable[tuple[str, str]]) -> None:
        """``spellings``: (spelling, term id) pairs; a spelling maps to its first id."""
        self.lookup: dict[str, str] = {}
        for spelling, term in spellings:
            key = norm_key(spelling)
            if key:
                self.lookup.setdefault(key, term)
        self._by_first: dict[str, list[str]] = {}
        for key in sorted(self.lookup, key=len, reverse=True):
            self._by_first.setdefault(key[0], []).append(key)

    def exact(self, text: str) -> str | None:
        return self.lookup.get(norm_key(text))

    def _matches(self, text: str) -> Iterator[str]:
        text = norm_key(text)
        position, end = 0, len(text)
        while position < end:
            for key in self._by_first.get(text[position], ()):
                if text.startswith(key, position) and self._stands_alone(text, position, key):
                    yield key
                    position += len(key)
                    break
            else:
                position += 1

    @staticmethod
    def _stands_alone(text: str, position: int, key: str) -> bool:
        if not (_is_word_char(key[0]) or _is_word_char(key[-1])):
            return True
        after = position + len(key)
        if _is_word_char(key[0]) and position > 0 and _is_word_char(text[position - 1]):
            return False
        return not (_is_word_char(key[-1]) and after < len(text) and _is_word_char(text[after]))

    def find_all(self, text: str) -> list[str]:
        """Term ids mentioned in ``text``, in order of first mention, without repeats."""
        return list(dict.fromkeys(self.lookup[key] for key in self._matches(text)))

    def count_all(self, text: str) -> dict[str, int]:
        """Term id -> characters of ``text`` matched by its spellings."""
        counts: dict[str, int] = {}
        for key in self._matches(text):
            term = self.lookup[key]
            counts[term] = counts.get(term, 0) + len(key)
        return counts
