"""Demo data for a first start (`cli.py seed-demo`): fixed logins listed in the README."""

from __future__ import annotations

from datetime import timedelta
from io import BytesIO

from sqlmodel import Session, select

from portal_app.accounts.models import Account, StaffRole
from portal_app.accounts.services import accounts, passwords
from portal_app.core.models import utcnow
from portal_app.deeds.services.demo import seed_demo_deeds
from portal_app.documents.models import Document, DocumentKind
from portal_app.documents.services.documents import store_document
from portal_app.documents.services.storage import FileStore
from portal_app.dossiers.models import DossierStatus, ProgressStep
from portal_app.dossiers.services import dossiers
from portal_app.messages.models import Message
from portal_app.office.services import office_settings
from portal_app.payments.services.demo import seed_demo_payments
from portal_app.questionnaires.models import QuestionnaireRequest
from portal_app.questionnaires.services import template_versions
from portal_app.signing.services.demo import seed_demo_signing

DEMO_PASSWORD = "Portaal-Demo-2026"
DEMO_LOGINS = [
    ("jansen@example.nl", "client (private person)"),
    ("info@bakkerbv.example.nl", "company main account, Bakker B.V."),
    ("inkoop@bakkerbv.example.nl", "extra account of Bakker B.V."),
    ("notaris@example.nl", "staff, admin"),
    ("medewerker@example.nl", "staff, behandelaar"),
]

PROGRESS_STEPS = [
    "Opdracht ontvangen",
    "Identificatie gecontroleerd",
    "Koopovereenkomst ontvangen",
    "Kadaster en registers geraadpleegd",
    "Hypotheekstukken ontvangen",
    "Concept-akte opgesteld",
    "Concept-akte besproken",
    "Nota van afrekening verstuurd",
    "Akte gepasseerd",
    "Inschrijving in het Kadaster",
]


def _pdf(title: str, lines: list[str]) -> bytes:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 16)
    pdf.cell(0, 10, title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=11)
    for line in lines:
        pdf.multi_cell(0, 6, line, new_x="LMARGIN", new_y="NEXT")
    buffer = BytesIO()
    pdf.output(buffer)
    return buffer.getvalue()


def is_empty(session: Session) -> bool:
    return session.exec(select(Account.id).limit(1)).first() is None


