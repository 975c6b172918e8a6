"""Read one cell by its column type (the `type` of data/import_columns.yaml).

Each reader takes the cell's text and returns the value, or raises CellError with a reason
that a case worker can act on. An empty cell is never passed to a reader.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import Any

from matcher.core import clock
from matcher.core.codes import code_list
from matcher.core.text import norm_key, split_list
from matcher.intake.salary import SalaryError, monthly_range
from matcher.people.identifiers import (
    IdentifierError,
    normalize_phone,
    parse_cert_no,
    parse_id_number,
)
from matcher.reference.areas import ANYWHERE, AreaError, areas
from matcher.reference.occupations import occupations
from matcher.reference.profiles import ProfileError, parse_levels

__all__ = ["CellError", "read_cell"]

_TRUE = {"是", "y", "yes", "true", "1", "√", "✓", "✔", "有", "对", "同意", "已同意"}
_FALSE = {"否", "n", "no", "false", "0", "×", "✗", "无", "不", "不同意", "未同意"}
_NONE_WORDS = {"无", "没有", "不需要", "none", "n/a", "na", "-", "—", "/"}
_DATE_PATTERNS = (
    re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T].*)?$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
)
_CREDIT_CODE_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_CODE_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_SCIENTIFIC = re.compile(r"^\d(\.\d+)?E\+\d+$")
TEXT_LIMIT = 10_000


class CellError(ValueError):
    pass


def read_cell(kind: str, text: str) -> Any:
    """Read ``text`` (non-empty) as a value of column type ``kind``."""
    if "/" in kind:
        family, list_name = kind.split("/", 1)
        return _CODE_READERS[family](text, list_name)
    return _READERS[kind](text)


def _text(text: str) -> str:
    if len(text) > TEXT_LIMIT:
        raise CellError(f"the text is {len(text)} characters long; the limit is {TEXT_LIMIT}")
    return text


def _integer(text: str, low: int, high: int, what: str) -> int:
    cleaned = text.replace(",", "").replace("，", "").strip()
    try:
        value = int(float(cleaned)) if re.fullmatch(r"\d+(\.0+)?", cleaned) else int(cleaned)
    except ValueError as exc:
        raise CellError(f"{what} must be a whole number") from exc
    if not low <= value <= high:
        raise CellError(f"{what} must be between {low} and {high}")
    return value


def _year(text: str) -> int:
    return _integer(text.rstrip("年"), 1900, clock.today().year + 5, "the year")


def _count(text: str) -> int:
    return _integer(text.rstrip("人名个"), 0, 1_000_000, "the number")


def _money(text: str) -> int:
    cleaned = norm_key(text)
    for suffix in ("元/月", "元每月", "/月", "每月", "元"):
        cleaned = cleaned.removesuffix(suffix)
    factor = 1
    if cleaned.endswith(("k", "千")):
        cleaned, factor = cleaned[:-1], 1000
    elif cleaned.endswith("万"):
        cleaned, factor = cleaned[:-1], 10000
    try:
        value = round(float(cleaned.replace(",", "")) * factor)
    except ValueError as exc:
        raise CellError("the monthly amount must be a number of yuan, e.g. 3500") from exc
    if not 0 <= value <= 1_000_000:
        raise CellError("the monthly amount must be between 0 and 1,000,000 yuan")
    return value


def _salary(text: str) -> tuple[int | None, int | None]:
    try:
        return monthly_range(text)
    except SalaryError as exc:
        raise CellError(str(exc)) from exc


def _bool(text: str) -> bool:
    key = norm_key(text)
    if key in _TRUE:
        return True
    if key in _FALSE:
        return False
    raise CellError("must be 是 or 否 (yes or no)")


def _date(text: str) -> date:
    for pattern in _DATE_PATTERNS:
        match = pattern.match(text.strip())
        if match:
            try:
                return date(*(int(part) for part in match.groups()[:3]))
            except ValueError as exc:
                raise CellError("is not a real calendar date") from exc
    raise CellError("must be a date such as 2026-03-31 or 2026年3月31日")


def _code(text: str, list_name: str) -> str:
    codes = code_list(list_name)
    key = codes.find(text)
    if key is None and list_name == "education_levels":
        key = _education(text, codes)
    if key is None:
        raise CellError(f"is not one of {codes.spellings()}")
    return key


_EDUCATION_NOISE = re.compile(r"全日制|统招|学历|及其?以上|或以上|以上|毕业|及同等|同等")


def _education(text: str, codes: Any) -> str | None:
    """A minimum education as boards write it: 高中以上, 全日制本科及以上, 中专/中技 (the lower
    of two), 硕士优先 (preferred, so no minimum)."""
    if "优先" in text or "不限" in text:
        return "any"
    found = [codes.find(part) for part in re.split(r"[/、或]", _EDUCATION_NOISE.sub("", text))]
    keys = [key for key in found if key is not None]
    if not keys:
        return None
    return str(min(keys, key=lambda key: int(codes.get(key).extra["rank"])))


def _codes(text: str, list_name: str) -> list[str]:
    if norm_key(text) in _NONE_WORDS:
        return []
    keys: list[str] = []
    for item in split_list(text):
        key = _code(item, list_name)
        if key not in keys:
            keys.append(key)
    return keys


def _disability_types(text: str) -> list[str]:
    items = split_list(re.sub(r"[()（）]", ";", text))
    found = [_code(item, "disability_types") for item in items]
    types = [kind for kind in dict.fromkeys(found) if kind != "multiple"]
    return types or ["multiple"]


def _suitable_types(text: str) -> list[str] | None:
    if norm_key(text) in {"不限", "任意", "均可", "any", "all", "*"}:
        return None
    return _disability_types(text)


def _grade(text: str) -> int:
    return int(_code(text, "disability_grades"))


def _area(text: str) -> str:
    try:
        code = areas().resolve(text)
    except AreaError as exc:
        raise CellError(str(exc)) from exc
    if code == ANYWHERE:
        raise CellError("must name one administrative division, not 不限")
    return code


def _areas(text: str) -> list[str]:
    codes: list[str] = []
    for item in split_list(text):
        try:
            code = areas().resolve(item)
        except AreaError as exc:
            raise CellError(str(exc)) from exc
        if code == ANYWHERE:
            return [ANYWHERE]
        if code not in codes:
            codes.append(code)
    return codes


def _levels(text: str) -> dict[str, int]:
    try:
        return parse_levels(text)
    except ProfileError as exc:
        raise CellError(str(exc)) from exc


def _identifier(parse: Callable[[str], Any]) -> Callable[[str], Any]:
    def read(text: str) -> Any:
        if _SCIENTIFIC.match(text.strip().upper()):
            raise CellError(
                "Excel stored this number as a number and dropped its last digits; "
                "format the column as text and type it again"
            )
        try:
            return parse(text)
        except IdentifierError as exc:
            raise CellError(str(exc)) from exc

    return read


def _credit_code(text: str) -> str:
    code = text.strip().upper()
    if len(code) != 18 or any(char not in _CREDIT_CODE_CHARS for char in code):
        raise CellError("must be 18 characters of digits and capital letters (GB 32100-2015)")
    total = sum(
        _CREDIT_CODE_CHARS.index(char) * weight
        for char, weight in zip(code[:17], _CREDIT_CODE_WEIGHTS, strict=True)
    )
    if _CREDIT_CODE_CHARS[(31 - total % 31) % 31] != code[17]:
        raise CellError("the check character is wrong (GB 32100-2015)")
    return code


def _category(text: str) -> str:
    key = occupations().find(text)
    if key is None:
        raise CellError("is not a known posting category (see data/occupations.csv)")
    return key


_READERS: dict[str, Callable[[str], Any]] = {
    "text": _text,
    "list": split_list,
    "year": _year,
    "count": _count,
    "money": _money,
    "salary": _salary,
    "bool": _bool,
    "date": _date,
    "disability_types": _disability_types,
    "suitable_types": _suitable_types,
    "grade": _grade,
    "area": _area,
    "areas": _areas,
    "levels": _levels,
    "id_number": _identifier(parse_id_number),
    "cert_no": _identifier(parse_cert_no),
    "phone": _identifier(normalize_phone),
    "credit_code": _credit_code,
    "category": _category,
}
_CODE_READERS: dict[str, Callable[[str, str], Any]] = {"code": _code, "codes": _codes}
