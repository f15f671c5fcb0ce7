"""Calm notification mails: one digest per client per interval, only unread items, no content."""

from __future__ import annotations

import asyncio
import threading
from datetime import timedelta

import pytest
from sqlmodel import Session, SQLModel, select

from portal_app.accounts.models import NotificationPreference
from portal_app.accounts.services import accounts
from portal_app.core.models import utcnow
from portal_app.core.services.background import run_digest_loop
from portal_app.core.services.db import make_engine
from portal_app.documents.models import DocumentKind
from portal_app.documents.services import documents
from portal_app.documents.services.storage import FileStore
from portal_app.dossiers.services import dossiers, staff_dossiers
from portal_app.messages.models import Message
from portal_app.messages.services import messages, staff_messages
from portal_app.notifications.models import OutboxMail, PendingNotification
from portal_app.notifications.services import notifications
from portal_app.questionnaires.models import QuestionnaireRequest, QuestionnaireTemplate
from portal_app.settings import load_settings
from tests.unit.helpers import PDF

T0 = utcnow()


@pytest.fixture
def settings(tmp_path):
    return load_settings({"PORTAL_ENV": "test", "DATA_DIR": str(tmp_path), "NOTIFY_INTERVAL_MINUTES": "10"})


@pytest.fixture
def office(db, tmp_path):
    class Office:
        pass

    o = Office()
    o.store = FileStore(tmp_path / "files")
    o.staff = accounts.create_staff(db, email="notaris@example.nl", name="Nora Notaris", role="admin")
    o.client = accounts.create_person(db, email="klant@example.nl", name="Klaas Klant")
    o.english = accounts.create_person(db, email="client@example.com", name="Clara Client", language="en")
    o.house = dossiers.create_dossier(
        db, number="2026-0001", description="Levering woning Kerkstraat", handler_id=o.staff.id
    )
    o.will = dossiers.create_dossier(db, number="2026-0002", description="Testament", handler_id=o.staff.id)
    for dossier in (o.house, o.will):
        dossiers.grant_access(db, dossier_id=dossier.id, account_id=o.client.id)
    dossiers.grant_access(db, dossier_id=o.house.id, account_id=o.english.id)
    db.commit()
    return o


def publish(db, office, settings, *files, dossier=None, title="Concept akte geheim"):
    result = asyncio.run(
        staff_dossiers.publish_files(
            session=db,
            store=office.store,
            actor=office.staff,
            dossier_id=(dossier or office.house).id,
            kind=DocumentKind.DOCUMENT,
            title=title,
            files=[(name, [PDF]) for name in files],
            settings=settings,
        )
    )
    documents.commit_or_discard(db, office.store, *result.documents)
    return result.documents


def office_message(db, office, settings, dossier=None):
    message = staff_messages.send_office_message(
        session=db,
        actor=office.staff,
        dossier_id=(dossier or office.house).id,
        subject="Geheim onderwerp",
        body="Geheime inhoud",
        settings=settings,
        store=office.store,
    )
    db.commit()
    return message


def digests(db, address=None) -> list[OutboxMail]:
    statement = select(OutboxMail).where(OutboxMail.kind == "notification_digest").order_by(OutboxMail.id)
    rows = db.exec(statement).all()
    return [row for row in rows if address is None or row.to_address == address]


def run(db, settings, minutes: float):
    report = notifications.send_due_digests(db, settings, now=utcnow() + timedelta(minutes=minutes))
    db.commit()
    return report


def test_publication_is_recorded_not_mailed_at_once(db, office, settings):
    publish(db, office, settings, "a.pdf", "b.pdf")
    assert digests(db) == []
    pending = db.exec(select(PendingNotification).where(PendingNotification.account_id == office.client.id)).all()
    assert len(pending) == 2 and all(p.kind == "document" and p.document_id and p.handled_at is None for p in pending)
    assert run(db, settings, 5).mails == 0  # the interval has not passed
    assert digests(db) == []


