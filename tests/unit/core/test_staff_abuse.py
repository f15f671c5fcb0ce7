"""Forged events against every staff screen.

Every public event handler of every staff State class is enumerated from the
classes themselves (`event_handlers`, including Reflex's generic `setvar`) and
called the way a forged websocket event would reach it: on a real state tree,
with the router data (session cookie, path) a browser would send, and with
arguments of the right and of the wrong types.

- as a client session and without a session: every handler refuses ("/404" or
  the login page), the database does not change and the state's public vars
  stay at their defaults (nothing leaks into the browser);
- as a behandelaar: every handler of the admin screens (and the admin-only
  outbox content) refuses the same way;
- as staff without 2-step verification while the office requires it: refused.

A positive control runs the same harness as an admin, so a refusal is never a
harness accident. A static check proves that every handler is declared with the
handler skeleton (core/states/access.py) for staff or admins, so no handler can
reach its body without that check. Background handlers run through a proxy as
strict as Reflex's, so a refusal writes nothing outside the state lock.

A refusal writes one `access.refused` audit entry (rate-limited): that is the
only change to the database a refused call may make.
"""

from __future__ import annotations

import inspect
import io
import json

import pytest
import reflex as rx
from sqlmodel import SQLModel

import portal_app.core.services.db as db_module
from portal_app.accounts.models import Account, StaffRole
from portal_app.accounts.services import accounts, sessions
from portal_app.audit import states as staff_audit
from portal_app.core.states import staff_base
from portal_app.core.states.access import Access
from portal_app.dossiers.services import dossiers
from portal_app.dossiers.states import staff_dossiers
from portal_app.messages.models import Message
from portal_app.notifications import states as staff_outbox
from portal_app.office.services import office_settings, staff_admin
from portal_app.office.states import staff_clients, staff_overview, staff_settings
from portal_app.questionnaires.states import staff_dossier_questionnaires, staff_questionnaires
from tests.unit.helpers import PDF, LocalProxy, call, make_state, redirect_path  # noqa: F401

STAFF_STATES = [
    staff_overview.StaffOverviewState,
    staff_clients.StaffClientsState,
    staff_clients.StaffClientState,
    staff_dossiers.StaffDossiersState,
    staff_dossiers.StaffDossierState,
    staff_outbox.StaffOutboxState,
    staff_audit.StaffAuditState,
    staff_settings.StaffSettingsState,
    staff_questionnaires.StaffQuestionnairesState,
    staff_dossier_questionnaires.StaffDossierQuestionnairesState,
]
ADMIN_ONLY = {
    staff_settings.StaffSettingsState: set(staff_settings.StaffSettingsState.event_handlers) - {"setvar"},
    staff_outbox.StaffOutboxState: {"show_content"},
}
STAFF_MODULES = {
    staff_overview,
    staff_clients,
    staff_dossiers,
    staff_outbox,
    staff_audit,
    staff_settings,
    staff_questionnaires,
    staff_dossier_questionnaires,
}
# the gates the skeleton replaced: no staff state may call them any more
OLD_GATES = ("_staff_gate(", "_require_account(", "_require_client(", "_require_session(", "self._account(")
REFUSED_EVENT = "access.refused"


class FakeUpload:
    def __init__(self, name: str, data: bytes):
        self.name = name
        self.filename = name
        self._data = io.BytesIO(data)

    def read(self, size: int = -1) -> bytes:
        return self._data.read(size)


FORM = {
    "q": "a",
    "email": "forged@example.nl",
    "name": "Forged",
    "company_name": "Forged B.V.",
    "language": "nl",
    "number": "FORGED-1",
    "description": "forged",
    "status": "afgesloten",
    "handler": "1",
    "title": "forged",
    "reason": "forged",
    "role": "admin",
    "subject": "forged",
    "body": "forged",
    "account": "",
    "dossier": "",
}


