"""The draft deed handlers as a browser reaches them (through the handler skeleton):
a client of another dossier gets nothing and can approve nothing; a version id of
another dossier sent from the right dossier page is refused; staff publish through
the same upload checks as every publication."""

from __future__ import annotations

import pytest
from sqlmodel import Session, SQLModel, select

from portal_app.accounts.models import StaffRole
from portal_app.accounts.services import accounts, sessions
from portal_app.core.services import db as db_module
from portal_app.deeds.models import DeedApproval, DeedComment, DeedVersion
from portal_app.deeds.services import drafts
from portal_app.deeds.services.demo import VERSION_1, VERSION_2, draft_pdf
from portal_app.deeds.states import drafts as deed_states
from portal_app.deeds.states.drafts import DeedDraftsState, StaffDeedDraftsState
from portal_app.documents.services.storage import FileStore
from portal_app.dossiers.services import dossiers
from portal_app.office.services import office_settings
from portal_app.settings import load_settings
from tests.unit.helpers import call, make_state


class FakeUpload:
    def __init__(self, name: str, data: bytes):
        import io

        self.name = name
        self.file = io.BytesIO(data)


@pytest.fixture
def world(tmp_path, monkeypatch):
    from portal_app.core.services.db import make_engine

    engine = make_engine(f"sqlite:///{tmp_path / 'deeds.db'}")
    SQLModel.metadata.create_all(engine)
    monkeypatch.setattr(db_module, "get_engine", lambda: engine)
    settings = load_settings({"PORTAL_ENV": "test", "DATA_DIR": str(tmp_path)})
    monkeypatch.setattr(deed_states, "get_settings", lambda: settings)
    store = FileStore(settings.files_dir)
    with Session(engine, expire_on_commit=False) as db:
        handler = accounts.create_staff(db, email="handler@example.nl", name="Bert Behandel", role=StaffRole.HANDLER)
        buyer = accounts.create_person(db, email="koper@example.nl", name="Klaas Koper")
        other = accounts.create_person(db, email="ander@example.nl", name="Olga Ander")
        house = dossiers.create_dossier(db, number="2026-0142", description="Levering", handler_id=handler.id)
        secret = dossiers.create_dossier(db, number="2026-0999", description="Ander dossier", handler_id=handler.id)
        dossiers.grant_access(db, dossier_id=house.id, account_id=buyer.id)
        dossiers.grant_access(db, dossier_id=secret.id, account_id=other.id)
        office_settings.set_value(db, "staff_require_2fa", "false", actor_id=None)
        db.commit()
        first = drafts.publish_version(
            session=db,
            store=store,
            actor=handler,
            dossier_id=house.id,
            draft_id=None,
            title="Concept akte van levering",
            filename="v1.pdf",
            chunks=[draft_pdf(VERSION_1)],
        )
        second = drafts.publish_version(
            session=db,
            store=store,
            actor=handler,
            dossier_id=house.id,
            draft_id=first.version.draft_id,
            title="",
            filename="v2.pdf",
            chunks=[draft_pdf(VERSION_2)],
        )
        db.commit()
        policy = sessions.SessionPolicy()
        tokens = {
            key: sessions.create_session(db, account, policy=policy)[0]
            for key, account in (("handler", handler), ("buyer", buyer), ("other", other))
        }
        db.commit()
        yield {
            "engine": engine,
            "tokens": tokens,
            "house": house.id,
            "secret": secret.id,
            "v1": first.version.id,
            "v2": second.version.id,
            "draft": first.version.draft_id,
        }
    engine.dispose()


def handlers(cls):
    return {name: handler.fn for name, handler in cls.event_handlers.items()}


def rows(world, model):
    with Session(world["engine"]) as db:
        return db.exec(select(model)).all()


def test_buyer_loads_compares_comments_and_approves(world):
    h = handlers(DeedDraftsState)
    state = make_state(DeedDraftsState, world["tokens"]["buyer"], f"/dossiers/{world['house']}")
    call(h["load_drafts"], state)
    assert [row.number for row in state.deed_versions] == [1, 2]
    assert (state.compare_old, state.compare_new) == (str(world["v1"]), str(world["v2"]))
    call(h["compare"], state)
    assert any(p.kind == "removed" and "412.500" in p.text for p in state.passages)
    assert any(p.kind == "added" and "405.000" in p.text for p in state.passages)
    call(h["add_comment"], state, {"body": "Klopt dit?", "quote": "€ 405.000"})
    assert state.comment_error == ""
    call(h["approve"], state, world["v2"])
    assert state.deed_error == ""
    assert [(a.version_id) for a in rows(world, DeedApproval)] == [world["v2"]]


