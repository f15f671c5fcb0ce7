"""On PostgreSQL the IBAN guard keeps its refusal (audit row, admins' mail) in a transaction of its
own: the caller's session_scope rolls back on the error, the record of the attempt must stay."""

from __future__ import annotations

import pytest
from sqlmodel import Session, SQLModel, select

from portal_app.accounts.models import StaffRole
from portal_app.accounts.services import accounts
from portal_app.audit.models import AuditEvent
from portal_app.core.services.db import make_engine, session_scope
from portal_app.dossiers.models import ProgressStep
from portal_app.dossiers.services import dossiers, staff_dossiers
from portal_app.notifications.models import OutboxMail
from portal_app.payments.services import iban_guard, trust_account


def test_a_refused_step_title_is_audited_and_told_although_the_caller_rolls_back(postgres_url):
    engine = make_engine(postgres_url)
    SQLModel.metadata.create_all(engine)
    try:
        with Session(engine, expire_on_commit=False) as db:
            admin = accounts.create_staff(db, email="admin@example.nl", name="Anna Admin", role=StaffRole.ADMIN)
            handler = accounts.create_staff(db, email="b@example.nl", name="Bert", role=StaffRole.HANDLER)
            dossier = dossiers.create_dossier(db, number="2026-0142", description="Levering", handler_id=handler.id)
            trust_account.store_for_demo(
                db, iban="NL91ABNA0417164300", account_name="Derdengelden", bank_name="", office_phone="030 1234567"
            )
            db.commit()
        with pytest.raises(iban_guard.PublishedTextRefused), session_scope(engine) as db:
            staff_dossiers.add_step(
                session=db, actor=handler, dossier_id=dossier.id, title="Betaal aan NL20 INGB 0001 2345 67"
            )
        with Session(engine) as db:
            assert db.exec(select(ProgressStep)).all() == []
            events = db.exec(select(AuditEvent).where(AuditEvent.event_type == "payments.published_text_refused")).all()
            assert [(event.actor_id, event.dossier_id) for event in events] == [(handler.id, dossier.id)]
            told = db.exec(select(OutboxMail).where(OutboxMail.kind == "staff_published_text_refused")).all()
            assert [mail.to_address for mail in told] == [admin.email]
    finally:
        engine.dispose()
