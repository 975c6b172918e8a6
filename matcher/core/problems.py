"""What is wrong with a form a person filled in: each problem names its field and says why,
in Chinese and English; ``Invalid`` carries all of them at once."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Invalid", "Problem"]


@dataclass(frozen=True)
class Problem:
    field: str
    zh: str
    en: str

    def text(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en


class Invalid(ValueError):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(f"{p.field}: {p.en}" for p in problems))
        self.problems = problems