def test_one_digest_for_several_items_within_the_interval(db, office, settings):
    publish(db, office, settings, "a.pdf", "b.pdf")
    publish(db, office, settings, "c.pdf", dossier=office.will)
    office_message(db, office, settings)
    report = run(db, settings, 11)
    assert report.mails == 2  # the Dutch client and the English client
    (mail,) = digests(db, "klant@example.nl")
    assert mail.subject == "Er staat iets nieuws voor u klaar in het klantenportaal"
    assert "Dossier 2026-0001: 2 nieuwe documenten, een nieuw bericht" in mail.body_text
    assert "Dossier 2026-0002: een nieuw document" in mail.body_text
    for secret in ("Concept", "geheim", "Geheim", "a.pdf", "Kerkstraat", "Testament"):
        assert secret not in mail.body_text and secret not in mail.body_html and secret not in mail.subject
    assert "http://localhost:3000/\n" in mail.body_text  # two dossiers: a link to the portal
    (english,) = digests(db, "client@example.com")
    assert english.subject == "Something new is waiting for you in the client portal"
    assert "File 2026-0001: 2 new documents, a new message" in english.body_text
    assert f"/dossiers/{office.house.id}" in english.body_text  # one dossier: straight to it
    # nothing twice
    assert run(db, settings, 30).mails == 0
    assert len(digests(db)) == 2
    assert all(p.outcome == "sent" for p in db.exec(select(PendingNotification)).all())


def test_interval_counts_from_the_first_waiting_item(db, office, settings):
    publish(db, office, settings, "a.pdf")
    for first in db.exec(select(PendingNotification)).all():
        first.created_at = T0 - timedelta(minutes=8)
        db.add(first)
    db.commit()
    assert notifications.send_due_digests(db, settings, now=T0).mails == 0
    publish(db, office, settings, "b.pdf")  # newer item rides along with the first one
    report = notifications.send_due_digests(db, settings, now=T0 + timedelta(minutes=2, seconds=1))
    db.commit()
    assert report.mails == 2 and "2 nieuwe documenten" in digests(db, "klant@example.nl")[0].body_text
    publish(db, office, settings, "c.pdf")  # a new interval starts with the next item
    assert run(db, settings, 5).mails == 0
    assert run(db, settings, 10.5).mails == 2
    assert "een nieuw document" in digests(db, "klant@example.nl")[1].body_text


def test_items_read_before_the_mail_is_due_are_left_out(db, office, settings):
    first, second = publish(db, office, settings, "a.pdf", "b.pdf")
    message = office_message(db, office, settings)
    documents.mark_read(session=db, account_id=office.client.id, document_id=first.id)
    messages.mark_read(db, account=office.client, message_id=message.id)
    db.commit()
    run(db, settings, 11)
    (mail,) = digests(db, "klant@example.nl")
    items = mail.body_text.split("-- \n")[0]  # the footer's IBAN-fraud warning mentions "bericht" in every mail
    assert "Dossier 2026-0001: een nieuw document\n" in items and "bericht" not in items
    outcomes = {
        p.document_id or p.message_id: p.outcome
        for p in db.exec(select(PendingNotification).where(PendingNotification.account_id == office.client.id)).all()
    }
    assert outcomes == {first.id: "read", second.id: "sent", message.id: "read"}


def test_nothing_unread_means_no_mail(db, office, settings):
    (document,) = publish(db, office, settings, "a.pdf")
    for account in (office.client, office.english):
        documents.mark_read(session=db, account_id=account.id, document_id=document.id)
    db.commit()
    report = run(db, settings, 11)
    assert report.mails == 0 and report.items_skipped == 2
    assert digests(db) == []


