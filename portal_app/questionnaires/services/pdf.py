"""The PDF of a completed questionnaire (fpdf2).

The office's logo (when given) and name in its brand colour, questionnaire title, dossier number and description, client name,
date and time of completion, then every shown question with its answer, page
by page; "Pagina x van y" in the footer.

Text is only ever text: answers go through `multi_cell` without markup, so
"<script>" or "**bold**" in an answer is printed as typed. A Unicode TrueType
font (DejaVu Sans from Debian's fonts-dejavu-core) is used when installed, so
names such as "Özdemir" and the euro sign print as they are; without it the
built-in Helvetica is used with a safe transliteration (€ -> EUR, other
characters outside Latin-1 -> their base letter or "?").

Plain Python, no Reflex import.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from datetime import datetime
from io import BytesIO
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from fpdf import FPDF

from portal_app.questionnaires.services.dates import format_datetime

if TYPE_CHECKING:
    from portal_app.office.services.office_settings import OfficeProfile
    from portal_app.settings import Settings

FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/TTF"), Path("/usr/share/fonts/dejavu"))
FONT_FILES = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf", "I": "DejaVuSans-Oblique.ttf"}
BRAND_RGB = (31, 58, 95)
# The logo in the letterhead: at most this high and this wide (mm), aspect kept.
LOGO_MAX_HEIGHT_MM = 16.0
LOGO_MAX_WIDTH_MM = 80.0
MUTED_RGB = (90, 90, 90)

LABELS = {
    "nl": {
        "dossier": "Dossier",
        "client": "Cliënt",
        "completed": "Ingevuld op",
        "page": "Pagina {page} van {pages}",
        "empty": "(niet ingevuld)",
        "intro": "Deze vragenlijst is ingevuld en verzonden via het beveiligde klantenportaal.",
    },
    "en": {
        "dossier": "File",
        "client": "Client",
        "completed": "Completed on",
        "page": "Page {page} of {pages}",
        "empty": "(not answered)",
        "intro": "This questionnaire was filled in and sent through the secure client portal.",
    },
}


class _Row(Protocol):
    @property
    def label(self) -> str: ...

    @property
    def answer(self) -> str: ...


class _Section(Protocol):
    @property
    def title(self) -> str: ...

    @property
    def rows(self) -> Iterable[_Row]: ...


def unicode_font_dir() -> Path | None:
    """The folder with the DejaVu Sans fonts, or None when they are not installed."""
    for folder in FONT_DIRS:
        if all((folder / name).is_file() for name in FONT_FILES.values()):
            return folder
    return None


_FALLBACK_MAP = str.maketrans(
    {
        "€": "EUR",
        "Ł": "L",
        "ł": "l",
        "Đ": "D",
        "đ": "d",
        "ı": "i",
        "Œ": "OE",
        "œ": "oe",
        "ŉ": "'n",
        "‘": "'",
        "’": "'",
        "‚": "'",
        "“": '"',
        "”": '"',
        "„": '"',
        "–": "-",
        "—": "-",
        "…": "...",
        "•": "-",
    }
)


def transliterate(text: str) -> str:
    """Text that the core fonts (Latin-1) can print: € -> EUR, accents kept where Latin-1 has them."""
    out = []
    for ch in text.translate(_FALLBACK_MAP):
        if ch in "\n\t" or (ch.isprintable() and ord(ch) < 256):
            out.append(ch)
            continue
        base = "".join(c for c in unicodedata.normalize("NFKD", ch) if ord(c) < 256 and not unicodedata.combining(c))
        out.append(base if base and base.isprintable() else "?")
    return "".join(out)


class _QuestionnairePdf(FPDF):
    def __init__(self, *, footer_left: str, page_label: str, unicode: bool):
        super().__init__(orientation="P", unit="mm", format="A4")
        self.footer_left = footer_left
        self.page_label = page_label
        self.unicode = unicode
        self.family = "DejaVu" if unicode else "Helvetica"

    def txt(self, text: str) -> str:
        return text if self.unicode else transliterate(text)

    def footer(self) -> None:
        self.set_y(-15)
        self.set_font(self.family, "", 8)
        self.set_text_color(*MUTED_RGB)
        width = self.epw / 2
        self.cell(width, 8, self.txt(self.footer_left)[:90], align="L")
        pages = "{nb}"
        self.cell(width, 8, self.page_label.format(page=self.page_no(), pages=pages), align="R")


def colour_rgb(colour: str | None) -> tuple[int, int, int]:
    """(r, g, b) of a "#rrggbb" colour; the default brand colour for anything else."""
    if isinstance(colour, str) and len(colour) == 7 and colour.startswith("#"):
        try:
            return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)
        except ValueError:
            pass
    return BRAND_RGB


def _logo_size_mm(logo_path: Path) -> tuple[float, float] | None:
    """Width and height to draw the logo at, or None when it cannot be read."""
    from PIL import Image

    try:
        with Image.open(logo_path, formats=["PNG"]) as image:
            width, height = image.size
    except Exception:
        return None
    if width < 1 or height < 1:
        return None
    draw_h = LOGO_MAX_HEIGHT_MM
    draw_w = draw_h * width / height
    if draw_w > LOGO_MAX_WIDTH_MM:
        draw_w = LOGO_MAX_WIDTH_MM
        draw_h = draw_w * height / width
    return draw_w, draw_h


def _draw_logo(pdf: FPDF, logo_path: Path | None, alt_text: str) -> None:
    """The logo at the top left; nothing (and no error) when it is missing or unreadable."""
    if logo_path is None:
        return
    size = _logo_size_mm(Path(logo_path))
    if size is None:
        return
    width, height = size
    try:
        pdf.image(str(logo_path), x=pdf.l_margin, y=pdf.get_y(), w=width, h=height, alt_text=alt_text)
    except Exception:
        return
    pdf.set_y(pdf.get_y() + height + 3)


def office_logo_path(profile: OfficeProfile, settings: Settings | None = None) -> Path | None:
    """The office's current logo file (an `OfficeProfile`'s, under `settings.data_dir`), or None."""
    from portal_app.office.services import branding

    return branding.logo_path(settings, profile)


def questionnaire_pdf(
    *,
    office_name: str,
    title: str,
    dossier_number: str,
    dossier_description: str,
    client_name: str,
    completed_at: datetime,
    language: str,
    sections: Iterable[_Section],
    brand_colour: str | None = None,
    logo_path: Path | None = None,
) -> bytes:
    """Render the result of a questionnaire as PDF bytes.

    `brand_colour` ("#rrggbb") colours the office name, the rule under it and
    the section titles; `logo_path` (a PNG the portal stored) is drawn above.
    """
    language = "en" if language == "en" else "nl"
    brand_rgb = colour_rgb(brand_colour)
    labels = LABELS[language]
    font_dir = unicode_font_dir()
    pdf = _QuestionnairePdf(
        footer_left=f"{office_name} · {dossier_number}" if font_dir else f"{office_name} - {dossier_number}",
        page_label=labels["page"],
        unicode=font_dir is not None,
    )
    if font_dir is not None:
        for style, name in FONT_FILES.items():
            pdf.add_font("DejaVu", style, str(font_dir / name))
    pdf.alias_nb_pages("{nb}")
    pdf.set_auto_page_break(auto=True, margin=20)
    pdf.set_margins(20, 18, 20)
    pdf.set_title(pdf.txt(f"{title} - {dossier_number}"))
    pdf.set_author(pdf.txt(office_name))
    pdf.set_creator(pdf.txt(office_name))
    pdf.set_lang(language)
    pdf.add_page()
    family = pdf.family
    txt = pdf.txt

    # Letterhead
    _draw_logo(pdf, logo_path, txt(office_name))
    pdf.set_font(family, "B", 14)
    pdf.set_text_color(*brand_rgb)
    pdf.multi_cell(0, 7, txt(office_name), new_x="LMARGIN", new_y="NEXT", align="L")
    pdf.set_draw_color(*brand_rgb)
    pdf.set_line_width(0.6)
    pdf.line(pdf.l_margin, pdf.get_y() + 1, pdf.w - pdf.r_margin, pdf.get_y() + 1)
    pdf.ln(5)
    pdf.set_font(family, "B", 16)
    pdf.set_text_color(0, 0, 0)
    pdf.multi_cell(0, 8, txt(title), new_x="LMARGIN", new_y="NEXT", align="L")
    pdf.ln(2)

    meta = [
        (
            labels["dossier"],
            f"{dossier_number} — {dossier_description}" if font_dir else f"{dossier_number} - {dossier_description}",
        ),
        (labels["client"], client_name),
        (labels["completed"], format_datetime(completed_at, language)),
    ]
    for label, value in meta:
        pdf.set_font(family, "B", 10)
        pdf.cell(35, 6, txt(label))
        pdf.set_font(family, "", 10)
        pdf.multi_cell(0, 6, txt(value), new_x="LMARGIN", new_y="NEXT", align="L")
    pdf.ln(2)
    pdf.set_font(family, "I", 9)
    pdf.set_text_color(*MUTED_RGB)
    pdf.multi_cell(0, 5, txt(labels["intro"]), new_x="LMARGIN", new_y="NEXT", align="L")
    pdf.set_text_color(0, 0, 0)

    for section in sections:
        rows = list(section.rows)
        if not rows:
            continue
        if pdf.get_y() > pdf.h - 50:
            pdf.add_page()
        pdf.ln(5)
        pdf.set_font(family, "B", 12)
        pdf.set_text_color(*brand_rgb)
        pdf.multi_cell(0, 7, txt(section.title), new_x="LMARGIN", new_y="NEXT", align="L")
        pdf.set_draw_color(200, 200, 200)
        pdf.set_line_width(0.2)
        pdf.line(pdf.l_margin, pdf.get_y(), pdf.w - pdf.r_margin, pdf.get_y())
        pdf.ln(2)
        pdf.set_text_color(0, 0, 0)
        for row in rows:
            if pdf.get_y() > pdf.h - 35:
                pdf.add_page()
            pdf.set_font(family, "B", 9.5)
            pdf.set_text_color(*MUTED_RGB)
            pdf.multi_cell(0, 5, txt(row.label), new_x="LMARGIN", new_y="NEXT", align="L")
            pdf.set_text_color(0, 0, 0)
            if row.answer:
                pdf.set_font(family, "", 10.5)
                pdf.multi_cell(0, 5.5, txt(row.answer), new_x="LMARGIN", new_y="NEXT", align="L")
            else:
                pdf.set_font(family, "I", 10)
                pdf.set_text_color(*MUTED_RGB)
                pdf.multi_cell(0, 5.5, txt(labels["empty"]), new_x="LMARGIN", new_y="NEXT", align="L")
                pdf.set_text_color(0, 0, 0)
            pdf.ln(2.5)

    buffer = BytesIO()
    pdf.output(buffer)
    return buffer.getvalue()
