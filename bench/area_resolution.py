"""Resolving place texts to county codes: JobBridge's resolver beside cpca, the PyPI parser.

`python -m bench.area_resolution [N]` (default 3,000 texts, seed 15). The texts are written
the ways rosters and job boards write places, from every county-level division of
data/areas.csv: a whole address with a town and a street; city, county and town; a county
and a town; board style (杭州-西湖区, 北京·朝阳区·望京); short names (黔南都匀); the four
municipalities' districts; and former names of renamed divisions (水城县, 户县). The truth
is the county each text was made from. A text is right when the method returns that
county's code, wrong when it returns another, refused when it returns nothing (for
JobBridge, a message naming the candidates of an ambiguous name). cpca is run if it is
installed (`pip install cpca`; it is not a dependency of JobBridge).
"""

from __future__ import annotations

import random
import sys
import time
from collections import Counter
from typing import Any

from bench.common import table
from matcher.reference.areas import AreaError, areas

TOWNS = ["城关镇", "龙场镇", "新华街道", "人民路88号", "解放路12号院", "和平村", "东风社区3组",
         "工业园区", "火车站附近", "开发大道166号", "中心小学旁", "幸福小区2栋"]  # fmt: skip


def texts(count: int, seed: int) -> list[tuple[str, str, str]]:
    """(form, text, county code) for ``count`` texts."""
    rng = random.Random(seed)
    index = areas()
    counties = sorted(c for c, a in index.by_code.items() if a.level == 3)
    former = {alias: code for code in counties for alias in _aliases(code) if not alias.isdigit()}
    found = []
    while len(found) < count:
        code = rng.choice(counties)
        county = index.by_code[code]
        chain = [index.by_code[c] for c in reversed(index.ancestors(code))]
        province, parent = chain[0], chain[-2]
        town = rng.choice(TOWNS)
        form = rng.choice(["address", "city", "county", "board", "short", "former"])
        if form == "former" and former:
            alias = rng.choice(sorted(former))
            found.append(("former", alias + town, former[alias]))
            continue
        text = {
            "address": f"{province.name}{parent.name if parent is not province else ''}"
            f"{county.name}{town}",
            "city": f"{parent.name}{county.name}{town}",
            "county": f"{county.name}{town}",
            "board": f"{parent.short_name}-{county.name}"
            if rng.random() < 0.5
            else f"{parent.short_name}·{county.name}·{town}",
            "short": f"{parent.short_name}{county.short_name}",
        }[form if form != "former" else "address"]
        found.append((form, text, code))
    return found


def _aliases(code: str) -> list[str]:
    import csv

    from matcher.core.paths import data_dir

    global _ALIASES
    if not _ALIASES:
        with (data_dir() / "areas.csv").open(encoding="utf-8") as handle:
            _ALIASES.update(
                (row["code"], row["aliases"].split(";")) for row in csv.DictReader(handle)
            )
    return [alias for alias in _ALIASES.get(code, []) if alias]


_ALIASES: dict[str, list[str]] = {}


def jobbridge(items: list[str]) -> list[str | None]:
    index, out = areas(), []
    for text in items:
        try:
            out.append(index.resolve(text))
        except AreaError:
            out.append(None)
    return out


def cpca_codes(items: list[str]) -> list[str | None] | None:
    try:
        import cpca  # type: ignore[import-not-found]
    except ImportError:
        return None
    frame = cpca.transform(items)
    return [None if str(code) in {"nan", "None", ""} else str(code) for code in frame["adcode"]]


def main(count: int = 3000, seed: int = 15) -> None:
    cases = texts(count, seed)
    items = [text for _, text, _ in cases]
    rows = []
    for name, method in (("JobBridge areas.resolve", jobbridge), ("cpca 0.5", cpca_codes)):
        started = time.perf_counter()
        codes = method(items)
        seconds = time.perf_counter() - started
        if codes is None:
            rows.append([name, "not installed", "", "", "", ""])
            continue
        tally: Counter[str] = Counter()
        by_form: dict[str, Counter[str]] = {}
        for (form, _, truth), code in zip(cases, codes, strict=True):
            verdict = "right" if code == truth else "refused" if code is None else "wrong"
            tally[verdict] += 1
            by_form.setdefault(form, Counter())[verdict] += 1
        rows.append(
            [
                name,
                f"{tally['right'] / count:.1%}",
                f"{tally['wrong'] / count:.1%}",
                f"{tally['refused'] / count:.1%}",
                f"{seconds * 1e6 / count:.0f}",
                ", ".join(
                    f"{form} {c['right'] / sum(c.values()):.0%}"
                    for form, c in sorted(by_form.items())
                ),
            ]
        )
    print(f"{count} place texts from every county of data/areas.csv (seed {seed})\n")
    print(table(["method", "right", "wrong", "refused", "µs per text", "right by form"], rows))


def _args(argv: list[str]) -> dict[str, Any]:
    return {"count": int(argv[0])} if argv else {}


if __name__ == "__main__":
    main(**_args(sys.argv[1:]))
