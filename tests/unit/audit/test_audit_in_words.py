"""Issue 14 item 8: the audit log in plain words, and a period that is no period refused.

Staff read the person's name and e-mail address, the document's title, the setting's name and
details with labels (times in office time, sizes in kB/MB, ja/nee) instead of codes; the names
of a whole page come from one query. The codes stay in the row's data-event and in the CSV.
A day that is no day gives a Dutch error (not a crash, not silently ignored); only staff may list.
"""

from __future__ import annotations

import ast
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import delete, event, update
from starlette.applications import Starlette
from starlette.testclient import TestClient

from portal_app.audit.models import AuditEvent
from portal_app.audit.services import audit, audit_text, staff_audit
from portal_app.core.services import i18n
from portal_app.core.services.errors import PermissionDenied, ValidationFailed
from portal_app.core.services.staff_access import day_period, day_start
from portal_app.documents.models import Document

ROOT = Path(__file__).resolve().parents[3] / "portal_app"
F = staff_audit.AuditFilter.clean


def add_document(db, world, title: str, number: int = 0) -> Document:
    row = Document(
        dossier_id=world.dossier.id,
        kind="conceptakte",
        title=title,
        filename=f"{title}.pdf",
        storage_key=uuid.uuid4().hex,
        size=1688,
        sha256="0" * 64,
        mime="application/pdf",
    )
    db.add(row)
    db.flush()
    return row


def page_of(db, world, language="nl", **filters):
    return staff_audit.search(session=db, actor=world.handler, filters=F(**filters), language=language)


# --------------------------------------------------------------------------- rendering, no database


NAMES = audit_text.Names({("account", 3): "Jan Jansen (jansen@example.nl)", ("document", 9): "Koopakte"})


@pytest.mark.parametrize(
    ("target", "nl", "en"),
    [
        ("account:3", "Jan Jansen (jansen@example.nl)", "Jan Jansen (jansen@example.nl)"),
        ("account:4", "Account 4", "Account 4"),  # removed since: its number
        ("document:9", "Document: Koopakte", "Document: Koopakte"),
        ("setting:office_address", "Instelling: Adres van het kantoor", "Setting: Office address"),
        ("setting:session_idle_minutes", "Instelling: Uitloggen na inactiviteit (minuten)", None),
        ("email:iemand@example.nl", "E-mailadres: iemand@example.nl", "E-mail address: iemand@example.nl"),
        ("trust_account", "Derdengeldenrekening", None),
        ("message:12", "Bericht 12", "Message 12"),
        ("", "", ""),
    ],
)
def test_targets_in_words(target, nl, en):
    assert audit_text.target_text(target, NAMES, "nl") == nl
    if en is not None:
        assert audit_text.target_text(target, NAMES, "en") == en


@pytest.mark.parametrize(
    ("detail", "nl", "en"),
    [
        (
            '{"kind": "conceptakte", "size": 1688, "mime": "application/pdf"}',
            "Soort: Concept-akte; Grootte: 2 kB; Bestandstype: PDF",
            "Type: Draft deed; Size: 2 kB; File type: PDF",
        ),
        ('{"size": 1572864}', "Grootte: 1,5 MB", "Size: 1.5 MB"),
        ('{"old": "true", "new": "false"}', "Oud: ja; Nieuw: nee", "Old: yes; New: no"),
        ('{"on": true}', "Aan: ja", "On: yes"),
        # 13:00 UTC is 14:00 in Amsterdam in winter
        ('{"starts_at": "2026-12-27T13:00:00+00:00"}', "Begint op: 27-12-2026 14:00", "Starts at: 27-12-2026 14:00"),
        ('{"account_id": 3, "document_id": 9}', "Cliënt: Jan Jansen (jansen@example.nl); Document: Koopakte", None),
        (
            '{"status": "in_behandeling -> afgesloten", "handler": "3 -> -"}',
            "Status: In behandeling → Afgesloten; Behandelaar: Jan Jansen (jansen@example.nl) → -",
            "Status: In progress → Closed; Handled by: Jan Jansen (jansen@example.nl) → -",
        ),
        ('{"fields": ["name", "email"]}', "Gewijzigd: naam, e-mailadres", "Changed: name, e-mail address"),
        ('{"price": 12345000}', "Koopprijs: €\xa0123.450,00", "Purchase price: €123,450.00"),
        ('{"event_type": "login.succeeded"}', "Gebeurtenis: Ingelogd", "Event: Logged in"),
        ('{"reason": "Telefoon kwijt"}', "Reden: Telefoon kwijt", "Reason: Telefoon kwijt"),
        ("not json", "not json", "not json"),
        (None, "", ""),
    ],
)
def test_details_in_words(detail, nl, en):
    parsed = audit_text.parse_detail(detail)
    assert audit_text.detail_text(parsed, NAMES, "nl") == nl
    if en is not None:
        assert audit_text.detail_text(parsed, NAMES, "en") == en


