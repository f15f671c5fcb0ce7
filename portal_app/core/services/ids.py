"""Database ids from untrusted values (URL parts, browser events).

`valid_id` answers None for anything that is not an id (the client pages show
"Niet gevonden."); `parse_id` raises NotFound instead, for services.
"""

from __future__ import annotations

from portal_app.core.services.errors import NotFound

MAX_ID = 2**63 - 1  # the largest BIGINT key


def valid_id(value: object) -> int | None:
    """A positive database id from an untrusted value (int or digit string), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if 0 < value <= MAX_ID else None
    if isinstance(value, str) and 0 < len(value) <= 19 and value.isascii() and value.isdigit():
        number = int(value)
        return number if 0 < number <= MAX_ID else None
    return None


def parse_id(value: object) -> int:
    """A positive database id from a browser value ("12", " 12 " or 12); NotFound for anything else."""
    number = valid_id(value.strip() if isinstance(value, str) else value)
    if number is None:
        raise NotFound()
    return number
