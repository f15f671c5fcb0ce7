"""`seed-office`: the generated big office is reproducible, signs in, keeps the demo, and refuses a real office.

Small sizes only: speed is measured by hand (README), never in a test.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

import pytest
from sqlalchemy import exists, text
from sqlmodel import Session, SQLModel, col, select

from portal_app import cli, demo
from portal_app.accounts.models import Account
from portal_app.accounts.services import accounts, passwords
from portal_app.core.services.db import make_engine
from portal_app.documents.models import Document
from portal_app.documents.services.storage import FileStore
from portal_app.dossiers.models import DossierAccess, ReadReceipt
from portal_app.dossiers.services import dossiers
from portal_app.messages.models import Message
from portal_app.messages.services import messages
from portal_app.seeding.services.generator import EMAIL_DOMAIN, OfficeSize
from portal_app.seeding.services.office import ID_TABLES, OfficeRefused, seed_office
from tests.unit.helpers import stale_unread_counts

SMALL = OfficeSize(clients=40, dossiers=120, messages=600, documents=300, audit=2000)
ANCHOR = datetime(2026, 6, 1)
HASHED_TABLES = (*ID_TABLES, "notificationpreference")


def fresh(url: str):
    engine = make_engine(url)
    SQLModel.metadata.create_all(engine)
    return engine


def start_ids(engine) -> dict[str, int]:
    with engine.connect() as connection:
        return {t: connection.execute(text(f'SELECT coalesce(max(id), 0) FROM "{t}"')).scalar_one() for t in ID_TABLES}


def generated_rows_hash(engine, before: dict[str, int]) -> str:
    """SHA-256 of every generated row, table by table in id order (the password hash has a random salt)."""
    digest = hashlib.sha256()
    with engine.connect() as connection:
        for table_name in HASHED_TABLES:
            table = SQLModel.metadata.tables[table_name]
            columns = [c for c in table.columns if c.name != "password_hash"]
            key = table.c.id if "id" in table.c else table.c.account_id
            floor = before.get(table_name, before["account"])
            for row in connection.execute(select(*columns).where(key > floor).order_by(key)):
                digest.update(repr(tuple(row)).encode())
    return digest.hexdigest()


def run(engine, tmp_path, *, seed: int = 1, size: OfficeSize = SMALL, force: bool = False):
    return seed_office(
        engine,
        FileStore(tmp_path / "files"),
        size=size,
        seed=seed,
        anchor=ANCHOR,
        office_name="Notariskantoor Test",
        force=force,
    )


def with_demo(url: str, tmp_path):
    engine = fresh(url)
    with Session(engine) as db:
        demo.seed(db, FileStore(tmp_path / "files"), office_name="Notariskantoor Test")
        db.commit()
    return engine


def test_same_seed_gives_the_same_rows_in_two_fresh_databases(tmp_path):
    hashes = []
    for name, seed in (("a", 1), ("b", 1), ("c", 2)):
        engine = with_demo(f"sqlite:///{tmp_path / name}.db", tmp_path / name)
        before = start_ids(engine)
        run(engine, tmp_path / name, seed=seed)
        hashes.append(generated_rows_hash(engine, before))
        engine.dispose()
    assert hashes[0] == hashes[1]
    assert hashes[2] != hashes[0]  # the hash sees the rows: another seed, other rows


def test_an_empty_database_gets_the_demo_first_and_every_login_works(tmp_path):
    engine = fresh(f"sqlite:///{tmp_path / 'office.db'}")
    result = run(engine, tmp_path)
    assert result.demo_loaded
    outcome = result.outcome
    with Session(engine) as db:
        logins = (outcome.staff_admin, outcome.busiest_client, outcome.typical_client, outcome.company_extra)
        for email in ("jansen@example.nl", *logins):
            account = accounts.find_by_email(db, email)
            assert account is not None, email
            assert passwords.verify_password(demo.DEMO_PASSWORD, account.password_hash), email
        hashes = set(db.exec(select(Account.password_hash).where(col(Account.email).like(f"%@{EMAIL_DOMAIN}"))))
        assert len(hashes - {None}) == 1  # hashed once
        busiest = accounts.find_by_email(db, outcome.busiest_client)
        assert busiest is not None
        _rows, total = dossiers.list_for_account(db, busiest)
        assert total == outcome.busiest_client_dossiers > 1
        assert db.exec(select(Account).where(Account.kind == "company_extra")).first() is not None
    engine.dispose()


def test_every_document_has_its_file_and_files_are_shared(tmp_path):
    engine = fresh(f"sqlite:///{tmp_path / 'office.db'}")
    run(engine, tmp_path)
    store = FileStore(tmp_path / "files")
    with Session(engine) as db:
        generated = db.exec(select(Document).where(col(Document.filename).like("%.pdf"))).all()
    inodes = set()
    for document in generated:
        path = store.path(document.storage_key)
        data = path.read_bytes()
        assert len(data) == document.size and hashlib.sha256(data).hexdigest() == document.sha256
        inodes.add(path.stat().st_ino)
    assert len(generated) > 300 > len(inodes)  # a dozen stored files serve the records
    engine.dispose()


def test_a_real_office_is_refused_unless_forced(tmp_path):
    engine = fresh(f"sqlite:///{tmp_path / 'office.db'}")
    with Session(engine) as db:
        accounts.create_person(db, email="klant@notexample.nl", name="Echte Klant")
        db.commit()
    with pytest.raises(OfficeRefused):
        run(engine, tmp_path)
    with Session(engine) as db:
        assert db.exec(select(Account.id).where(col(Account.email).like(f"%@{EMAIL_DOMAIN}"))).first() is None
    run(engine, tmp_path, force=True)
    with pytest.raises(OfficeRefused):  # a second generated office would collide, even forced
        run(engine, tmp_path, force=True)
    engine.dispose()


def test_the_command_refuses_a_real_office(tmp_path, monkeypatch, capsys):
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    engine = fresh(url)
    with Session(engine) as db:
        accounts.create_person(db, email="klant@notexample.nl", name="Echte Klant")
        db.commit()
    engine.dispose()
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("DATA_DIR", str(tmp_path))
    from portal_app.core.services import db as db_module
    from portal_app.settings import get_settings

    get_settings.cache_clear()
    db_module._engine_for.cache_clear()
    try:
        assert cli.main(["seed-office", "--clients", "5", "--dossiers", "10", "--seed", "1"]) == 1
        assert "--force" in capsys.readouterr().err
        assert cli.main(["seed-office", "--clients", "0", "--dossiers", "10"]) == 1
    finally:
        get_settings.cache_clear()
        db_module._engine_for.cache_clear()


def test_postgres_gets_the_same_rows_and_working_sequences(tmp_path, postgres_url):
    sqlite_engine = with_demo(f"sqlite:///{tmp_path / 'same.db'}", tmp_path / "s")
    pg_engine = with_demo(postgres_url, tmp_path / "p")
    try:
        hashes = []
        for engine, folder in ((sqlite_engine, "s"), (pg_engine, "p")):
            before = start_ids(engine)
            run(engine, tmp_path / folder)
            hashes.append(generated_rows_hash(engine, before))
        assert hashes[0] == hashes[1]  # the unread counts too: counted at the end, the same on both
        with Session(pg_engine) as db:  # the sequences moved past the given ids
            account = accounts.create_person(db, email="nieuw@example.nl", name="Nieuwe Klant")
            db.commit()
            assert account.id is not None and account.id > before["account"]
        for engine in (sqlite_engine, pg_engine):
            assert stale_unread_counts(engine) == 0
            # the triggers are back after the bulk load: a client reads an office message
            with Session(engine) as db:
                unread = db.exec(
                    select(Message, DossierAccess)
                    .join(DossierAccess, col(DossierAccess.dossier_id) == col(Message.dossier_id))
                    .where(col(Message.from_office), col(DossierAccess.unread_count) > 0)
                    .where(
                        ~exists().where(
                            ReadReceipt.message_id == Message.id, ReadReceipt.account_id == DossierAccess.account_id
                        )
                    )
                    .order_by(col(Message.id))
                ).first()
                assert unread is not None
                message, access = unread
                before = access.unread_count
                reader = db.get(Account, access.account_id)
                messages.mark_read(db, account=reader, message_id=message.id)
                db.commit()
                db.refresh(access)
                assert access.unread_count == before - 1
            assert stale_unread_counts(engine) == 0
    finally:
        sqlite_engine.dispose()
        pg_engine.dispose()
