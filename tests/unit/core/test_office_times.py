"""Issue 14, item 3: every time a user reads is office time (Europe/Amsterdam), on both
sides of the summer/winter switch: pages (staff lists, questionnaire result), the PDF of a
completed questionnaire, and no module but core/services/formatting.py turns a moment
into text by hand."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path

import pytest
from pypdf import PdfReader

from portal_app.core.services import staff_access
from portal_app.questionnaires.services import dates, pdf
from portal_app.questionnaires.services.answer_text import AnswerRow, AnswerSection

ROOT = Path(__file__).resolve().parents[3] / "portal_app"

# 12:05 UTC: 14:05 in summer (UTC+2), 13:05 in winter (UTC+1); the switch nights of 2026 around them
MOMENTS = [
    (datetime(2026, 7, 1, 12, 5, tzinfo=UTC), "01-07-2026", "14:05"),
    (datetime(2026, 12, 1, 12, 5, tzinfo=UTC), "01-12-2026", "13:05"),
    (datetime(2026, 3, 29, 0, 30), "29-03-2026", "01:30"),  # naive (SQLite) = UTC; still winter time
    (datetime(2026, 3, 29, 1, 30), "29-03-2026", "03:30"),  # an hour later: summer time
    (datetime(2026, 10, 25, 0, 30), "25-10-2026", "02:30"),  # still summer time
    (datetime(2026, 10, 25, 1, 30), "25-10-2026", "02:30"),  # winter time again: the same clock
    (datetime(2026, 12, 31, 23, 30, tzinfo=UTC), "01-01-2027", "00:30"),  # already the next day
]


@pytest.mark.parametrize(("moment", "day", "clock"), MOMENTS)
def test_staff_pages_show_office_time(moment, day, clock):
    assert staff_access.local_text(moment) == f"{day} {clock}"
    assert staff_access.local_text(moment, with_time=False) == day


@pytest.mark.parametrize(("moment", "day", "clock"), MOMENTS)
def test_questionnaire_result_line_shows_office_time(moment, day, clock):
    assert dates.format_datetime(moment, "nl") == f"{day} om {clock}"
    assert dates.format_datetime(moment, "en").endswith(f", {clock}")


@pytest.mark.parametrize(("moment", "clock"), [(MOMENTS[0][0], "14:05"), (MOMENTS[1][0], "13:05")])
def test_questionnaire_pdf_shows_office_time(moment, clock):
    data = pdf.questionnaire_pdf(
        office_name="Notariskantoor De Vries",
        title="Vragenlijst levering koopwoning",
        dossier_number="2026-0142",
        dossier_description="Levering woning Dorpsstraat 12, Utrecht",
        client_name="Jan Jansen",
        completed_at=moment,
        language="nl",
        sections=[AnswerSection("Gegevens", [AnswerRow("voornamen", "Voornamen", "Jan")])],
    )
    text = "\n".join(page.extract_text() for page in PdfReader(BytesIO(data)).pages)
    assert clock in text
    assert "12:05" not in text  # never the server's UTC


# Formatting by hand (a strftime or an hour of a moment) bypasses the office time zone. Checked:
# the code that makes what people read (pages, components, states, mails, PDFs, exports).
# Allowed: form field values already in office time (the staff signing form).
READ_BY_PEOPLE = re.compile(
    r"(^|/)(pages|components|states)/|(^|/)pages\.py$|(^|/)states\.py$|(^|/)components\.py$"
    r"|mail_templates\.py$|services/pdf\.py$|(^|/)api\.py$|exports?\.py$"
)
ALLOWED = {"signing/states/staff_signing.py"}


def test_no_time_is_turned_into_text_outside_formatting():
    offenders = []
    for path in ROOT.rglob("*.py"):
        relative = path.relative_to(ROOT).as_posix()
        if relative in ALLOWED or not READ_BY_PEOPLE.search(relative):
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if re.search(r"\.strftime\(|%H:%M|\.hour\b", line):
                offenders.append(f"{relative}:{number}: {line.strip()}")
    assert offenders == []
