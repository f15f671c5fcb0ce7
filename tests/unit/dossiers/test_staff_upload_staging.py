"""The office's uploads (issues 13 and 14): the composer stages files like a client does
(staging rows, quota, expiry; removed and cancelled files lose their rows), and every drop
zone words what the browser refused in the user's language instead of Reflex's English
"Files not Accepted" toast, with the limits shown next to it."""

from __future__ import annotations

import ast
import io
from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import Session, SQLModel, select

import portal_app.core.services.db as db_module
from portal_app.accounts.models import Account, StaffRole
from portal_app.accounts.services import accounts, sessions
from portal_app.core.models import utcnow
from portal_app.deeds.states import drafts as deed_drafts
from portal_app.documents.models import StagedUpload
from portal_app.dossiers.services import dossiers
from portal_app.dossiers.states import staff_dossiers
from portal_app.messages.services import attachments
from portal_app.office.services import office_settings
from portal_app.office.states import staff_settings
from portal_app.settings import load_settings
from tests.unit.helpers import PDF, call, make_state

ROOT = Path(__file__).resolve().parents[3]
S = staff_dossiers.StaffDossierState


class FakeUpload:
    def __init__(self, name: str, data: bytes):
        self.name = self.filename = name
        self._data = io.BytesIO(data)

    def read(self, size: int = -1) -> bytes:
        return self._data.read(size)


@pytest.fixture
def world(tmp_path, monkeypatch):
    from portal_app.core.services.db import make_engine

    engine = make_engine(f"sqlite:///{tmp_path / 'staging.db'}")
    SQLModel.metadata.create_all(engine)
    monkeypatch.setattr(db_module, "get_engine", lambda: engine)
    settings = load_settings({"PORTAL_ENV": "test", "DATA_DIR": str(tmp_path)})
    monkeypatch.setattr(staff_dossiers, "get_settings", lambda: settings)
    office_settings.invalidate()
    with Session(engine, expire_on_commit=False) as db:
        admin = accounts.create_staff(db, email="admin@example.nl", name="Anna Admin", role=StaffRole.ADMIN)
        handler = accounts.create_staff(db, email="handler@example.nl", name="Bert Behandel", role=StaffRole.HANDLER)
        dossier = dossiers.create_dossier(db, number="2026-0001", description="Levering", handler_id=handler.id)
        office_settings.update(
            db, {"staff_require_2fa": "false", "staging_quota_mb": "1", "staging_expiry_hours": "6"}, actor_id=None
        )
        db.commit()
        policy = sessions.SessionPolicy()
        tokens = {
            "admin": sessions.create_session(db, admin, policy=policy)[0],
            "handler": sessions.create_session(db, handler, policy=policy)[0],
        }
        db.commit()
    yield {"engine": engine, "handler": handler, "dossier": dossier, "tokens": tokens, "files": tmp_path / "files"}
    office_settings.invalidate()
    engine.dispose()


def _rows(world) -> list[StagedUpload]:
    with Session(world["engine"]) as db:
        return list(db.exec(select(StagedUpload)).all())


def _files(world) -> int:
    return len([path for path in world["files"].rglob("*") if path.is_file()]) if world["files"].exists() else 0


def _composer(world):
    state = make_state(S, world["tokens"]["handler"], f"/staff/dossiers/{world['dossier'].id}")
    call(S.event_handlers["load_dossier"].fn, state)
    call(S.event_handlers["new_message"].fn, state)
    return state


def test_office_composer_stages_with_rows_expiry_and_removal(world):
    state = _composer(world)
    before = utcnow()
    call(S.event_handlers["stage_attachments"].fn, state, [FakeUpload("brief.pdf", PDF), FakeUpload("b.pdf", PDF)])
    assert [row.name for row in state.attached_files] == ["brief.pdf", "b.pdf"] and state.attach_errors == []
    rows = _rows(world)
    assert {row.account_id for row in rows} == {world["handler"].id} and len(rows) == 2
    # the office's staging expiry (6 h here), so the background purge removes a file never sent
    for row in rows:
        assert timedelta(hours=5, minutes=59) < row.expires_at - before < timedelta(hours=6, minutes=1)
    call(S.event_handlers["remove_attachment"].fn, state, "0")
    assert [row.name for row in state.attached_files] == ["b.pdf"] and len(_rows(world)) == 1 and _files(world) == 1
    call(S.event_handlers["cancel_composer"].fn, state)
    assert _rows(world) == [] and _files(world) == 0


def test_office_composer_counts_towards_the_staging_quota(world):
    state = _composer(world)
    big = PDF + b"x" * (700 * 1024)
    call(S.event_handlers["stage_attachments"].fn, state, [FakeUpload("eerste.pdf", big)])
    call(S.event_handlers["stage_attachments"].fn, state, [FakeUpload("tweede.pdf", big)])
    assert [row.name for row in state.attached_files] == ["eerste.pdf"]
    assert len(state.attach_errors) == 1 and state.attach_errors[0].startswith("tweede.pdf: ")
    assert "1 MB" in state.attach_errors[0] and "klaargezet" in state.attach_errors[0]
    assert len(_rows(world)) == 1 and _files(world) == 1  # the refused one is not kept


