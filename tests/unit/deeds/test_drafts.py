"""Draft deed versions: text extraction, the comparison, publishing, ownership and the approval reset."""

from __future__ import annotations

import io
import zipfile

import pytest
from sqlmodel import select

from portal_app.accounts.services import accounts
from portal_app.audit.models import AuditEvent
from portal_app.core.services.errors import NotFound, PermissionDenied, ValidationFailed
from portal_app.core.services.road import RoadState
from portal_app.deeds.models import DeedApproval, DeedVersion
from portal_app.deeds.services import drafts
from portal_app.deeds.services.demo import VERSION_1, VERSION_2, draft_pdf
from portal_app.deeds.services.road import road_steps
from portal_app.deeds.services.text import DOCX, PDF, Change, compare, extract_text, has_changes
from portal_app.documents.services.uploads import UploadRefused
from portal_app.dossiers.services import dossiers
from portal_app.notifications.models import PendingNotification


def docx(paragraphs: list[str]) -> bytes:
    body = "".join(f"<w:p><w:r><w:t>{p}</w:t></w:r></w:p>" for p in paragraphs)
    xml = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        f"<w:body>{body}</w:body></w:document>"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", xml)
    return buffer.getvalue()


# ---------------------------------------------------------------- extraction and comparison


def test_pdf_text_is_extracted_with_the_euro_sign():
    text = extract_text(draft_pdf(VERSION_1), PDF)
    assert "De koopsom bedraagt € 412.500" in text
    assert "financiering" not in text


def test_docx_text_is_extracted_per_paragraph():
    text = extract_text(docx(["Artikel 1. Levering", "Koopsom € 405.000"]), DOCX)
    assert text == "Artikel 1. Levering\nKoopsom € 405.000"


def test_unreadable_file_gives_empty_text():
    assert extract_text(b"%PDF-1.4 broken", PDF) == ""
    assert extract_text(b"PK\x03\x04 not a zip", DOCX) == ""
    assert extract_text(b"anything", "text/plain") == ""


def test_compare_marks_the_price_change_and_the_new_clause():
    old = extract_text(draft_pdf(VERSION_1), PDF)
    new = extract_text(draft_pdf(VERSION_2), PDF)
    passages = compare(old, new)
    removed = " ".join(p.text for p in passages if p.kind is Change.REMOVED)
    added = " ".join(p.text for p in passages if p.kind is Change.ADDED)
    assert "412.500" in removed and "412.500" not in added
    assert "405.000" in added
    assert "ontbindende voorwaarde financiering" in added.lower()
    # what did not change is not marked
    assert "Dorpsstraat" not in added + removed


def test_compare_identical_texts_has_no_changes():
    passages = compare("a b c", "a b c")
    assert [p.kind for p in passages] == [Change.SAME]
    assert not has_changes(passages)


def test_compare_shortens_long_unchanged_passages():
    words = " ".join(f"w{i}" for i in range(200))
    passages = compare(words + " oud", words + " nieuw")
    assert passages[0].kind is Change.SAME and passages[0].text.startswith("…")
    assert len(passages[0].text.split()) < 40


# ---------------------------------------------------------------- publishing, reading, approving


def publish(db, world, data: bytes, *, filename="akte.pdf", draft_id=None, title="Concept akte van levering"):
    result = drafts.publish_version(
        session=db,
        store=world.store,
        actor=world.handler,
        dossier_id=world.dossier.id,
        draft_id=draft_id,
        title=title,
        filename=filename,
        chunks=[data],
    )
    db.commit()
    return result


def two_versions(db, world):
    first = publish(db, world, draft_pdf(VERSION_1))
    second = publish(db, world, draft_pdf(VERSION_2), draft_id=first.version.draft_id)
    return first.version, second.version


def test_versions_are_numbered_and_stored_as_documents(db, world):
    v1, v2 = two_versions(db, world)
    assert (v1.number, v2.number) == (1, 2)
    assert v1.draft_id == v2.draft_id
    assert "412.500" in v1.text and "405.000" in v2.text
    views = drafts.drafts_for_client(db, world.client, world.dossier.id)
    assert [v.number for v in views[0].versions] == [1, 2]
    assert [v.latest for v in views[0].versions] == [False, True]
    assert world.store.exists(
        drafts.documents.get_for_account(session=db, account=world.client, document_id=v2.document_id).storage_key
    )


def test_publishing_notifies_the_clients(db, world):
    result = publish(db, world, draft_pdf(VERSION_1))
    assert result.notified == 1
    waiting = db.exec(select(PendingNotification).where(PendingNotification.account_id == world.client.id)).all()
    assert [row.document_id for row in waiting] == [result.document.id]


def test_only_pdf_or_docx_and_checked_content(db, world):
    with pytest.raises(UploadRefused) as refused:
        publish(db, world, b"hello", filename="akte.txt")
    assert refused.value.code == "deeds.pdf_or_docx"
    with pytest.raises(UploadRefused) as mismatch:
        publish(db, world, b"not a pdf at all", filename="akte.pdf")
    assert mismatch.value.code == "upload.content_mismatch"
    db.rollback()
    assert db.exec(select(DeedVersion)).all() == []


def test_docx_version_is_accepted(db, world):
    result = publish(db, world, docx(["Koopsom € 405.000"]), filename="akte.docx")
    assert result.version.text == "Koopsom € 405.000"


def test_clients_cannot_publish(db, world):
    with pytest.raises(PermissionDenied):
        drafts.publish_version(
            session=db,
            store=world.store,
            actor=world.client,
            dossier_id=world.dossier.id,
            draft_id=None,
            title="x",
            filename="a.pdf",
            chunks=[draft_pdf(VERSION_1)],
        )


