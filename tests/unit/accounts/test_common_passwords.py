import pytest

from portal_app.accounts.services import passwords


def _entries() -> list[str]:
    lines = passwords.COMMON_PASSWORDS_FILE.read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def test_list_has_exactly_10000_entries():
    entries = _entries()
    assert len(entries) == 10_000
    assert len(set(entries)) == 10_000
    assert len(passwords.common_passwords()) == 10_000


def test_header_names_source_and_licence():
    header = passwords.COMMON_PASSWORDS_FILE.read_text(encoding="utf-8").splitlines()[:5]
    text = "\n".join(header)
    assert "zxcvbn" in text and "MIT" in text


@pytest.mark.parametrize("password", ["Password1", "Qwerty123", "Password123"])
def test_common_password_that_meets_the_rule_is_refused(password):
    assert passwords.check_rule(password).ok
    assert password.lower() in passwords.common_passwords()
    assert passwords.problems(password) == ["password.too_common"]


def test_strong_password_is_not_common():
    assert "zonnebloem-tulp-73" not in passwords.common_passwords()
    assert passwords.problems("Zonnebloem-Tulp-73") == []
