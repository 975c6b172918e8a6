"""Screening postings for requirements that shut disabled people out without a job reason.

``screen(title, description, requirements)`` returns a ``Flag`` for each phrase that a rule
of data/screening_rules.yaml matches: height, weight, looks, blanket health clauses, "no
disability", illness histories, blanket eyesight and hearing conditions, upper age limits,
gender limits; and, as notes, lawful conditions to check (health certificates, medicals).
Each flag carries the rule's explanation in Chinese and English and its citations, so that
an organizer can take it up with the employer.

Texts are matched after normalisation (NFKC, so full-width digits and punctuation become
half-width; lower case; no spaces; dashes as "-"); each flag's offsets point into the text
as given. A match is cancelled by an exception that overlaps it (身高不限, 品牌形象,
3-6岁儿童), and a flag becomes a note when the posting states a job reason the rule knows
(辨色 for colour vision, 接听电话 for hearing). Pure functions: no database.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any, Literal

import yaml

from matcher.core.paths import data_dir

__all__ = [
    "HOLD_REASON",
    "SCREENED_FIELDS",
    "Citation",
    "Finding",
    "Flag",
    "Rule",
    "findings",
    "holding_rules",
    "holds",
    "normalise",
    "rules",
    "screen",
]

# A posting held for a holding rule's flag records the reason "flag:<rule key>".
HOLD_REASON = "flag:"

Severity = Literal["flag", "note"]
SCREENED_FIELDS = ("title", "description", "requirements")  # a posting's texts, as screened

_MACRO = re.compile(r"\{([A-Z_]+)\}")
_DASHES = {ord(c): "-" for c in "‐‑‒–—―−﹣"} | {ord("〜"): "~"}


@dataclass(frozen=True)
class Citation:
    document_zh: str
    document_en: str
    clause_zh: str
    clause_en: str
    quote_zh: str
    quote_en: str


@dataclass(frozen=True)
class Rule:
    """One rule of data/screening_rules.yaml, its pattern lists compiled into one each."""

    key: str
    severity: Severity
    name_zh: str
    name_en: str
    pattern: re.Pattern[str]
    exception: re.Pattern[str] | None
    job_reason: re.Pattern[str] | None
    explanation_zh: str
    explanation_en: str
    job_reason_zh: str
    job_reason_en: str
    citations: tuple[Citation, ...]
    # A flag of this rule holds the posting for review (it excludes people by disability,
    # health, gender, height, looks or age); otherwise it is only taken up with the employer.
    holds: bool = True


@dataclass(frozen=True)
class Flag:
    """One matched phrase: where it is, which rule, why it matters, what it breaks."""

    rule: str
    severity: Severity  # "flag": take it up with the employer; "note": check it
    phrase: str  # as written in the input
    field: int  # which argument of screen() it is in
    start: int  # offsets of the phrase in that argument
    end: int
    explanation_zh: str
    explanation_en: str
    citations: tuple[Citation, ...]
    job_reason: str | None = None  # the normalised phrase that turned a flag into a note


@cache
def _char(char: str) -> str:
    """One character as the rules see it (per character, so offsets map back)."""
    if char in "\r\n":
        return "\n"
    out = unicodedata.normalize("NFKC", char).lower().translate(_DASHES)
    return "".join(c for c in out if not c.isspace())


def normalise(text: str) -> tuple[str, list[int]]:
    """The text as the rules see it, and for each of its characters the original offset.
    Spaces go, except a space between two items of a list written with spaces for
    punctuation (年龄要求：22-35 3、经验), which becomes a comma: the items stay apart."""
    chars: list[str] = []
    origin: list[int] = []
    for index, char in enumerate(text):
        if char.isspace() and char not in "\r\n":
            if chars and chars[-1] not in ",\n" and _starts_item(text, index):
                chars.append(",")
                origin.append(index)
            continue
        for out in _char(char):
            if out == "\n" and (not chars or chars[-1] == "\n"):
                continue
            chars.append(out)
            origin.append(index)
            if _ends_item_number(chars, text, index):
                chars.append(",")  # 3.30岁以下 is item 3, aged under 30; not 3.30
                origin.append(index)
    return "".join(chars), origin


def _ends_item_number(chars: list[str], text: str, index: int) -> bool:
    """Whether ``chars`` ends with the number of a list item (1. or 2、 at the start of a
    line or after a space) and a number follows in ``text``."""
    if len(chars) < 2 or chars[-1] not in ".、" or not chars[-2].isdigit():
        return False
    start = len(chars) - 2
    while start and chars[start - 1].isdigit():
        start -= 1
    opening = start == 0 or chars[start - 1] in "\n,;:"
    following = text[index + 1 : index + 3].lstrip()
    return opening and len(chars) - 1 - start <= 2 and following[:1].isdigit()


_NUMBERED = re.compile(r"\s+(?:\d{1,2}|[一二三四五六七八九十])\s*[、.．)）]")
_WORD = re.compile(r"\s+[\d\u4e00-\u9fff]")


def _starts_item(text: str, index: int) -> bool:
    """Whether the spaces at ``index`` end one list item and begin the next: before a
    numbered item (… 2.身高), or after a number before a word (22-35 3、经验); not inside
    身高 165cm or 22 - 35."""
    if _NUMBERED.match(text, index):
        return True
    before = text[index - 1] if index else ""
    return (before.isdigit() or before in "岁元人") and _WORD.match(text, index) is not None


def _compile(patterns: list[str], macros: dict[str, str], where: str) -> re.Pattern[str] | None:
    if not patterns:
        return None

    def expand(match: re.Match[str]) -> str:
        try:
            return macros[match.group(1)]
        except KeyError:
            raise ValueError(f"{where}: unknown macro {match.group(0)}") from None

    expanded = [_MACRO.sub(expand, pattern) for pattern in patterns]
    try:
        return re.compile("|".join(f"(?:{pattern})" for pattern in expanded))
    except re.error as error:
        raise ValueError(f"{where}: {error}") from error


def _rule(raw: dict[str, Any], macros: dict[str, str], documents: dict[str, Any]) -> Rule:
    key = str(raw["key"])
    severity = raw["severity"]
    if severity not in ("flag", "note"):
        raise ValueError(f"rule {key}: severity must be flag or note, not {severity!r}")
    citations = []
    for cited in raw["citations"]:
        document = documents[cited["document"]]
        citations.append(
            Citation(
                document_zh=document["zh"],
                document_en=document["en"],
                clause_zh=cited["clause_zh"],
                clause_en=cited["clause_en"],
                quote_zh=cited["quote_zh"],
                quote_en=cited["quote_en"],
            )
        )
    if not citations:
        raise ValueError(f"rule {key}: no citation")
    job_reason = _compile(raw.get("job_reasons", []), macros, f"rule {key} job_reasons")
    pattern = _compile(raw["patterns"], macros, f"rule {key} patterns")
    if pattern is None:
        raise ValueError(f"rule {key}: no pattern")
    return Rule(
        key=key,
        severity=severity,
        name_zh=raw["name_zh"],
        name_en=raw["name_en"],
        pattern=pattern,
        exception=_compile(raw.get("exceptions", []), macros, f"rule {key} exceptions"),
        job_reason=job_reason,
        explanation_zh=raw["explanation_zh"],
        explanation_en=raw["explanation_en"],
        job_reason_zh=raw["job_reason_zh"] if job_reason else "",
        job_reason_en=raw["job_reason_en"] if job_reason else "",
        citations=tuple(citations),
        holds=severity == "flag" and bool(raw.get("holds", True)),
    )


@cache
def holding_rules() -> frozenset[str]:
    """The keys of the rules whose flags hold a posting for review."""
    return frozenset(rule.key for rule in rules() if rule.holds)


def holds(flag: Flag) -> bool:
    """Whether a screening result holds its posting for review: a flag (not a note, which
    a job reason makes of it) of a holding rule."""
    return flag.severity == "flag" and flag.rule in holding_rules()


@cache
def rules() -> tuple[Rule, ...]:
    """The rules of data/screening_rules.yaml, compiled once."""
    raw: dict[str, Any] = yaml.safe_load(
        (data_dir() / "screening_rules.yaml").read_text(encoding="utf-8")
    )
    macros = {name: str(value) for name, value in raw["macros"].items()}
    loaded = tuple(_rule(rule, macros, raw["documents"]) for rule in raw["rules"])
    keys = [rule.key for rule in loaded]
    if len(set(keys)) != len(keys):
        raise ValueError(f"duplicate rule keys in {keys}")
    return loaded


def _overlaps(start: int, end: int, spans: list[tuple[int, int]]) -> bool:
    return any(s < end and start < e for s, e in spans)


def screen(*texts: str) -> list[Flag]:
    """Flags and notes for the texts of one posting (e.g. title, description, requirements).

    Sorted by field and position. A posting is flagged when any result has severity "flag".
    The last texts screened are remembered: an import screens each posting, and its preview
    shows the same postings' findings again.
    """
    return list(_screened(texts))


@lru_cache(maxsize=50_000)
def _screened(texts: tuple[str, ...]) -> tuple[Flag, ...]:
    # The rules run once over all fields joined by line breaks, which no match crosses.
    pieces: list[str] = []
    where: list[tuple[int, int]] = []  # (field, offset in that field) of each character
    for field, text in enumerate(texts):
        normal, origin = normalise(text)
        pieces.append(normal + "\n")
        where += [(field, offset) for offset in origin] + [(field, len(text))]
    joined = "".join(pieces)
    found: list[Flag] = []
    for rule in rules():
        matches = [m for m in rule.pattern.finditer(joined) if m.end() > m.start()]
        if not matches:
            continue
        spans = [m.span() for m in matches]
        cancel = [m.span() for m in rule.exception.finditer(joined)] if rule.exception else []
        reason = None
        if rule.severity == "flag" and rule.job_reason:
            # A job reason is text of the posting other than the requirement itself.
            reasons = (
                r for r in rule.job_reason.finditer(joined) if not _overlaps(*r.span(), spans)
            )
            reason = next((r.group(0) for r in reasons), None)
        for start, end in spans:
            if _overlaps(start, end, cancel):
                continue
            field, first = where[start]
            last_field, last = where[end - 1]
            last = min(last + 1, len(texts[field])) if last_field == field else len(texts[field])
            found.append(
                Flag(
                    rule=rule.key,
                    severity="note" if reason else rule.severity,
                    phrase=texts[field][first:last],
                    field=field,
                    start=first,
                    end=last,
                    explanation_zh=rule.job_reason_zh if reason else rule.explanation_zh,
                    explanation_en=rule.job_reason_en if reason else rule.explanation_en,
                    citations=rule.citations,
                    job_reason=reason,
                )
            )
    found.sort(key=lambda flag: (flag.field, flag.start, flag.rule))
    return tuple(found)


@dataclass(frozen=True)
class Finding:
    """A screening flag as pages show it: where the phrase is and the rule's name."""

    flag: Flag
    rule_zh: str
    rule_en: str
    where: str  # title, description or requirements

    @property
    def is_flag(self) -> bool:
        return self.flag.severity == "flag"

    @property
    def citations(self) -> tuple[Citation, ...]:
        return self.flag.citations

    def rule(self, lang: str) -> str:
        return self.rule_zh if lang == "zh" else self.rule_en

    def explanation(self, lang: str) -> str:
        return self.flag.explanation_zh if lang == "zh" else self.flag.explanation_en


def findings(title: str, description: str, requirements: str) -> list[Finding]:
    """The screening flags and notes of a posting's text, with their rules' names."""
    names = {rule.key: rule for rule in rules()}
    return [
        Finding(
            flag=flag,
            rule_zh=names[flag.rule].name_zh,
            rule_en=names[flag.rule].name_en,
            where=SCREENED_FIELDS[flag.field],
        )
        for flag in screen(title, description, requirements)
    ]