def argument_sets(function) -> list[tuple]:
    """Plausible forged arguments by annotation, and a set of wrong types."""
    parameters = list(inspect.signature(function).parameters.values())[1:]
    plausible, wrong = [], []
    for parameter in parameters:
        annotation = str(parameter.annotation)
        if "UploadFile" in annotation:
            plausible.append([FakeUpload("forged.pdf", PDF)])
        elif "dict" in annotation:
            plausible.append(dict(FORM))
        elif "bool" in annotation:
            plausible.append(True)
        else:
            plausible.append("1")
        wrong.append({"$ne": None} if "dict" not in annotation else ["not", "a", "dict"])
    return [tuple(plausible), tuple(wrong)]


@pytest.fixture(scope="module")
def module_engine(tmp_path_factory):
    """One database for the module (the refusals must leave it unchanged anyway);
    the states' session_scope() uses it."""
    from portal_app.core.services.db import make_engine

    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('abuse') / 'abuse.db'}")
    SQLModel.metadata.create_all(engine)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(db_module, "get_engine", lambda: engine)
        yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def module_db(module_engine):
    from sqlmodel import Session

    with Session(module_engine, expire_on_commit=False) as session:
        yield session


@pytest.fixture(scope="module")
def people(module_db):
    db = module_db
    admin = accounts.create_staff(db, email="admin@example.nl", name="Anna Admin", role=StaffRole.ADMIN)
    handler = accounts.create_staff(db, email="handler@example.nl", name="Bert Behandel", role=StaffRole.HANDLER)
    client = accounts.create_person(db, email="klant@example.nl", name="Klaas Klant")
    other = accounts.create_person(db, email="ander@example.nl", name="Geheime Ander")
    dossier = dossiers.create_dossier(db, number="2026-0001", description="Levering", handler_id=handler.id)
    secret = dossiers.create_dossier(db, number="2026-0002", description="Geheim testament", handler_id=admin.id)
    dossiers.grant_access(db, dossier_id=dossier.id, account_id=client.id)
    dossiers.grant_access(db, dossier_id=secret.id, account_id=other.id)
    db.add(
        Message(
            dossier_id=secret.id, author_id=other.id, from_office=False, subject="Geheim", body="Niet voor de klant"
        )
    )
    office_settings.set_value(db, "staff_require_2fa", "false", actor_id=None)
    db.commit()
    policy = sessions.SessionPolicy()
    tokens = {}
    for key, account in (("admin", admin), ("handler", handler), ("client", client)):
        tokens[key], _ = sessions.create_session(db, account, policy=policy)
    db.commit()
    return {
        "admin": admin,
        "handler": handler,
        "client": client,
        "dossier": dossier,
        "secret": secret,
        "tokens": tokens,
    }


@pytest.fixture
def db(module_db, people):
    yield module_db
    module_db.rollback()


def snapshot(db) -> dict:
    """Every row of every table except the session table (the gate touches last_seen_at)
    and the `access.refused` audit entries refusals write."""
    db.expire_all()
    result = {}
    for name, table in SQLModel.metadata.tables.items():
        if name == "usersession":
            continue
        query = table.select()
        if name == "auditevent":
            query = query.where(table.c.event_type != REFUSED_EVENT)
        result[name] = sorted(repr(tuple(row)) for row in db.connection().execute(query).all())
    return result


def refusals(db) -> int:
    from sqlmodel import func, select

    from portal_app.audit.models import AuditEvent

    db.expire_all()
    return db.exec(select(func.count()).select_from(AuditEvent).where(AuditEvent.event_type == REFUSED_EVENT)).one()


def public_values(state) -> dict:
    return {name: getattr(state, name) for name in type(state).base_vars if not name.startswith("_")}


def handler_calls(cls):
    for name, handler in sorted(cls.event_handlers.items()):
        if name == "setvar":
            for var in sorted(type_var for type_var in cls.base_vars if not type_var.startswith("_")):
                yield f"setvar:{var}", handler.fn, [(var, "1"), (var, True)]
        else:
            yield name, handler.fn, argument_sets(handler.fn)


