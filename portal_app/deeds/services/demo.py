"""Demo data of the deeds domain (pinned by the issue): two versions of the draft deed of 2026-0142."""

from __future__ import annotations

from io import BytesIO

from sqlmodel import Session, select

from portal_app.accounts.models import Account
from portal_app.deeds.services.drafts import publish_version
from portal_app.documents.services.storage import FileStore
from portal_app.dossiers.models import Dossier

DEMO_DOSSIER = "2026-0142"
DEMO_TITLE = "Concept akte van levering"

_COMMON_START = [
    "Heden, verschijnen voor mij, notaris te Utrecht:",
    "1. de verkoper, hierna te noemen: verkoper;",
    "2. de heer Jan Jansen, hierna te noemen: koper.",
    "Artikel 1. Levering",
    "Verkoper levert aan koper, die aanvaardt: de woning met ondergrond en erf, staande en gelegen "
    "te Utrecht aan de Dorpsstraat 12.",
]
_COMMON_END = [
    "Artikel 4. Lasten en belastingen",
    "Alle lasten en belastingen zijn voor rekening van koper vanaf de dag van het passeren van deze akte.",
    "Waarvan akte, verleden te Utrecht.",
]


def _price(amount: str, words: str) -> list[str]:
    return [
        "Artikel 2. Koopsom",
        f"De koopsom bedraagt € {amount} ({words} euro). Koper heeft de koopsom voldaan door storting "
        "op de kwaliteitsrekening van de notaris.",
    ]


FINANCING_CLAUSE = [
    "Artikel 3. Ontbindende voorwaarde financiering",
    "De koop kan door koper worden ontbonden als koper uiterlijk op de in de koopovereenkomst genoemde "
    "datum geen financiering heeft verkregen.",
]

VERSION_1 = [*_COMMON_START, *_price("412.500", "vierhonderdtwaalfduizend vijfhonderd"), *_COMMON_END]
VERSION_2 = [*_COMMON_START, *_price("405.000", "vierhonderdvijfduizend"), *FINANCING_CLAUSE, *_COMMON_END]


def draft_pdf(lines: list[str]) -> bytes:
    from fpdf import FPDF

    pdf = FPDF()
    # Windows-1252 has the euro sign, so the built-in Helvetica can write "€ 412.500".
    pdf.core_fonts_encoding = "cp1252"
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 15)
    pdf.cell(0, 10, "CONCEPT - Akte van levering", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=11)
    for line in lines:
        pdf.multi_cell(0, 6, line, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(1)
    buffer = BytesIO()
    pdf.output(buffer)
    return buffer.getvalue()


def seed_demo_deeds(session: Session, store: FileStore, *, publisher: Account) -> None:
    """Versions 1 and 2 of "Concept akte van levering" in 2026-0142; no approval yet."""
    dossier = session.exec(select(Dossier).where(Dossier.number == DEMO_DOSSIER)).first()
    if dossier is None:
        return
    first = publish_version(
        session=session,
        store=store,
        actor=publisher,
        dossier_id=dossier.id,
        draft_id=None,
        title=DEMO_TITLE,
        filename="concept-akte-van-levering-v1.pdf",
        chunks=[draft_pdf(VERSION_1)],
        notify=False,
    )
    publish_version(
        session=session,
        store=store,
        actor=publisher,
        dossier_id=dossier.id,
        draft_id=first.version.draft_id,
        title="",
        filename="concept-akte-van-levering-v2.pdf",
        chunks=[draft_pdf(VERSION_2)],
        notify=False,
    )
