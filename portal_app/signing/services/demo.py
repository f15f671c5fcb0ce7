"""Demo data of the signing domain (pinned by issue 17; tests outside the repository rely on it).

- 2026-0142 (Jan Jansen): appointment 14 days after loading, 10:00 office time, at the office.
- 2026-0215 (Bakker B.V.): appointment 21 days after loading, 14:00 office time, at the office.
The office address comes from the office settings (set here when the demo office has none).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session, select

from portal_app.accounts.models import Account
from portal_app.core.models import utcnow
from portal_app.core.services import formatting
from portal_app.dossiers.models import Dossier
from portal_app.office.services import office_settings
from portal_app.signing.services import appointments

DEMO_OFFICE_ADDRESS = "Oudegracht 100, 3511 AX Utrecht"
# (dossier number, days after loading, time, checklist kind)
DEMO_APPOINTMENTS = (
    ("2026-0142", 14, "10:00", "house"),
    ("2026-0215", 21, "14:00", "company"),
)


def seed_demo_signing(session: Session, *, notary: Account, now: datetime | None = None) -> None:
    if not office_settings.profile(session).office_address:
        office_settings.set_value(session, "office_address", DEMO_OFFICE_ADDRESS, actor_id=None)
    today = formatting.local(now or utcnow()).date()
    for number, days, at, kind in DEMO_APPOINTMENTS:
        dossier = session.exec(select(Dossier).where(Dossier.number == number)).first()
        if dossier is None:
            continue
        appointments.set_appointment(
            session,
            notary,
            dossier.id,
            day=(today + timedelta(days=days)).isoformat(),
            at=at,
            notary_id=notary.id,
            dossier_kind=kind,
            now=now,
            notify=False,  # demo data: no digest mails about it
        )
