"""Read a spreadsheet upload (.csv or .xlsx) into rows of strings, defensively.

SECURITY.md items 25 and 26: size, row and column limits; an XLSX is checked by its
content, not its name, and its zip directory is checked for bombs before any parser opens
it; .xls and .xlsm are refused. CSV is decoded as UTF-8 with BOM, UTF-8, then GB18030 (a
superset of GBK); anything else is refused rather than decoded into something wrong.

Parsing is bounded in time as well as in size (item 30). A workbook's own dimension is not
believed: a 6 KB file can claim ``A1:XFD1048576``. Every row counts toward the row limit,
blank ones too; only one column past the column limit is read; and reading stops with a
message once it has taken longer than ``Limits.max_seconds``.

A workbook is read by one of two parsers, which give the same strings:

- calamine (Rust, through python-calamine), twenty times faster than openpyxl, for plain
  workbooks only. It builds the sheet's whole rectangle in memory, from A1 to the farthest
  cell, so one cell at XFD1048576 would make it ask for 550 GB and abort the process (no
  exception to catch). So every member of the archive is first inflated here (checking that
  each inflates to exactly the size its directory entry declares: calamine's zip reader
  does not stop there, Python's does) and scanned for its cells, and calamine is given the
  file only when the scan is sure of what it will build: one unambiguous zip directory, UTF-8
  XML without a DOCTYPE, every cell written ``<c r="B7"``, the farthest cell within the
  row and column limits, and a rectangle at most four times the cells it holds. Cells
  that this scan or calamine would read otherwise than openpyxl (error values such as
  #DIV/0!, integers longer than a double holds) send the file to openpyxl too.
- openpyxl (read-only, through defusedxml; pure Python, streaming) for every other
  workbook: its memory does not grow with the sheet's claimed size. Its sheet is read
  without its dimension and only up to one column past the column limit; openpyxl yields a
  blank row for each one missing in the file, and every one counts toward the limit.
"""

from __future__ import annotations

import csv
import io
import re
import struct
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from time import monotonic
from typing import BinaryIO

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
    deadline = monotonic() + limits.max_seconds
    if _plain(path, members, limits):
        table = _read_with_calamine(path, limits, deadline)
        if table is not None:
            return table
    return _read_with_openpyxl(path, limits, deadline)


def _read_with_openpyxl(path: Path, limits: Limits, deadline: float) -> Table:
    import openpyxl  # deferred: only uploads of .xlsx pay for it

    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for damaged workbooks
        raise FileRefused(f"the workbook could not be opened: {type(exc).__name__}") from exc
    try:
        sheet = workbook.worksheets[0]
        sheet.reset_dimensions()  # the file's claim of its size is not believed
        rows = sheet.iter_rows(max_col=limits.max_columns + 1, values_only=True)
        return _collect(((_cell_text(value) for value in row) for row in rows), limits, deadline)
    except FileRefused:
        raise
    except Exception as exc:  # the sheet's XML is parsed as its rows are read
        raise FileRefused(f"the workbook could not be opened: {type(exc).__name__}") from exc
    finally:
        workbook.close()


def _read_with_calamine(path: Path, limits: Limits, deadline: float) -> Table | None:
    """The first sheet by calamine, or None when it is not a plain worksheet (a chart
    sheet first), for openpyxl to read. Only for a workbook that ``_plain`` passed."""
    from python_calamine import CalamineWorkbook, SheetTypeEnum  # deferred, as openpyxl is

    try:
        with CalamineWorkbook.from_path(path) as workbook:
            first = workbook.sheets_metadata[0] if workbook.sheets_metadata else None
            if first is None or first.typ != SheetTypeEnum.WorkSheet:
                return None
            # From A1, blank rows and columns before the table included, as openpyxl reads
            # it: the row numbers are the sheet's and the columns keep their places.
            rows = workbook.get_sheet_by_index(0).to_python(skip_empty_area=False)
    except Exception as exc:
        raise FileRefused(f"the workbook could not be opened: {type(exc).__name__}") from exc
    except BaseException as exc:  # a Rust panic arrives as pyo3's PanicException
        if type(exc).__name__ != "PanicException":
            raise
        raise FileRefused(f"the workbook could not be opened: {type(exc).__name__}") from exc
    if monotonic() > deadline:  # calamine cannot be stopped midway; its time counts
        raise FileRefused(
            f"reading the file took longer than {limits.max_seconds:.0f} seconds; "
            "split it into smaller files"
        )
    width = limits.max_columns + 1
    return _collect(
        ((_cell_text(value) for value in row[:width]) for row in rows), limits, deadline
    )


