"""`seed-office`: add a generated big office next to the demo data, in one transaction.

Only on a demo or test database: one whose every account has an address at
example.nl (the demo's and the tests' domain; generated accounts are at
generated.example.nl). A real office has other addresses, and `force` is needed
there. A database that already holds a generated office is refused always: the
generated numbers and addresses would collide.

An empty database first gets the demo data, so the demo logins work next to the
generated ones. Every generated account signs in with the demo password, hashed
once. The files are a dozen small PDFs every client gets in the same words
(vocabulary.GENERIC_FILES); each document record has its own storage key, a
hard link to its file, so a hundred thousand records take a dozen files of disk.
"""

from __future__ import annotations

import hashlib
import io
import os
from dataclasses import dataclass, field
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, func, select

from portal_app import demo
from portal_app.accounts.models import Account
from portal_app.accounts.services import passwords
from portal_app.documents.services.storage import FileStore
from portal_app.dossiers.models import RECOUNT, drop_unread_count_ddl, unread_count_ddl
from portal_app.questionnaires.models import QuestionnaireTemplate
from portal_app.questionnaires.services import template_versions
from portal_app.seeding.services import vocabulary as words
from portal_app.seeding.services.bulk import BulkWriter
from portal_app.seeding.services.generator import EMAIL_DOMAIN, GenericFile, OfficeGenerator, OfficeSize, Outcome
from portal_app.seeding.services.progress import ProgressBar

DEMO_DOMAIN = "example.nl"
# the tables whose ids the generator hands out, parents first
ID_TABLES = (
    "account",
    "dossier",
    "dossieraccess",
    "progressstep",
    "message",
    "document",
    "readreceipt",
    "questionnairerequest",
    "outboxmail",
    "auditevent",
)


class OfficeRefused(Exception):
    """The database is not one to fill with generated data."""


@dataclass(frozen=True)
class SeedResult:
    outcome: Outcome
    seconds: float
    rows: int
    files: int
    demo_loaded: bool
    counts: dict[str, int] = field(default_factory=dict)


def refusal(session: Session, *, force: bool) -> str | None:
    """Why this database may not get a generated office, or None when it may."""
    generated = session.exec(select(Account.id).where(col(Account.email).like(f"%@{EMAIL_DOMAIN}")).limit(1)).first()
    if generated is not None:
        return "the database already holds a generated office; start from a fresh database"
    if force:
        return None
    real = session.exec(
        select(Account.id)
        .where(col(Account.email).not_like(f"%@{DEMO_DOMAIN}"), col(Account.email).not_like(f"%.{DEMO_DOMAIN}"))
        .limit(1)
    ).first()
    if real is not None:
        return (
            f"the database has accounts outside {DEMO_DOMAIN}: this looks like a real office, not a demo or test one "
            "(add --force to fill it anyway)"
        )
    return None


