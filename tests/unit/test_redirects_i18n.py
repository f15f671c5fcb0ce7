import re
from pathlib import Path

import pytest

from portal_app.services import i18n
from portal_app.services.redirects import safe_next_path


@pytest.mark.parametrize(
    "value",
    ["//evil.example", "/\\evil.example", "javascript:alert(1)", "https://evil.example/", "evil", "", None, 5,
     "/ok\r\nSet-Cookie: x", "/\\/evil", "/login?next=/x", "/auth/logout"],
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
    root = Path(__file__).resolve().parents[2] / "portal_app"
    used = set()
    for path in list(root.glob("pages/*.py")) + list(root.glob("components/*.py")) + list(root.glob("states/*.py")):
        used |= set(re.findall(r"tr\[\"([a-z_.]+)\"\]", path.read_text()))
        used |= set(re.findall(r"i18n\.t\(\"([a-z_.]+)\"", path.read_text()))
    missing = used - set(i18n.TRANSLATIONS["nl"])
    assert used and not missing, missing


def test_accept_language():
    assert i18n.language_from_accept_header("en-GB,en;q=0.9,nl;q=0.8") == "en"
    assert i18n.language_from_accept_header("de-DE,nl;q=0.5") == "nl"
    assert i18n.language_from_accept_header("fr") == "nl"
    assert i18n.t("login.throttled", "en", minutes=4) == "Too many attempts, please try again in 4 minutes."
