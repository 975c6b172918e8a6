"""Reading a salary as job boards write it into a monthly range in yuan.

Forms: ``6-8千/月``, ``1-1.5万/月``, ``6千-8千``, ``8000-12000元/月``, ``15-25K·13薪``,
``100元/天``, ``20元/小时``, ``10-15万/年``, ``4000以上``, ``3000起``, ``5000以下``,
``底薪3500+提成``, ``面议``. Units: 元, 千/k, 万/w. The rule for other periods, stated once:
a day is 1/21.75 of a month and an hour 1/174 (21.75 paid days of 8 hours: the monthly
paid days of the labour law's calculation, 《关于职工全年月平均工作时间和工资折算问题的通知》,
劳社部发〔2008〕3号); a year is 12 months (a 13th month's pay, ``·13薪``, is not spread).
``面议`` (to be agreed) means no range.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["SalaryError", "monthly_range"]

DAYS_A_MONTH = 21.75
HOURS_A_MONTH = DAYS_A_MONTH * 8
_AGREED = re.compile(r"面议|详谈|商议|协商|待遇优厚|可谈")
_NUMBER = re.compile(r"(\d+(?:\.\d+)?)(k|千|w|万|元)?")
_RANGE = re.compile(r"\d+(?:\.\d+)?(?:k|千|w|万|元)?-\d+(?:\.\d+)?(?:k|千|w|万|元)?")
_RANGE_DASH = re.compile(r"\s*(?:-|~|～|至|到|—|－|–)+\s*")
_UNIT = {"k": 1000.0, "千": 1000.0, "w": 10000.0, "万": 10000.0, "元": 1.0, None: 1.0}
_PERIOD = (
    (re.compile(r"/?(?:小时|时)|每小时|时薪"), HOURS_A_MONTH),
    (re.compile(r"/?(?:天|日)|每天|日薪|日结"), DAYS_A_MONTH),
    (re.compile(r"/?年|年薪|每年"), 1 / 12),
)  # what one amount of that period makes a month


class SalaryError(ValueError):
    """The text is not a salary: the message says what forms are read."""


def monthly_range(text: str) -> tuple[int | None, int | None]:
    """The monthly (minimum, maximum) in yuan that ``text`` states; (None, None) for 面议."""
    value = unicodedata.normalize("NFKC", text).strip().lower().replace(",", "")
    if not value or _AGREED.search(value):
        return None, None
    value = re.sub(r"·?\d+薪", "", value)  # 15-25k·13薪: the months paid, not the range
    per_month = 1.0  # months' worth of one amount: per hour, day or year
    for pattern, factor in _PERIOD:
        if pattern.search(value):
            per_month = factor
            break
    value = _RANGE_DASH.sub("-", value)
    stated = _RANGE.search(value)  # a range stands for itself among other amounts
    numbers = [(float(n), unit) for n, unit in _NUMBER.findall(stated.group() if stated else value)]
    if not numbers:
        raise SalaryError(
            "is not a salary: write it as 3500-4500, 6-8千/月, 1-1.5万, 100元/天 or 面议"
        )
    # A unit written once applies to both ends (6-8千, 1-1.5万, 15-25k).
    units = [unit for _, unit in numbers if unit and unit != "元"]
    shared = units[-1] if units else None
    amounts = [
        round(n * _UNIT[unit if unit and unit != "元" else shared] * per_month)
        for n, unit in numbers[:2]
    ]
    if any(not 0 <= amount <= 1_000_000 for amount in amounts):
        raise SalaryError("the monthly amount must be between 0 and 1,000,000 yuan")
    low = amounts[0]
    if len(amounts) == 2 and stated:
        return min(amounts), max(amounts)
    if re.search(r"以下|以内|之内|最高", value):
        return None, low
    if re.search(r"以上|起|\+|底薪|保底|不低于", value):
        return low, None
    return low, low
