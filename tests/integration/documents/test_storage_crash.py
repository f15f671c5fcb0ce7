"""Crash mid-upload: never a record without its file; cleanup removes leftovers.

A child process is killed (os._exit) at the worst moments: while the file is
being streamed, and after the file is stored and its row flushed but before the
commit. The parent then checks the database and the store.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import Session, select

from portal_app.accounts.services import accounts
from portal_app.documents.models import Document, DocumentKind
from portal_app.documents.services import documents
from portal_app.documents.services.storage import FileStore
from portal_app.dossiers.services import dossiers

ROOT = Path(__file__).resolve().parents[3]
PDF = b"%PDF-1.4\n" + b"1 0 obj<<>>endobj\n" * 400 + b"%%EOF\n"

CHILD = textwrap.dedent(
    """
    import os, sys
    sys.path.insert(0, {root!r})
    from sqlmodel import Session
    from portal_app.core.services.db import make_engine
    from portal_app.documents.services import documents
    from portal_app.documents.services.storage import FileStore

    mode, url, files, dossier_id, pdf_path = sys.argv[1:6]
    pdf = open(pdf_path, "rb").read()
    store = FileStore(files)

    def chunks():
        yield pdf
        if mode == "mid-stream":
            os._exit(3)          # killed while the upload streams in
        yield pdf

    with Session(make_engine(url)) as session:
        documents.store_document(
            session=session, store=store, dossier_id=int(dossier_id), kind="document", title="t",
            filename="akte.pdf", chunks=chunks(), max_bytes=10**7, uploaded_by_id=None,
        )
        if mode == "before-commit":
            os._exit(3)          # killed between file write and commit
        session.commit()
    """
)


@pytest.fixture
def setup(engine, tmp_path):
    store = FileStore(tmp_path / "files")
    with Session(engine, expire_on_commit=False) as db:
        staff = accounts.create_staff(db, email="notaris@kantoor.nl", name="Notaris")
        dossier = dossiers.create_dossier(db, number="2024-009", description="Levering")
        kept = documents.store_document(
            session=db,
            store=store,
            dossier_id=dossier.id,
            kind=DocumentKind.DOCUMENT,
            title="Kept",
            filename="kept.pdf",
            chunks=[PDF],
            max_bytes=10**6,
            uploaded_by_id=staff.id,
        )
        documents.commit_or_discard(db, store, kept)
    script = tmp_path / "child.py"
    script.write_text(CHILD.format(root=str(ROOT)), encoding="utf-8")
    pdf_path = tmp_path / "in.pdf"
    pdf_path.write_bytes(PDF)
    return {"store": store, "dossier_id": dossier.id, "kept": kept, "script": script, "pdf": pdf_path}


def _run_child(mode, engine, setup):
    env = {**os.environ, "PORTAL_ENV": "test"}
    result = subprocess.run(
        [
            sys.executable,
            str(setup["script"]),
            mode,
            str(engine.url),
            str(setup["store"].root),
            str(setup["dossier_id"]),
            str(setup["pdf"]),
        ],
        env=env,
        capture_output=True,
        timeout=60,
    )
    return result.returncode, result.stderr.decode(errors="replace")


def _age_everything(store: FileStore, seconds=7200):
    old = time.time() - seconds
    for path in store.root.rglob("*"):
        if path.is_file():
            os.utime(path, (old, old))


def _assert_every_record_has_its_file(engine, store):
    with Session(engine) as db:
        for document in db.exec(select(Document)).all():
            assert store.exists(document.storage_key), f"document {document.id} has no file"


def test_crash_mid_stream_and_before_commit(engine, setup):
    store = setup["store"]
    code, err = _run_child("mid-stream", engine, setup)
    assert code == 3, err
    code, err = _run_child("before-commit", engine, setup)
    assert code == 3, err

    with Session(engine) as db:
        assert [d.title for d in db.exec(select(Document)).all()] == ["Kept"]
    _assert_every_record_has_its_file(engine, store)
    temp_files = list(store.tmp_dir.iterdir())
    assert len(temp_files) == 1  # the half-written upload
    stored = {key for key, _ in store.iter_keys()}
    assert len(stored) == 2  # kept + orphan of the uncommitted row

    # fresh leftovers are left alone (they may belong to uploads in flight) ...
    with Session(engine) as db:
        assert store.cleanup(db).temp_removed == 0
    # ... stale ones go
    _age_everything(store)
    with Session(engine) as db:
        result = store.cleanup(db, older_than=timedelta(hours=1))
    assert (result.temp_removed, result.orphans_removed) == (1, 1)
    assert list(store.tmp_dir.iterdir()) == []
    assert [key for key, _ in store.iter_keys()] == [setup["kept"].storage_key]
    _assert_every_record_has_its_file(engine, store)


def test_child_without_crash_commits(engine, setup):
    code, err = _run_child("ok", engine, setup)
    assert code == 0, err
    _assert_every_record_has_its_file(engine, setup["store"])
    with Session(engine) as db:
        assert len(db.exec(select(Document)).all()) == 2
