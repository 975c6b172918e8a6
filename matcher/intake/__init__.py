"""Data in and out: reading and checking spreadsheets, storing their rows, uploads, exports."""

from matcher.intake.reader import FileRefused, Limits
from matcher.intake.service import Duplicate, ImportReport, import_file

__all__ = ["Duplicate", "FileRefused", "ImportReport", "Limits", "import_file"]
