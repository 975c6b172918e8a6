"""A posting's effective requirement profile.

The employer's explicit demands win for the dimensions they name; every other dimension
takes the level of the posting's occupation category (data/occupation_profiles.csv).
"""

from __future__ import annotations

from matcher.occupations import occupations

__all__ = ["requirement_profile"]


def requirement_profile(
    *, category: str, text: str = "", explicit: dict[str, int] | None = None
) -> dict[str, int]:
    del text  # the text-based adjustments arrive with the ranker
    profile = occupations().profile(category)
    profile.update(explicit or {})
    return profile