def seed(session: Session, store: FileStore, *, office_name: str) -> None:
    """Fill an empty database with the demo office. The caller commits."""
    # The demo staff log in with a password only; a real office keeps this on.
    office_settings.set_value(session, "staff_require_2fa", "false", actor_id=None)
    password_hash = passwords.hash_password(DEMO_PASSWORD)
    now = utcnow()

    def activate(account: Account) -> Account:
        account.password_hash = password_hash
        account.password_changed_at = now
        account.first_login_done = True
        session.add(account)
        return account

    notaris = activate(
        accounts.create_staff(session, email="notaris@example.nl", name="mr. A. de Vries", role=StaffRole.ADMIN)
    )
    handler = activate(
        accounts.create_staff(session, email="medewerker@example.nl", name="M. Visser", role=StaffRole.HANDLER)
    )
    jansen = activate(accounts.create_person(session, email="jansen@example.nl", name="Jan Jansen"))
    bakker = activate(
        accounts.create_company(
            session, email="info@bakkerbv.example.nl", name="Petra Bakker", company_name="Bakker B.V."
        )
    )
    inkoop = activate(
        accounts.create_company_extra(
            session, main_account=bakker, email="inkoop@bakkerbv.example.nl", name="Karim el Amrani"
        )
    )

    house = dossiers.create_dossier(
        session,
        number="2026-0142",
        description="Levering woning Dorpsstraat 12, Utrecht",
        status=DossierStatus.IN_PROGRESS,
        handler_id=handler.id,
    )
    will = dossiers.create_dossier(
        session,
        number="2025-0877",
        description="Testament Jan Jansen",
        status=DossierStatus.EXECUTED,
        handler_id=notaris.id,
    )
    prenup = dossiers.create_dossier(
        session,
        number="2026-0031",
        description="Huwelijkse voorwaarden Jansen–Özdemir",
        status=DossierStatus.WAITING,
        handler_id=handler.id,
    )
    # Every row above is flushed, so it has its id (see portal_app/core/models.py).
    assert notaris.id is not None and handler.id is not None and jansen.id is not None
    assert bakker.id is not None and inkoop.id is not None
    assert house.id is not None and will.id is not None and prenup.id is not None
    for dossier_id in (house.id, will.id, prenup.id):
        dossiers.grant_access(session, dossier_id=dossier_id, account_id=jansen.id)

    for position, title in enumerate(PROGRESS_STEPS):
        done_at = now - timedelta(days=30 - position * 5) if position < 4 else None
        session.add(ProgressStep(dossier_id=house.id, position=position, title=title, done_at=done_at))

    def publish(
        dossier_id: int,
        kind: str,
        title: str,
        filename: str,
        lines: list[str],
        author_id: int,
        message_id: int | None = None,
    ) -> Document:
        data = _pdf(title, lines)
        return store_document(
            session=session,
            store=store,
            dossier_id=dossier_id,
            kind=kind,
            title=title,
            filename=filename,
            chunks=[data],
            max_bytes=len(data) + 1,
            uploaded_by_id=author_id,
            message_id=message_id,
        )

    publish(
        house.id,
        DocumentKind.CORRESPONDENCE,
        "Opdrachtbevestiging",
        "opdrachtbevestiging.pdf",
        [
            f"{office_name}",
            "Geachte heer Jansen,",
            "Hierbij bevestigen wij uw opdracht voor de levering van de woning.",
        ],
        handler.id,
    )
    publish(
        house.id,
        DocumentKind.CORRESPONDENCE,
        "Nota van afrekening (concept)",
        "nota-van-afrekening.pdf",
        ["Concept nota van afrekening", "Koopsom: EUR 425.000,00"],
        handler.id,
    )
    publish(
        house.id,
        DocumentKind.DOCUMENT,
        "Concept akte van levering",
        "concept-akte-van-levering.pdf",
        ["CONCEPT", "Akte van levering Dorpsstraat 12, Utrecht"],
        handler.id,
    )
    publish(house.id, DocumentKind.DOCUMENT, "Volmacht", "volmacht.pdf", ["Volmacht tot levering"], handler.id)
    publish(
        will.id,
        DocumentKind.DOCUMENT,
        "Afschrift testament",
        "afschrift-testament.pdf",
        ["Afschrift van het testament"],
        notaris.id,
    )

    first = Message(
        dossier_id=house.id,
        author_id=handler.id,
        from_office=True,
        subject="Kopie legitimatiebewijs",
        body="Beste heer Jansen,\n\nWilt u ons een kopie van uw paspoort of identiteitskaart sturen?\n\nMet vriendelijke groet,\nM. Visser",
        created_at=now - timedelta(days=6),
    )
    session.add(first)
    session.flush()
    reply = Message(
        dossier_id=house.id,
        author_id=jansen.id,
        from_office=False,
        subject="RE: Kopie legitimatiebewijs",
        body="Beste mevrouw Visser,\n\nHierbij zend ik de kopie.\n\n--- Oorspronkelijk bericht ---\nWilt u ons een kopie van uw paspoort of identiteitskaart sturen?",
        parent_id=first.id,
        created_at=now - timedelta(days=5),
        staff_read_at=now - timedelta(days=5),
    )
    session.add(reply)
    session.flush()
    publish(
        house.id,
        DocumentKind.DELIVERED,
        "Kopie paspoort",
        "kopie-paspoort.pdf",
        ["(demo) kopie paspoort"],
        jansen.id,
        message_id=reply.id,
    )
    session.add(
        Message(
            dossier_id=house.id,
            author_id=handler.id,
            from_office=True,
            subject="Concept akte klaargezet",
            body="Beste heer Jansen,\n\nDe concept akte van levering staat onder Documenten. Heeft u vragen, laat het ons weten.",
            created_at=now - timedelta(days=1),
        )
    )

    template = template_versions.install_shipped_templates(session)["levering-koopwoning"]
    assert template.id is not None  # stored (see portal_app/core/models.py)
    session.add(
        QuestionnaireRequest(template_id=template.id, dossier_id=house.id, account_id=jansen.id, sent_by_id=handler.id)
    )

    shop = dossiers.create_dossier(
        session,
        number="2026-0200",
        description="Statutenwijziging Bakker B.V.",
        status=DossierStatus.IN_PROGRESS,
        handler_id=notaris.id,
    )
    lease = dossiers.create_dossier(
        session,
        number="2026-0215",
        description="Aankoop bedrijfspand Industrieweg 5, Amersfoort",
        status=DossierStatus.IN_PROGRESS,
        handler_id=handler.id,
    )
    assert shop.id is not None and lease.id is not None  # flushed by create_dossier
    for dossier_id in (shop.id, lease.id):
        dossiers.grant_access(session, dossier_id=dossier_id, account_id=bakker.id)
    dossiers.grant_access(session, dossier_id=lease.id, account_id=inkoop.id)
    publish(
        shop.id,
        DocumentKind.DOCUMENT,
        "Concept statutenwijziging",
        "concept-statutenwijziging.pdf",
        ["Concept"],
        notaris.id,
    )
    seed_demo_deeds(session, store, publisher=handler)
    seed_demo_payments(session, office_name=office_name)
    seed_demo_signing(session, notary=notaris)
