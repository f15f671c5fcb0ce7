"""Demo data of the payments domain (pinned by issue 17; tests outside the repository rely on it).

- the office's derdengeldenrekening NL91 ABNA 0417 1643 00 (a valid test IBAN);
- dossier 2026-0142: a settlement of € 405.000,00 plus € 2.145,50 costs, reference "2026-0142",
  due the day before the signing appointment (14 days after loading);
- dossier 2026-0215: no settlement.
"""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session, select

from portal_app.core.services import formatting
from portal_app.dossiers.models import Dossier
from portal_app.payments.services import settlements, trust_account

DEMO_IBAN = "NL91ABNA0417164300"
DEMO_BANK = "ABN AMRO"
DEMO_PHONE = "030 123 45 67"
HOUSE_NUMBER = "2026-0142"
HOUSE_PRICE_CENTS = 405_000_00
HOUSE_COSTS_CENTS = 2_145_50
SIGNING_IN_DAYS = 14


def seed_demo_payments(session: Session, *, office_name: str) -> None:
    trust_account.store_for_demo(
        session,
        iban=DEMO_IBAN,
        account_name=f"Stichting Derdengelden {office_name}"[:70],
        bank_name=DEMO_BANK,
        office_phone=DEMO_PHONE,
    )
    house = session.exec(select(Dossier).where(Dossier.number == HOUSE_NUMBER)).first()
    if house is None or house.id is None:
        return
    settlements.store_for_demo(
        session,
        dossier_id=house.id,
        purchase_price_cents=HOUSE_PRICE_CENTS,
        costs_cents=HOUSE_COSTS_CENTS,
        due_date=formatting.now_local().date() + timedelta(days=SIGNING_IN_DAYS - 1),
        reference=HOUSE_NUMBER,
    )
