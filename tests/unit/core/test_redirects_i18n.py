import ast
import re
from pathlib import Path  # noqa: F401

import pytest

from portal_app.core.services import i18n
from portal_app.core.services.redirects import safe_next_path
from tests.conftest import APP_DIR, layer_files


@pytest.mark.parametrize(
    "value",
    [
        "//evil.example",
        "/\\evil.example",
        "javascript:alert(1)",
        "https://evil.example/",
        "evil",
        "",
        None,
        5,
        "/ok\r\nSet-Cookie: x",
        "/\\/evil",
        "/login?next=/x",
        "/auth/logout",
    ],
)
def test_open_redirects_refused(value):
    assert safe_next_path(value, default="/") == "/"


@pytest.mark.parametrize("value", ["/", "/dossiers", "/dossiers/12?tab=berichten", "/mijn-gegevens#taal"])
def test_paths_inside_portal_accepted(value):
    assert safe_next_path(value) == value


def test_every_key_in_both_languages():
    nl, en = i18n.TRANSLATIONS["nl"], i18n.TRANSLATIONS["en"]
    assert set(nl) == set(en)
    for key in nl:
        assert nl[key].strip() and en[key].strip(), key
        assert set(re.findall(r"{(\w+)}", nl[key])) == set(re.findall(r"{(\w+)}", en[key])), key


def test_ui_code_uses_only_known_keys():
    used = set()
    for path in layer_files("pages", "components", "states"):
        used |= set(re.findall(r"(?<![\w.])tr\(\"([a-z_.]+)\"\)", path.read_text()))
        used |= set(re.findall(r"i18n\.t\(\"([a-z_.]+)\"", path.read_text()))
    missing = used - set(i18n.TRANSLATIONS["nl"])
    assert used and not missing, missing


def test_accept_language():
    assert i18n.language_from_accept_header("en-GB,en;q=0.9,nl;q=0.8") == "en"
    assert i18n.language_from_accept_header("de-DE,nl;q=0.5") == "nl"
    assert i18n.language_from_accept_header("fr") == "nl"
    assert i18n.t("login.throttled", "en", minutes=4) == "Too many attempts, please try again in 4 minutes."


# --------------------------------------------------------------------------- no text outside the tables
#
# Every text a user reads comes from i18n (`tr("key")` of core/components/text.py in
# components and pages, `i18n.t(...)` in states). A `tr(...)` call is translated
# text wherever it stands. This scan finds string literals that bypass it: text
# passed straight to a UI component (rx.text("Opslaan"), rx.button("Annuleren"),
# placeholder="Zoek...", aria_label="..."), Dutch words in rx.cond/rx.match
# branches, and sentences assigned to a public state var. Names that are the
# same in every language (a language's own name on a language switch, "OK")
# are allowed explicitly.

UI_TEXT_ALLOWLIST = {
    "OK",
    "Nederlands",  # a language's own name on the language switch
    "English",
}
# Components whose positional arguments are shown as text.
UI_TEXT_COMPONENTS = {
    "text",
    "heading",
    "button",
    "link",
    "badge",
    "callout",
    "label",
    "span",
    "th",
    "td",
    "li",
    "p",
    "option",
    "strong",
    "a",
    "legend",
    "dt",
    "dd",
    "h1",
    "h2",
    "h3",
    "h4",
    "em",
    "small",
    "title",
    "description",
    "tooltip",
    "summary",
    "caption",
    "trigger",
    "item",
    "div",
}
# Keyword arguments whose value is read (or read aloud) by users.
UI_TEXT_KEYWORDS = {"placeholder", "aria_label", "title", "alt", "label", "content"}
DUTCH_WORDS = re.compile(
    r"\b(de|het|een|van|en|niet|uw|u|is|op|in|met|voor|geen|nog|naar|bij|om|er|dit|deze|wordt|zijn|heeft)\b", re.I
)
WORDS = re.compile(r"[A-Za-zÀ-ÿ]{2,}")


