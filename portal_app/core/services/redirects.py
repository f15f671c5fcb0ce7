"""Return paths after login and in e-mail links: only paths inside the portal."""

from __future__ import annotations

from urllib.parse import urlsplit


def safe_next_path(value: object, default: str = "/") -> str:
    """`value` when it is a plain path inside the portal, else `default`.

    Refuses '//evil', '/\\evil', 'javascript:', absolute URLs, control characters
    and anything that does not start with a single '/'.
    """
    if not isinstance(value, str) or not value or len(value) > 500:
        return default
    if not value.startswith("/") or value.startswith(("//", "/\\")):
        return default
    if any(ord(ch) < 32 or ord(ch) == 127 or ch == "\\" for ch in value):
        return default
    parts = urlsplit(value)
    if parts.scheme or parts.netloc:
        return default
    if parts.path.startswith(("/auth/", "/login")):
        return default
    return value
