"""IBAN rules (ISO 13616, mod-97), finding IBANs in free text, and the EPC/SEPA QR code.

Written once here: the office account form, the message guard and the QR code all use it.
Plain Python, no Reflex import.
"""

from __future__ import annotations

import base64
import io
import re
from decimal import Decimal

import segno

from portal_app.core.services.errors import ValidationFailed

# Lengths of the IBANs of the SEPA countries a Dutch office meets most; others need 15-34.
IBAN_LENGTHS = {
    "NL": 18, "BE": 16, "DE": 22, "FR": 27, "GB": 22, "LU": 20, "ES": 24, "IT": 27, "AT": 20, "CH": 21,
    "IE": 22, "PT": 25, "DK": 18, "SE": 24, "NO": 15, "FI": 18, "PL": 28, "CZ": 24, "LT": 20, "MT": 31,
}  # fmt: skip
MIN_LENGTH = 15
MAX_LENGTH = 34
_SHAPE = re.compile(r"^[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}$")
# An IBAN in running text: country, check digits, then groups of letters/digits, optionally spaced
# in fours ("NL91 ABNA 0417 1643 00") or written in one piece, in upper or lower case.
_IN_TEXT = re.compile(r"(?<![A-Za-z0-9])([A-Za-z]{2}[0-9]{2}(?:[ \t\u00a0.-]?[A-Za-z0-9]){11,30})(?![A-Za-z0-9])")

# EPC069-12 (the "GiroCode"): at most 999,999,999.99 euro, name 70, remittance 140 characters.
EPC_MAX_AMOUNT = Decimal("999999999.99")
EPC_NAME_MAX = 70
EPC_REMITTANCE_MAX = 140


def normalize(raw: object) -> str:
    """Upper case without spaces, dots or dashes ("nl91 abna..." -> "NL91ABNA...")."""
    return re.sub(r"[\s.\-\u00a0]", "", str(raw or "")).upper()[:64]


def _mod97(iban: str) -> int:
    moved = iban[4:] + iban[:4]
    digits = "".join(str(int(ch, 36)) for ch in moved)
    return int(digits) % 97


def is_valid(raw: object) -> bool:
    iban = normalize(raw)
    if not _SHAPE.match(iban) or not MIN_LENGTH <= len(iban) <= MAX_LENGTH:
        return False
    expected = IBAN_LENGTHS.get(iban[:2])
    if expected is not None and len(iban) != expected:
        return False
    return _mod97(iban) == 1


def validated(raw: object, *, field: str = "iban") -> str:
    """The normalized IBAN, or ValidationFailed(code "payments.iban_invalid")."""
    iban = normalize(raw)
    if not is_valid(iban):
        raise ValidationFailed("not a valid IBAN", field=field, code="payments.iban_invalid")
    return iban


def grouped(iban: str) -> str:
    """In groups of four, as people read and type it: "NL91 ABNA 0417 1643 00"."""
    plain = normalize(iban)
    return " ".join(plain[i : i + 4] for i in range(0, len(plain), 4))


def find_ibans(text: object) -> list[str]:
    """Every valid IBAN in `text`, normalized, in order of appearance, without repeats.

    Only strings that pass mod-97 count, so a dossier number or a phone number
    is never taken for an account number.
    """
    found: list[str] = []
    for match in _IN_TEXT.finditer(str(text or "")):
        candidate = normalize(match.group(1))
        # a spaced IBAN may run into the next word: try the longest valid prefix
        for end in range(min(len(candidate), MAX_LENGTH), MIN_LENGTH - 1, -1):
            if is_valid(candidate[:end]):
                if candidate[:end] not in found:
                    found.append(candidate[:end])
                break
    return found


def foreign_ibans(text: object, office_iban: str | None) -> list[str]:
    """The IBANs in `text` that are not the office's own."""
    own = normalize(office_iban) if office_iban else ""
    return [iban for iban in find_ibans(text) if iban != own]


def _epc_line(value: str) -> str:
    return " ".join(str(value).split())


def epc_payload(*, name: str, iban: str, amount: Decimal, remittance: str, bic: str = "") -> str:
    """The text of an EPC QR code (EPC069-12, version 002, UTF-8, SEPA credit transfer).

    Banking apps fill in beneficiary, IBAN, amount and description from it.
    """
    amount = Decimal(amount).quantize(Decimal("0.01"))
    if not Decimal("0.01") <= amount <= EPC_MAX_AMOUNT:
        raise ValidationFailed("amount out of EPC range", field="amount", code="payments.amount_invalid")
    lines = [
        "BCD",
        "002",
        "1",  # UTF-8
        "SCT",
        _epc_line(bic)[:11],
        _epc_line(name)[:EPC_NAME_MAX],
        validated(iban),
        f"EUR{amount}",
        "",  # purpose code
        "",  # structured (RF) creditor reference: ours is free text
        _epc_line(remittance)[:EPC_REMITTANCE_MAX],
    ]
    return "\n".join(lines)


def qr_svg_data_uri(payload: str) -> str:
    """The QR code as an SVG data URI (error correction M, as EPC069-12 asks), shown inline."""
    code = segno.make(payload, error="m", boost_error=False, micro=False, encoding="utf-8")
    buffer = io.BytesIO()
    # a stand-alone SVG (with its namespace): the browser shows it as an <img>
    code.save(buffer, kind="svg", scale=4, border=4, dark="#000", light="#fff", xmldecl=False)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")
