"""Spreadsheet imports of seekers, employers and postings."""

from matcher.imports.reader import FileRefused, Limits
from matcher.imports.service import Duplicate, ImportReport, import_file

__all__ = ["Duplicate", "FileRefused", "ImportReport", "Limits", "import_file"]
