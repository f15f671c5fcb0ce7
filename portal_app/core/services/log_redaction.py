"""Keep secrets out of every log line: one filter, installed once at app start.

Reflex logs whole events in some paths (an unknown event name is logged with its router
data, and that holds the request headers, cookie included), and a library may log a URL or
a form. So the redaction runs on the formatted text of every record, whoever logged it:
`install()` sets a log record factory (that reaches every logger and every handler, also
handlers attached later, such as Reflex's own console sink) and puts the same filter on the
root logger and on the handlers that exist at that moment.

What is masked (the value only; the name stays, so the line is still useful):
- the session cookie `kp_session=...`, and every other cookie value in a Cookie header;
- `token=` / `code=` and the like in URLs and forms (invitation, password and e-mail links);
- `Authorization: Bearer ...` and any `Bearer ...`;
- the value under a secret-looking key (password, secret, token, code, cookie, ...) in a
  printed mapping or keyword list: `'password': '...'`, `"token": "..."`, `code=...`.

Plain Python on purpose: no Reflex import, so it can be installed before Reflex loads.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable
from typing import Any

MASK = "[REDACTED]"
SESSION_COOKIE = "kp_session"

# Key names whose value is a secret. Matched as a whole key, optionally with a prefix joined
# by "_" or "-" (new_password, csrf_token, recovery_codes, x-api-key); only "password" also
# takes a suffix (password_repeat), so session_id or token_count stay readable.
_SECRET_WORDS = (
    r"(?:password|passwd)(?:[_-][A-Za-z0-9]+)*|pwd|secret|token|tokens|code|codes|otp|totp|pin"
    r"|cookie|set-cookie|authorization|api[_-]?key|session|sessionid|signature"
)
# Keys that end in a secret word but hold nothing secret.
_NOT_SECRET = frozenset(
    {"status_code", "error_code", "http_code", "country_code", "postal_code", "postcode", "zip_code"}
)
_KEY = rf"(?:[A-Za-z0-9]+[_-])*(?:{_SECRET_WORDS})"
_NOT_MASKED = rf"(?!{re.escape(MASK)})"

# 'key': 'value' / "key": "value" / 'key': b'value' (a printed dict or JSON).
_QUOTED_PAIR = re.compile(
    rf"""(?P<head>(?P<q1>['"])(?P<key>{_KEY})(?P=q1)\s*:\s*b?)(?P<q2>['"])(?P<value>(?:\\.|(?!(?P=q2)).)*)(?P=q2)""",
    re.IGNORECASE,
)
# key=value in a query string, a form body, a keyword list or a repr (Event(token='...')).
_PLAIN_PAIR = re.compile(
    rf"""(?P<head>(?<![A-Za-z0-9_-])(?P<key>{_KEY})=)(?P<q>['"]?){_NOT_MASKED}(?P<value>[^\s&;,'")\]}}#]+)(?P=q)""",
    re.IGNORECASE,
)
# A secret key holding a list or tuple (recovery_codes=['...', '...']): the whole list goes.
_LIST_PAIR = re.compile(
    rf"""(?P<head>(?<![A-Za-z0-9_-])(?P<q>['"]?)(?P<key>{_KEY})(?P=q)\s*[:=]\s*)(?P<value>\[[^\]]*\]|\([^)]*\))""",
    re.IGNORECASE,
)
# A Cookie / Set-Cookie header line, written as text.
_COOKIE_HEADER = re.compile(r"(?P<head>\b(?:set-)?cookie\s*:\s*)(?P<value>[^\r\n]+)", re.IGNORECASE)
_COOKIE_VALUE = re.compile(r"(?P<name>[^=;\s]+)=(?P<value>[^;]*)")
_BEARER = re.compile(rf"(?P<head>\bBearer\s+){_NOT_MASKED}(?P<value>[A-Za-z0-9._~+/=-]{{8,}})", re.IGNORECASE)
_AUTHORIZATION_HEADER = re.compile(r"(?P<head>\bauthorization\s*:\s*)(?P<value>[^\r\n]+)", re.IGNORECASE)
# The session cookie anywhere, also where no key hints at it.
_SESSION = re.compile(rf"(?P<head>\b{SESSION_COOKIE}=){_NOT_MASKED}(?P<value>[^;\s&'\",]+)")


def _key_is_secret(key: str) -> bool:
    return key.lower() not in _NOT_SECRET


def _mask_cookies(value: str) -> str:
    """Keep the cookie names (useful when debugging), mask every value."""
    return _COOKIE_VALUE.sub(lambda m: f"{m['name']}={MASK}" if m["value"] != MASK else m[0], value)


def _authorization_header(match: re.Match[str]) -> str:
    scheme, _, credentials = match["value"].partition(" ")
    if not credentials:
        return match["head"] + MASK
    return f"{match['head']}{scheme} {MASK}" if credentials != MASK else match[0]


def _list_pair(match: re.Match[str]) -> str:
    if not _key_is_secret(match["key"]) or match["value"] == MASK:
        return match[0]
    return match["head"] + MASK


def _quoted_pair(match: re.Match[str]) -> str:
    if not _key_is_secret(match["key"]) or match["value"] == MASK:
        return match[0]
    quote = match["q2"]
    if match["key"].lower() in ("cookie", "set-cookie"):
        return f"{match['head']}{quote}{_mask_cookies(match['value'])}{quote}"
    return f"{match['head']}{quote}{MASK}{quote}"


def _plain_pair(match: re.Match[str]) -> str:
    if not _key_is_secret(match["key"]) or match["value"] == MASK:
        return match[0]
    return f"{match['head']}{match['q']}{MASK}{match['q']}"


def redact(text: str) -> str:
    """The text with every secret value it shows replaced by [REDACTED]; other text unchanged."""
    if not text:
        return text
    text = _COOKIE_HEADER.sub(lambda m: m["head"] + _mask_cookies(m["value"]), text)
    text = _AUTHORIZATION_HEADER.sub(_authorization_header, text)
    text = _LIST_PAIR.sub(_list_pair, text)
    text = _QUOTED_PAIR.sub(_quoted_pair, text)
    text = _PLAIN_PAIR.sub(_plain_pair, text)
    text = _BEARER.sub(lambda m: m["head"] + MASK, text)
    return _SESSION.sub(lambda m: m["head"] + MASK, text)


_TRACEBACK_FORMATTER = logging.Formatter()


def redact_record(record: logging.LogRecord) -> logging.LogRecord:
    """Rewrite the record in place when it shows a secret; leave it untouched otherwise."""
    if record.name.startswith("sqlalchemy.engine") and str(record.msg).endswith("Row %r"):
        # At DEBUG SQLAlchemy prints every result row: TOTP secrets, codes, messages. The rows
        # carry no keys to recognise a secret by, so none is shown (parameters are hidden by
        # the engine itself, see core/services/db.py).
        record.msg, record.args = str(record.msg).replace("Row %r", f"Row {MASK}"), None
        return record
    try:
        message = record.getMessage()
    except Exception:  # a broken format string: let the handler report it as it would
        return record
    clean = redact(message)
    if record.exc_info and record.exc_info[0] is not None:
        traceback_text = _TRACEBACK_FORMATTER.formatException(record.exc_info)
        clean_traceback = redact(traceback_text)
        if clean_traceback != traceback_text:
            # Some handlers (Reflex's console and JSON sinks) format exc_info themselves and
            # would print the original: carry the cleaned traceback in the message instead.
            clean = f"{clean}\n{clean_traceback}"
            record.exc_info = None
            record.exc_text = None
    elif record.exc_text:
        record.exc_text = redact(record.exc_text)
    if record.stack_info:
        record.stack_info = redact(record.stack_info)
    if clean != message:
        record.msg = clean
        record.args = None
    return record


class SecretRedactingFilter(logging.Filter):
    """A logging filter that masks secrets; it never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        redact_record(record)
        return True


_FILTER = SecretRedactingFilter()
_lock = threading.Lock()
_installed = False


def _redacting_factory(previous: Callable[..., logging.LogRecord]) -> Callable[..., logging.LogRecord]:
    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        return redact_record(previous(*args, **kwargs))

    factory.redacts_secrets = True  # type: ignore[attr-defined]
    return factory


def install() -> None:
    """Redact every log record from now on. Idempotent; safe to call from every worker."""
    global _installed
    with _lock:
        if not getattr(logging.getLogRecordFactory(), "redacts_secrets", False):
            logging.setLogRecordFactory(_redacting_factory(logging.getLogRecordFactory()))
        root = logging.getLogger()
        loggers = [root, logging.getLogger("reflex"), logging.getLogger("uvicorn"), logging.getLogger("granian")]
        for logger in loggers:
            if _FILTER not in logger.filters:
                logger.addFilter(_FILTER)
            for handler in logger.handlers:
                if _FILTER not in handler.filters:
                    handler.addFilter(_FILTER)
        _installed = True


def is_installed() -> bool:
    return _installed and bool(getattr(logging.getLogRecordFactory(), "redacts_secrets", False))