# What ``_plain`` looks for in each member of the archive, inflated: the cells as Excel,
# LibreOffice, WPS and openpyxl write them (``<c r="B7"``, the place first), whose place
# is certain, beside every cell element written otherwise; the rows' numbers; and what makes
# a file not plain. Each pattern starts with a literal, which keeps the scan fast.
_CELL = re.compile(rb'<c r="([A-Z]{1,3})([1-9][0-9]{0,6})"[\s/>]')
_ANY_CELL = re.compile(rb"<c[\s/>]")
_ROW = re.compile(rb'<row r="([1-9][0-9]{0,6})"[\s/>]')
_NOT_PLAIN = (
    re.compile(rb":[cv][\s/>]"),  # a cell or value with a namespace prefix
    re.compile(rb'<c r="[^"]*"[^>]*\sr\s*='),  # a second place: which one would count?
    re.compile(rb"t\s*=\s*[\"']e[\"']"),  # an error value, kept as #DIV/0! by openpyxl
    re.compile(rb"<v>\s*[-+]?[0-9]{16,}"),  # an integer longer than a double holds
    re.compile(rb"<!(?:DOCTYPE|ENTITY)"),  # for defusedxml to refuse
)
_OTHER_ENCODING = re.compile(
    rb'^(?:\xef\xbb\xbf)?\s*<\?xml[^>]*encoding\s*=\s*["\'](?!utf-?8["\'])', re.IGNORECASE
)
_CHUNK = 1 << 20


def _plain(path: Path, members: list[zipfile.ZipInfo], limits: Limits) -> bool:
    """Whether calamine may be given this workbook: see the module's docstring. False for
    anything unusual; openpyxl reads those."""
    try:
        with path.open("rb") as handle:
            if not _one_directory(handle, members):
                return False
            rows = columns = cells = 0
            for member in members:
                found = _scan(handle, member)
                if found is None:
                    return False
                rows, columns, cells = (
                    max(rows, found[0]),
                    max(columns, found[1]),
                    cells + found[2],
                )
    except (OSError, ValueError, zlib.error, struct.error):
        return False
    return (
        rows <= limits.max_rows + 1
        and columns <= limits.max_columns + 1
        and rows * columns <= max(4 * cells, 1 << 16)
    )


def _one_directory(handle: BinaryIO, members: list[zipfile.ZipInfo]) -> bool:
    """Whether the archive can be read one way only: its end record closes the file with no
    comment, no zip64 and no bytes before the first member, its names are unique, and no
    member is encrypted or compressed other than by deflate."""
    handle.seek(0, io.SEEK_END)
    size = handle.tell()
    if size < 22:
        return False
    handle.seek(size - 22)
    (signature, disk, start_disk, entries_here, entries, directory_size, directory_offset,
     comment) = struct.unpack("<IHHHHIIH", handle.read(22))  # fmt: skip
    return (
        signature == 0x06054B50
        and disk == start_disk == 0
        and entries_here == entries == len(members)
        and comment == 0
        and directory_offset + directory_size == size - 22
        and len({m.filename for m in members}) == len(members)
        and all(
            m.compress_type in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)
            and not m.flag_bits & 0x1
            and m.file_size < 0xFFFFFFFF
            and m.compress_size < 0xFFFFFFFF
            and m.header_offset < directory_offset
            for m in members
        )
    )