def generic_files(anchor: datetime) -> list[tuple[GenericFile, bytes]]:
    """The dozen PDFs of the store, the same bytes for the same anchor (the PDF's date is the anchor)."""
    from fpdf import FPDF

    made: list[tuple[GenericFile, bytes]] = []
    for kind, title, filename in words.GENERIC_FILES:
        pdf = FPDF()
        pdf.set_creation_date(anchor.replace(tzinfo=UTC))
        pdf.add_page()
        pdf.set_font("Helvetica", "B", 16)
        pdf.cell(0, 10, title, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", size=11)
        pdf.multi_cell(0, 6, "Voorbeeld uit het gegenereerde kantoor (seed-office).", new_x="LMARGIN", new_y="NEXT")
        buffer = BytesIO()
        pdf.output(buffer)
        data = buffer.getvalue()
        info = GenericFile(kind, title, filename, len(data), hashlib.sha256(data).hexdigest(), "application/pdf")
        made.append((info, data))
    return made


def estimate_rows(size: OfficeSize) -> int:
    accounts = size.staff + int(size.clients * 1.25)
    dossier_rows = size.dossiers * (1 + 1.4 + 7 + 0.5 + 2)  # dossier, access, steps, questionnaires, outbox
    receipts = size.messages * 0.55 + size.documents * 0.9
    return int(accounts * 2 + dossier_rows + size.messages + size.documents * 2 + receipts + size.audit)


def _place_files(store: FileStore, outcome: Outcome, data: dict[str, bytes], progress: ProgressBar) -> list[Path]:
    """Write each generic file once under its first key and hard-link the others to it."""
    placed: list[Path] = []
    made_dirs: set[Path] = set()
    for blob in outcome.blobs:
        first: Path | None = None
        for key in blob.keys:
            target = store.path(key)
            if target.parent not in made_dirs:
                target.parent.mkdir(parents=True, exist_ok=True)
                made_dirs.add(target.parent)
            if first is None:
                target.write_bytes(data[blob.file.filename])
                os.chmod(target, 0o600)
                first = target
            else:
                try:
                    os.link(first, target)
                except OSError:  # a store that cannot hard-link (another file system): a copy
                    target.write_bytes(data[blob.file.filename])
            placed.append(target)
            if len(placed) % 5000 == 0:
                progress.advance("files", 5000)
    progress.advance("files", len(placed) % 5000)
    return placed


def seed_office(
    engine: Engine,
    store: FileStore,
    *,
    size: OfficeSize,
    seed: int,
    anchor: datetime,
    office_name: str,
    force: bool = False,
    progress: ProgressBar | None = None,
) -> SeedResult:
    """Generate and write the office; OfficeRefused when the database is not a demo or test one."""
    demo_loaded = False
    with Session(engine, expire_on_commit=False) as session:
        reason = refusal(session, force=force)
        if reason is not None:
            raise OfficeRefused(reason)
        if demo.is_empty(session):
            demo.seed(session, store, office_name=office_name)
            session.commit()
            demo_loaded = True
        template_ids = list(
            session.exec(select(QuestionnaireTemplate.id).order_by(col(QuestionnaireTemplate.id))).all()
        )
        if not template_ids:
            template_versions.install_shipped_templates(session)
            session.commit()
            template_ids = list(
                session.exec(select(QuestionnaireTemplate.id).order_by(col(QuestionnaireTemplate.id))).all()
            )
        start = {}
        for table in ID_TABLES:
            model_table = Account.metadata.tables[table]
            start[table] = int(session.execute(select(func.max(model_table.c.id))).scalar() or 0)
    files = generic_files(anchor)
    generator = OfficeGenerator(
        size=size,
        seed=seed,
        anchor=anchor,
        start=start,
        password_hash=passwords.hash_password(demo.DEMO_PASSWORD),  # once: bcrypt is slow on purpose
        template_ids=[template_id for template_id in template_ids if template_id is not None],
        files=[info for info, _ in files],
    )
    bar = progress if progress is not None else ProgressBar(estimate_rows(size), stream=io.StringIO())
    counts: dict[str, int] = {}

    def count(table: str, rows: int) -> None:
        counts[table] = counts.get(table, 0) + rows
        bar.advance(table, rows)

    placed: list[Path] = []
    try:
        with engine.begin() as connection:
            if connection.dialect.name == "sqlite":
                connection.exec_driver_sql("PRAGMA cache_size=-200000")  # 200 MB: the index builds stay in memory
            writer = BulkWriter(connection, anchor=anchor.replace(tzinfo=None), on_rows=count)
            # The unread counts of the access rows are counted once at the end, not by the
            # triggers for every message, document and read receipt (they doubled the run).
            dialect = connection.dialect.name
            for statement in drop_unread_count_ddl(dialect):
                connection.exec_driver_sql(statement)
            for batch in generator.batches():
                writer.write(batch)
            writer.finish()
            connection.exec_driver_sql(RECOUNT + "1 = 1")
            for statement in unread_count_ddl(dialect):
                connection.exec_driver_sql(statement)
            placed = _place_files(store, generator.outcome, {info.filename: data for info, data in files}, bar)
    except BaseException:
        for path in placed:
            path.unlink(missing_ok=True)
        raise
    if engine.dialect.name == "postgresql":
        # what autovacuum would do soon: the planner's choices at this size are what the portal will meet.
        # Not on SQLite: the portal never runs ANALYZE there, and its plans without statistics are the real ones.
        with engine.begin() as connection:
            connection.execute(text("ANALYZE"))
    seconds = bar.finish()
    return SeedResult(
        outcome=generator.outcome,
        seconds=seconds,
        rows=sum(counts.values()),
        files=len(placed),
        demo_loaded=demo_loaded,
        counts=counts,
    )