def path_for(cls, people) -> str:
    if cls in (staff_dossiers.StaffDossierState, staff_dossier_questionnaires.StaffDossierQuestionnairesState):
        return f"/staff/dossiers/{people['secret'].id}"
    if cls is staff_clients.StaffClientState:
        return f"/staff/clienten/{people['client'].id}"
    return "/staff"


# a forged setvar reaches our setter as a coroutine Reflex never awaits: nothing runs
@pytest.mark.filterwarnings("ignore:coroutine .* was never awaited:RuntimeWarning")
@pytest.mark.parametrize("who", ["client", "nobody"])
@pytest.mark.parametrize("cls", STAFF_STATES, ids=lambda cls: cls.__name__)
def test_every_staff_handler_refuses_clients_and_anonymous(db, people, who, cls):
    before = snapshot(db)
    token = people["tokens"]["client"] if who == "client" else None
    expected = "/404" if who == "client" else "/login"
    called = 0
    for name, fn, arg_sets in handler_calls(cls):
        for args in arg_sets:
            state = make_state(cls, token, path_for(cls, people))
            defaults = public_values(state)
            try:
                result = call(fn, state, *args)
            except AttributeError:
                # setvar for a var without a setter: Reflex refuses before any code of ours runs
                assert name.startswith("setvar:"), name
                continue
            if name.startswith("setvar:"):
                # Reflex's setvar calls our declared set_* handler and drops what it returns
                # (the skeleton's coroutine, never awaited): nothing of ours runs
                assert result is None, (name, result)
            else:
                path = redirect_path(result)
                assert path is not None and path.startswith(expected), (name, args, result)
            assert public_values(state) == defaults, name
            text = repr(public_values(state))
            assert "Geheim" not in text and "ander@example.nl" not in text
            called += 1
    assert called >= len(cls.event_handlers) - 1
    assert snapshot(db) == before, cls


def test_admin_handlers_refuse_a_behandelaar(db, people):
    before = snapshot(db)
    refused_before = refusals(db)
    for cls, names in ADMIN_ONLY.items():
        for name in sorted(names):
            fn = cls.event_handlers[name].fn
            for args in argument_sets(fn):
                state = make_state(cls, people["tokens"]["handler"], "/staff/instellingen")
                if cls is staff_settings.StaffSettingsState:
                    state.staff_rows = [
                        staff_admin.StaffRow(id=people["admin"].id, name="x")
                    ]  # what a forged UI might hold
                result = call(fn, state, *args)
                assert redirect_path(result) == "/404", (name, args, result)
    assert snapshot(db) == before
    assert (
        refusals(db) > refused_before
    )  # the refusals are in the audit log    assert db.get(Account, people["handler"].id).staff_role == StaffRole.HANDLER


def test_staff_without_required_second_factor_is_sent_to_set_it_up(db, people):
    office_settings.set_value(db, "staff_require_2fa", "true", actor_id=None)
    db.commit()
    for cls in STAFF_STATES:
        load = next(name for name in cls.event_handlers if name.startswith("load_"))
        state = make_state(cls, people["tokens"]["admin"], path_for(cls, people))
        result = call(cls.event_handlers[load].fn, state)
        assert redirect_path(result) == "/mijn-gegevens?verplicht=1", cls
    office_settings.set_value(db, "staff_require_2fa", "false", actor_id=None)
    db.commit()