def _scan(handle: BinaryIO, member: zipfile.ZipInfo) -> tuple[int, int, int] | None:
    """The farthest row and column of ``member``'s cells and how many there are; None when
    it is not plain or does not inflate to exactly its declared size."""
    rows = columns = cells = 0
    tail = b""
    first = True
    for chunk in _inflated(handle, member):
        if first:
            if chunk[:2] in (b"\xff\xfe", b"\xfe\xff") or b"\0" in chunk[:4]:
                return None  # UTF-16 or UTF-32, which the byte patterns cannot read
            if _OTHER_ENCODING.match(chunk):
                return None
            first = False
        # A tag cut by the chunk's end is read with the next chunk.
        cut = chunk.rfind(b"<")
        text, tail = (tail + chunk[:cut], chunk[cut:]) if cut >= 0 else (tail + chunk, b"")
        if len(tail) > _CHUNK:
            return None
        found = _scan_text(text)
        if found is None:
            return None
        rows, columns, cells = max(rows, found[0]), max(columns, found[1]), cells + found[2]
    found = _scan_text(tail)
    if found is None:
        return None
    return max(rows, found[0]), max(columns, found[1]), cells + found[2]


def _scan_text(text: bytes) -> tuple[int, int, int] | None:
    if any(pattern.search(text) for pattern in _NOT_PLAIN):
        return None
    refs = _CELL.findall(text)
    if len(refs) != len(_ANY_CELL.findall(text)):
        return None  # a cell written otherwise, or without its place
    rows = max(map(int, (number for _, number in refs)), default=0)
    rows = max(rows, max(map(int, _ROW.findall(text)), default=0))
    letters = max({letters for letters, _ in refs}, key=lambda x: (len(x), x), default=b"")
    columns = 0
    for letter in letters:
        columns = columns * 26 + letter - 64
    return rows, columns, len(refs)


def _inflated(handle: BinaryIO, member: zipfile.ZipInfo) -> Iterator[bytes]:
    """``member``'s bytes, inflated here from the archive; ValueError unless they come to
    exactly its declared size."""
    handle.seek(member.header_offset)
    local = handle.read(30)
    if local[:4] != _ZIP_MAGIC:
        raise ValueError("no local header")
    name_length, extra_length = struct.unpack("<HH", local[26:30])
    handle.seek(member.header_offset + 30 + name_length + extra_length)
    left, out = member.compress_size, 0
    inflater = zlib.decompressobj(-15) if member.compress_type == zipfile.ZIP_DEFLATED else None
    while left:
        data = handle.read(min(left, _CHUNK))
        if not data:
            raise ValueError("the member is cut short")
        left -= len(data)
        while data:
            if inflater is None:
                chunk, data = data, b""
            else:
                chunk = inflater.decompress(data, _CHUNK)
                data = inflater.unconsumed_tail
            out += len(chunk)
            if out > member.file_size:
                raise ValueError("the member inflates past its declared size")
            if chunk:
                yield chunk
    if out != member.file_size or (inflater is not None and not inflater.eof):
        raise ValueError("the member does not inflate to its declared size")


def _cell_text(value: object) -> str:
    if type(value) is str:  # most cells: first, and without the isinstance chain below
        return value.strip()
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


def _collect(
    rows: Iterator[Iterator[str]] | Iterator[list[str]],
    limits: Limits,
    deadline: float | None = None,
) -> Table:
    """The header (the first row with a value) and the data rows below it. Every row read
    counts toward the row limit, blank ones included, so that no file can make the reader
    walk past it; and the reading is timed (from ``deadline`` when the file was parsed
    before its rows are read)."""
    table: Table | None = None
    deadline = monotonic() + limits.max_seconds if deadline is None else deadline
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
