"""Questionnaires per dossier, the office's side: sending, the status list, the result, sending back.

Plain Python, no Reflex import. Every function that touches the database takes
the acting account and checks it with `require_staff`; every id and value comes
from a browser and is validated here. Functions flush, never commit.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, select

from portal_app.accounts.models import Account
from portal_app.audit.services import audit
from portal_app.core.services import i18n
from portal_app.core.services.errors import NotFound, ValidationFailed
from portal_app.core.services.ids import parse_id
from portal_app.core.services.staff_access import local_text, require_staff
from portal_app.dossiers.models import Dossier, DossierAccess
from portal_app.notifications.services import notifications
from portal_app.questionnaires.models import QuestionnaireRequest, QuestionnaireStatus, QuestionnaireTemplate
from portal_app.questionnaires.services import answer_text as qtext
from portal_app.questionnaires.services import definition as qdef
from portal_app.questionnaires.services import questionnaires as q
from portal_app.questionnaires.services.questionnaire_admin import (
    MAX_REASON_CHARS,
    MAX_REQUESTS_LISTED,
    MAX_TEMPLATES_LISTED,
    _clean,
)
from portal_app.questionnaires.services.template_library import _is_latest, _latest_ids_query, get_template
from portal_app.settings import Settings

# --------------------------------------------------------------------------- per dossier


def _notify(
    session: Session, client: Account | None, dossier: Dossier, settings: Settings | None, request_id: int
) -> bool:
    """Tell the client through the notification service (kind "questionnaire", its preferences apply)."""
    if settings is None or client is None:
        return False
    if "item_ids" in inspect.signature(notifications.notify_client).parameters:
        return notifications.notify_client(session, client, dossier, "questionnaire", settings, item_ids=[request_id])
    return notifications.notify_client(session, client, dossier, "questionnaire", settings)


def _dossier(session: Session, dossier_id: Any) -> Dossier:
    dossier = session.get(Dossier, parse_id(dossier_id))
    if dossier is None:
        raise NotFound()
    return dossier


@dataclass
class Choice:
    """One entry of a pick list: the id the browser sends back and the text staff read."""

    id: str
    label: str


def send_choices(
    *, session: Session, actor: Account, dossier_id: Any, language: str
) -> tuple[list[Choice], list[Choice]]:
    """(templates to send: newest versions, client accounts of the dossier that can receive one)."""
    require_staff(session, actor)
    dossier = _dossier(session, dossier_id)
    language = i18n.normalize_language(language)
    templates = [
        Choice(
            id=str(template.id),
            label=f"{template.title_en if language == 'en' else template.title_nl} (v{template.version})",
        )
        for template in session.exec(
            _latest_ids_query()
            .order_by(col(QuestionnaireTemplate.title_nl), col(QuestionnaireTemplate.id))
            .limit(MAX_TEMPLATES_LISTED)
        ).all()
    ]
    clients = [
        Choice(id=str(account.id), label=f"{account.display_name} <{account.email}>")
        for account in session.exec(
            select(Account)
            .join(DossierAccess, col(DossierAccess.account_id) == Account.id)
            .where(DossierAccess.dossier_id == dossier.id)
            .order_by(col(Account.name), col(Account.id))
            .limit(200)
        ).all()
        if not account.is_staff and account.is_active
    ]
    return templates, clients


def send(
    *,
    session: Session,
    actor: Account,
    dossier_id: Any,
    template_id: Any,
    account_id: Any,
    settings: Settings | None,
    ip: str | None = None,
) -> tuple[QuestionnaireRequest, bool]:
    """Send the newest version of a template to a client account of the dossier.

    The client hears of it through the notification service (kind "questionnaire",
    respecting its preferences). Returns (request, whether a mail was queued).
    """
    actor = require_staff(session, actor)
    dossier = _dossier(session, dossier_id)
    try:
        template = get_template(session, template_id)
    except NotFound:
        raise ValidationFailed("pick a template", field="template", code="staff.q.err.pick_template") from None
    try:
        client = session.get(Account, parse_id(account_id))
    except NotFound:
        client = None
    if client is None or client.is_staff or not client.is_active:
        raise ValidationFailed("pick a client", field="account", code="staff.q.err.pick_client")
    if not _is_latest(session, template):
        raise ValidationFailed("not the newest version", field="template", code="staff.q.err.not_latest")
    already = session.exec(
        select(QuestionnaireRequest.id)
        .join(QuestionnaireTemplate, col(QuestionnaireTemplate.id) == QuestionnaireRequest.template_id)
        .where(
            QuestionnaireRequest.dossier_id == dossier.id,
            QuestionnaireRequest.account_id == client.id,
            QuestionnaireRequest.status == QuestionnaireStatus.OPEN,
            QuestionnaireTemplate.slug == template.slug,
        )
    ).first()
    if already is not None:
        raise ValidationFailed("already open", field="template", code="staff.q.err.already_open")
    try:
        qdef.definition_of(template)
    except qdef.TemplateInvalid:
        raise ValidationFailed("broken template", field="template", code="staff.q.err.broken") from None
    request = q.send_request(
        session, actor, template_id=template.id, dossier_id=dossier.id, account_id=client.id, ip=ip
    )
    assert request.id is not None  # flushed by send_request (see portal_app/core/models.py)
    notified = _notify(session, client, dossier, settings, request.id)
    session.flush()
    return request, notified


def _status_text(request: QuestionnaireRequest, page_count: int, language: str) -> str:
    if request.status == QuestionnaireStatus.COMPLETED:
        return i18n.t("staff.q.status_completed", language, date=local_text(request.completed_at))
    if page_count and request.current_page > 0:
        page = min(request.current_page, page_count - 1) + 1
        return i18n.t("staff.q.status_busy", language, page=page, pages=page_count)
    return i18n.t("staff.q.status_not_started", language, pages=page_count)


@dataclass
class RequestRow:
    """One questionnaire of a dossier in the staff list."""

    id: str  # goes back to the handlers as the browser sends it
    title: str
    version: int
    client: str
    status: str  # a QuestionnaireStatus value
    status_text: str
    sent: str
    completed: str  # "" while open
    pdf_id: str  # the completed questionnaire's PDF document; "" when there is none


def dossier_requests(*, session: Session, actor: Account, dossier_id: Any, language: str) -> list[RequestRow]:
    """The questionnaires of a dossier, newest first: open ones with their page, completed with the date."""
    require_staff(session, actor)
    dossier = _dossier(session, dossier_id)
    language = i18n.normalize_language(language)
    rows = session.exec(
        select(QuestionnaireRequest, QuestionnaireTemplate, Account)
        .join(QuestionnaireTemplate, col(QuestionnaireTemplate.id) == QuestionnaireRequest.template_id)
        .join(Account, col(Account.id) == QuestionnaireRequest.account_id)
        .where(QuestionnaireRequest.dossier_id == dossier.id)
        .order_by(col(QuestionnaireRequest.created_at).desc(), col(QuestionnaireRequest.id).desc())
        .limit(MAX_REQUESTS_LISTED)
    ).all()
    result = []
    for request, template, client in rows:
        try:
            page_count = qdef.definition_of(template).page_count
        except qdef.TemplateInvalid:
            page_count = 0
        pdf_id = q._pdf_document_id(session, request) if request.status == QuestionnaireStatus.COMPLETED else None
        result.append(
            RequestRow(
                id=str(request.id),
                title=template.title_en if language == "en" else template.title_nl,
                version=template.version,
                client=client.display_name,
                status=request.status,
                status_text=_status_text(request, page_count, language),
                sent=local_text(request.created_at),
                completed=local_text(request.completed_at),
                pdf_id=str(pdf_id) if pdf_id else "",
            )
        )
    return result


def _request_in_dossier(
    session: Session, actor: Account, dossier_id: Any, request_id: Any, ip: str | None
) -> tuple[QuestionnaireRequest, Dossier]:
    dossier = _dossier(session, dossier_id)
    try:
        request = session.get(QuestionnaireRequest, parse_id(request_id))
    except NotFound:
        request = None
    if request is None or request.dossier_id != dossier.id:
        audit.record(
            session,
            "access.denied",
            actor_id=actor.id,
            dossier_id=dossier.id,
            target=f"questionnaire:{str(request_id)[:40]}",
            ip=ip,
        )
        raise NotFound()
    return request, dossier


@dataclass(frozen=True)
class Result:
    request_id: int
    title: str
    client: str
    status: str
    status_text: str
    sections: list[qtext.AnswerSection]
    pdf_id: int | None


def result(
    *, session: Session, actor: Account, dossier_id: Any, request_id: Any, language: str, ip: str | None = None
) -> Result:
    """The questions and answers of one questionnaire of the dossier (as plain text; audited)."""
    actor = require_staff(session, actor)
    request, dossier = _request_in_dossier(session, actor, dossier_id, request_id, ip)
    language = i18n.normalize_language(language)
    template = session.get(QuestionnaireTemplate, request.template_id)
    client = session.get(Account, request.account_id)
    # a stored request (see portal_app/core/models.py); its template is a foreign key
    assert request.id is not None and template is not None
    try:
        definition = qdef.definition_of(template)
    except qdef.TemplateInvalid:
        raise ValidationFailed("broken template", code="staff.q.err.broken") from None
    sections = [
        section
        for section in qtext.answer_sections(definition, q.stored_answers(session, request.id), language)
        if section.rows
    ]
    audit.record(
        session,
        "questionnaire.result_viewed",
        actor_id=actor.id,
        dossier_id=dossier.id,
        target=f"questionnaire:{request.id}",
        ip=ip,
    )
    pdf_id = q._pdf_document_id(session, request) if request.status == QuestionnaireStatus.COMPLETED else None
    return Result(
        request_id=request.id,
        title=template.title_en if language == "en" else template.title_nl,
        client=client.display_name if client else "",
        status=request.status,
        status_text=_status_text(request, definition.page_count, language),
        sections=sections,
        pdf_id=pdf_id,
    )


def send_back(
    *,
    session: Session,
    actor: Account,
    dossier_id: Any,
    request_id: Any,
    reason: Any = "",
    settings: Settings | None = None,
    ip: str | None = None,
) -> QuestionnaireRequest:
    """ "Terugsturen voor correctie": reopen a completed questionnaire of this dossier for the
    client, answers kept. `questionnaires.reopen_by_staff` records "questionnaire.reopened"; this adds
    "questionnaire.sent_back" with the optional reason. The client is notified."""
    actor = require_staff(session, actor)
    text = _clean(reason if isinstance(reason, str) else "", MAX_REASON_CHARS, multiline=True)
    if text is None:
        raise ValidationFailed(
            "reason too long", field="reason", code="staff.q.err.reason_too_long", max=MAX_REASON_CHARS
        )
    request, dossier = _request_in_dossier(session, actor, dossier_id, request_id, ip)
    request = q.reopen_by_staff(session, actor, request.id, ip=ip)
    # the audit log is append-only: the reason goes into an event of its own, next to "questionnaire.reopened"
    audit.record(
        session,
        "questionnaire.sent_back",
        actor_id=actor.id,
        dossier_id=dossier.id,
        target=f"questionnaire:{request.id}",
        ip=ip,
        detail={"reason": text} if text else None,
    )
    assert request.id is not None  # a stored row (see portal_app/core/models.py)
    _notify(session, session.get(Account, request.account_id), dossier, settings, request.id)
    session.flush()
    return request
