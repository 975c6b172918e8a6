"""The slow, obviously correct ranker: one pair at a time, in plain Python.

It defines what the fast, vectorised ranker must compute; the tests check that the two
agree on random cases. It is also what ``why`` uses to say, in words, which constraints a
pair fails: every failing constraint, not only the first.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from matcher.core.codes import code_list
from matcher.core.text import norm_key
from matcher.ranker.inputs import PostingInput, SeekerInput
from matcher.ranker.lexical import TITLE_MAX_DF
from matcher.ranker.weights import PARTS, RankerSettings
from matcher.reference.areas import ANYWHERE, areas
from matcher.reference.profiles import bridged_levels, dimension_keys

__all__ = ["Exclusion", "ReferenceRanker"]


@dataclass(frozen=True)
class Exclusion:
    code: str
    detail: dict[str, str] = field(default_factory=dict)


def _word_character(char: str) -> bool:
    point = ord(char)
    return (
        0x30 <= point <= 0x39
        or 0x61 <= point <= 0x7A
        or 0x3400 <= point <= 0x9FFF
        or 0xF900 <= point <= 0xFAFF
        or 0x20000 <= point <= 0x3FFFF
    )


def _normalise(text: str) -> str:
    out = []
    for char in text:
        point = ord(char)
        if 0xFF01 <= point <= 0xFF5E:
            point -= 0xFEE0
        if 0x41 <= point <= 0x5A:
            point += 0x20
        out.append(chr(point))
    return "".join(out)


def bigrams(text: str) -> list[str]:
    text = _normalise(text)
    return [
        text[i : i + 2]
        for i in range(len(text) - 1)
        if _word_character(text[i]) and _word_character(text[i + 1])
    ]


def _idf(texts: Sequence[str], min_df: int, max_df: float) -> dict[str, float]:
    """Smoothed idf of the bigrams in at least ``min_df`` and at most ``max_df`` of texts."""
    n = len(texts)
    df = Counter(gram for text in texts for gram in set(bigrams(text)))
    limit = max(min_df, max_df * n)
    return {g: math.log((1 + n) / (1 + d)) + 1 for g, d in df.items() if min_df <= d <= limit}


def _tfidf(text: str, idf: dict[str, float]) -> dict[str, float]:
    counts = Counter(gram for gram in bigrams(text) if gram in idf)
    vector = {gram: (1 + math.log(tf)) * idf[gram] for gram, tf in counts.items()}
    norm = math.sqrt(sum(v * v for v in vector.values()))
    return {gram: v / norm for gram, v in vector.items()} if norm else {}


def _cosine(a: dict[str, float], b: dict[str, float]) -> float:
    return sum(v * b[gram] for gram, v in a.items() if gram in b)


class ReferenceRanker:
    """Fitted on the postings, like the fast ranker: skill weights and the text model."""

    def __init__(
        self,
        postings: Sequence[PostingInput],
        settings: RankerSettings,
        *,
        today: date,
        min_df: int = 2,
        max_df: float = 0.1,
    ) -> None:
        self.settings = settings
        self.today = today
        n = len(postings)
        skill_df = Counter(skill for p in postings for skill in set(p.skills))
        self.skill_weight = {k: math.log((1 + n) / (1 + df)) + 1 for k, df in skill_df.items()}
        self.idf = _idf([p.text for p in postings], min_df, max_df)
        self.title_idf = _idf([p.title for p in postings], 1, TITLE_MAX_DF)

    # --- constraints ---------------------------------------------------------------------

    def exclusions(self, seeker: SeekerInput, posting: PostingInput) -> list[Exclusion]:
        found = []
        if posting.status == "held":
            found.append(Exclusion("posting_held"))
        elif posting.status != "open":
            found.append(Exclusion("posting_closed"))
        if posting.deadline is not None and posting.deadline < self.today:
            found.append(Exclusion("deadline_passed", {"deadline": posting.deadline.isoformat()}))
        if posting.openings <= 0:
            found.append(Exclusion("no_openings"))
        if not seeker.eligible:
            found.append(
                Exclusion(
                    seeker.ineligible_reason or "no_consent", {"status": seeker.employment_status}
                )
            )
        if posting.id in seeker.declined:
            found.append(Exclusion("declined"))
        if not self.area_ok(seeker, posting):
            found.append(Exclusion("area"))
        if seeker.education_rank < posting.education_rank:
            found.append(Exclusion("education"))
        if posting.graduate_only and not seeker.is_graduate:
            found.append(Exclusion("graduate_only"))
        restriction = posting.restriction
        if restriction and not restriction.admits(seeker.gender, seeker.birth_year, self.today):
            by_gender = bool(restriction.gender and seeker.gender != restriction.gender)
            found.append(
                Exclusion(
                    "restriction_gender" if by_gender else "restriction_age",
                    {
                        "gender": restriction.gender or "",
                        "age_min": str(restriction.age_min or ""),
                        "age_max": str(restriction.age_max or ""),
                        "reason": restriction.reason,
                    },
                )
            )
        if posting.suitable_types is not None and not (
            set(seeker.disability_types) & set(posting.suitable_types)
        ):
            found.append(Exclusion("suitable_types"))
        for dim in dimension_keys():
            demand, capacity = posting.demands[dim], seeker.capacity[dim]
            if demand <= capacity:
                continue
            if dim in posting.intrinsic:
                found.append(Exclusion("intrinsic", {"dimension": dim}))
            elif not any(bridged_levels(a).get(dim, 0) >= demand for a in posting.accommodations):
                found.append(Exclusion("capability", {"dimension": dim}))
        return found

    def feasible(self, seeker: SeekerInput, posting: PostingInput) -> bool:
        return not self.exclusions(seeker, posting)

    @staticmethod
    def area_ok(seeker: SeekerInput, posting: PostingInput) -> bool:
        if "remote" in posting.work_modes:
            return True
        index = areas()
        accepted = {seeker.area_code, *seeker.willing_areas}
        if ANYWHERE in accepted:
            return True
        if any(index.covers(area, posting.area_code) for area in accepted):
            return True
        # A posting listed for a whole city or province is in the seeker's area too.
        return index.covers(posting.area_code, seeker.area_code)

    @staticmethod
    def needs_accommodation(seeker: SeekerInput, posting: PostingInput) -> list[str]:
        """The offered accommodations that bridge a gap between demand and capacity, in the
        order of the code list."""
        needed = set()
        for dim in dimension_keys():
            demand = posting.demands[dim]
            if demand > seeker.capacity[dim] and dim not in posting.intrinsic:
                needed |= {
                    a for a in posting.accommodations if bridged_levels(a).get(dim, 0) >= demand
                }
        return [a for a in code_list("accommodations").keys() if a in needed]

    # --- score parts ---------------------------------------------------------------------

    def parts(self, seeker: SeekerInput, posting: PostingInput) -> dict[str, float]:
        return {
            "desired": 1.0 if posting.category in seeker.desired_categories else 0.0,
            "title": _cosine(
                _tfidf(seeker.desired_text, self.title_idf), _tfidf(posting.title, self.title_idf)
            ),
            "skills": self.skills(seeker, posting),
            "text": min(1.0, self.settings.text_scale * self.text_similarity(seeker, posting)),
            "major": self.major(seeker, posting),
            "proximity": self.proximity(seeker, posting),
            "accommodations": self.accommodations(seeker, posting),
            "pay": self.pay(seeker, posting),
            "mode": self.mode(seeker, posting),
            "employer_kind": float(
                seeker.is_graduate
                and posting.employer_kind in self.settings.favoured_employer_kinds
            ),
            "freshness": math.exp(-max(posting.age_days, 0.0) / self.settings.freshness_days),
        }

    def score(self, seeker: SeekerInput, posting: PostingInput) -> float:
        parts = self.parts(seeker, posting)
        return sum(self.settings.weights[part] * parts[part] for part in PARTS)

    def skills(self, seeker: SeekerInput, posting: PostingInput) -> float:
        wanted = {k: self.skill_weight.get(k, 0.0) for k in set(posting.skills)}
        total = sum(wanted.values())
        if total == 0:
            return 0.0
        return sum(w for k, w in wanted.items() if k in set(seeker.skills)) / total

    def text_similarity(self, seeker: SeekerInput, posting: PostingInput) -> float:
        return _cosine(_tfidf(seeker.text, self.idf), _tfidf(posting.text, self.idf))

    @staticmethod
    def major(seeker: SeekerInput, posting: PostingInput) -> float:
        if not seeker.major:
            return 0.0
        listed = norm_key(seeker.major) in {norm_key(m) for m in posting.majors}
        field = posting.category in seeker.major_categories
        return min(1.0, 0.8 * field + listed)

    @staticmethod
    def proximity(seeker: SeekerInput, posting: PostingInput) -> float:
        index = areas()
        if posting.area_code == seeker.area_code:
            return 1.0
        if index.city(posting.area_code) == index.city(seeker.area_code):
            return 0.7
        if "remote" in posting.work_modes:
            return 0.5
        return 0.3

    @staticmethod
    def accommodations(seeker: SeekerInput, posting: PostingInput) -> float:
        needed = set(seeker.accommodations_needed)
        if not needed:
            return 1.0
        return len(needed & set(posting.accommodations)) / len(needed)

    @staticmethod
    def pay(seeker: SeekerInput, posting: PostingInput) -> float:
        wanted = seeker.min_salary
        offered = posting.salary_max if posting.salary_max is not None else posting.salary_min
        if not wanted or offered is None:
            return 0.5
        if offered >= wanted:
            return 1.0
        return max(0.0, 1.0 - 2.0 * (wanted - offered) / wanted)

    @staticmethod
    def mode(seeker: SeekerInput, posting: PostingInput) -> float:
        wanted, offered = set(seeker.work_modes), set(posting.work_modes)
        if not wanted or not offered:
            return 0.5
        return 1.0 if wanted & offered else 0.0
