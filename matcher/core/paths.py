"""Where the reference data lives."""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["data_dir"]


def data_dir() -> Path:
    """The data/ folder: JOBBRIDGE_DATA_DIR, else the one beside this package's checkout."""
    configured = os.environ.get("JOBBRIDGE_DATA_DIR")
    if configured:
        return Path(configured)
    return Path(__file__).resolve().parents[2] / "data"
