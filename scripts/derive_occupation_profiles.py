#!/usr/bin/env python3
"""Derive the default requirement profile of each JobBridge occupation category.

Every category in ``data/occupations.csv`` names an analogous O*NET occupation
(``onet_code``). Its requirement profile on the 11 functional dimensions of
``data/codes.yaml`` (``dimensions``) is derived from that occupation's O*NET ability ratings,
then corrected by the hand-written, reasoned rows of
``data/occupation_profile_overrides.csv``. The result is written to
``data/occupation_profiles.csv``.

Inputs (paths relative to the repository root)
----------------------------------------------
* ``data/occupations.csv`` - categories, in output order, with their O*NET code.
* ``data/sources/onet_dimension_map.csv`` - which O*NET abilities (element ids)
  feed each dimension and how they are aggregated (``max`` or ``mean``).
* ``data/sources/onet_abilities_extract.csv`` - the subset of O*NET
  ``Abilities.txt`` used here (importance ``IM`` and level ``LV``). Committed so
  the derivation does not depend on the full O*NET download.
* ``data/occupation_profile_overrides.csv`` - ``key,dimension,level,reason``.

Rule
----
For each category and each mapped dimension:

1. take the O*NET importance (scale ``IM``, 1 = not important ... 5 = extremely
   important) of every ability mapped to the dimension;
2. aggregate them as the map says (``max`` for "any of these abilities is
   needed", ``mean`` for composite loads such as reasoning and pace);
3. level 2 (essential) if the aggregate >= T2, level 1 (some) if >= T1, else 0.

``driving`` and ``public_contact`` have no O*NET ability; every category sets
them in the overrides file. Any other override replaces the derived level and
must differ from it (an override equal to the derived level is an error, so the
file lists only real deviations). The level scale (``LV``, 0-7) is kept in the
extract for reference but does not enter the rule: importance is the scale that
says whether an ability is needed at all, which is what a 0/1/2 demand
expresses, and across the 63 distinct analog occupations the aggregated LV
values track the IM values closely (Pearson r from 0.73 for sight to 0.98 for
mobility), so adding LV would not change the ordering much.

Thresholds (T1, T2) and why
---------------------------
O*NET importance is not on a common footing across abilities. Sensory and
verbal abilities are rated "important" (3) or more for nearly every occupation
because nearly every job involves looking and talking, while physical
abilities sit at 1 ("not important") for desk work. One pair of thresholds for
all dimensions would therefore make every job need sight, hearing and speech
and no job need lifting. The thresholds are set per dimension, from the spread
of the 64 analogs and the O*NET anchors (2 somewhat, 3 important,
4 very important), so that the levels read correctly to a vocational
rehabilitation practitioner:

=========  =====  =====  ======================================================
dimension   T1     T2    reading of the thresholds
=========  =====  =====  ======================================================
sight      3.00   3.50   Vision is rated at least "important" for every analog,
                         so every job needs some sight unless an override says
                         otherwise (blind trades); 2 where near/far vision or
                         colour is rated above the midpoint of important and
                         very important (inspection, assembly, driving, screen
                         work all day).
hearing    3.60   3.875  Speech Recognition is rated 2.6-3.5 even for work done
                         without talking (sewing, data entry, design), which
                         deaf workers in China do every day; hearing counts
                         only above 3.5, and is essential when rated very
                         important (>= 3.875, i.e. 4 within one analyst's
                         rounding): phone work, teaching, interpreting, tuning.
speech     3.50   3.875  Same logic: speech is needed where Speech Clarity is
                         at least midway to very important; essential where it
                         is very important (phone, teaching, live selling).
mobility   2.00   2.75   Physical abilities are rated low overall. Desk work
                         sits at 1.0-1.9 (0, fits wheelchair users); jobs rated
                         "somewhat important" need some mobility; from 2.75
                         (close to "important") the job is done on one's feet
                         all shift (cleaning, warehouse, security, delivery).
hands      2.00   3.50   Below 2 ("somewhat important") hand use is incidental;
                         3.5 and above marks dexterity-centred trades
                         (assembly, sewing, crafts, massage, repair).
lifting    2.25   3.00   Office work is 1.4-2.0; 3 ("important") marks jobs
                         that move heavy loads or people (warehouse, cleaning,
                         care work, farming).
reading    3.00   3.75   Below 3 the job can be done with little reading
                         (cleaning, kitchen, farm work: the jobs open to people
                         with intellectual disabilities); 3.75 and above marks
                         text-centred work (offices, software, teaching).
reasoning  2.50   3.20   Mean of five cognitive abilities. Below 2.5 is
                         routine manual work (cleaning, packing, kitchen);
                         3.2 and above, where most of the five are rated
                         important or more, is analytical work (software,
                         accounting, e-commerce, teaching).
stress     2.25   2.80   Mean of Time Sharing, Reaction Time and Selective
                         Attention. 2.8 and above is traffic- or machine-paced
                         work with constant multitasking (driving, delivery,
                         security, printing); below 2.25 is self-paced desk
                         work. This is the weakest proxy (no work-context
                         ratings are used) and carries the most overrides.
=========  =====  =====  ======================================================

Aggregates are rounded to 4 decimals before comparison so that float noise in
means never moves a level.

Usage
-----
``python3 scripts/derive_occupation_profiles.py``
    derive ``data/occupation_profiles.csv`` from the committed extract.
``python3 scripts/derive_occupation_profiles.py --onet-dir DIR``
    first rebuild ``data/sources/onet_abilities_extract.csv`` from
    ``DIR/Abilities.txt`` (full O*NET database, tab-separated), then derive.
``python3 scripts/derive_occupation_profiles.py --check``
    derive in memory and exit 1 if the committed profiles (and, with
    ``--onet-dir``, the committed extract) differ from the result.
``python3 scripts/derive_occupation_profiles.py --table``
    also print the aggregated importance values and levels for review.

Python 3.11 standard library only; no project imports.
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OCCUPATIONS = ROOT / "data" / "occupations.csv"
DIMENSION_MAP = ROOT / "data" / "sources" / "onet_dimension_map.csv"
EXTRACT = ROOT / "data" / "sources" / "onet_abilities_extract.csv"
OVERRIDES = ROOT / "data" / "occupation_profile_overrides.csv"
PROFILES = ROOT / "data" / "occupation_profiles.csv"

# Output column order; must match the dimensions of data/codes.yaml (a test checks it).
DIMENSIONS = (
    "sight",
    "driving",
    "hearing",
    "speech",
    "mobility",
    "hands",
    "lifting",
    "reading",
    "reasoning",
    "public_contact",
    "stress",
)
# Dimensions without an O*NET ability: set for every category by override.
OVERRIDE_ONLY = ("driving", "public_contact")

# Per-dimension (T1, T2) on the O*NET importance scale; see module docstring.
THRESHOLDS: dict[str, tuple[float, float]] = {
    "sight": (3.00, 3.50),
    "hearing": (3.60, 3.875),
    "speech": (3.50, 3.875),
    "mobility": (2.00, 2.75),
    "hands": (2.00, 3.50),
    "lifting": (2.25, 3.00),
    "reading": (3.00, 3.75),
    "reasoning": (2.50, 3.20),
    "stress": (2.25, 2.80),
}

SCALES = ("IM", "LV")
EXTRACT_HEADER = ["onet_code", "onet_title", "element_id", "element_name", "scale_id", "data_value"]
PROFILE_HEADER = ["key", "onet_code", *DIMENSIONS, "overridden"]


class DataError(Exception):
    """Inconsistent input data."""


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def to_csv(header: list[str], rows: list[list[str]]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buf.getvalue()


def load_occupations() -> list[dict[str, str]]:
    rows = read_csv(OCCUPATIONS)
    keys = [r["key"] for r in rows]
    dupes = sorted({k for k in keys if keys.count(k) > 1})
    if dupes:
        raise DataError(f"{OCCUPATIONS.name}: duplicate keys {dupes}")
    return rows


def load_map() -> dict[str, tuple[str, list[tuple[str, str]]]]:
    """dimension -> (aggregation, [(element_id, element_name), ...])."""
    result: dict[str, tuple[str, list[tuple[str, str]]]] = {}
    for r in read_csv(DIMENSION_MAP):
        dim, agg = r["dimension"], r["aggregation"]
        if dim not in THRESHOLDS:
            raise DataError(f"{DIMENSION_MAP.name}: no thresholds for dimension {dim!r}")
        if agg not in ("max", "mean"):
            raise DataError(f"{DIMENSION_MAP.name}: unknown aggregation {agg!r} for {dim}")
        prev = result.setdefault(dim, (agg, []))
        if prev[0] != agg:
            raise DataError(f"{DIMENSION_MAP.name}: mixed aggregations for {dim}")
        prev[1].append((r["element_id"], r["element_name"]))
    missing = sorted(set(THRESHOLDS) - set(result))
    if missing:
        raise DataError(f"{DIMENSION_MAP.name}: dimensions without elements {missing}")
    return result


def build_extract(onet_dir: Path, occupations, dim_map) -> str:
    """Return the extract CSV text built from DIR/Abilities.txt."""
    src = onet_dir / "Abilities.txt"
    codes = list(dict.fromkeys(r["onet_code"] for r in occupations))
    elements = [eid for _, els in dim_map.values() for eid, _ in els]
    wanted_codes, wanted_elements = set(codes), set(elements)
    found: dict[tuple[str, str, str], list[str]] = {}
    with src.open(encoding="utf-8", newline="") as fh:
        for r in csv.DictReader(fh, delimiter="\t"):
            code, eid, scale = r["O*NET-SOC Code"], r["Element ID"], r["Scale ID"]
            if code in wanted_codes and eid in wanted_elements and scale in SCALES:
                found[(code, eid, scale)] = [
                    code,
                    r["Title"],
                    eid,
                    r["Element Name"],
                    scale,
                    r["Data Value"],
                ]
    rated = {code for code, _, _ in found}
    unrated = [c for c in codes if c not in rated]
    if unrated:
        raise DataError(f"{src}: no ability ratings for O*NET codes {unrated}")
    rows = []
    for code in sorted(codes):
        for eid in elements:
            for scale in SCALES:
                if (code, eid, scale) not in found:
                    raise DataError(f"{src}: missing {scale} rating of {eid} for {code}")
                rows.append(found[(code, eid, scale)])
    return to_csv(EXTRACT_HEADER, rows)


def load_importance(extract_text: str) -> dict[tuple[str, str], float]:
    """(onet_code, element_id) -> importance."""
    imp = {}
    for r in csv.DictReader(io.StringIO(extract_text)):
        if r["scale_id"] == "IM":
            imp[(r["onet_code"], r["element_id"])] = float(r["data_value"])
    return imp


def load_overrides(occupations) -> dict[str, dict[str, tuple[int, str]]]:
    keys = {r["key"] for r in occupations}
    result: dict[str, dict[str, tuple[int, str]]] = {}
    for n, r in enumerate(read_csv(OVERRIDES), start=2):
        where = f"{OVERRIDES.name} line {n}"
        key, dim = r["key"], r["dimension"]
        if key not in keys:
            raise DataError(f"{where}: unknown category {key!r}")
        if dim not in DIMENSIONS:
            raise DataError(f"{where}: unknown dimension {dim!r}")
        if r["level"] not in ("0", "1", "2"):
            raise DataError(f"{where}: level must be 0, 1 or 2, got {r['level']!r}")
        if not r["reason"].strip():
            raise DataError(f"{where}: empty reason")
        if dim in result.setdefault(key, {}):
            raise DataError(f"{where}: duplicate override {key}.{dim}")
        result[key][dim] = (int(r["level"]), r["reason"])
    return result


def aggregate(values: list[float], how: str) -> float:
    value = max(values) if how == "max" else sum(values) / len(values)
    return round(value, 4)


def to_level(value: float, dim: str) -> int:
    t1, t2 = THRESHOLDS[dim]
    return 2 if value >= t2 else 1 if value >= t1 else 0


def derive(occupations, dim_map, importance, overrides):
    """Return (profile rows, review rows)."""
    rows, review = [], []
    for occ in occupations:
        key, code = occ["key"], occ["onet_code"]
        own = overrides.get(key, {})
        levels: dict[str, int] = {}
        scores: dict[str, float] = {}
        for dim, (how, elements) in dim_map.items():
            try:
                values = [importance[(code, eid)] for eid, _ in elements]
            except KeyError as exc:
                raise DataError(
                    f"{EXTRACT.name}: no IM rating {exc.args[0]} needed by {key}; "
                    "rebuild the extract with --onet-dir"
                ) from None
            scores[dim] = aggregate(values, how)
            levels[dim] = to_level(scores[dim], dim)
        for dim in OVERRIDE_ONLY:
            if dim not in own:
                raise DataError(f"{OVERRIDES.name}: {key} has no {dim} row (required)")
        for dim, (level, _) in own.items():
            if dim in levels and levels[dim] == level:
                raise DataError(
                    f"{OVERRIDES.name}: {key}.{dim}={level} equals the O*NET-derived "
                    "level; remove the row (only deviations belong there)"
                )
            levels[dim] = level
        overridden = [d for d in DIMENSIONS if d in own]
        rows.append([key, code, *(str(levels[d]) for d in DIMENSIONS), ";".join(overridden)])
        review.append((key, scores, levels, overridden))
    return rows, review


def print_table(review) -> None:
    short = {d: d[:6] for d in DIMENSIONS}
    print("key".ljust(27) + "".join(short[d].rjust(12) for d in DIMENSIONS))
    for key, scores, levels, overridden in review:
        cells = []
        for d in DIMENSIONS:
            mark = "*" if d in overridden else " "
            score = f"{scores[d]:.2f}" if d in scores else "  - "
            cells.append(f"{score} {levels[d]}{mark}".rjust(12))
        print(key.ljust(27) + "".join(cells))
    print("(aggregated IM, level; * = from overrides file)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Derive data/occupation_profiles.csv from O*NET ability ratings."
    )
    parser.add_argument(
        "--onet-dir",
        type=Path,
        help="directory with the full O*NET Abilities.txt; rebuilds the extract",
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="do not write; exit 1 if committed files differ from the derivation",
    )
    parser.add_argument(
        "--table", action="store_true", help="print aggregated importance values and levels"
    )
    args = parser.parse_args(argv)

    try:
        occupations = load_occupations()
        dim_map = load_map()
        if args.onet_dir:
            extract_text = build_extract(args.onet_dir, occupations, dim_map)
        else:
            extract_text = EXTRACT.read_text(encoding="utf-8")
        overrides = load_overrides(occupations)
        rows, review = derive(occupations, dim_map, load_importance(extract_text), overrides)
    except (DataError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    profiles_text = to_csv(PROFILE_HEADER, rows)

    if args.table:
        print_table(review)

    outputs = [(PROFILES, profiles_text)]
    if args.onet_dir:
        outputs.insert(0, (EXTRACT, extract_text))

    if args.check:
        stale = []
        for path, text in outputs:
            current = path.read_text(encoding="utf-8") if path.exists() else None
            if current != text:
                stale.append(path.relative_to(ROOT).as_posix())
        if stale:
            print(
                "error: out of date: " + ", ".join(stale) + "\n"
                "run: python3 scripts/derive_occupation_profiles.py",
                file=sys.stderr,
            )
            return 1
        print(f"ok: {PROFILES.relative_to(ROOT).as_posix()} is up to date ({len(rows)} categories)")
        return 0

    for path, text in outputs:
        path.write_text(text, encoding="utf-8")
        print(f"wrote {path.relative_to(ROOT).as_posix()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
