"""The signing appointment ("passeerafspraak"): staff set and change it, clients only read it.

Every function that takes an account checks it: `set_appointment`/`remove_appointment`
need an active staff account (core/services/staff_access.py), `for_client` the client's
access to the dossier (dossiers.get_for_account: missing and foreign ids are the same
NotFound, audited). Times are entered and shown in the office's time zone and stored in
UTC. Plain Python, no Reflex import.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from urllib.parse import urlsplit

from sqlmodel import Session, col, select

from portal_app.accounts.models import Account
from portal_app.audit.services import audit
from portal_app.core.models import utcnow
from portal_app.core.services import formatting, i18n
from portal_app.core.services.errors import NotFound, ValidationFailed
from portal_app.core.services.ids import parse_id
from portal_app.core.services.staff_access import one_line, require_staff
from portal_app.documents.services.storage import FileStore
from portal_app.dossiers.models import Dossier, DossierAccess
from portal_app.dossiers.services import dossiers
from portal_app.messages.models import Message
from portal_app.messages.services import messages
from portal_app.notifications.services import notifications
from portal_app.office.services import office_settings
from portal_app.payments.services import iban_guard
from portal_app.settings import Settings
from portal_app.signing.models import SigningAppointment
from portal_app.signing.services import checklist

MAX_LOCATION = 300
MAX_VIDEO_URL = 500
DEFAULT_DURATION_MINUTES = 60
# How far ahead an appointment may be set (a typo like 2062 is refused).
MAX_DAYS_AHEAD = 2 * 365
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_TIME = re.compile(r"\d{1,2}:\d{2}")

# The calm reminders: (column, how long before the appointment).
REMINDER_WEEK = timedelta(days=7)
REMINDER_DAY = timedelta(days=1)


@dataclass(frozen=True)
class AppointmentView:
    """One appointment as a page shows it (texts already in the reader's language)."""

    dossier_id: int
    dossier_number: str
    dossier_description: str
    starts_at: datetime
    day: str  # "20 december 2026"
    time: str  # "10:00"
    location: str
    video_url: str
    notary_name: str
    countdown: str  # "nog 14 dagen"
    past: bool


def _aware(moment: datetime) -> datetime:
    return formatting.aware(moment)


def countdown(starts_at: datetime, now: datetime, language: str) -> str:
    """'nog 14 dagen', 'morgen', 'vandaag', or 'geweest': counted in office days, not hours."""
    start_day = formatting.local(starts_at).date()
    today = formatting.local(now).date()
    days = (start_day - today).days
    if _aware(starts_at) < _aware(now) and days <= 0:
        return i18n.t("signing.countdown_past", language)
    if days <= 0:
        return i18n.t("signing.countdown_today", language)
    if days == 1:
        return i18n.t("signing.countdown_tomorrow", language)
    return i18n.t("signing.countdown_days", language, days=days)


def _view(
    session: Session, appointment: SigningAppointment, dossier: Dossier, language: str, now: datetime
) -> AppointmentView:
    notary = session.get(Account, appointment.notary_id) if appointment.notary_id else None
    assert dossier.id is not None  # a stored row (see portal_app/core/models.py)
    return AppointmentView(
        dossier_id=dossier.id,
        dossier_number=dossier.number,
        dossier_description=dossier.description,
        starts_at=_aware(appointment.starts_at),
        day=formatting.format_date(appointment.starts_at, language, style="long"),
        time=formatting.format_time(appointment.starts_at, language),
        location=appointment.location,
        video_url=appointment.video_url,
        notary_name=notary.name if notary is not None else "",
        countdown=countdown(appointment.starts_at, now, language),
        past=_aware(appointment.starts_at) < _aware(now),
    )


def get(session: Session, dossier_id: int) -> SigningAppointment | None:
    """The dossier's appointment or None (no access check: callers have checked)."""
    return session.exec(select(SigningAppointment).where(SigningAppointment.dossier_id == dossier_id)).first()


def for_client(
    session: Session,
    account: Account,
    dossier_id: object,
    language: str,
    *,
    now: datetime | None = None,
    ip: str | None = None,
) -> AppointmentView | None:
    """The appointment of a dossier the client sees; NotFound (audited) when the client may not see the dossier."""
    dossier = dossiers.get_for_account(session, account, dossier_id, ip=ip)
    assert dossier.id is not None
    appointment = get(session, dossier.id)
    return None if appointment is None else _view(session, appointment, dossier, language, now or utcnow())


def for_staff(session: Session, actor: Account, dossier_id: object, language: str) -> AppointmentView | None:
    require_staff(session, actor)
    dossier = session.get(Dossier, parse_id(dossier_id))
    if dossier is None:
        raise NotFound()
    assert dossier.id is not None
    appointment = get(session, dossier.id)
    return None if appointment is None else _view(session, appointment, dossier, language, utcnow())


def upcoming_for_client(
    session: Session, account: Account, language: str, *, now: datetime | None = None
) -> list[AppointmentView]:
    """Every appointment of the client's dossiers that has not passed, soonest first (for Home)."""
    moment = now or utcnow()
    rows = session.exec(
        select(SigningAppointment, Dossier)
        .join(Dossier, col(Dossier.id) == col(SigningAppointment.dossier_id))
        .where(
            col(SigningAppointment.dossier_id).in_(
                select(DossierAccess.dossier_id).where(DossierAccess.account_id == account.id)
            ),
            col(SigningAppointment.starts_at) >= moment - timedelta(hours=12),
        )
        .order_by(col(SigningAppointment.starts_at))
        .limit(20)
    ).all()
    return [_view(session, appointment, dossier, language, moment) for appointment, dossier in rows]


# --------------------------------------------------------------------------- staff: set, change, remove


def parse_local(day: object, at: object) -> datetime:
    """'2026-12-20' + '10:00' in office time -> an aware UTC datetime; ValidationFailed otherwise."""
    if not isinstance(day, str) or not _DAY.fullmatch(day.strip()):
        raise ValidationFailed("bad day", field="day", code="signing.err.day")
    if not isinstance(at, str) or not _TIME.fullmatch(at.strip()):
        raise ValidationFailed("bad time", field="time", code="signing.err.time")
    try:
        parsed_day = date.fromisoformat(day.strip())
        hours, minutes = (int(part) for part in at.strip().split(":"))
        local = datetime.combine(parsed_day, time(hours, minutes), tzinfo=formatting.office_tz())
    except ValueError:
        raise ValidationFailed("bad day or time", field="day", code="signing.err.day") from None
    return local.astimezone(UTC)


def clean_video_url(value: object) -> str:
    text = value.strip() if isinstance(value, str) else ""
    if not text:
        return ""
    parts = urlsplit(text)
    if (
        len(text) > MAX_VIDEO_URL
        or parts.scheme != "https"
        or not parts.netloc
        or any(ch.isspace() or ord(ch) < 32 for ch in text)
    ):
        raise ValidationFailed("bad video link", field="video_url", code="signing.err.video_url")
    return text


def _check_notary(session: Session, notary_id: object) -> int:
    wanted = parse_id(notary_id) if notary_id not in (None, "") else None
    if wanted is None:
        raise ValidationFailed("notary required", field="notary", code="signing.err.notary")
    notary = session.get(Account, wanted)
    if notary is None or not notary.is_staff or not notary.is_active:
        raise ValidationFailed("not a staff member", field="notary", code="signing.err.notary")
    return wanted


def set_appointment(
    session: Session,
    actor: Account,
    dossier_id: object,
    *,
    day: object,
    at: object,
    location: object = "",
    video_url: object = "",
    notary_id: object = None,
    dossier_kind: object = checklist.DEFAULT_KIND,
    duration_minutes: int = DEFAULT_DURATION_MINUTES,
    now: datetime | None = None,
    notify: bool = True,
) -> SigningAppointment:
    """Create or change the dossier's appointment (staff only). Flushes; the caller commits.

    An empty place means the office (its address from the office settings). A change of
    day or time clears the sent reminders; a reminder whose moment has already passed
    when the appointment is set is not sent afterwards (no "over 7 dagen" 3 days ahead).
    The first time, the checklist is filled from the default list of `dossier_kind`.
    A new appointment or a real change is notified to the clients (calm digest).
    """
    staff = require_staff(session, actor)
    dossier = session.get(Dossier, parse_id(dossier_id))
    if dossier is None:
        raise NotFound()
    assert dossier.id is not None and staff.id is not None
    moment = _aware(now or utcnow())
    starts_at = parse_local(day, at)
    if starts_at <= moment:
        raise ValidationFailed("in the past", field="day", code="signing.err.past")
    if starts_at > moment + timedelta(days=MAX_DAYS_AHEAD):
        raise ValidationFailed("too far ahead", field="day", code="signing.err.far")
    link = clean_video_url(video_url)
    place = one_line(location, MAX_LOCATION + 1)
    if len(place) > MAX_LOCATION:
        raise ValidationFailed("too long", field="location", code="signing.err.location_long")
    if not place and not link:
        place = office_settings.profile(session).office_address or office_settings.profile(session).office_name
    notary = _check_notary(session, notary_id)
    kind = checklist.clean_kind(dossier_kind)
    # IBAN fraud (issue 17): a place clients read may not name another account number
    iban_guard.refuse_published_text(session, actor=staff, dossier_id=dossier.id, what="appointment", texts=(place,))

    appointment = get(session, dossier.id)
    created = appointment is None
    if appointment is None:
        appointment = SigningAppointment(
            dossier_id=dossier.id, starts_at=starts_at, uid=secrets.token_hex(16), created_at=moment
        )
    elif _aware(appointment.starts_at) != starts_at:
        appointment.reminder_week_sent_at = None
        appointment.reminder_day_sent_at = None
    time_changed = created or _aware(appointment.starts_at) != starts_at
    changed = created or (
        time_changed
        or appointment.location != place
        or appointment.video_url != link
        or appointment.notary_id != notary
        or appointment.dossier_kind != kind
    )
    appointment.starts_at = starts_at
    appointment.duration_minutes = max(15, min(int(duration_minutes), 8 * 60))
    appointment.location = place
    appointment.video_url = link
    appointment.notary_id = notary
    appointment.dossier_kind = kind
    if time_changed:
        # reminders whose moment already passed are skipped, not sent late
        if starts_at - REMINDER_WEEK <= moment:
            appointment.reminder_week_sent_at = moment
        if starts_at - REMINDER_DAY <= moment:
            appointment.reminder_day_sent_at = moment
    if changed and not created:
        appointment.sequence += 1
    appointment.updated_at = moment
    appointment.updated_by_id = staff.id
    session.add(appointment)
    session.flush()
    checklist.seed_defaults(session, dossier.id, kind)
    if changed and notify:
        # the clients hear of it through the calm digest (their setting for office messages)
        notifications.notify_dossier_clients(session, dossier=dossier, kind="appointment")
    audit.record(
        session,
        "signing.appointment_set" if created else "signing.appointment_changed",
        actor_id=staff.id,
        dossier_id=dossier.id,
        target=f"appointment:{appointment.id}",
        detail={"starts_at": starts_at.isoformat(), "video": bool(link)},
    )
    return appointment


def remove_appointment(session: Session, actor: Account, dossier_id: object) -> bool:
    """Remove the dossier's appointment (staff only); False when there was none."""
    staff = require_staff(session, actor)
    dossier = session.get(Dossier, parse_id(dossier_id))
    if dossier is None:
        raise NotFound()
    assert dossier.id is not None
    appointment = get(session, dossier.id)
    if appointment is None:
        return False
    session.delete(appointment)
    audit.record(session, "signing.appointment_removed", actor_id=staff.id, dossier_id=dossier.id)
    session.flush()
    return True


# --------------------------------------------------------------------------- client: ask for another time

MAX_REASON = 2000


def request_other_time(
    session: Session,
    account: Account,
    dossier_id: object,
    reason: object,
    *,
    language: str,
    settings: Settings,
    store: FileStore,
    ip: str | None = None,
) -> Message:
    """The client asks for another time: a message to the office in the dossier's Berichten.

    The appointment itself stays as it is until staff change it. NotFound (audited) for a
    dossier the client may not see or one without an appointment.
    """
    if account.is_staff:
        raise NotFound()
    text = reason.strip() if isinstance(reason, str) else ""
    if not text:
        raise ValidationFailed("reason required", field="reason", code="signing.err.reason_required")
    if len(text) > MAX_REASON:
        raise ValidationFailed("too long", field="reason", code="signing.err.reason_long", maximum=MAX_REASON)
    view = for_client(session, account, dossier_id, language, ip=ip)
    if view is None:
        raise NotFound()
    body = i18n.t("signing.request_body", language, day=view.day, time=view.time, reason=text)
    message = messages.send_client_message(
        session,
        account=account,
        dossier_id=view.dossier_id,
        subject=i18n.t("signing.request_subject", language, number=view.dossier_number),
        body=body,
        settings=settings,
        store=store,
        ip=ip,
    )
    audit.record(
        session,
        "signing.other_time_requested",
        actor_id=account.id,
        dossier_id=view.dossier_id,
        target=f"message:{message.id}",
        ip=ip,
    )
    return message
