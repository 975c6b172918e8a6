"""The web UI's catalogs stay complete: every message in the templates and views has a checked
translation, the committed .mo says what the .po says, and no translation loses a placeholder.

When a test here fails: `make translations`, translate the empty and fuzzy entries in
web/translations/zh_Hans_CN/LC_MESSAGES/messages.po, `make translations` again, commit.
"""

from __future__ import annotations

import io
import re
from collections import Counter

import pytest
from babel import Locale
from babel.messages.catalog import Catalog
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

from scripts.translations import LOCALES, TRANSLATIONS, extract
from tests.helpers import ROOT
from web import create_app, i18n

HOW_TO_FIX = "run `make translations`, translate the new entries, run it again and commit"

# A %-directive as Python's `%` operator reads it (the same pattern as Babel's check).
DIRECTIVE = re.compile(
    r"%(?:\((?P<name>[^)]*)\))?"  # an optional (name)
    r"[-#0 +]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[hlL]?"  # flags, width, precision, length
    r"(?P<conversion>[diouxXeEfFgGcrs%])"
)


def _po(locale: str) -> Catalog:
    with (TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return read_po(handle, locale=locale)


def _messages(catalog: Catalog) -> dict[object, object]:
    return {message.id: message.string for message in catalog if message.id}


@pytest.fixture(scope="module")
def current_messages(tmp_path_factory: pytest.TempPathFactory) -> Catalog:
    """What the templates and views ask for right now, extracted as `make translations` does."""
    template = tmp_path_factory.mktemp("extract") / "messages.pot"
    extract(template)
    with template.open("rb") as handle:
        catalog = read_po(handle)
    assert len(catalog) > 100, "extraction found almost nothing: check babel.cfg"
    return catalog


def test_each_ui_language_but_english_has_a_catalog_where_flask_babel_looks():
    # Flask-Babel looks for the directory str(Locale.parse(...)): zh_CN -> zh_Hans_CN.
    wanted = {str(Locale.parse(locale)) for locale in i18n.LOCALES.values() if locale != "en"}
    assert wanted == set(LOCALES)
    for locale in LOCALES:
        assert (TRANSLATIONS / locale / "LC_MESSAGES" / "messages.mo").is_file()


@pytest.mark.parametrize("locale", LOCALES)
def test_every_current_message_has_a_checked_translation(current_messages, locale):
    catalog = _po(locale)
    assert not catalog.fuzzy, f"the {locale} catalog header is fuzzy, so compiling skips it"
    missing, empty, fuzzy = [], [], []
    for wanted in current_messages:
        if not wanted.id:
            continue
        found = catalog.get(wanted.id, wanted.context)
        if found is None:
            missing.append(wanted.id)
        elif not found.string or (isinstance(found.string, tuple) and not all(found.string)):
            empty.append(wanted.id)
        elif found.fuzzy:
            fuzzy.append(wanted.id)
    problems = {"not in the .po": missing, "untranslated": empty, "fuzzy (check, unflag)": fuzzy}
    assert not any(problems.values()), f"{locale} ({HOW_TO_FIX}): {problems}"


@pytest.mark.parametrize("locale", LOCALES)
def test_the_committed_mo_is_the_compiled_po(locale):
    compiled = io.BytesIO()
    write_mo(compiled, _po(locale))
    compiled.seek(0)
    mo = TRANSLATIONS / locale / "LC_MESSAGES" / "messages.mo"
    with mo.open("rb") as handle:
        committed = read_mo(handle)
    assert _messages(committed) == _messages(read_mo(compiled)), (
        f"{mo} is out of date with its .po: run `make translations` and commit the .mo"
    )
    with mo.open("rb") as handle:  # and it loads the way Flask-Babel loads it
        assert Translations(handle).gettext("Sign in") != "Sign in"


def _directives(text: str) -> tuple[Counter[tuple[str | None, str]], str]:
    """The named and positional placeholders in ``text``, and what is left without them."""
    found: Counter[tuple[str | None, str]] = Counter()
    for match in DIRECTIVE.finditer(text):
        if match["conversion"] != "%" or match["name"] is not None:
            found[(match["name"], match["conversion"])] += 1
    return found, DIRECTIVE.sub("", text)


@pytest.mark.parametrize("locale", LOCALES)
def test_translations_keep_every_placeholder(locale):
    catalog = _po(locale)
    wrong = []
    for message in catalog:
        if not message.id or not message.string:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        wanted, _ = _directives(ids[0])
        for string in strings:
            got, rest = _directives(string)
            # Jinja's newstyle gettext always applies `%`, so a lone % must be written %%.
            if got != wanted or "%" in rest:
                wrong.append((message.id, string))
    assert not wrong, f"{locale}: placeholders dropped, changed or a lone %: {wrong}"
    assert not [(m.id, errors) for m, errors in catalog.check()]


def test_the_login_page_is_chinese_by_default_and_english_on_request(monkeypatch, database_url):
    monkeypatch.setenv("DATABASE_URL", database_url)
    app = create_app()
    try:
        client = app.test_client()
        chinese = client.get("/login").get_data(as_text=True)
        assert '<html lang="zh-CN"' in chinese
        assert "<h1>登录</h1>" in chinese and "用户名" in chinese
        assert "Sign in" not in chinese and "Username" not in chinese

        client.set_cookie("jb_lang", "en")
        english = client.get("/login").get_data(as_text=True)
        assert '<html lang="en"' in english
        assert "<h1>Sign in</h1>" in english and "Username" in english
        assert "登录" not in english
    finally:
        app.extensions["jobbridge.engine"].dispose()


def test_the_catalogs_are_packaged():
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert '"translations/**/*"' in pyproject
