"""Password rules and hashing.

Rule from the client manual: at least 8 characters, at least 1 capital letter and
at least 1 digit. Beyond it: at most 128 characters, not a common password, not
the user's own name or e-mail address.

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
class RuleCheck:
    long_enough: bool
    has_capital: bool
    has_digit: bool
    not_too_long: bool

    @property
    def ok(self) -> bool:
        return self.long_enough and self.has_capital and self.has_digit and self.not_too_long


def check_rule(password: str) -> RuleCheck:
    return RuleCheck(
        long_enough=len(password) >= MIN_LENGTH,
        has_capital=any(ch.isupper() for ch in password),
        has_digit=any(ch.isdigit() for ch in password),
        not_too_long=len(password) <= MAX_LENGTH,
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


def problems(password: str, *, name: str = "", email: str = "") -> list[str]:
    """i18n keys of everything wrong with `password`; empty when it is acceptable."""
    found: list[str] = []
    rule = check_rule(password)
    if not rule.long_enough:
        found.append("password.too_short")
    if not rule.has_capital:
        found.append("password.no_capital")
    if not rule.has_digit:
        found.append("password.no_digit")
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
