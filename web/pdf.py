"""HTML to PDF, for the fair's listing booklet: headless Chromium's print-to-PDF.

Why Chromium rather than WeasyPrint (both measured on the same 300-posting fair on the
2-core development machine, ``python -m bench.booklet_pdf``, see bench/README.md):

- WeasyPrint lays pages out in Python, on one core: the booklet of a 300-posting fair
  (106 A4 pages) took it 22-24 s of CPU, with a layout already cut down to plain block
  and inline boxes (its first version, in CSS grid, took over a minute). Chromium printed
  the same page in 4.7 s, start-up included (about 5 s of CPU over its processes, which
  use both cores), and the 309 pages of large print in 7.0 s: within the 10 s target;
- Chromium is already installed wherever the browser tests run (Debian's ``chromium``,
  the one Playwright drives); WeasyPrint would add a Python package with its own system
  libraries (Pango) to every web host;
- Chromium's output is a tagged PDF (structure for screen readers) with the headings as
  bookmarks, and it implements the paged-media CSS the booklet needs: A4 ``@page`` rules,
  named pages, margin boxes with page numbers (``counter(page)`` / ``counter(pages)``),
  page breaks. WeasyPrint implements more (running heads taken from the content, page
  numbers in the contents), which the booklet does without.

WeasyPrint would have been the simpler of the two (a library call, no subprocess), but it
does not meet the target; Chromium meets it with room to spare.

Each PDF starts its own browser process in a fresh temporary profile, and the process
group is killed if it runs past the timeout. The page is a single file that the app wrote
itself: its text escaped by the templates, its stylesheet inline, no script, and a CSP
that lets it fetch nothing; that is why ``--no-sandbox`` (which Chromium requires when run
as root, as in containers) is acceptable here. Chromium is looked up on ``PATH`` (Debian:
``apt-get install chromium``); a CJK font must be installed too (``fonts-wqy-microhei``
or ``fonts-noto-cjk``), or Chinese prints as empty boxes.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

__all__ = ["PdfFailed", "PdfUnavailable", "chromium", "html_to_pdf"]

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
TIMEOUT_S = 60.0
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-extensions",
    "--disable-sync",
    "--no-first-run",
    "--no-default-browser-check",
    "--mute-audio",
    "--no-pdf-header-footer",  # the booklet's own @page margin boxes instead
    "--generate-pdf-document-outline",  # bookmarks from the headings
)


class PdfUnavailable(RuntimeError):
    """No browser to make PDFs with is installed here."""


class PdfFailed(RuntimeError):
    """The browser ran but made no PDF (crashed, or ran past the timeout)."""


def chromium() -> str | None:
    """The path of the browser that makes PDFs, or None."""
    for name in BROWSERS:
        found = shutil.which(name)
        if found:
            return found
    return None


def html_to_pdf(html: str, *, timeout: float = TIMEOUT_S) -> bytes:
    """``html`` (a complete page that fetches nothing) printed as a PDF."""
    browser = chromium()
    if browser is None:
        raise PdfUnavailable(f"none of {', '.join(BROWSERS)} is on PATH")
    with tempfile.TemporaryDirectory(prefix="jobbridge-pdf-") as scratch:
        folder = Path(scratch)
        page, out = folder / "page.html", folder / "page.pdf"
        page.write_text(html, encoding="utf-8")
        command = [
            browser,
            *FLAGS,
            f"--user-data-dir={folder / 'profile'}",
            f"--print-to-pdf={out}",
            page.as_uri(),
        ]
        # Only what the browser needs: not the app's secrets in its environment.
        environment = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": scratch,
            "LANG": "C.UTF-8",
        }
        try:
            process = subprocess.Popen(
                command,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                env=environment,
                start_new_session=True,  # its own process group, so that all of it can be ended
            )
        except OSError as error:
            raise PdfUnavailable(f"{browser} cannot be started: {error}") from error
        try:
            _, errors = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired as error:
            _end_group(process.pid)
            process.communicate()
            raise PdfFailed(f"{browser} took more than {timeout:.0f} s") from error
        finally:
            _end_group(process.pid)
        data = out.read_bytes() if out.exists() else b""
        if process.returncode != 0 or not data.startswith(b"%PDF"):
            tail = errors.decode("utf-8", errors="replace").strip().splitlines()[-3:]
            raise PdfFailed(f"{browser} exited with {process.returncode}: {' / '.join(tail)}")
        return data


def _end_group(group: int) -> None:
    """End whatever is left of the browser's process group (helpers it started)."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(group, signal.SIGKILL)
