"""UI texts are compiled into the frontend (core/components/text.py), not kept in client state."""

import ast

import pytest

from portal_app.core.components.text import tr
from portal_app.core.services import i18n
from portal_app.core.states.base import PortalState
from tests.conftest import APP_DIR, layer_files

ROOT = APP_DIR
UI_SOURCES = sorted([*layer_files("components", "pages"), ROOT / "portal_app.py"])


@pytest.mark.parametrize("key", ["nav.home", "nav.logout", "login.submit"])
def test_tr_compiles_to_both_languages_chosen_by_the_lang_var(key):
    js = str(tr(key))
    assert f'"{i18n.TRANSLATIONS["nl"][key]}"' in js
    assert f'"{i18n.TRANSLATIONS["en"][key]}"' in js
    assert str(PortalState.lang) in js
    assert '"en"' in js


def test_tr_is_a_string_var_that_concatenates():
    var = tr("login.language") + ":"
    js = str(var)
    assert f'"{i18n.TRANSLATIONS["nl"]["login.language"]}"' in js
    assert '":"' in js
    assert var._var_type is str
    # the lang var's state travels along, so a page using tr() subscribes to it
    assert tr("nav.home")._get_all_var_data().field_dependencies


def test_unknown_key_raises():
    with pytest.raises(KeyError, match="no.such.key"):
        tr("no.such.key")


def test_a_var_is_not_a_key():
    with pytest.raises(TypeError):
        tr(PortalState.lang)


def _tr_calls(tree: ast.AST):
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "tr" and node.args:
            yield node


def test_every_literal_key_in_the_ui_exists_in_both_languages():
    used: dict[str, str] = {}
    for path in UI_SOURCES:
        for node in _tr_calls(ast.parse(path.read_text())):
            key = node.args[0]
            if isinstance(key, ast.Constant) and isinstance(key.value, str):
                used.setdefault(key.value, f"{path.relative_to(ROOT)}:{node.lineno}")
    assert len(used) > 300
    missing = {
        key: where
        for key, where in used.items()
        if key not in i18n.TRANSLATIONS["nl"] or key not in i18n.TRANSLATIONS["en"]
    }
    assert not missing, missing


def test_the_ui_no_longer_reads_a_translation_table_from_state():
    """`S.tr["key"]` read the whole table out of each client's state; tr("key") replaces it."""
    reads = []
    for path in UI_SOURCES:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Attribute) and node.value.attr == "tr":
                reads.append(f"{path.relative_to(ROOT)}:{node.lineno}: {ast.unparse(node)}")
    assert not reads, "\n".join(reads)