def test_preference_off_when_recorded_or_when_due(db, office, settings):
    preference = db.get(NotificationPreference, office.client.id)
    preference.on_documents = False
    db.add(preference)
    db.commit()
    publish(db, office, settings, "a.pdf")
    assert db.exec(select(PendingNotification).where(PendingNotification.account_id == office.client.id)).all() == []
    # switched on, a message is recorded; switched off again before the mail is due: no mail
    preference.on_documents, preference.on_messages = True, True
    db.add(preference)
    db.commit()
    office_message(db, office, settings)
    notifications.set_preference(db, db.get(type(office.client), office.client.id), "message", False)
    db.commit()
    run(db, settings, 11)
    assert digests(db, "klant@example.nl") == []
    assert db.exec(
        select(PendingNotification.outcome).where(PendingNotification.account_id == office.client.id)
    ).all() == ["off"]
    assert notifications.preferences(db, office.client.id) == {
        "document": True,
        "message": False,
        "questionnaire": True,
    }


def test_blocked_removed_or_no_access_any_more_means_no_mail(db, office, settings):
    publish(db, office, settings, "a.pdf")
    publish(db, office, settings, "b.pdf", dossier=office.will)
    office.english.blocked = True
    db.add(office.english)
    # the client loses access to the will: only the house remains in the mail
    from portal_app.dossiers.models import DossierAccess

    db.delete(
        db.exec(
            select(DossierAccess).where(
                DossierAccess.account_id == office.client.id, DossierAccess.dossier_id == office.will.id
            )
        ).one()
    )
    db.commit()
    run(db, settings, 11)
    assert digests(db, "client@example.com") == []
    (mail,) = digests(db, "klant@example.nl")
    assert "2026-0001" in mail.body_text and "2026-0002" not in mail.body_text


def test_withdrawn_documents_are_left_out(db, office, settings):
    (document,) = publish(db, office, settings, "a.pdf")
    documents.withdraw(session=db, document_id=document.id, actor_id=office.staff.id)
    db.commit()
    assert run(db, settings, 11).mails == 0


def test_questionnaires_count_until_started(db, office, settings):
    template = QuestionnaireTemplate(slug="t", title_nl="Vragen", title_en="Questions", definition_json="{}")
    db.add(template)
    db.flush()
    started = QuestionnaireRequest(template_id=template.id, dossier_id=office.house.id, account_id=office.client.id)
    waiting = QuestionnaireRequest(template_id=template.id, dossier_id=office.will.id, account_id=office.client.id)
    db.add(started)
    db.add(waiting)
    db.flush()
    assert notifications.notify_client(
        db, office.client, office.house, "questionnaire", settings, item_ids=[started.id]
    )
    assert notifications.notify_client(db, office.client, office.will, "questionnaire", settings)  # newest open one
    # a request of another client is never recorded for this one
    assert db.exec(select(PendingNotification.questionnaire_request_id)).all() == [started.id, waiting.id]
    started.current_page = 1
    db.add(started)
    db.commit()
    run(db, settings, 11)
    (mail,) = digests(db)
    assert "Dossier 2026-0002: een nieuwe vragenlijst" in mail.body_text and "2026-0001" not in mail.body_text


def test_the_same_item_is_recorded_once(db, office, settings):
    (document,) = publish(db, office, settings, "a.pdf")
    assert notifications.notify_client(db, office.client, office.house, "document", settings, item_ids=[document.id])
    db.commit()
    assert (
        len(db.exec(select(PendingNotification).where(PendingNotification.account_id == office.client.id)).all()) == 1
    )


def test_notify_refuses_unknown_kinds_and_foreign_dossiers(db, office, settings):
    with pytest.raises(ValueError):
        notifications.notify_client(db, office.client, office.house, "spam", settings)
    stranger = accounts.create_person(db, email="vreemd@example.nl", name="Vera Vreemd")
    assert not notifications.notify_client(db, stranger, office.house, "document", settings)
    assert not notifications.notify_client(db, office.staff, office.house, "document", settings)
    with pytest.raises(ValueError):
        notifications.set_preference(db, office.staff, "document", False)
    with pytest.raises(ValueError):
        notifications.set_preference(db, office.client, "document", "no")


