"""Refresh the web UI's translation catalogs: extract, update, compile.

Usage: python scripts/translations.py   (or `make translations`)

1. Extract every message from web/**.py and web/templates/**.html (babel.cfg) into
   web/translations/messages.pot.
2. Update web/translations/<locale>/LC_MESSAGES/messages.po for each locale (creating it if
   missing), keeping the existing translations. New messages arrive empty; messages whose
   English changed a little arrive marked fuzzy, with the previous English as a `#|` comment.
3. Compile each .po into the messages.mo that the app reads.

Then translate the empty and fuzzy entries (remove the fuzzy flag once a translation is
checked), run the script again to compile, and commit the .pot, .po and .mo together.
``--fill zh.json`` does the translating from a JSON object of English message -> Chinese
(plural messages take a list of forms): it fills those entries, clears their fuzzy flag,
and compiles. Runs hold a lock on the catalog directory, so two at once take turns.
tests/web/test_translations.py fails while any message is missing, empty or fuzzy, while a
translation loses a placeholder, or while the .mo is out of date with its .po.

English is the msgid language and has no catalog. The POT is rewritten only when its
messages change, so that a run with nothing new leaves the checkout untouched.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import json
import tempfile
from collections.abc import Iterator
from pathlib import Path

from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "babel.cfg"
TRANSLATIONS = ROOT / "web" / "translations"
TEMPLATE = TRANSLATIONS / "messages.pot"
# Named as Babel names the app's locales: Flask-Babel looks for str(Locale.parse("zh_CN")),
# which is "zh_Hans_CN" (CLDR adds the likely script), so a zh_CN directory is never read.
LOCALES = ("zh_Hans_CN",)


def pybabel(*args: str, quiet: bool = True) -> None:
    """Run one pybabel command in this process; stop on failure."""
    status = CommandLineInterface().run(["pybabel", *(["-q"] if quiet else []), *args])
    if status:
        raise SystemExit(f"pybabel {args[0]} failed (status {status})")


def extract(output: Path) -> None:
    """Write the message template for the current sources to ``output``."""
    with contextlib.chdir(ROOT):  # so that the template's locations are relative paths
        pybabel(
            "extract",
            f"--mapping-file={CONFIG}",
            "--keywords=lazy_gettext",
            "--add-comments=TRANSLATORS:",
            # File names without line numbers: context for the translator, without a diff
            # in the catalogs every time a line moves in a template.
            "--add-location=file",
            "--project=JobBridge",
            "--version=0.1.0",
            "--copyright-holder=JobBridge contributors",
            f"--output-file={output}",
            ".",
        )


def _without_creation_date(path: Path) -> list[str]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [line for line in lines if not line.startswith('"POT-Creation-Date:')]


def refresh_template() -> bool:
    """Extract into messages.pot; True if its messages changed."""
    TRANSLATIONS.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        fresh = Path(scratch) / "messages.pot"
        extract(fresh)
        if TEMPLATE.exists() and _without_creation_date(fresh) == _without_creation_date(TEMPLATE):
            return False
        TEMPLATE.write_bytes(fresh.read_bytes())
        return True


def update(locale: str) -> None:
    pybabel(
        "update",
        f"--input-file={TEMPLATE}",
        f"--output-dir={TRANSLATIONS}",
        f"--locale={locale}",
        "--init-missing",
        "--ignore-obsolete",
        "--previous",
        "--ignore-pot-creation-date",
    )


def compile_catalog(locale: str) -> None:
    # Not quiet: the statistics, and a warning if the whole catalog is marked fuzzy.
    pybabel(
        "compile",
        f"--directory={TRANSLATIONS}",
        f"--locale={locale}",
        "--statistics",
        quiet=False,
    )


def fill(po: Path, translations: dict[str, str | list[str]]) -> int:
    """Write the given translations into ``po``; the number of entries filled."""
    with po.open("rb") as handle:
        catalog = read_po(handle)
    filled = 0
    for message in catalog:
        key = message.id[0] if isinstance(message.id, tuple) else message.id
        if not key or key not in translations:
            continue
        given = translations[key]
        message.string = tuple(given) if isinstance(message.id, tuple) else given
        message.flags.discard("fuzzy")
        message.previous_id = ()
        filled += 1
    with po.open("wb") as handle:
        write_po(handle, catalog, include_previous=True)
    return filled


@contextlib.contextmanager
def _catalog_lock() -> Iterator[None]:
    TRANSLATIONS.mkdir(parents=True, exist_ok=True)
    with (TRANSLATIONS / ".lock").open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fill", type=Path, help="JSON of English message -> Chinese")
    args = parser.parse_args()
    given = json.loads(args.fill.read_text(encoding="utf-8")) if args.fill else {}
    with _catalog_lock():
        changed = refresh_template()
        print(f"{TEMPLATE.relative_to(ROOT)}: {'updated' if changed else 'unchanged'}")
        for locale in LOCALES:
            update(locale)
            po = TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po"
            if given:
                print(f"{po.relative_to(ROOT)}: {fill(po, given)} entries filled")
            compile_catalog(locale)
            print(f"{po.relative_to(ROOT)}: updated and compiled")


if __name__ == "__main__":
    main()
