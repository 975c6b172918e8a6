"""The import columns of data/import_columns.yaml, and matching a file's header to them."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

import yaml

from matcher.core.paths import data_dir
from matcher.core.text import norm_key

__all__ = ["KINDS", "ColumnSpec", "HeaderMatch", "column_specs", "match_header"]

KINDS = ("seekers", "employers", "postings")
_NOTE = re.compile(r"[(（\[【].*?[)）\]】]")
# The column a file of rejected rows carries its reasons in (matcher.intake.rejected): a
# note, read as no column, so that the fixed file imports as it is.
REASONS_NOTE = "退回原因(reasons)"


@dataclass(frozen=True)
class ColumnSpec:
    field: str  # the English name, also the export header
    zh: str
    type: str
    required: bool
    aliases: tuple[str, ...]
    exported: bool = True  # False: read on import, written back in other columns
    read: bool = True  # False: written by the export, a note to an import

    @property
    def sensitive(self) -> bool:
        """Identifier columns: their values are masked in reports (SECURITY.md item 17)."""
        return self.type in {"id_number", "cert_no", "phone"}


@dataclass
class HeaderMatch:
    columns: dict[int, ColumnSpec]  # file column index -> spec
    missing: list[ColumnSpec]  # required columns the file lacks
    unknown: list[str]  # headers that name no column
    repeated: list[tuple[str, str]]  # (header, field) for a field named twice


@cache
def column_specs(kind: str) -> tuple[ColumnSpec, ...]:
    raw = yaml.safe_load((data_dir() / "import_columns.yaml").read_text(encoding="utf-8"))
    return tuple(
        ColumnSpec(
            field=name,
            zh=spec["zh"],
            type=spec["type"],
            required=bool(spec.get("required", False)),
            aliases=tuple(spec.get("aliases", ())),
            exported=bool(spec.get("export", True)),
            read=bool(spec.get("read", True)),
        )
        for name, spec in raw[kind].items()
    )


def _header_key(header: str) -> str:
    return norm_key(_NOTE.sub("", header)).strip("*＊")


@cache
def _lookup(kind: str) -> dict[str, ColumnSpec]:
    table: dict[str, ColumnSpec] = {}
    for spec in column_specs(kind):
        for spelling in (spec.field, spec.zh, *spec.aliases):
            table.setdefault(_header_key(spelling), spec)
    return table


def match_header(kind: str, headers: list[str]) -> HeaderMatch:
    lookup = _lookup(kind)
    columns: dict[int, ColumnSpec] = {}
    seen: dict[str, str] = {}
    unknown: list[str] = []
    repeated: list[tuple[str, str]] = []
    for index, header in enumerate(headers):
        if not header.strip() or _header_key(header) == _header_key(REASONS_NOTE):
            continue
        spec = lookup.get(_header_key(header))
        if spec is not None and not spec.read:
            continue
        if spec is None:
            unknown.append(header)
        elif spec.field in seen:
            repeated.append((header, spec.field))
        else:
            seen[spec.field] = header
            columns[index] = spec
    missing = [spec for spec in column_specs(kind) if spec.required and spec.field not in seen]
    return HeaderMatch(columns=columns, missing=missing, unknown=unknown, repeated=repeated)