def test_office_composer_with_nothing_accepted_keeps_the_browsers_refusals(world):
    state = _composer(world)
    call(S.event_handlers["refuse_attachments"].fn, state, [{"name": "film.mov", "codes": ["file-invalid-type"]}])
    # the same pick's upload event, with no accepted file, must not wipe the line out
    call(S.event_handlers["stage_attachments"].fn, state, [])
    assert len(state.attach_errors) == 1
    line = state.attach_errors[0]
    assert line.startswith("film.mov: dit bestandstype is niet toegestaan.") and "Toegestaan: PDF" in line
    assert "MB per bestand" in line and "Files not Accepted" not in line


@pytest.mark.parametrize(
    "language,expected",
    [
        ("nl", "groot.pdf: het bestand is groter dan {mb} MB. Toegestaan: PDF"),
        ("en", "groot.pdf: the file is larger than {mb} MB. Allowed: PDF"),
    ],
)
def test_publish_refusals_in_the_users_language(world, language, expected):
    with Session(world["engine"]) as db:
        handler = db.get(Account, world["handler"].id)
        handler.language = language
        db.add(handler)
        db.commit()
    state = make_state(S, world["tokens"]["handler"], f"/staff/dossiers/{world['dossier'].id}")
    call(S.event_handlers["load_dossier"].fn, state)
    mb = office_settings.profile().staff_max_upload_mb
    assert state.upload_max_bytes == mb * 1024 * 1024  # the drop zone's max_size
    call(
        S.event_handlers["refuse_publish_files"].fn,
        state,
        [{"name": "../../groot.pdf", "codes": ["file-too-large"]}] + [{"name": "x.pdf", "codes": ["too-many-files"]}],
    )
    assert state.publish_errors[0].startswith(expected.format(mb=mb))
    assert state.publish_errors[1].endswith(("20 bestanden tegelijk kiezen.", "20 files at a time."))


def test_deed_and_logo_drop_zones_word_their_refusals(world):
    T = deed_drafts.StaffDeedDraftsState
    state = make_state(T, world["tokens"]["handler"], f"/staff/dossiers/{world['dossier'].id}")
    call(T.event_handlers["refuse_deed_file"].fn, state, [{"name": "akte.odt", "codes": ["file-invalid-type"]}])
    assert state.deed_error.startswith("akte.odt: dit bestandstype is niet toegestaan. Alleen PDF of DOCX.")
    A = staff_settings.StaffSettingsState
    admin = make_state(A, world["tokens"]["admin"], "/staff/instellingen")
    call(A.event_handlers["load_settings"].fn, admin)
    call(A.event_handlers["refuse_logo"].fn, admin, [{"name": "logo.gif", "codes": ["file-invalid-type"]}])
    assert admin.logo_error.startswith("logo.gif: dit bestandstype is niet toegestaan. PNG of JPG")
    # the empty upload event of that pick leaves the message standing
    call(A.event_handlers["upload_logo"].fn, admin, [])
    assert admin.logo_error.startswith("logo.gif:")


def test_refusal_names_are_cleaned_and_bounded():
    texts = attachments.browser_refusal_texts(
        [{"name": "C:\\fakepath\\a\x07b" + "x" * 300 + ".pdf", "codes": ["file-too-large"]}] * 50,
        "nl",
        max_mb=5,
        max_files=10,
    )
    assert len(texts) == attachments.MAX_BROWSER_REFUSALS
    name = texts[0].split(": ")[0]
    assert "\\" not in name and "\x07" not in name and len(name) <= attachments.NAME_CHARS


def _upload_calls() -> list[tuple[str, ast.Call]]:
    found = []
    for path in (ROOT / "portal_app").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            func = getattr(node, "func", None)
            # rx.upload itself, or core/components/drop_zone.py's wrapper around it
            direct = isinstance(func, ast.Attribute) and func.attr == "upload" and getattr(func.value, "id", "") == "rx"
            wrapped = isinstance(func, ast.Name) and func.id == "drop_zone"
            if isinstance(node, ast.Call) and (direct or wrapped) and path.name != "drop_zone.py":
                found.append((str(path.relative_to(ROOT)), node))
    return found


def test_every_drop_zone_words_its_own_refusals_and_knows_its_size_limit():
    """No rx.upload without on_drop_rejected (else Reflex's English toast) and max_size."""
    calls = _upload_calls()
    assert len(calls) >= 5  # client dialog, publish, office composer, deed draft, logo
    missing = [
        (path, node.lineno)
        for path, node in calls
        if not {"on_drop_rejected", "max_size"} <= {keyword.arg for keyword in node.keywords}
    ]
    assert missing == []
