"""GET /files/{id}: authenticated, authorised, audited downloads."""

from __future__ import annotations

import warnings
from datetime import timedelta

import pytest
from sqlmodel import Session, select
from starlette.applications import Starlette

with warnings.catch_warnings():  # "use httpx2" notice of starlette.testclient
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

from portal_app.accounts.models import UserSession
from portal_app.accounts.services import accounts, sessions
from portal_app.audit.models import AuditEvent
from portal_app.core.api import SecurityHeadersMiddleware
from portal_app.core.models import utcnow
from portal_app.documents import api as downloads
from portal_app.documents.models import DocumentKind
from portal_app.documents.services import documents
from portal_app.documents.services.storage import FileStore
from portal_app.dossiers.models import ReadReceipt
from portal_app.dossiers.services import dossiers
from portal_app.settings import load_settings

PDF = b"%PDF-1.4\n" + b"1 0 obj<<>>endobj\n" * 300 + b"%%EOF\n"
DOCX = b"PK\x03\x04" + b"\x14\x00\x00\x00\x08\x00" + b"\x00" * 4000
ORIGIN = "http://portaal.test:3000"


@pytest.fixture
def settings(tmp_path):
    return load_settings(
        {"PORTAL_ENV": "test", "DATA_DIR": str(tmp_path / "data"), "SECRET_KEY": "k" * 40, "PUBLIC_URL": ORIGIN}
    )


@pytest.fixture
def store(settings):
    return FileStore(settings.files_dir)


@pytest.fixture
def world(engine, store):
    with Session(engine, expire_on_commit=False) as db:
        staff = accounts.create_staff(db, email="notaris@kantoor.nl", name="Notaris")
        alice = accounts.create_person(db, email="alice@example.nl", name="Alice")
        bob = accounts.create_person(db, email="bob@example.nl", name="Bob")
        d_alice = dossiers.create_dossier(db, number="2024-001", description="Koop woning")
        d_bob = dossiers.create_dossier(db, number="2024-002", description="Testament")
        dossiers.grant_access(db, dossier_id=d_alice.id, account_id=alice.id)
        dossiers.grant_access(db, dossier_id=d_bob.id, account_id=bob.id)
        db.flush()

        def add(dossier, filename, data=PDF):
            return documents.store_document(
                session=db,
                store=store,
                dossier_id=dossier.id,
                kind=DocumentKind.DOCUMENT,
                title="Akte",
                filename=filename,
                chunks=[data],
                max_bytes=10**6,
                uploaded_by_id=staff.id,
            )

        doc_alice = add(d_alice, "akte concept é.pdf")
        doc_docx = add(d_alice, "brief.docx", DOCX)
        doc_bob = add(d_bob, "testament.pdf")
        doc_withdrawn = add(d_alice, "oud.pdf")
        documents.withdraw(session=db, document_id=doc_withdrawn.id, actor_id=staff.id)
        policy = sessions.SessionPolicy()
        tokens = {
            "alice": sessions.create_session(db, alice, policy=policy)[0],
            "bob": sessions.create_session(db, bob, policy=policy)[0],
            "staff": sessions.create_session(db, staff, policy=policy)[0],
            "alice_half": sessions.create_session(db, alice, policy=policy, second_factor_done=False)[0],
        }
        db.commit()
    return {
        "alice": alice,
        "bob": bob,
        "staff": staff,
        "doc": doc_alice,
        "docx": doc_docx,
        "doc_bob": doc_bob,
        "withdrawn": doc_withdrawn,
        "tokens": tokens,
    }


@pytest.fixture
def client(engine, store, settings, tmp_path):
    app = Starlette(routes=downloads.make_routes(engine=engine, store=store, settings=settings))
    wrapped = SecurityHeadersMiddleware(app, settings, tmp_path / "no-build")
    with TestClient(wrapped, base_url=ORIGIN, follow_redirects=False) as test_client:
        yield test_client


def _get(client, world, who, document_id, query=""):
    client.cookies.clear()
    if who:
        client.cookies.set(sessions.COOKIE_NAME, world["tokens"][who])
    return client.get(f"/files/{document_id}{query}")


def _events(engine, event_type):
    with Session(engine) as db:
        return db.exec(select(AuditEvent).where(AuditEvent.event_type == event_type)).all()