def _dotted(node) -> str:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
    return ".".join(reversed(parts))


def untranslated_literals(source: str, *, is_state: bool) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call):
            name = _dotted(node.func)
            if not name.startswith("rx."):
                continue
            short = name.rsplit(".", 1)[-1]
            candidates = list(node.args) if short in UI_TEXT_COMPONENTS else []
            candidates += [keyword.value for keyword in node.keywords if keyword.arg in UI_TEXT_KEYWORDS]
            for value in candidates:
                if isinstance(value, ast.Constant) and isinstance(value.value, str) and WORDS.search(value.value):
                    found.append((value.lineno, value.value))
                if isinstance(value, ast.JoinedStr):
                    for part in value.values:
                        if isinstance(part, ast.Constant) and WORDS.search(part.value):
                            found.append((value.lineno, part.value))
            if name in ("rx.cond", "rx.match"):
                for value in node.args:
                    if (
                        isinstance(value, ast.Constant)
                        and isinstance(value.value, str)
                        and DUTCH_WORDS.search(value.value)
                    ):
                        found.append((value.lineno, value.value))
        elif is_state and isinstance(node, ast.Assign):
            for target in node.targets:
                if (
                    isinstance(target, ast.Attribute)
                    and isinstance(target.value, ast.Name)
                    and target.value.id == "self"
                    and not target.attr.startswith("_")
                    and isinstance(node.value, ast.Constant)
                    and isinstance(node.value.value, str)
                    and re.search(r"[A-Za-zÀ-ÿ]{2,}\s+[A-Za-zÀ-ÿ]{2,}", node.value.value)
                ):
                    found.append((node.value.lineno, node.value.value))
    return [(line, text) for line, text in found if text.strip() not in UI_TEXT_ALLOWLIST]


def test_no_ui_text_bypasses_the_translations():
    problems = []
    for path in sorted(layer_files("pages", "components", "states")):
        for line, text in untranslated_literals(path.read_text(), is_state=path.parent.name == "states"):
            problems.append(f"{path.relative_to(APP_DIR)}:{line}: {text!r}")
    assert not problems, "UI text outside portal_app/core/services/i18n.py:\n" + "\n".join(problems)


@pytest.mark.parametrize(
    "source,is_state",
    [
        ('rx.text("Opslaan")', False),
        ('rx.button(rx.icon("x"), "Annuleren")', False),
        ('rx.input(placeholder="Zoek een dossier")', False),
        ('rx.el.label(f"Naam {x}")', False),
        ('rx.cond(a, "Geen documenten", tr("x"))', False),
        ('rx.text(tr("home.title"), " Opslaan")', False),
        ('def f(self):\n    self.error = "Er ging iets mis"', True),
    ],
)
def test_the_scan_finds_untranslated_text(source, is_state):
    assert untranslated_literals(source, is_state=is_state)


@pytest.mark.parametrize(
    "source",
    [
        'rx.text(tr("home.title"))',
        'rx.cond(a, tr("home.title"), tr("nav.home"))',
        'rx.text(tr("actions.bar") + " (" + S.count.to_string() + ")")',
        'rx.input(placeholder=tr("dossiers.search"), aria_label=tr("dossiers.search"))',
        'rx.button("OK")',
        'rx.text("—")',
        'rx.cond(a, "doc-row unread", "doc-row")',
        'rx.input(placeholder="06 12345678")',
        'rx.button("English", on_click=S.switch_language("en"))',
    ],
)
def test_the_scan_allows_keys_symbols_and_names(source):
    assert untranslated_literals(source, is_state=True) == []


def test_dutch_and_english_differ_where_they_should():
    """A value copied into the other language by mistake shows up here (a few words are the same in both)."""
    nl, en = i18n.TRANSLATIONS["nl"], i18n.TRANSLATIONS["en"]
    same = sorted(key for key in nl if nl[key] == en[key] and len(nl[key].split()) > 2)
    assert same == [], same