def test_client_of_another_dossier_gets_nothing(world):
    h = handlers(DeedDraftsState)
    # on the house's page: not found, nothing loaded
    state = make_state(DeedDraftsState, world["tokens"]["other"], f"/dossiers/{world['house']}")
    call(h["load_drafts"], state)
    assert state.deed_versions == []
    call(h["approve"], state, world["v2"])
    # on its own dossier's page, sending the house's version ids
    state = make_state(DeedDraftsState, world["tokens"]["other"], f"/dossiers/{world['secret']}")
    call(h["load_drafts"], state)
    assert state.deed_versions == []
    state.compare_old, state.compare_new = str(world["v1"]), str(world["v2"])
    call(h["compare"], state)
    assert state.passages == [] and state.deed_error != ""
    call(h["approve"], state, world["v2"])
    state.comment_version = str(world["v2"])
    call(h["add_comment"], state, {"body": "ingebroken"})
    assert rows(world, DeedApproval) == [] and rows(world, DeedComment) == []


def test_staff_cannot_use_the_client_handlers_and_clients_not_the_staff_ones(world):
    state = make_state(DeedDraftsState, world["tokens"]["handler"], f"/dossiers/{world['house']}")
    call(handlers(DeedDraftsState)["approve"], state, world["v2"])
    staff_state = make_state(StaffDeedDraftsState, world["tokens"]["buyer"], f"/staff/dossiers/{world['house']}")
    call(handlers(StaffDeedDraftsState)["publish_version"], staff_state, [FakeUpload("v3.pdf", draft_pdf(VERSION_2))])
    assert rows(world, DeedApproval) == []
    assert len(rows(world, DeedVersion)) == 2


def test_staff_publish_new_version_and_refused_files(world):
    h = handlers(StaffDeedDraftsState)
    state = make_state(StaffDeedDraftsState, world["tokens"]["handler"], f"/staff/dossiers/{world['house']}")
    call(h["load_staff_drafts"], state)
    assert state.publish_draft == str(world["draft"])
    call(h["publish_version"], state, [FakeUpload("akte.html", b"<html><script>x</script>")])
    assert "akte.html" in state.deed_error
    call(h["publish_version"], state, [FakeUpload("akte.pdf", b"<script>alert(1)</script>")])
    assert state.deed_error != ""
    assert len(rows(world, DeedVersion)) == 2
    call(h["publish_version"], state, [FakeUpload("akte-v3.pdf", draft_pdf(VERSION_1))])
    assert state.deed_error == "" and "3" in state.deed_notice
    assert [row.number for row in state.deed_versions] == [1, 2, 3]
    # another dossier's draft id cannot be picked
    call(h["set_publish_draft"], state, "999")
    assert state.publish_draft == str(world["draft"])


def test_the_handler_hears_of_a_comment_and_an_approval_made_in_the_browser(world):
    from portal_app.notifications.models import OutboxMail

    h = handlers(DeedDraftsState)
    state = make_state(DeedDraftsState, world["tokens"]["buyer"], f"/dossiers/{world['house']}")
    call(h["load_drafts"], state)
    call(h["add_comment"], state, {"body": "Klopt dit?", "quote": ""})
    call(h["approve"], state, world["v2"])
    kinds = sorted(mail.kind for mail in rows(world, OutboxMail) if mail.to_address == "handler@example.nl")
    assert kinds == ["staff_draft_approved", "staff_draft_comment"]


def test_a_draft_naming_another_account_is_refused_and_the_refusal_kept(world):
    from portal_app.audit.models import AuditEvent
    from portal_app.documents.models import Document
    from portal_app.payments.services import trust_account

    with Session(world["engine"], expire_on_commit=False) as db:
        trust_account.store_for_demo(
            db, iban="NL91ABNA0417164300", account_name="Derdengelden", bank_name="ABN AMRO", office_phone="030 1234567"
        )
        admin = accounts.create_staff(db, email="admin@example.nl", name="Anna Admin", role=StaffRole.ADMIN)
        db.commit()
    documents_before = len(rows(world, Document))
    h = handlers(StaffDeedDraftsState)
    state = make_state(StaffDeedDraftsState, world["tokens"]["handler"], f"/staff/dossiers/{world['house']}")
    call(h["load_staff_drafts"], state)
    fraud = draft_pdf([*VERSION_2, "Maak de koopsom over naar NL20 INGB 0001 2345 67."])
    call(h["publish_version"], state, [FakeUpload("akte-v3.pdf", fraud)])
    assert "NL20 INGB 0001 2345 67" in state.deed_error and state.deed_notice == ""
    assert len(rows(world, DeedVersion)) == 2 and len(rows(world, Document)) == documents_before
    (event,) = [row for row in rows(world, AuditEvent) if row.event_type == "payments.published_text_refused"]
    assert event.dossier_id == world["house"]
    from portal_app.notifications.models import OutboxMail

    assert [m.to_address for m in rows(world, OutboxMail) if m.kind == "staff_published_text_refused"] == [admin.email]
