"""Reasons in plain words, in Chinese and English (data/ranker_text.yaml).

For a recommendation: 2-4 reasons, the score parts that contributed most, with their
particulars ("技能匹配：Excel、财务软件", "提供读屏软件", "距离：同区县"). For any pair:
whether it is feasible, and every constraint it fails, in words.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache
from typing import Any

import numpy as np
import yaml

from matcher.core.codes import code_list
from matcher.core.paths import data_dir
from matcher.ranker.engine import _MODES, Ranker, SeekerSet, accommodation_names
from matcher.ranker.inputs import PostingInput, SeekerInput
from matcher.ranker.reference import Exclusion
from matcher.ranker.weights import PARTS, RankerSettings
from matcher.reference.areas import areas
from matcher.reference.occupations import occupations
from matcher.reference.skills import skills

__all__ = ["ReasonWriter", "describe_exclusion", "text"]

MIN_REASONS, MAX_REASONS = 2, 4
LANGUAGES = ("zh", "en")


@cache
def text() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(
        (data_dir() / "ranker_text.yaml").read_text(encoding="utf-8")
    )
    return loaded


def _join(names: Sequence[str], language: str) -> str:
    return ("、" if language == "zh" else ", ").join(names)


def _code_names(list_name: str, keys: Sequence[str], language: str) -> str:
    codes = code_list(list_name)
    return _join([codes.get(k).name(language) for k in keys if k in codes], language)


def _render(template: dict[str, str], values: dict[str, dict[str, str]]) -> dict[str, str]:
    """Fill a {zh, en} template; ``values`` maps each placeholder to its {zh, en}."""
    return {
        lang: template[lang].format(**{k: v[lang] for k, v in values.items()}) for lang in LANGUAGES
    }


_WISH_SEPARATORS = re.compile(r"[、，,；;/／|\s]+")


def _closest_wish(ranker: Ranker, seeker: SeekerInput, posting: PostingInput) -> str:
    """Of the jobs the seeker wrote they want, the one that shares most with the title."""
    wishes = [w for w in _WISH_SEPARATORS.split(seeker.desired_text) if w]

    def shared(wish: str) -> int:
        return sum(map(len, ranker.title_model.shared_phrases(wish, posting.title)))

    return max(wishes, key=shared, default=seeker.desired_text)


def _both(value: str) -> dict[str, str]:
    return {lang: value for lang in LANGUAGES}


def describe_exclusion(
    exclusion: Exclusion, seeker: SeekerInput, posting: PostingInput
) -> dict[str, str]:
    """One failed constraint as {code, zh, en}."""
    templates = text()["constraints"]
    code = exclusion.code
    values: dict[str, dict[str, str]] = {}
    if code == "deadline_passed":
        values["deadline"] = _both(exclusion.detail["deadline"])
    elif code == "not_seeking":
        status = code_list("employment_statuses").get(seeker.employment_status)
        values["status"] = {lang: status.name(lang) for lang in LANGUAGES}
    elif code == "area":
        index = areas()
        values["posting_area"] = _both(index.full_name(posting.area_code))
        accepted = [seeker.area_code, *seeker.willing_areas]
        values["seeker_areas"] = {
            lang: _join([index.name(code) for code in accepted], lang) for lang in LANGUAGES
        }
    elif code == "education":
        by_rank: dict[int, Any] = {}
        for level in code_list("education_levels"):  # the first name of each rank (高中)
            by_rank.setdefault(int(level.extra["rank"]), level)
        values["required"] = {
            lang: by_rank[posting.education_rank].name(lang) for lang in LANGUAGES
        }
        values["actual"] = {lang: by_rank[seeker.education_rank].name(lang) for lang in LANGUAGES}
    elif code == "suitable_types":
        values["types"] = {
            lang: _code_names("disability_types", list(posting.suitable_types or ()), lang)
            for lang in LANGUAGES
        }
    elif code in {"capability", "intrinsic"}:
        dim = exclusion.detail["dimension"]
        levels = text()["levels"]
        values["dimension"] = {
            lang: code_list("dimensions").get(dim).name(lang) for lang in LANGUAGES
        }
        values["demand"] = levels["demand"][posting.demands[dim]]
        values["capacity"] = levels["capacity"][seeker.capacity[dim]]
    elif code in {"restriction_gender", "restriction_age"}:
        detail = exclusion.detail
        values["reason"] = _both(detail["reason"])
        if detail["gender"]:
            gender = code_list("genders").get(detail["gender"])
            values["gender"] = {"zh": gender.name("zh"), "en": gender.name("en").lower()}
        values["ages"] = _ages(detail["age_min"], detail["age_max"])
    return {"code": code, **_render(templates[code], values)}


def _ages(least: str, most: str) -> dict[str, str]:
    if least and most:
        return {"zh": f"{least}至{most}岁", "en": f"{least} to {most}"}
    if least:
        return {"zh": f"{least}岁以上", "en": f"{least} or older"}
    return {"zh": f"{most}岁以下", "en": f"{most} or younger"}


class ReasonWriter:
    """Writes the reasons of many recommendations at once.

    Which parts deserve a reason, and which of those weigh most, is decided with array
    operations for all pairs together; only the chosen reasons are then put into words,
    from a cache, since most repeat across pairs (a posting's category, the same
    accommodations, the same place).
    """

    def __init__(self, settings: RankerSettings) -> None:
        self.weights = np.array([settings.weights[part] for part in PARTS], dtype=np.float32)
        self.templates = text()["parts"]
        self._words: dict[tuple[Any, ...], dict[str, str]] = {}

    def write(
        self,
        ranker: Ranker,
        seekers: SeekerSet,
        i: np.ndarray,
        j: np.ndarray,
        parts: np.ndarray,
    ) -> list[list[dict[str, str]]]:
        """2-4 reasons for each pair (i[k], j[k]), most important first, each {code, zh, en}."""
        column = {part: k for k, part in enumerate(PARTS)}
        wanted = seekers.extra_rows[seekers.extra_sig[i]]
        offered = ranker.extra_rows[ranker.extra_sig[j]]
        accommodations = wanted[:, 1] & offered[:, 1]
        modes = wanted[:, 0] & offered[:, 0]
        worth = np.zeros(parts.shape, dtype=bool)
        worth[:, column["desired"]] = parts[:, column["desired"]] >= 1.0
        worth[:, column["title"]] = parts[:, column["title"]] >= 0.3
        worth[:, column["skills"]] = parts[:, column["skills"]] > 0
        worth[:, column["text"]] = parts[:, column["text"]] >= 0.3
        worth[:, column["major"]] = parts[:, column["major"]] >= 0.8
        worth[:, column["proximity"]] = True
        worth[:, column["accommodations"]] = accommodations != 0
        worth[:, column["pay"]] = (parts[:, column["pay"]] >= 1.0) & ~np.isnan(ranker.salary[j])
        worth[:, column["mode"]] = (parts[:, column["mode"]] >= 1.0) & (modes != 0)
        worth[:, column["employer_kind"]] = parts[:, column["employer_kind"]] >= 1.0
        worth[:, column["freshness"]] = parts[:, column["freshness"]] >= 0.8
        weight = np.where(worth, parts * self.weights, -1.0)
        accommodation_part = column["accommodations"]
        best = np.argsort(-weight, axis=1, kind="stable")
        shown = worth.sum(axis=1)
        values = parts.tolist()
        result = []
        for k, (row, order, count, offered_bits, mode_bits) in enumerate(
            zip(
                i.tolist(),
                best.tolist(),
                shown.tolist(),
                accommodations.tolist(),
                modes.tolist(),
                strict=True,
            )
        ):
            seeker, posting = seekers.items[row], ranker.postings[int(j[k])]
            order = order[:count]
            if accommodation_part in order[1:]:
                # What the employer offers for the seeker's needs is said second, whatever
                # its weight: it is what a disabled jobseeker looks for first.
                order.remove(accommodation_part)
                order.insert(1, accommodation_part)
            order = order[:MAX_REASONS]
            chosen = []
            for part in order:
                key = self._key(
                    PARTS[part], seeker, posting, values[k][part], offered_bits, mode_bits, ranker
                )
                words = self._words.get(key)
                if words is None:
                    words = self._words[key] = self._make(key)
                chosen.append(words)
            if len(chosen) < MIN_REASONS:  # say at least what kind of job it is
                key = ("category", posting.category)
                if key not in self._words:
                    self._words[key] = self._make(key)
                chosen.append(self._words[key])
            result.append(chosen)
        return result

    @staticmethod
    def _key(
        part: str,
        seeker: SeekerInput,
        posting: PostingInput,
        value: float,
        accommodations: int,
        modes: int,
        ranker: Ranker,
    ) -> tuple[Any, ...]:
        """What the words of a reason depend on (the cache key)."""
        if part == "desired":
            return (part, posting.category)
        if part == "title":
            return (part, _closest_wish(ranker, seeker, posting))
        if part == "text":  # the words both texts share, longest first
            return (part, tuple(ranker.text_model.shared_phrases(seeker.text, posting.text)))
        if part == "skills":
            mine, vocabulary = set(seeker.skills), skills().by_id
            # Specific skills make a reason; "teamwork" and the like do not.
            named = [s for s in posting.skills if s in mine and vocabulary[s].group != "general"]
            return (part, tuple(named or [s for s in posting.skills if s in mine])[:3])
        if part == "major":
            return (part, seeker.major)
        if part == "accommodations":
            return (part, accommodations)
        if part == "employer_kind":
            return (part, posting.employer_kind)
        if part == "pay":
            low = posting.salary_min or posting.salary_max
            high = posting.salary_max or posting.salary_min
            return (part, f"{low}–{high}" if low != high else f"{high}")
        if part == "mode":
            return (part, modes)
        if part == "proximity":
            return (
                part,
                {1.0: "same_county", 0.7: "same_prefecture", 0.5: "remote"}.get(
                    round(value, 1), "elsewhere"
                ),
            )
        return (part,)

    def _make(self, key: tuple[Any, ...]) -> dict[str, str]:
        """Put a reason into words, from its cache key."""
        part, *detail = key
        t = self.templates
        values: dict[str, dict[str, str]] = {}
        template = t.get(part)
        if part in {"desired", "category"}:
            values["category"] = _category(detail[0])
            template = template if part == "desired" else text()["category"]
        elif part == "skills":
            vocabulary = skills().by_id
            values["skills"] = {
                lang: _join([vocabulary[s].name(lang) for s in detail[0]], lang)
                for lang in LANGUAGES
            }
        elif part == "major":
            values["major"] = _both(detail[0])
        elif part == "title":
            values["wish"] = _both(detail[0])
        elif part == "text":
            if detail[0]:
                values["words"] = {lang: _join(list(detail[0]), lang) for lang in LANGUAGES}
            else:
                template = t["text_plain"]
        elif part == "accommodations":
            keys = accommodation_names(detail[0])
            values["accommodations"] = {
                lang: _code_names("accommodations", keys, lang) for lang in LANGUAGES
            }
        elif part == "employer_kind":
            kind = code_list("employer_kinds").get(detail[0])
            values["kind"] = {lang: kind.name(lang) for lang in LANGUAGES}
        elif part == "pay":
            values["salary"] = {"zh": f"{detail[0]}元", "en": f"{detail[0]} yuan"}
        elif part == "mode":
            keys = tuple(m for m, bit in _MODES.items() if detail[0] & bit)
            values["modes"] = {lang: _code_names("work_modes", keys, lang) for lang in LANGUAGES}
        elif part == "proximity":
            template = t[part][detail[0]]
        return {"code": part, **_render(template, values)}


def _category(key: str) -> dict[str, str]:
    category = occupations().by_key[key]
    return {lang: category.name(lang) for lang in LANGUAGES}
