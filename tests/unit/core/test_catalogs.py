"""The gettext catalogs (portal_app/locale/<lang>/LC_MESSAGES/messages.po) and how i18n reads them.

The .po files are the source: these tests read them as a translator would leave them,
so a key added to one language only, left empty or marked fuzzy, or a placeholder
renamed in one language fails here before any page shows the key instead of a text.
"""

from __future__ import annotations

import os
import shutil
import string
from pathlib import Path

import pytest

from portal_app.core.services import i18n


def _po_texts(language: str) -> dict[str, str]:
    catalog = i18n.read_catalog_source(language)
    return {str(message.id): message.string for message in catalog if message.id}


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


CATALOGS = {language: _po_texts(language) for language in i18n.LANGUAGES}


def test_both_catalogs_have_the_same_keys():
    nl, en = set(CATALOGS["nl"]), set(CATALOGS["en"])
    assert not nl - en, f"only in nl: {sorted(nl - en)}"
    assert not en - nl, f"only in en: {sorted(en - nl)}"
    assert len(nl) > 800  # the whole table, not an empty or truncated file


@pytest.mark.parametrize("language", i18n.LANGUAGES)
def test_no_text_is_missing_empty_or_fuzzy(language):
    catalog = i18n.read_catalog_source(language)
    empty = sorted(str(m.id) for m in catalog if m.id and not (isinstance(m.string, str) and m.string.strip()))
    fuzzy = sorted(str(m.id) for m in catalog if m.id and m.fuzzy)
    assert empty == [], f"{language}: empty texts {empty}"
    # pybabel compile leaves fuzzy entries out of the .mo: the key would be missing.
    assert fuzzy == [], f"{language}: fuzzy texts {fuzzy}"


def test_placeholders_are_the_same_in_both_languages():
    nl, en = CATALOGS["nl"], CATALOGS["en"]
    differ = {
        key: (sorted(_placeholders(nl[key])), sorted(_placeholders(en[key])))
        for key in nl.keys() & en.keys()
        if _placeholders(nl[key]) != _placeholders(en[key])
    }
    assert differ == {}, differ


@pytest.mark.parametrize("language", i18n.LANGUAGES)
def test_every_text_formats_with_its_placeholders(language):
    broken = []
    for key, text in CATALOGS[language].items():
        try:
            text.format(**dict.fromkeys(_placeholders(text), "x"))
        except (ValueError, IndexError, KeyError):  # a stray brace or a positional {}
            broken.append(key)
    assert broken == [], f"{language}: {broken}"


def test_translations_are_the_compiled_catalogs():
    assert i18n.TRANSLATIONS == CATALOGS
    assert i18n.t("login.throttled", "nl", minutes=3) == "Te veel pogingen, probeer het over 3 minuten opnieuw."
    assert i18n.t("login.throttled", "en", minutes=3) == "Too many attempts, please try again in 3 minutes."
    assert i18n.table("de") == CATALOGS["nl"]  # unknown language: Dutch
    assert i18n.t("no.such.key", "en") == "no.such.key"


@pytest.fixture
def locale_copy(tmp_path, monkeypatch):
    """A copy of the .po files without any .mo, as in a fresh clone."""
    for language in i18n.LANGUAGES:
        po_path, _ = i18n.catalog_paths(language)
        target = tmp_path / language / "LC_MESSAGES"
        target.mkdir(parents=True)
        shutil.copy2(po_path, target / po_path.name)
    monkeypatch.setattr(i18n, "LOCALE_DIR", tmp_path)
    return tmp_path


def test_a_missing_mo_is_compiled_on_load(locale_copy: Path):
    _, mo_path = i18n.catalog_paths("en")
    assert not mo_path.exists()
    assert i18n._load("en") == CATALOGS["en"]
    assert mo_path.is_file()
    assert list(mo_path.parent.glob("*tmp*")) == []


def test_an_mo_older_than_its_po_is_compiled_again(locale_copy: Path):
    po_path, mo_path = i18n.catalog_paths("nl")
    i18n.compile_catalog("nl")
    po_path.write_text(
        po_path.read_text(encoding="utf-8").replace('msgstr "Uitloggen"', 'msgstr "Afmelden"'), encoding="utf-8"
    )
    old = mo_path.stat().st_mtime - 10
    os.utime(mo_path, (old, old))
    assert i18n._load("nl")["nav.logout"] == "Afmelden"
    # An up-to-date .mo is read as it is, not compiled again.
    before = mo_path.stat().st_mtime_ns
    i18n._load("nl")
    assert mo_path.stat().st_mtime_ns == before
