"""UI texts in Dutch (default) and English, read from the gettext catalogs in portal_app/locale/.

Each language has `locale/<lang>/LC_MESSAGES/messages.po`: the msgid is the key the code
uses (English, e.g. "login.invalid"), the msgstr is what users read, and `{name}`
placeholders are filled by `t(key, language, name=...)`. The `.mo` files are build output,
compiled from the `.po` with Babel by `make setup`, and here on import when one is missing
or older than its `.po`, so a fresh clone and the tests need no extra step.
tests/unit/core/test_catalogs.py checks that both languages have the same keys, none
empty, with the same placeholders.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po

LANGUAGES = ("nl", "en")
DEFAULT_LANGUAGE = "nl"
LOCALE_DIR = Path(__file__).resolve().parents[2] / "locale"
DOMAIN = "messages"


def catalog_paths(language: str) -> tuple[Path, Path]:
    """The `.po` (source) and `.mo` (compiled) catalog of `language`."""
    folder = LOCALE_DIR / language / "LC_MESSAGES"
    return folder / f"{DOMAIN}.po", folder / f"{DOMAIN}.mo"


def read_catalog_source(language: str) -> Catalog:
    po_path, _ = catalog_paths(language)
    with po_path.open("rb") as handle:
        return read_po(handle, locale=language, domain=DOMAIN)


def compile_catalog(language: str, *, force: bool = False) -> Path:
    """Compile the `.po` of `language` when its `.mo` is missing or older; the `.mo` path."""
    po_path, mo_path = catalog_paths(language)
    if not force and mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
        return mo_path
    catalog = read_catalog_source(language)
    # Several workers may start at once: each writes its own file and renames it into place,
    # so no process ever reads a half-written .mo.
    fd, tmp = tempfile.mkstemp(dir=mo_path.parent, prefix=f".{DOMAIN}-", suffix=".mo-tmp")
    try:
        os.fchmod(fd, 0o644)  # mkstemp's 0600 would hide it from a server running as another user
        with os.fdopen(fd, "wb") as handle:
            write_mo(handle, catalog)
        os.replace(tmp, mo_path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return mo_path


def _load(language: str) -> dict[str, str]:
    try:
        with compile_catalog(language).open("rb") as handle:
            catalog = read_mo(handle)
    except OSError:
        # A read-only install without compiled catalogs: the .po says the same.
        catalog = read_catalog_source(language)
    return {str(message.id): str(message.string) for message in catalog if message.id and message.string}


# key -> text per language; read once per process (a changed .po needs a restart, like code).
TRANSLATIONS: dict[str, dict[str, str]] = {language: _load(language) for language in LANGUAGES}


def normalize_language(value: str | None) -> str:
    value = (value or "").strip().lower()[:2]
    return value if value in LANGUAGES else DEFAULT_LANGUAGE


def language_from_accept_header(header: str | None) -> str:
    """The first supported language in an Accept-Language header, else Dutch."""
    best: tuple[float, str] | None = None
    for part in (header or "").split(","):
        lang, _, q = part.strip().partition(";q=")
        code = lang.strip().lower()[:2]
        if code not in LANGUAGES:
            continue
        try:
            weight = float(q) if q else 1.0
        except ValueError:
            weight = 0.0
        if best is None or weight > best[0]:
            best = (weight, code)
    return best[1] if best else DEFAULT_LANGUAGE


def t(key: str, language: str = DEFAULT_LANGUAGE, **params: object) -> str:
    table = TRANSLATIONS[normalize_language(language)]
    text = table.get(key) or TRANSLATIONS[DEFAULT_LANGUAGE].get(key) or key
    return text.format(**params) if params else text


def table(language: str) -> dict[str, str]:
    return dict(TRANSLATIONS[normalize_language(language)])
