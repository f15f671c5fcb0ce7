"""Password rules and hashing.

Rule from the client manual: at least 8 characters, at least 1 capital letter and
at least 1 digit. An office may ask more (office settings: a longer minimum, a
required symbol) but never less. Beyond it: at most 128 characters, not a
common password, not the user's own name or e-mail address.

bcrypt reads only the first 72 bytes. Every password is therefore first hashed
with SHA-256 and base64-encoded (44 ASCII bytes, no NUL) before bcrypt, so two
long passwords that share their first 72 bytes still hash differently.
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import bcrypt

MIN_LENGTH = 8
MAX_LENGTH = 128
COMMON_PASSWORDS_FILE = Path(__file__).parent / "data" / "common-passwords.txt"


@dataclass(frozen=True)
class PasswordPolicy:
    """The office's password policy (office settings); the manual's rule is the floor."""

    min_length: int = MIN_LENGTH
    require_symbol: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "min_length", max(MIN_LENGTH, min(int(self.min_length), MAX_LENGTH)))


DEFAULT_POLICY = PasswordPolicy()


@dataclass(frozen=True)
class RuleCheck:
    long_enough: bool
    has_capital: bool
    has_digit: bool
    not_too_long: bool
    has_symbol: bool = True

    @property
    def ok(self) -> bool:
        return self.long_enough and self.has_capital and self.has_digit and self.not_too_long and self.has_symbol


def _is_symbol(ch: str) -> bool:
    return not ch.isalnum() and not ch.isspace()


def check_rule(password: str, policy: PasswordPolicy = DEFAULT_POLICY) -> RuleCheck:
    return RuleCheck(
        long_enough=len(password) >= policy.min_length,
        has_capital=any(ch.isupper() for ch in password),
        has_digit=any(ch.isdigit() for ch in password),
        not_too_long=len(password) <= MAX_LENGTH,
        has_symbol=not policy.require_symbol or any(_is_symbol(ch) for ch in password),
    )


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    if not COMMON_PASSWORDS_FILE.is_file():
        return frozenset()
    lines = COMMON_PASSWORDS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines if line.strip() and not line.startswith("#"))


def _fold(text: str) -> str:
    normalized = unicodedata.normalize("NFKD", text.lower())
    return "".join(ch for ch in normalized if ch.isalnum())


def problems(password: str, *, name: str = "", email: str = "", policy: PasswordPolicy = DEFAULT_POLICY) -> list[str]:
    """i18n keys of everything wrong with `password`; empty when it is acceptable.

    Translate them with `min=policy.min_length` (password.too_short names it)."""
    found: list[str] = []
    rule = check_rule(password, policy)
    if not rule.long_enough:
        found.append("password.too_short")
    if not rule.has_capital:
        found.append("password.no_capital")
    if not rule.has_digit:
        found.append("password.no_digit")
    if not rule.has_symbol:
        found.append("password.no_symbol")
    if not rule.not_too_long:
        found.append("password.too_long")
    if found:
        return found
    folded = _fold(password)
    if password.lower() in common_passwords() or folded in common_passwords():
        found.append("password.too_common")
    personal = [_fold(part) for part in re.split(r"[\s@._-]+", f"{name} {email}") if len(part) >= 4]
    if any(part and part in folded for part in personal):
        found.append("password.personal")
    return found


def rule_texts(policy: PasswordPolicy, language: str) -> dict[str, str]:
    """The rule as shown above a new-password field, in `language`.

    With the manual's own policy the manual's sentence is shown word for word."""
    from portal_app.core.services import i18n

    if policy == DEFAULT_POLICY:
        rule = i18n.t("setpw.rule", language)
    else:
        rule = i18n.t(
            "setpw.rule_n_symbol" if policy.require_symbol else "setpw.rule_n", language, min=policy.min_length
        )
    return {
        "rule": rule,
        "length": i18n.t("setpw.rule_length_n", language, min=policy.min_length),
        "capital": i18n.t("setpw.rule_capital", language),
        "digit": i18n.t("setpw.rule_digit", language),
        "symbol": i18n.t("setpw.rule_symbol", language) if policy.require_symbol else "",
    }


def problem_texts(codes: list[str], language: str, policy: PasswordPolicy) -> list[str]:
    from portal_app.core.services import i18n

    return [i18n.t(code, language, min=policy.min_length) for code in codes]


def _rounds() -> int:
    return max(4, min(15, int(os.environ.get("BCRYPT_ROUNDS", "12"))))


def _prehash(password: str) -> bytes:
    return base64.b64encode(hashlib.sha256(password.encode("utf-8")).digest())


def hash_password(password: str) -> str:
    """Slow (bcrypt): call it off the event loop (asyncio.to_thread)."""
    return bcrypt.hashpw(_prehash(password), bcrypt.gensalt(_rounds())).decode("ascii")


def verify_password(password: str, password_hash: str | None) -> bool:
    """Constant work whether or not the account exists: pass None for unknown accounts."""
    if len(password) > MAX_LENGTH * 4:
        password = password[: MAX_LENGTH * 4]
    candidate = _prehash(password)
    if not password_hash:
        bcrypt.checkpw(candidate, _DUMMY_HASH)
        return False
    try:
        return bcrypt.checkpw(candidate, password_hash.encode("ascii"))
    except ValueError:
        return False


_DUMMY_HASH = bcrypt.hashpw(b"dummy-password-for-timing", bcrypt.gensalt(_rounds()))