def test_positive_control_staff_get_through_the_same_harness(db, people):
    state = make_state(staff_overview.StaffOverviewState, people["tokens"]["handler"], "/staff")
    assert call(staff_overview.StaffOverviewState.event_handlers["load_overview"].fn, state) is None
    assert state.loaded and state.unread_total == 0  # "for me": the secret message is in the admin's dossier
    state = make_state(
        staff_dossiers.StaffDossierState, people["tokens"]["admin"], f"/staff/dossiers/{people['secret'].id}"
    )
    assert call(staff_dossiers.StaffDossierState.event_handlers["load_dossier"].fn, state) is None
    assert state.found and state.header["number"] == "2026-0002"
    call(staff_dossiers.StaffDossierState.event_handlers["add_step"].fn, state, {"title": "Stap"})
    assert [step.title for step in state.steps] == ["Stap"]
    settings_state = make_state(staff_settings.StaffSettingsState, people["tokens"]["admin"], "/staff/instellingen")
    assert call(staff_settings.StaffSettingsState.event_handlers["load_settings"].fn, settings_state) is None
    assert {row.email for row in settings_state.staff_rows} == {"admin@example.nl", "handler@example.nl"}


def test_office_forms_as_admin_take_only_their_own_keys(db, people):
    """Positive control for the office settings forms: an admin's save stores that form's
    keys only (forged extra keys change nothing), a bad value is shown next to its field and
    stores nothing, a forged logo upload is refused."""
    S = staff_settings.StaffSettingsState
    state = make_state(S, people["tokens"]["admin"], "/staff/instellingen")
    assert call(S.event_handlers["load_settings"].fn, state) is None
    before = office_settings.profile(db)
    snapshot_before = snapshot(db)
    try:
        call(
            S.event_handlers["save_upload_limits"].fn,
            state,
            {
                "client_max_upload_mb": "30",
                "staff_max_upload_mb": "90",
                "client_max_message_mb": "50",
                "staging_expiry_hours": "24",
                "staging_quota_mb": "200",
                "staff_require_2fa": "true",
                "office_name": "Forged",
                "logo": '{"file": "logo-0000000000000000.png", "version": "x"}',
                "password_min_length": "64",
            },
        )
        assert state.office_notices["uploads"] == "Opgeslagen." and state.office.client_max_upload_mb == 30
        office = office_settings.profile(db)
        assert (office.client_max_upload_mb, office.staff_max_upload_mb) == (30, 90)
        assert (office.office_name, office.logo_file, office.password_min_length) == (
            before.office_name,
            "",
            before.password_min_length,
        )
        assert office.staff_require_2fa is False

        after_save = snapshot(db)
        call(
            S.event_handlers["save_session_lengths"].fn,
            state,
            {"session_idle_minutes": "600", "session_absolute_hours": "8"},
        )
        assert (
            state.office_errors["session_idle_minutes"].startswith("De tijd tot uitloggen")
            and state.office_errors["session_absolute_hours"] == ""
        )
        assert not any(state.office_notices.values())
        call(
            S.event_handlers["save_office_details"].fn,
            state,
            {"office_name": "Nieuw Kantoor", "brand_colour": "#ffff00"},
        )
        assert "te licht" in state.office_errors["brand_colour"] and "1,1:1" in state.office_errors["brand_colour"]
        call(
            S.event_handlers["save_password_policy"].fn,
            state,
            {"password_min_length": {"$gt": 1}, "password_require_symbol": "on"},
        )
        assert state.office_errors["password_min_length"] == "Vul een heel getal in van 8 tot en met 64."
        call(S.event_handlers["upload_logo"].fn, state, [FakeUpload("logo.png", PDF)])
        assert state.logo_error and state.office.logo_url == ""
        assert snapshot(db) == after_save
        # an English-speaking admin reads the messages in English (the language comes
        # with the page frame, set when a page loads: here in a new tab)
        admin = db.get(Account, people["admin"].id)
        admin.language = "en"
        db.add(admin)
        db.commit()
        state = make_state(S, people["tokens"]["admin"], "/staff/instellingen")
        assert call(S.event_handlers["load_settings"].fn, state) is None and state.lang == "en"
        call(
            S.event_handlers["save_office_details"].fn,
            state,
            {"office_name": "Nieuw Kantoor", "brand_colour": "#ffff00"},
        )
        assert (
            state.office_errors["brand_colour"].startswith("This colour is too light")
            and "1.1:1" in state.office_errors["brand_colour"]
        )
        after_save = snapshot(db)
        assert office_settings.profile(db).office_name == before.office_name
    finally:
        admin = db.get(Account, people["admin"].id)
        admin.language = "nl"
        db.add(admin)
        office_settings.update(
            db,
            {
                "client_max_upload_mb": str(before.client_max_upload_mb),
                "staff_max_upload_mb": str(before.staff_max_upload_mb),
            },
            actor_id=None,
        )
        db.commit()
    assert {key: value for key, value in snapshot(db).items() if key not in ("auditevent", "officesetting")} == {
        key: value for key, value in snapshot_before.items() if key not in ("auditevent", "officesetting")
    }