def test_an_unknown_key_or_value_shows_as_stored():
    assert audit_text.detail_text({"brand_new": "x.y"}, NAMES, "nl") == "brand_new: x.y"


def written_detail_keys() -> dict[str, str]:
    """Every key of a dict literal passed as `detail=` to audit.record, with its first place."""
    found: dict[str, str] = {}
    for path in sorted(ROOT.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "record"):
                continue
            for keyword in node.keywords:
                if keyword.arg != "detail":
                    continue
                for value in ast.walk(keyword.value):
                    if isinstance(value, ast.Dict):
                        for key in value.keys:
                            if isinstance(key, ast.Constant) and isinstance(key.value, str):
                                found.setdefault(key.value, f"{path.relative_to(ROOT.parent)}:{node.lineno}")
    return found


@pytest.mark.parametrize("language", i18n.LANGUAGES)
def test_every_written_detail_key_has_a_label(language):
    found = written_detail_keys()
    assert {"kind", "size", "mime", "starts_at", "old", "new"} <= set(found)  # the scan works
    # keys written from a variable: dossier.changed, staff.changed, audit.exported (the filters)
    keys = set(found) | {"status", "handler", "description", "role", "name"} | set(staff_audit.AuditFilter().__dict__)
    table = i18n.TRANSLATIONS[language]
    missing = sorted(key for key in keys if f"audit.detail.{key}" not in table)
    assert missing == [], f"add audit.detail.<key> to the {language} catalog for: {missing}"


# --------------------------------------------------------------------------- the list


def test_the_list_shows_names_titles_and_labels_not_codes(db, world):
    document = add_document(db, world, "Koopakte woning")
    audit.record(db, "login.succeeded", actor_id=world.client.id, target=f"account:{world.client.id}")
    audit.record(
        db,
        "document.stored",
        actor_id=world.handler.id,
        dossier_id=world.dossier.id,
        target=f"document:{document.id}",
        detail={"kind": "conceptakte", "size": 1688, "mime": "application/pdf"},
    )
    audit.record(
        db,
        "office_setting.changed",
        actor_id=world.admin.id,
        target="setting:staff_require_2fa",
        detail={"old": "true", "new": "false"},
    )
    db.commit()
    rows = {(row.event, row.target): row for row in page_of(db, world).rows}
    login = rows[("login.succeeded", f"account:{world.client.id}")]
    stored = rows[("document.stored", f"document:{document.id}")]
    setting = rows[("office_setting.changed", "setting:staff_require_2fa")]
    assert (login.description, login.actor) == ("Ingelogd", "Klaas Klant (klant@example.nl)")
    assert login.target_label == "Klaas Klant (klant@example.nl)"
    assert stored.target_label == "Document: Koopakte woning"
    assert stored.detail == "Soort: Concept-akte; Grootte: 2 kB; Bestandstype: PDF"
    assert setting.target_label == "Instelling: 2-staps verificatie verplicht voor medewerkers"
    assert setting.detail == "Oud: ja; Nieuw: nee"
    # the codes stay for the row's data-event and the CSV
    assert (stored.event, stored.target) == ("document.stored", f"document:{document.id}")
    english = {row.target: row for row in page_of(db, world, "en").rows}
    assert english["setting:staff_require_2fa"].target_label == "Setting: 2-step verification required for staff"
    assert english[f"document:{document.id}"].detail == "Type: Draft deed; Size: 2 kB; File type: PDF"
    for row in page_of(db, world).rows:
        assert " <" not in row.actor and "." not in row.description.rstrip(".")
    csv_text = "".join(staff_audit.iter_csv(session=db, actor=world.handler, filters=F()))
    assert f"document:{document.id}" in csv_text and "setting:staff_require_2fa" in csv_text
    assert '""size"": 1688' in csv_text  # the stored JSON, quoted the CSV way


