"""IBAN rules (mod-97), IBANs in free text, and the EPC/SEPA QR payload."""

from __future__ import annotations

import base64
from decimal import Decimal

import pytest

from portal_app.core.services.errors import ValidationFailed
from portal_app.payments.services import iban

OFFICE = "NL91ABNA0417164300"
OTHER = "NL20INGB0001234567"
GERMAN = "DE89370400440532013000"
BELGIAN = "BE68539007547034"


@pytest.mark.parametrize("raw", ["NL91 ABNA 0417 1643 00", "nl91abna0417164300", OTHER, GERMAN, BELGIAN])
def test_valid_ibans(raw):
    assert iban.is_valid(raw)


@pytest.mark.parametrize(
    "raw",
    [
        "NL91ABNA0417164301",  # one digit off: mod-97 fails
        "NL19ABNA0417164300",  # wrong check digits
        "NL91ABNA041716430",  # too short for NL
        "NL91ABNA04171643000",  # too long for NL
        "XX",
        "",
        "2026-0142",
        "0612345678",
    ],
)
def test_invalid_ibans(raw):
    assert not iban.is_valid(raw)
    with pytest.raises(ValidationFailed) as error:
        iban.validated(raw)
    assert error.value.code == "payments.iban_invalid" and error.value.field == "iban"


def test_grouped_and_normalized():
    assert iban.validated(" nl91 abna-0417.1643 00 ") == OFFICE
    assert iban.grouped(OFFICE) == "NL91 ABNA 0417 1643 00"


def test_find_ibans_in_text_spaced_lowercase_and_glued_to_words():
    text = (
        "Graag overmaken naar NL91 ABNA 0417 1643 00 of naar nl20ingb0001234567.\n"
        f"Nieuw: {GERMAN}, dossier 2026-0142, bel 030 123 45 67, kenmerk NL00 FAKE 0000 0000 00."
    )
    assert iban.find_ibans(text) == [OFFICE, OTHER, GERMAN]
    # the spaced office IBAN runs straight into the next word and is still found
    assert iban.find_ibans("rekening NL91 ABNA 0417 1643 00 ten name van") == [OFFICE]
    assert iban.find_ibans("geen rekeningnummer hier, alleen 123456789012345") == []


def test_foreign_ibans_leave_out_the_office_account():
    text = f"Oud: NL91 ABNA 0417 1643 00. Nieuw: {OTHER}. Nogmaals {OTHER}."
    assert iban.foreign_ibans(text, OFFICE) == [OTHER]
    assert iban.foreign_ibans(text, "NL91 ABNA 0417 1643 00") == [OTHER]
    # without an office account every IBAN is foreign
    assert iban.foreign_ibans(text, None) == [OFFICE, OTHER]


def test_epc_payload_follows_epc069_12():
    payload = iban.epc_payload(
        name="Stichting Derdengelden Notariskantoor De Vries",
        iban="NL91 ABNA 0417 1643 00",
        amount=Decimal("407145.5"),
        remittance="2026-0142",
    )
    assert payload.split("\n") == [
        "BCD",
        "002",
        "1",
        "SCT",
        "",
        "Stichting Derdengelden Notariskantoor De Vries",
        OFFICE,
        "EUR407145.50",
        "",
        "",
        "2026-0142",
    ]


def test_epc_payload_refuses_bad_iban_and_amounts():
    with pytest.raises(ValidationFailed):
        iban.epc_payload(name="X", iban="NL91ABNA0417164301", amount=Decimal("1"), remittance="r")
    for amount in (Decimal("0"), Decimal("-1"), Decimal("1000000000")):
        with pytest.raises(ValidationFailed) as error:
            iban.epc_payload(name="X", iban=OFFICE, amount=amount, remittance="r")
        assert error.value.code == "payments.amount_invalid"


def test_epc_payload_keeps_lines_single_and_within_limits():
    payload = iban.epc_payload(name="A\nB" + "x" * 100, iban=OFFICE, amount=Decimal("1"), remittance="r\nBCD" * 50)
    lines = payload.split("\n")
    assert len(lines) == 11 and len(lines[5]) == 70 and len(lines[10]) == 140


def test_qr_code_is_an_inline_svg():
    uri = iban.qr_svg_data_uri(iban.epc_payload(name="X", iban=OFFICE, amount=Decimal("1"), remittance="r"))
    assert uri.startswith("data:image/svg+xml;base64,")
    svg = base64.b64decode(uri.split(",", 1)[1]).decode()
    # with its namespace, or a browser does not draw it as an image
    assert svg.startswith("<svg") and 'xmlns="http://www.w3.org/2000/svg"' in svg and "path" in svg