def test_new_version_of_another_dossiers_draft_is_refused(db, world):
    first = publish(db, world, draft_pdf(VERSION_1))
    with pytest.raises(NotFound):
        drafts.publish_version(
            session=db,
            store=world.store,
            actor=world.handler,
            dossier_id=world.other_dossier.id,
            draft_id=first.version.draft_id,
            title="",
            filename="a.pdf",
            chunks=[draft_pdf(VERSION_2)],
        )


def test_foreign_client_sees_nothing_and_is_audited(db, world):
    v1, v2 = two_versions(db, world)
    with pytest.raises(NotFound):
        drafts.drafts_for_client(db, world.company, world.dossier.id)
    with pytest.raises(NotFound):
        drafts.compare_versions(db, world.company, world.dossier.id, v1.id, v2.id)
    # its own dossier id with a version of another dossier: still not found
    with pytest.raises(NotFound):
        drafts.compare_versions(db, world.company, world.other_dossier.id, v1.id, v2.id)
    with pytest.raises(NotFound):
        drafts.approve(db, world.company, world.other_dossier.id, v2.id)
    with pytest.raises(NotFound):
        drafts.add_comment(db, world.company, world.other_dossier.id, v2.id, body="hallo")
    db.commit()
    denied = db.exec(select(AuditEvent).where(AuditEvent.event_type == "access.denied")).all()
    assert len(denied) >= 4
    assert db.exec(select(DeedApproval)).all() == []


def test_staff_cannot_approve_or_comment_as_client(db, world):
    _, v2 = two_versions(db, world)
    with pytest.raises(PermissionDenied):
        drafts.approve(db, world.handler, world.dossier.id, v2.id)
    with pytest.raises(PermissionDenied):
        drafts.add_comment(db, world.handler, world.dossier.id, v2.id, body="x")


def test_approval_per_client_and_only_the_newest_version(db, world):
    second_buyer = accounts.create_person(db, email="koper2@example.nl", name="Karin Koper")
    dossiers.grant_access(db, dossier_id=world.dossier.id, account_id=second_buyer.id)
    db.commit()
    v1, v2 = two_versions(db, world)
    with pytest.raises(ValidationFailed) as old:
        drafts.approve(db, world.client, world.dossier.id, v1.id)
    assert old.value.code == "deeds.not_latest"
    assert drafts.approve(db, world.client, world.dossier.id, v2.id) is True
    assert drafts.approve(db, world.client, world.dossier.id, v2.id) is False  # once per client
    db.commit()
    view = drafts.drafts_for_staff(db, world.handler, world.dossier.id)[0]
    assert [a.name for a in view.versions[-1].approvals] == ["Klaas Klant"]
    assert view.pending == ("Karin Koper",)
    assert road_steps(db, world.dossier.id)[0].state is RoadState.WAITING_FOR_CLIENT
    drafts.approve(db, second_buyer, world.dossier.id, v2.id)
    db.commit()
    step = road_steps(db, world.dossier.id)[0]
    assert (step.key, step.state, step.position) == ("draft_approved", RoadState.DONE, 10)


def test_new_version_resets_approval(db, world):
    first = publish(db, world, draft_pdf(VERSION_1))
    drafts.approve(db, world.client, world.dossier.id, first.version.id)
    db.commit()
    assert road_steps(db, world.dossier.id)[0].state is RoadState.DONE
    publish(db, world, draft_pdf(VERSION_2), draft_id=first.version.draft_id)
    view = drafts.drafts_for_client(db, world.client, world.dossier.id)[0]
    assert view.approval_reset is True and view.approved_latest is False
    assert view.pending == ("Klaas Klant",)
    assert road_steps(db, world.dossier.id)[0].state is RoadState.WAITING_FOR_CLIENT


def test_comment_with_quote_is_shown_to_staff(db, world):
    _, v2 = two_versions(db, world)
    drafts.add_comment(db, world.client, world.dossier.id, v2.id, body="Klopt deze koopsom?", quote="€ 405.000")
    db.commit()
    comment = drafts.drafts_for_staff(db, world.handler, world.dossier.id)[0].versions[-1].comments[0]
    assert (comment.name, comment.quote, comment.body) == ("Klaas Klant", "€ 405.000", "Klopt deze koopsom?")
    with pytest.raises(ValidationFailed):
        drafts.add_comment(db, world.client, world.dossier.id, v2.id, body="   ")


def test_withdrawn_version_disappears_for_clients(db, world):
    v1, v2 = two_versions(db, world)
    drafts.documents.withdraw(session=db, document_id=v2.document_id, actor_id=world.handler.id)
    db.commit()
    view = drafts.drafts_for_client(db, world.client, world.dossier.id)[0]
    assert [v.number for v in view.versions] == [1]
    with pytest.raises(NotFound):
        drafts.approve(db, world.client, world.dossier.id, v2.id)


def test_no_draft_no_road_step(db, world):
    assert road_steps(db, world.dossier.id) == []


def test_versions_stay_out_of_the_document_tabs_but_download_like_documents(db, world):
    _, v2 = two_versions(db, world)
    tabs = drafts.documents.list_tabs_for_dossier(session=db, account=world.client, dossier_id=world.dossier.id)
    assert all(not rows for rows in tabs.values())
    document = drafts.documents.get_for_account(session=db, account=world.client, document_id=v2.document_id)
    assert document.mime == PDF
    with pytest.raises(NotFound):
        drafts.documents.get_for_account(session=db, account=world.company, document_id=v2.document_id)