def test_owner_downloads_with_all_headers(client, world, engine):
    doc = world["doc"]
    response = _get(client, world, "alice", doc.id)
    assert response.status_code == 200
    assert response.content == PDF
    headers = response.headers
    assert headers["content-disposition"] == (
        "attachment; filename=\"akte concept e.pdf\"; filename*=UTF-8''akte%20concept%20%C3%A9.pdf"
    )
    assert headers["content-type"] == "application/pdf"
    assert headers["content-length"] == str(len(PDF))
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["cache-control"] == "no-store"
    assert headers["content-security-policy"] == "sandbox; default-src 'none'"  # not replaced by the page CSP
    assert headers["x-frame-options"] == "DENY"

    with Session(engine) as db:
        receipt = db.exec(
            select(ReadReceipt).where(ReadReceipt.document_id == doc.id, ReadReceipt.account_id == world["alice"].id)
        ).one()
        assert receipt.downloaded_at is not None
    events = _events(engine, "document.downloaded")
    assert len(events) == 1
    event = events[0]
    assert (event.actor_id, event.dossier_id, event.target) == (world["alice"].id, doc.dossier_id, f"document:{doc.id}")
    assert event.ip

    # downloading twice keeps one receipt
    assert _get(client, world, "alice", doc.id).status_code == 200
    with Session(engine) as db:
        assert len(db.exec(select(ReadReceipt).where(ReadReceipt.document_id == doc.id)).all()) == 1


def test_inline_only_for_pdf_and_images(client, world):
    response = _get(client, world, "alice", world["doc"].id, "?inline=1")
    assert response.headers["content-disposition"].startswith('inline; filename="akte concept e.pdf"')
    response = _get(client, world, "alice", world["docx"].id, "?inline=1")
    assert response.status_code == 200
    assert response.headers["content-disposition"].startswith('attachment; filename="brief.docx"')
    assert response.headers["content-type"].startswith(
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    )


def test_staff_may_download(client, world):
    response = _get(client, world, "staff", world["doc_bob"].id)
    assert response.status_code == 200 and response.content == PDF


def test_foreign_missing_and_withdrawn_give_the_same_404(client, world, engine):
    foreign = _get(client, world, "alice", world["doc_bob"].id)
    missing = _get(client, world, "alice", 999_999)
    withdrawn = _get(client, world, "alice", world["withdrawn"].id)
    for response in (foreign, missing, withdrawn):
        assert response.status_code == 404
        assert response.text == foreign.text
        assert b"%PDF" not in response.content
        assert "content-disposition" not in response.headers
        assert response.headers["cache-control"] == "no-store"
    assert "Niet gevonden" in foreign.text
    denied = _events(engine, "access.denied")
    assert len(denied) == 3
    assert {e.target for e in denied} == {
        f"document:{world['doc_bob'].id}",
        "document:999999",
        f"document:{world['withdrawn'].id}",
    }
    assert all(e.actor_id == world["alice"].id for e in denied)
    assert _events(engine, "document.downloaded") == []


def test_unauthenticated_is_sent_to_login(client, world):
    response = _get(client, world, None, world["doc"].id, "?inline=1")
    assert response.status_code == 303
    assert response.headers["location"] == f"/login?next=/files/{world['doc'].id}"
    assert b"%PDF" not in response.content
    client.cookies.set(sessions.COOKIE_NAME, "forged-token")
    response = client.get(f"/files/{world['doc'].id}")
    assert response.status_code == 303


def test_second_factor_pending_is_refused(client, world):
    response = _get(client, world, "alice_half", world["doc"].id)
    assert response.status_code == 303 and b"%PDF" not in response.content


def test_ended_session_is_refused(client, world, engine):
    with Session(engine) as db:
        sessions.end_session(db, world["tokens"]["alice"])
        db.commit()
    response = _get(client, world, "alice", world["doc"].id)
    assert response.status_code == 303 and b"%PDF" not in response.content


def test_idle_session_is_refused(client, world, engine):
    with Session(engine) as db:
        for row in db.exec(select(UserSession)).all():
            row.last_seen_at = utcnow() - timedelta(minutes=31)
            db.add(row)
        db.commit()
    response = _get(client, world, "alice", world["doc"].id)
    assert response.status_code == 303


def test_missing_file_gives_404_not_500(client, world, store):
    store.path(world["doc"].storage_key).unlink()
    response = _get(client, world, "alice", world["doc"].id)
    assert response.status_code == 404


def test_huge_and_non_numeric_ids(client, world):
    assert _get(client, world, "alice", "99999999999999999999999").status_code == 404
    assert _get(client, world, "alice", "abc").status_code == 404
    assert _get(client, world, "alice", "-1").status_code == 404


def test_head_does_not_count_as_download(client, world, engine):
    client.cookies.set(sessions.COOKIE_NAME, world["tokens"]["alice"])
    response = client.head(f"/files/{world['doc'].id}")
    assert response.status_code == 200
    assert response.headers["content-length"] == str(len(PDF))
    assert _events(engine, "document.downloaded") == []


def test_content_disposition_edge_cases():
    cd = downloads.content_disposition
    assert cd('a"b\\c;d%e.pdf') == "attachment; filename=\"a_b_c_d_e.pdf\"; filename*=UTF-8''a%22b%5Cc%3Bd%25e.pdf"
    assert cd("\u0627\u0644\u0639\u0642\u062f.pdf").startswith(
        "attachment; filename=\"bestand.pdf\"; filename*=UTF-8''%D8"
    )
    assert cd("x.pdf", inline=True).startswith("inline; ")