def _statements(engine, run) -> int:
    statements: list[str] = []

    def listener(*args):
        statements.append(args[2])

    event.listen(engine, "before_cursor_execute", listener)
    try:
        run()
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    return len(statements)


def test_the_names_of_a_page_take_one_query_whatever_the_number_of_rows(db, world, engine):
    def filled(count: int) -> int:
        for number in range(count):
            document = add_document(db, world, f"Stuk {number}", number)
            audit.record(db, "document.downloaded", actor_id=world.client.id, target=f"document:{document.id}")
            audit.record(
                db,
                "questionnaire.sent",
                actor_id=world.handler.id,
                dossier_id=world.dossier.id,
                target=f"account:{world.client.id}",
                detail={"account_id": world.company.id, "document_id": document.id},
            )
        db.commit()
        return _statements(engine, lambda: page_of(db, world))

    db.exec(delete(AuditEvent))
    db.commit()
    without_names = _statements(engine, lambda: page_of(db, world))  # an empty page: no lookup at all
    one = filled(1)
    many = filled(30)  # a full page of 50 rows
    assert len(page_of(db, world).rows) == 50
    assert one == many == without_names + 1
    assert many <= 4  # staff check, count, page, names
    rows = page_of(db, world).rows
    assert {row.target_label for row in rows if row.event == "document.downloaded"} >= {"Document: Stuk 29"}
    assert "Cliënt: Carla Contact (info@bedrijf.example.nl)" in {row.detail.split(";")[0] for row in rows}


# --------------------------------------------------------------------------- the period


def test_day_start_gives_none_not_an_overflow():
    assert day_start("0001-01-01") is None  # its start in UTC falls before year 1
    assert day_start("2026-12-06") == datetime(2026, 12, 5, 23, 0, tzinfo=UTC)
    assert day_start("2026-13-01") is None and day_start("") is None and day_start(None) is None


@pytest.mark.parametrize(
    ("date_from", "date_to", "code"),
    [
        ("2026-13-01", "", "period.bad_date"),
        ("gisteren", "", "period.bad_date"),
        ("", "20261201", "period.bad_date"),
        ("2026-02-30", "", "period.bad_date"),
        ("0001-01-01", "", "period.bad_date"),
        ("", "9999-12-31", "period.bad_date"),
        ("2026-12-06", "2026-12-01", "period.date_order"),
    ],
)
def test_a_period_that_is_no_period_is_refused(db, world, date_from, date_to, code):
    with pytest.raises(ValidationFailed) as refused:
        day_period(date_from, date_to)
    assert refused.value.code == code
    with pytest.raises(ValidationFailed) as refused:
        page_of(db, world, date_from=date_from, date_to=date_to)
    assert refused.value.code == code
    assert i18n.t(f"staff.err.{code}", "nl") != f"staff.err.{code}"


def test_a_good_period_counts_in_office_time(db, world):
    db.exec(delete(AuditEvent))
    audit.record(db, "login.succeeded", actor_id=world.client.id)
    db.commit()
    db.exec(update(AuditEvent).values(at=datetime(2026, 12, 5, 23, 30, tzinfo=UTC)))  # 6 December, 00:30 in Amsterdam
    db.commit()
    assert page_of(db, world, date_from="2026-12-06", date_to="2026-12-06").total == 1
    assert page_of(db, world, date_to="2026-12-05").total == 0
    assert day_period("", "") == (None, None)