def test_uploads_as_staff_get_through_the_skeleton(db, people, tmp_path, monkeypatch):
    """Positive control for the upload handlers (coroutines whose database work runs in
    the pool): Reflex's own UploadFile and a plain file object are published, a forged
    type is refused by name, and an office attachment is staged for a message."""
    from pathlib import Path

    from portal_app.settings import load_settings

    settings = load_settings({"PORTAL_ENV": "test", "DATA_DIR": str(tmp_path)})
    monkeypatch.setattr(staff_dossiers, "get_settings", lambda: settings)
    S = staff_dossiers.StaffDossierState
    state = make_state(S, people["tokens"]["handler"], f"/staff/dossiers/{people['dossier'].id}")
    assert call(S.event_handlers["load_dossier"].fn, state) is None
    call(S.event_handlers["set_publish_title"].fn, state, "Akte")
    uploads = [
        rx.UploadFile(file=io.BytesIO(PDF), path=Path("akte.pdf")),
        FakeUpload("bijlage.pdf", PDF),
        FakeUpload("forged.exe", b"MZ" + b"\0" * 64),
    ]
    call(S.event_handlers["publish"].fn, state, uploads)
    assert state.error == "" and state.notice.startswith("2 document")
    assert [error.split(":")[0] for error in state.publish_errors] == ["forged.exe"]
    assert sorted(row.title for row in state.doc_rows) == ["Akte – akte.pdf", "Akte – bijlage.pdf"]
    assert len([path for path in (tmp_path / "files").rglob("*") if path.is_file()]) == 2
    call(S.event_handlers["new_message"].fn, state)
    call(S.event_handlers["stage_attachments"].fn, state, [FakeUpload("brief.pdf", PDF)])
    assert [row.name for row in state.attached_files] == ["brief.pdf"] and state.attach_errors == []
    call(S.event_handlers["cancel_composer"].fn, state)
    assert state.attached_files == [] and len([path for path in (tmp_path / "files").rglob("*") if path.is_file()]) == 2


def test_forged_ids_as_staff_change_nothing_elsewhere(db, people):
    """A staff member with forged ids: the services validate them (not found, nothing changed)."""
    state = make_state(
        staff_dossiers.StaffDossierState, people["tokens"]["handler"], f"/staff/dossiers/{people['dossier'].id}"
    )
    call(staff_dossiers.StaffDossierState.event_handlers["load_dossier"].fn, state)
    before = snapshot(db)
    for name, args in [
        ("revoke_access", ("../../1",)),
        ("grant_access", ({"$ne": 1},)),
        ("toggle_step", ("999",)),
        ("delete_step", ("-1",)),
        ("open_message", ("1 OR 1=1",)),
        ("set_status", ("<script>",)),
        ("set_handler", (str(people["client"].id),)),
        ("ask_withdraw", ("1",)),
        ("move_step_up", (None,)),
        ("set_tab", ({"x": 1},)),
    ]:
        call(staff_dossiers.StaffDossierState.event_handlers[name].fn, state, *args)
    assert snapshot(db) == before


