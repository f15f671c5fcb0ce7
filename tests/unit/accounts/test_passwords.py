import pytest

from portal_app.accounts.services import passwords


@pytest.mark.parametrize(
    "password,expected",
    [
        ("Kort1", ["password.too_short"]),
        ("geenhoofdletter1", ["password.no_capital"]),
        ("GeenCijferHier", ["password.no_digit"]),
        ("A1" + "x" * 127, ["password.too_long"]),
    ],
)
def test_manual_rule(password, expected):
    assert passwords.problems(password) == expected


def test_good_password_passes_and_rule_flags():
    assert passwords.problems("Zonnebloem-Tulp-73") == []
    rule = passwords.check_rule("Abcdefg1")
    assert rule.ok and rule.long_enough and rule.has_capital and rule.has_digit


def test_own_name_or_email_refused():
    assert "password.personal" in passwords.problems("Jansen2026!", name="Jan Jansen", email="jan@example.nl")
    assert "password.personal" in passwords.problems("Pietjepuk9!", email="pietjepuk@example.nl")


def test_hash_and_verify():
    hashed = passwords.hash_password("Zonnebloem-Tulp-73")
    assert hashed.startswith("$2")
    assert passwords.verify_password("Zonnebloem-Tulp-73", hashed)
    assert not passwords.verify_password("Zonnebloem-Tulp-74", hashed)
    assert not passwords.verify_password("whatever", None)


def test_long_passwords_beyond_72_bytes_are_fully_compared():
    common = "A1" + "b" * 80
    hashed = passwords.hash_password(common + "X")
    assert passwords.verify_password(common + "X", hashed)
    assert not passwords.verify_password(common + "Y", hashed)
    multibyte = "É1" + "é" * 60  # > 72 bytes in UTF-8
    assert passwords.verify_password(multibyte, passwords.hash_password(multibyte))