def test_only_staff_may_list(db, world):
    with pytest.raises(PermissionDenied):
        staff_audit.search(session=db, actor=world.client, filters=F())
    with pytest.raises(PermissionDenied):
        staff_audit.search(session=db, actor=None, filters=F())


# --------------------------------------------------------------------------- the screen


@pytest.fixture
def screen(engine, db, world, monkeypatch):
    """StaffAuditState on a state tree for `who`, loaded at `path` (URL query included)."""
    import portal_app.core.services.db as db_module
    from portal_app.accounts.services import sessions
    from portal_app.audit.states import StaffAuditState
    from portal_app.office.services import office_settings
    from tests.unit.helpers import make_state

    monkeypatch.setattr(db_module, "get_engine", lambda: engine)
    office_settings.set_value(db, "staff_require_2fa", "false", actor_id=None)
    audit.record(db, "login.succeeded", actor_id=world.client.id, target=f"account:{world.client.id}")
    db.commit()

    def make(who: str, path: str = "/staff/audit", *, load: bool = True):
        token, _row = sessions.create_session(db, getattr(world, who), policy=sessions.SessionPolicy())
        db.commit()
        state = make_state(StaffAuditState, token, path)
        if load:
            run("load_audit", state)
        return state

    return make


def run(name, state, *args):
    from portal_app.audit.states import StaffAuditState
    from tests.unit.helpers import call

    return call(StaffAuditState.event_handlers[name].fn, state, *args)


def test_a_bad_date_in_the_form_or_the_url_gives_a_dutch_error(db, world, screen):
    state = screen("handler")
    total = state.total
    assert total >= 1 and state.error == ""
    run("apply_filters", state, {"account": "klaas", "date_from": "2026-12-06", "date_to": "2026-12-01"})
    assert state.error == "De datum bij 'Tot en met' ligt vóór de datum bij 'Vanaf'."
    assert state.total == total and state.f_account == ""  # the list stays as it was
    run("apply_filters", state, {"date_from": "0001-01-01"})
    assert state.error == "Deze datum klopt niet. Kies een datum in de kalender."
    run("apply_filters", state, {"account": "klaas"})
    assert state.error == "" and state.f_account == "klaas"
    # a hand-made URL: the error, and the list without the period (not a crash)
    state = screen("handler", "/staff/audit?account=klaas&date_from=2026-99-99")
    assert state.error == "Deze datum klopt niet. Kies een datum in de kalender."
    assert state.total >= 1 and "date_from" not in state.export_href
    run("clear_filters", state)
    assert state.error == ""


def test_the_rows_sent_to_the_browser_are_in_words(db, world, screen):
    state = screen("admin")
    row = next(row for row in state.rows if row.event == "login.succeeded")
    assert row.target_label == "Klaas Klant (klant@example.nl)" and row.actor == "Klaas Klant (klant@example.nl)"


def test_a_client_gets_nothing_by_a_forged_event(db, world, screen):
    state = screen("client", load=False)
    for name, args in (("load_audit", ()), ("apply_filters", ({"date_from": "0001-01-01"},)), ("clear_filters", ())):
        run(name, state, *args)
        assert state.rows == [] and state.total == 0 and state.error == "", name


def test_the_export_refuses_a_bad_period_in_plain_dutch(engine, db, world):
    from portal_app.accounts.services import sessions
    from portal_app.audit import api as staff_exports
    from portal_app.office.services import office_settings

    office_settings.set_value(db, "staff_require_2fa", "false", actor_id=None)
    token, _ = sessions.create_session(db, world.handler, policy=sessions.SessionPolicy())
    db.commit()
    http = TestClient(Starlette(routes=staff_exports.make_routes(engine=engine, settings=world.settings)))
    http.cookies.set(sessions.COOKIE_NAME, token)
    response = http.get(staff_exports.AUDIT_PATH, params={"date_from": "0001-01-01"})
    assert response.status_code == 400 and "text/csv" not in response.headers["content-type"]
    assert response.text == "Deze datum klopt niet. Kies een datum in de kalender."
    assert http.get(staff_exports.AUDIT_PATH, params={"date_from": "2026-12-01"}).status_code == 200