def test_every_handler_is_declared_with_the_skeleton():
    """Static proof: every public handler of every staff state is declared with
    `@handler(Access.STAFF)` or `@handler(Access.ADMIN)` (admin exactly on the admin
    screens), its body takes the checked viewer, and no staff state calls the old gates."""
    checked = 0
    for cls in STAFF_STATES:
        for name, event_handler in cls.event_handlers.items():
            if name == "setvar":
                continue
            access = getattr(event_handler.fn, "portal_access", None)
            assert access in {Access.STAFF, Access.ADMIN}, (cls, name, access)
            assert (access is Access.ADMIN) == (name in ADMIN_ONLY.get(cls, set())), (cls, name)
            body = event_handler.fn.portal_body
            assert list(inspect.signature(body).parameters)[:2] == ["self", "viewer"], (cls, name)
            checked += 1
    assert checked >= 80
    for module in (*STAFF_MODULES, staff_base):
        source = inspect.getsource(module)
        assert not [gate for gate in OLD_GATES if gate in source], module
        assert "@rx.event" not in source, module


def test_staff_states_only_live_in_staff_modules():
    """No staff State class is missed by the enumeration above."""
    found = {
        cls
        for module in STAFF_MODULES
        for cls in vars(module).values()
        if inspect.isclass(cls)
        and issubclass(cls, staff_base.StaffState)
        and cls is not staff_base.StaffState
        and cls.__module__ == module.__name__
    }
    assert found == set(STAFF_STATES)
    assert set(staff_base.StaffState.event_handlers) == {"setvar"}


def test_blocked_or_removed_staff_are_sent_to_the_login_page(db, people):
    handler = db.get(Account, people["handler"].id)
    handler.blocked = True
    db.add(handler)
    db.commit()
    try:
        for cls in STAFF_STATES:
            load = next(name for name in cls.event_handlers if name.startswith("load_"))
            state = make_state(cls, people["tokens"]["handler"], path_for(cls, people))
            assert (redirect_path(call(cls.event_handlers[load].fn, state)) or "").startswith("/login"), cls
    finally:
        handler.blocked = False
        db.add(handler)
        db.commit()


# --------------------------------------------------------------------------- questionnaire screens


