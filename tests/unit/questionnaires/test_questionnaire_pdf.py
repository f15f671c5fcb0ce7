"""The questionnaire PDF: every answer as literal text, Unicode names, page numbers."""

from __future__ import annotations

from datetime import UTC, datetime
from io import BytesIO

import pytest
from pypdf import PdfReader

from portal_app.questionnaires.services import pdf
from portal_app.questionnaires.services.answer_text import AnswerRow, AnswerSection

MOMENT = datetime(2026, 3, 14, 13, 5, tzinfo=UTC)  # 14:05 in Amsterdam


def render(sections, *, language="nl", **overrides):
    values = dict(
        office_name="Notariskantoor De Vries",
        title="Vragenlijst levering koopwoning",
        dossier_number="2026-0142",
        dossier_description="Levering woning Dorpsstraat 12, Utrecht",
        client_name="Ayşe Özdemir",
        completed_at=MOMENT,
        language=language,
        sections=sections,
    )
    values.update(overrides)
    return pdf.questionnaire_pdf(**values)


def text_of(data: bytes) -> tuple[list[str], PdfReader]:
    reader = PdfReader(BytesIO(data))
    return [page.extract_text() for page in reader.pages], reader


SECTIONS = [
    AnswerSection(
        "Uw persoonlijke gegevens",
        [
            AnswerRow("voornamen", "Voornamen (voluit)", "Ayşe"),
            AnswerRow("achternaam", "Achternaam", "Özdemir"),
            AnswerRow("opmerking", "Opmerkingen", "<script>alert('x')</script> & <b>vet</b> **markdown**"),
            AnswerRow("bedrag", "Hypotheekbedrag", "€ 350.000,00"),
            AnswerRow("beroep", "Beroep", ""),
            AnswerRow("lang", "Toelichting", "Regel één\nRegel twee"),
        ],
    ),
    AnswerSection("Bankgegevens", [AnswerRow("iban", "IBAN-rekeningnummer", "NL91 ABNA 0417 1643 00")]),
]


def test_header_and_every_answer_as_literal_text():
    pages, reader = text_of(render(SECTIONS))
    text = "\n".join(pages)
    for expected in (
        "Notariskantoor De Vries",
        "Vragenlijst levering koopwoning",
        "2026-0142",
        "Levering woning Dorpsstraat 12, Utrecht",
        "Ayşe Özdemir",
        "14-03-2026 om 14:05",
        "Uw persoonlijke gegevens",
        "Achternaam",
        "Özdemir",
        "<script>alert('x')</script> & <b>vet</b> **markdown**",
        "€ 350.000,00",
        "(niet ingevuld)",
        "Regel één",
        "Regel twee",
        "NL91 ABNA 0417 1643 00",
        "Pagina 1 van 1",
    ):
        assert expected in text, expected
    assert reader.metadata.title.startswith("Vragenlijst levering koopwoning")


def test_page_numbers_on_every_page():
    many = [
        AnswerSection(f"Onderdeel {n}", [AnswerRow(f"q{n}_{i}", f"Vraag {n}.{i}", "Antwoord " * 30) for i in range(12)])
        for n in range(6)
    ]
    pages, _reader = text_of(render(many))
    assert len(pages) > 2
    for number, text in enumerate(pages, start=1):
        assert f"Pagina {number} van {len(pages)}" in text


def test_english_labels_and_date():
    pages, _ = text_of(render(SECTIONS, language="en", title="Questionnaire transfer of a house"))
    text = "\n".join(pages)
    assert "Page 1 of 1" in text and "Client" in text and "14 March 2026, 14:05" in text
    assert "(not answered)" in text


def test_uses_the_unicode_font_when_installed():
    if pdf.unicode_font_dir() is None:
        pytest.skip("fonts-dejavu-core is not installed")
    data = render(SECTIONS)
    assert b"DejaVu" in data


def test_core_font_fallback_transliterates_safely(monkeypatch):
    monkeypatch.setattr(pdf, "unicode_font_dir", lambda: None)
    pages, _ = text_of(render(SECTIONS + [AnswerSection("Extra", [AnswerRow("x", "Naam", "Łukasz 名前")])]))
    text = "\n".join(pages)
    assert "Özdemir" in text  # Latin-1 letters stay
    assert "EUR 350.000,00" in text
    assert "Lukasz" in text and "??" in text
    assert "<script>alert('x')</script>" in text
    assert pdf.transliterate("Ayşe €") == "Ayse EUR"