def test_interval_zero_sends_at_the_next_round(db, office, tmp_path):
    settings = load_settings({"PORTAL_ENV": "test", "DATA_DIR": str(tmp_path), "NOTIFY_INTERVAL_MINUTES": "0"})
    publish(db, office, settings, "a.pdf")
    assert run(db, settings, 0).mails == 2


def test_settings_validate_the_interval(tmp_path):
    from portal_app.settings import SettingsError

    assert load_settings({"PORTAL_ENV": "test", "DATA_DIR": str(tmp_path)}).notify_interval_minutes == 10
    for bad in ("-1", "x", "100000"):
        with pytest.raises(SettingsError, match="NOTIFY_INTERVAL_MINUTES"):
            load_settings({"PORTAL_ENV": "test", "DATA_DIR": str(tmp_path), "NOTIFY_INTERVAL_MINUTES": bad})


def _race(engine, settings, workers: int = 4) -> int:
    """Several workers run a digest round at the same moment; returns the mails queued in total."""
    barrier = threading.Barrier(workers)
    totals, errors = [], []

    def worker():
        try:
            barrier.wait()
            totals.append(notifications.run_digest_round(engine, settings, now=utcnow() + timedelta(minutes=11)).mails)
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=worker) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors, errors
    return sum(totals)


def _race_on(engine, settings, tmp_path):
    with Session(engine, expire_on_commit=False) as db:
        staff = accounts.create_staff(db, email="n@example.nl", name="Nora")
        client = accounts.create_person(db, email="k@example.nl", name="Klaas")
        dossier = dossiers.create_dossier(db, number="2026-0009", description="x", handler_id=staff.id)
        dossiers.grant_access(db, dossier_id=dossier.id, account_id=client.id)
        for index in range(3):
            message = Message(
                dossier_id=dossier.id, author_id=staff.id, from_office=True, subject=f"s{index}", body="b"
            )
            db.add(message)
            db.flush()
            notifications.notify_client(db, client, dossier, "message", settings, item_ids=[message.id])
        db.commit()
    assert _race(engine, settings) == 1
    with Session(engine) as db:
        assert len(db.exec(select(OutboxMail).where(OutboxMail.kind == "notification_digest")).all()) == 1


def test_workers_racing_on_sqlite_send_one_digest(tmp_path, settings):
    engine = make_engine(f"sqlite:///{tmp_path / 'race.db'}")
    SQLModel.metadata.create_all(engine)
    try:
        _race_on(engine, settings, tmp_path)
    finally:
        engine.dispose()


def test_workers_racing_on_postgres_send_one_digest(postgres_url, settings, tmp_path):
    engine = make_engine(postgres_url)
    SQLModel.metadata.create_all(engine)
    try:
        _race_on(engine, settings, tmp_path)
    finally:
        engine.dispose()


def test_background_loop_runs_rounds_until_stopped(engine, tmp_path):
    settings = load_settings({"PORTAL_ENV": "test", "DATA_DIR": str(tmp_path), "NOTIFY_INTERVAL_MINUTES": "0"})
    with Session(engine, expire_on_commit=False) as db:
        staff = accounts.create_staff(db, email="n@example.nl", name="Nora")
        client = accounts.create_person(db, email="k@example.nl", name="Klaas")
        dossier = dossiers.create_dossier(db, number="2026-0009", description="x", handler_id=staff.id)
        dossiers.grant_access(db, dossier_id=dossier.id, account_id=client.id)
        notifications.notify_client(db, client, dossier, "message", settings)
        db.commit()

    async def main():
        stop = asyncio.Event()
        task = asyncio.create_task(
            run_digest_loop(engine=engine, settings=settings, interval_seconds=0.05, stop_event=stop)
        )
        for _ in range(100):
            await asyncio.sleep(0.05)
            with Session(engine) as db:
                if db.exec(select(OutboxMail)).first() is not None:
                    break
        stop.set()
        await asyncio.wait_for(task, 5)

    asyncio.run(main())
    with Session(engine) as db:
        assert len(db.exec(select(OutboxMail).where(OutboxMail.kind == "notification_digest")).all()) == 1
