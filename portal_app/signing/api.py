"""Authenticated calendar route: GET /afspraak/{dossier_id}.ics, the signing appointment as an .ics file.

Checked like the file downloads (documents/api.py): the session cookie is resolved
server-side (expiry, second factor done), the dossier through the client's access
(dossiers.get_for_account: missing and foreign ids both give the same 404 and an audit
event). Staff get the file of any dossier. Served as an attachment, no-store, nosniff.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Literal
from urllib.parse import quote, urlsplit

from sqlalchemy.engine import Engine
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from portal_app.accounts.models import Account
from portal_app.accounts.services import sessions
from portal_app.audit.services import audit
from portal_app.core.models import utcnow
from portal_app.core.services.db import get_engine, session_scope
from portal_app.core.services.errors import NotFound
from portal_app.documents.api import COMMON_HEADERS, content_disposition, not_found
from portal_app.dossiers.services import dossiers
from portal_app.office.services import office_settings
from portal_app.settings import Settings, get_settings
from portal_app.signing.services import appointments, ics

LOGIN_PATH = "/login"


@dataclass(frozen=True)
class _Config:
    engine: Callable[[], Engine]
    settings: Callable[[], Settings]


def _calendar(
    config: _Config, token: str | None, dossier_id: int, ip: str | None, now: datetime
) -> Literal["login", "missing"] | tuple[bytes, str]:
    """'login', 'missing' or (the .ics bytes, the file name), decided in one transaction."""
    settings = config.settings()
    with session_scope(config.engine()) as session:
        policy = office_settings.profile(session).session_policy
        resolved = sessions.resolve(session, token, policy=policy)
        if resolved is None or not resolved[0].second_factor_done:
            return "login"
        account: Account = resolved[1]
        try:
            dossier = dossiers.get_for_account(session, account, dossier_id, ip=ip)
        except NotFound:
            return "missing"  # the audit event is committed by session_scope
        assert dossier.id is not None and account.id is not None
        appointment = appointments.get(session, dossier.id)
        if appointment is None:
            return "missing"
        notary = session.get(Account, appointment.notary_id) if appointment.notary_id else None
        event = ics.CalendarEvent(
            uid=appointment.uid,
            sequence=appointment.sequence,
            starts_at=appointment.starts_at,
            duration_minutes=appointment.duration_minutes,
            dossier_number=dossier.number,
            location=appointment.location,
            video_url=appointment.video_url,
            notary_name=notary.name if notary is not None else "",
            office_name=office_settings.profile(session).office_name,
            dossier_url=f"{settings.public_url}/dossiers/{dossier.id}",
            updated_at=appointment.updated_at,
        )
        host = urlsplit(settings.public_url).hostname or "klantenportaal"
        data = ics.build(event, account.language, host=host, now=now)
        audit.record(
            session,
            "signing.calendar_downloaded",
            actor_id=account.id,
            dossier_id=dossier.id,
            target=f"appointment:{appointment.id}",
            ip=ip,
        )
    return data, f"passeerafspraak-{dossier.number}.ics"


def make_routes(*, engine: Engine | None = None, settings: Settings | None = None) -> list[Route]:
    config = _Config(
        engine=(lambda: engine) if engine is not None else get_engine,
        settings=(lambda: settings) if settings is not None else get_settings,
    )

    async def calendar(request: Request) -> Response:
        dossier_id = request.path_params["dossier_id"]
        token = request.cookies.get(sessions.COOKIE_NAME)
        ip = request.client.host[:64] if request.client else None
        result = await run_in_threadpool(_calendar, config, token, dossier_id, ip, utcnow())
        if result == "login":
            target = f"{LOGIN_PATH}?next={quote(f'/dossiers/{dossier_id}', safe='/')}"
            return RedirectResponse(target, status_code=303, headers={"Cache-Control": "no-store"})
        if result == "missing":
            return not_found()
        data, filename = result
        headers = {**COMMON_HEADERS, "Content-Disposition": content_disposition(filename)}
        return Response(data, media_type="text/calendar; charset=utf-8", headers=headers)

    return [Route("/afspraak/{dossier_id:int}.ics", calendar, methods=["GET"], name="signing_calendar")]


routes = make_routes()