def test_very_long_words_and_answers_do_not_break_the_layout():
    sections = [
        AnswerSection("Lang", [AnswerRow("a", "Lang woord", "x" * 3000), AnswerRow("b", "Lange tekst", "woord " * 700)])
    ]
    pages, _ = text_of(render(sections))
    assert len(pages) >= 1 and "Lang woord" in pages[0]


# ----------------------------------------------------------------------------- branding


def _image_xobjects(page) -> list:
    resources = page.get("/Resources") or {}
    xobjects = resources.get("/XObject") or {}
    return [xobjects[name].get_object() for name in xobjects if xobjects[name].get_object().get("/Subtype") == "/Image"]


def _fill_colours(page) -> set[tuple[int, int, int]]:
    """Every non-stroking RGB colour set on the page, as 0-255 integers."""
    import re

    content = page.get_contents().get_data().decode("latin-1")
    found = re.findall(r"([0-9.]+) ([0-9.]+) ([0-9.]+) rg", content)
    return {tuple(round(float(value) * 255) for value in triple) for triple in found}


def test_logo_is_drawn_on_page_one_and_the_colour_is_used(tmp_path):
    from PIL import Image

    logo = tmp_path / "logo-0123456789abcdef.png"
    Image.new("RGB", (600, 200), (122, 31, 31)).save(logo, format="PNG")
    data = render(SECTIONS, brand_colour="#7a1f1f", logo_path=logo)
    pages, reader = text_of(data)
    images = _image_xobjects(reader.pages[0])
    assert len(images) == 1 and (images[0]["/Width"], images[0]["/Height"]) == (600, 200)
    colours = _fill_colours(reader.pages[0])
    assert (0x7A, 0x1F, 0x1F) in colours  # the office name and the section titles
    assert pdf.BRAND_RGB not in colours
    assert "Notariskantoor De Vries" in pages[0]  # the name stays as text under the logo


def test_without_logo_no_image_and_the_default_colour():
    _pages, reader = text_of(render(SECTIONS))
    assert _image_xobjects(reader.pages[0]) == []
    assert pdf.BRAND_RGB in _fill_colours(reader.pages[0])  # #1f3a5f


def test_missing_or_broken_logo_file_does_not_break_the_pdf(tmp_path):
    broken = tmp_path / "logo-0123456789abcdef.png"
    broken.write_bytes(b"\x89PNG\r\n\x1a\nkapot")
    for path in (tmp_path / "weg.png", broken):
        pages, reader = text_of(render(SECTIONS, logo_path=path, brand_colour="not a colour"))
        assert _image_xobjects(reader.pages[0]) == []
        assert "Notariskantoor De Vries" in pages[0]


def test_a_completed_questionnaire_pdf_carries_the_office_logo_and_colour(db, world):
    from PIL import Image

    from portal_app.accounts.models import StaffRole
    from portal_app.accounts.services import accounts
    from portal_app.office.services import branding, office_settings
    from tests.unit.questionnaires.helpers import fill_house, finish

    admin = accounts.create_staff(db, email="admin@example.nl", name="Anna Admin", role=StaffRole.ADMIN)
    office_settings.update(db, {"brand_colour": "#7a1f1f"}, actor_id=admin.id)
    logo = BytesIO()
    Image.new("RGB", (900, 300), (122, 31, 31)).save(logo, format="PNG")
    branding.store_logo(session=db, actor=admin, filename="logo.png", data=logo.getvalue(), settings=world["settings"])
    db.commit()
    fill_house(db, world)
    completion = finish(db, world)
    with world["store"].open(completion.document.storage_key) as handle:
        reader = PdfReader(BytesIO(handle.read()))
    images = _image_xobjects(reader.pages[0])
    assert len(images) == 1 and (images[0]["/Width"], images[0]["/Height"]) == (600, 200)
    assert (0x7A, 0x1F, 0x1F) in _fill_colours(reader.pages[0])