def test_questionnaire_screens_positive_control_and_forged_values(db, people):
    """Staff build and save a template through the state (the draft stays on the server),
    send it from a dossier and open the result; forged positions, ids and values change nothing."""
    from sqlmodel import select

    from portal_app.questionnaires.models import QuestionnaireRequest, QuestionnaireTemplate

    T = staff_questionnaires.StaffQuestionnairesState
    state = make_state(T, people["tokens"]["handler"], "/staff/vragenlijsten")
    assert call(T.event_handlers["load_questionnaires"].fn, state) is None and state.loaded
    call(T.event_handlers["new_template"].fn, state)
    assert state.view == "edit" and state.ed_problems
    call(T.event_handlers["set_title_field"].fn, state, "title_nl", "Proef")
    call(T.event_handlers["set_title_field"].fn, state, "title_en", "Trial")
    call(T.event_handlers["new_question"].fn, state, 0)
    assert state.qf_open and state.qf_sources == []
    call(T.event_handlers["set_question_type"].fn, state, "yes_no")
    call(
        T.event_handlers["save_question_form"].fn,
        state,
        {"label_nl": "Akkoord?", "label_en": "Agreed?", "type": "iban"},
    )
    assert not state.qf_open and [q.kind for q in state.ed_pages[0].questions] == [
        "yes_no"
    ]  # the type from the server, not the form
    call(T.event_handlers["new_question"].fn, state, 0)
    assert [s.key for s in state.qf_sources] == ["akkoord"]
    call(T.event_handlers["set_condition_question"].fn, state, "akkoord")
    call(T.event_handlers["toggle_condition_value"].fn, state, "ja", True)
    call(T.event_handlers["toggle_condition_value"].fn, state, "<forged>", True)
    assert state.qf_cond_values == ["ja"]
    call(T.event_handlers["save_question_form"].fn, state, {"label_nl": "Toelichting", "label_en": "Explanation"})
    assert state.ed_problems == [] and "Akkoord?" in state.ed_pages[0].questions[1].condition
    draft_before = json.dumps(state._draft, sort_keys=True)
    before = snapshot(db)
    for name, args in [
        ("edit_question", ("9", "9")),
        ("remove_question", (-1, 0)),
        ("move_question_up", ({"$ne": 1}, None)),
        ("remove_page", ("0 OR 1",)),
        ("move_page_down", (True,)),
        ("start_page_edit", ("../1",)),
        ("set_title_field", ("view", "preview")),
        ("set_title_field", ("title_nl", ["x"])),
        ("set_question_type", ("<script>",)),
        ("edit_template", ("999",)),
        ("copy_template", ("1; DROP",)),
        ("preview_template", ({"id": 1},)),
        ("new_question", ("99",)),
        ("remove_question", (0, 0)),  # in use by the condition: refused with a message
    ]:
        call(T.event_handlers[name].fn, state, *args)
    assert json.dumps(state._draft, sort_keys=True) == draft_before and state.view == "edit"
    assert snapshot(db) == before
    call(T.event_handlers["save_template"].fn, state)
    assert state.view == "list" and "Proef" in state.notice, (state.error, state.ed_problems)
    template = db.exec(select(QuestionnaireTemplate).where(QuestionnaireTemplate.slug == "proef")).one()
    assert [row.slug for row in state.rows] == ["proef"]
    call(T.event_handlers["preview_template"].fn, state, str(template.id))
    assert state.view == "preview" and [q.label for q in state.pv_questions] == ["Akkoord?", "Toelichting"]
    call(T.event_handlers["set_preview_lang"].fn, state, "en")
    assert [q.label for q in state.pv_questions] == ["Agreed?", "Explanation"] and state.pv_tr[
        "questionnaire.next"
    ] == "Next"
    call(T.event_handlers["set_preview_lang"].fn, state, "fr")
    assert state.pv_lang == "en"

    Q = staff_dossier_questionnaires.StaffDossierQuestionnairesState
    dstate = make_state(Q, people["tokens"]["handler"], f"/staff/dossiers/{people['dossier'].id}")
    call(Q.event_handlers["load_dossier_questionnaires"].fn, dstate)
    assert dstate.loaded and [c.id for c in dstate.client_options] == [str(people["client"].id)]
    before = snapshot(db)
    for form in (
        {"template": str(template.id), "account": str(people["admin"].id)},  # staff, not a client
        {"template": "1 OR 1=1", "account": str(people["client"].id)},
        {"template": str(template.id), "account": "../../2"},
        ["not", "a", "dict"],
    ):
        call(Q.event_handlers["send_questionnaire"].fn, dstate, form)
        assert dstate.send_error and not dstate.rows
    assert snapshot(db) == before
    call(
        Q.event_handlers["send_questionnaire"].fn,
        dstate,
        {"template": str(template.id), "account": str(people["client"].id)},
    )
    assert dstate.notice and [row.status for row in dstate.rows] == ["open"]
    request_id = dstate.rows[0].id
    call(Q.event_handlers["ask_reopen"].fn, dstate, request_id)  # still open: no dialog
    assert not dstate.reopen_open
    call(Q.event_handlers["open_result"].fn, dstate, request_id)
    assert dstate.result_open and dstate.result_title == "Proef"
    # the same request through the secret dossier's screen: not found
    other = make_state(Q, people["tokens"]["handler"], f"/staff/dossiers/{people['secret'].id}")
    call(Q.event_handlers["load_dossier_questionnaires"].fn, other)
    call(Q.event_handlers["open_result"].fn, other, request_id)
    assert not other.result_open and other.rows == []
    call(Q.event_handlers["set_reopen_open"].fn, other, True)
    call(Q.event_handlers["confirm_reopen"].fn, other, {"reason": "forged"})
    assert not other.reopen_open
    assert db.get(QuestionnaireRequest, int(request_id)).status == "open"
