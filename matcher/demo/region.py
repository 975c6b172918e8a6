"""Where the demo's people live and its employers post: a province, a prefecture or a county
of anywhere in China (``jobbridge demo --area 红河哈尼族彝族自治州``).

The region is cut into units, each with its counties: a province's prefectures (and the
districts and counties a municipality or province governs directly, each a unit of its
own); a prefecture is one unit; a county is one unit of one county. People and employers
are spread over the units by population where data/demo/settings.yaml has it (Guizhou's
census), evenly otherwise, and evenly over a unit's counties.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from matcher.reference.areas import AreaError, areas

__all__ = ["Region"]


@dataclass(frozen=True)
class Region:
    code: str  # the division asked for
    province: str
    units: dict[str, float]  # unit (prefecture, or a county on its own) -> weight
    counties: dict[str, list[str]]  # unit -> its counties
    capital: str  # the unit of the demo's supervisor and case worker

    @classmethod
    def of(cls, text: str, *, populations: Mapping[str, float]) -> Region:
        index = areas()
        try:
            code = index.resolve(text)
        except AreaError as exc:
            raise ValueError(f"--area: {exc}") from exc
        if code not in index.by_code:
            raise ValueError("--area: the demo needs one division, not anywhere")
        chain = index.ancestors(code)
        province, level = chain[-1], index.by_code[code].level
        children: dict[str, list[str]] = {}
        for area in index.by_code.values():
            if area.parent_code:
                children.setdefault(area.parent_code, []).append(area.code)
        if level == 1:
            units = sorted(children.get(code, [code]))
        else:
            units = [code if level == 2 or len(chain) == 2 else chain[1]]
        counties = {unit: sorted(children.get(unit, [unit])) for unit in units}
        if level == 3:
            counties = {units[0]: [code]}
        known = {unit: float(populations[unit]) for unit in units if unit in populations}
        weights = known if len(known) == len(units) else dict.fromkeys(units, 1.0)
        seat = province[:2] + "0100"  # provincial capitals are the first prefecture
        capital = seat if seat in counties else units[0]
        return cls(code, province, weights, counties, capital)

    @property
    def caseworker_areas(self) -> list[str]:
        """The demo case worker's counties: the first two of the capital."""
        return self.counties[self.capital][:2]
