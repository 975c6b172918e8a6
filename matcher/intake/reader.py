"""Read a spreadsheet upload (.csv or .xlsx) into rows of strings, defensively.

SECURITY.md items 25 and 26: size, row and column limits; an XLSX is checked by its
content, not its name, and its zip directory is checked for bombs before openpyxl (which
uses defusedxml for the XML when it is installed, as it is here) opens it; .xls and .xlsm
are refused. CSV is decoded as UTF-8 with BOM, UTF-8, then GB18030 (a superset of GBK);
anything else is refused rather than decoded into something wrong.

Parsing is bounded in time as well as in size (item 30). A workbook's own dimension is not
believed: a 6 KB file can claim ``A1:XFD1048576`` and have openpyxl pad a million rows to
16,384 cells each. So a sheet is read without its dimension and only up to one column past
the column limit; every row counts toward the row limit, blank ones too (openpyxl yields a
blank row for each one missing in the file); and reading stops with a message once it has
taken longer than ``Limits.max_seconds``.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from time import monotonic

__all__ = ["FileRefused", "Limits", "Table", "read_table"]

_OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls and other legacy Office files
_ZIP_MAGIC = b"PK\x03\x04"
_SIGNATURES = {
    b"\x89PNG\r\n\x1a\n": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"%PDF": "a PDF document",
    b"GIF8": "a GIF image",
    _OLE2_MAGIC: "a legacy Office file (.xls/.doc)",
}
_MACRO_CONTENT_TYPE = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"


class FileRefused(ValueError):
    """The file as a whole cannot be read; the message says why and what to do."""


@dataclass(frozen=True)
class Limits:
    max_bytes: int = 20 * 1024 * 1024
    max_rows: int = 100_000
    max_columns: int = 100
    max_unzipped_bytes: int = 200 * 1024 * 1024
    max_zip_ratio: int = 100  # uncompressed / compressed, per member
    max_seconds: float = 60.0  # to read the rows, after the checks


@dataclass
class Table:
    headers: list[str]
    # (spreadsheet row number as the user sees it, cells as text)
    rows: list[tuple[int, list[str]]] = field(default_factory=list)
    encoding: str = ""


def read_table(path: Path, *, limits: Limits | None = None) -> Table:
    limits = limits or Limits()
    suffix = path.suffix.lower()
    if suffix in {".xls", ".xlsm", ".xlsb"}:
        raise FileRefused(
            f"{suffix} files are not accepted; save the sheet as .xlsx (without macros) or .csv"
        )
    if suffix not in {".csv", ".xlsx"}:
        raise FileRefused(f"unsupported file type '{suffix or path.name}'; use .xlsx or .csv")
    size = path.stat().st_size
    if size > limits.max_bytes:
        raise FileRefused(
            f"the file is {size / 1048576:.1f} MB; the limit is "
            f"{limits.max_bytes / 1048576:.0f} MB — split it into smaller files"
        )
    if size == 0:
        raise FileRefused("the file is empty")
    with path.open("rb") as handle:
        head = handle.read(8)
    if suffix == ".xlsx":
        return _read_xlsx(path, head, limits)
    return _read_csv(path.read_bytes(), limits)


def _read_xlsx(path: Path, head: bytes, limits: Limits) -> Table:
    if not head.startswith(_ZIP_MAGIC):
        looks_like = next((what for sig, what in _SIGNATURES.items() if head.startswith(sig)), "")
        hint = f" (it looks like {looks_like})" if looks_like else ""
        raise FileRefused(f"this is not an .xlsx workbook{hint}")
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            names = {member.filename for member in members}
            if "xl/workbook.xml" not in names or "[Content_Types].xml" not in names:
                raise FileRefused("this zip file is not an .xlsx workbook")
            total = 0
            for member in members:
                total += member.file_size
                ratio = member.file_size / max(member.compress_size, 1)
                if ratio > limits.max_zip_ratio and member.file_size > 1024 * 1024:
                    raise FileRefused("the workbook is compressed suspiciously far (zip bomb?)")
            if total > limits.max_unzipped_bytes:
                raise FileRefused(
                    f"the workbook unpacks to {total / 1048576:.0f} MB; the limit is "
                    f"{limits.max_unzipped_bytes / 1048576:.0f} MB"
                )
            content_types = archive.read("[Content_Types].xml").decode("utf-8", "replace")
            if _MACRO_CONTENT_TYPE in content_types:
                raise FileRefused("workbooks with macros are not accepted; save as plain .xlsx")
    except zipfile.BadZipFile as exc:
        raise FileRefused("the .xlsx file is damaged (not a readable zip archive)") from exc

    import openpyxl  # deferred: only uploads of .xlsx pay for it

    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for damaged workbooks
        raise FileRefused(f"the workbook could not be opened: {type(exc).__name__}") from exc
    try:
        sheet = workbook.worksheets[0]
        sheet.reset_dimensions()  # the file's claim of its size is not believed
        rows = sheet.iter_rows(max_col=limits.max_columns + 1, values_only=True)
        return _collect(((_cell_text(value) for value in row) for row in rows), limits)
    finally:
        workbook.close()


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat(" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        # 16+ digit numbers (ID numbers typed into a number cell) have lost digits already;
        # keep the scientific form so that the identifier check can say so.
        return repr(value).upper()
    return str(value).strip()


def _read_csv(raw: bytes, limits: Limits) -> Table:
    text, encoding = _decode(raw)
    # The delimiter is read off the header line alone: cells below may hold lists written
    # with ";" or "，", which would mislead a sniffer looking at the whole sample.
    header = text.split("\n", 1)[0]
    delimiter = max((",", "\t", ";"), key=header.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        table = _collect(([cell.strip() for cell in row] for row in reader), limits)
    except csv.Error as exc:
        raise FileRefused(f"the CSV file is malformed: {exc}") from exc
    table.encoding = encoding
    return table


def _decode(raw: bytes) -> tuple[str, str]:
    if raw.startswith(b"\xef\xbb\xbf"):
        try:
            return raw[3:].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError as exc:
            raise FileRefused(f"the file starts as UTF-8 but byte {exc.start} is not") from exc
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        text = raw.decode("gb18030")
    except UnicodeDecodeError as exc:
        raise FileRefused(_ENCODING_HELP) from exc
    # GB18030 accepts most byte sequences, so a Latin-1 or other single-byte file decodes
    # into rare characters instead of failing. Real Chinese text is almost all in GB2312.
    wide = [char for char in text if ord(char) > 0x7F]
    if wide:
        common = sum(1 for char in wide if _in_gb2312(char))
        if common / len(wide) < 0.95:
            raise FileRefused(_ENCODING_HELP)
    return text, "gb18030"


def _in_gb2312(char: str) -> bool:
    try:
        char.encode("gb2312")
    except UnicodeEncodeError:
        return False
    return True


_ENCODING_HELP = (
    "the file's text encoding is not UTF-8 or GB18030/GBK; in Excel use "
    "'Save As → CSV UTF-8', or save as .xlsx"
)


def _collect(rows: Iterator[Iterator[str]] | Iterator[list[str]], limits: Limits) -> Table:
    """The header (the first row with a value) and the data rows below it. Every row read
    counts toward the row limit, blank ones included, so that no file can make the reader
    walk past it; and the reading is timed."""
    table: Table | None = None
    deadline = monotonic() + limits.max_seconds
    for number, cells in enumerate(rows, start=1):
        if number > limits.max_rows + 1:  # the header and max_rows rows, blank or not
            raise FileRefused(
                f"the sheet has more than {limits.max_rows} rows, counting empty ones; "
                "delete the empty rows below the table, or split it into smaller files"
            )
        if number % 512 == 0 and monotonic() > deadline:
            raise FileRefused(
                f"reading the file took longer than {limits.max_seconds:.0f} seconds; "
                "split it into smaller files"
            )
        values = list(cells)
        if table is None:
            if not any(values):
                continue  # blank lines above the header
            headers = _trim(values)
            if len(headers) > limits.max_columns:
                raise FileRefused(f"the header has more than {limits.max_columns} columns")
            table = Table(headers=headers)
            continue
        if not any(values):
            continue
        width = len(table.headers)
        if len(_trim(values)) > width:
            raise FileRefused(f"row {number} has more cells than the header has columns ({width})")
        table.rows.append((number, (values + [""] * width)[:width]))
    if table is None:
        raise FileRefused("the file has no header row")
    return table


def _trim(values: list[str]) -> list[str]:
    end = len(values)
    while end and not values[end - 1]:
        end -= 1
    return values[:end]
