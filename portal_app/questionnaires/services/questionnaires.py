"""Questionnaires ("Acties" / "Vragenlijst"): answering, saving pages, completion, sending.

Plain Python, no Reflex import. Every function takes a keyword-only `session`
(or a positional one where the brief names it so) and never commits: callers
commit (after `complete`, with `documents.commit_or_discard`, so a failed
commit leaves no stray PDF behind).

The rest of the questionnaire services: the template format and its parsing
(`definition`), checking answers (`validation`), answers as text for the result
and the PDF (`answer_text`, `pdf`), and the template versions (`template_versions`).

Rules
-----
- A client sees only requests addressed to its own account (a company extra
  account only its own) in dossiers it may see; anything else is NotFound with
  an "access.denied" audit event, the same for missing ids.
- `save_page` validates one page, upserts its answers one row per question
  (the unique constraint request+question makes two tabs saving the same page
  at once keep every answer: last writer wins per question, nothing else is
  touched) and stores `current_page`.
- Nothing changes after completion (QuestionnaireLocked) until staff reopen it.
- A request keeps the template row (version) it was sent with; the shipped
  templates are installed as new versions when their JSON changes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from portal_app.accounts.models import Account
from portal_app.audit.services import audit
from portal_app.core.models import utcnow
from portal_app.core.services import formatting, i18n
from portal_app.core.services.errors import NotFound, ValidationFailed
from portal_app.core.services.ids import valid_id
from portal_app.documents.models import Document, DocumentKind
from portal_app.documents.services.documents import dialect_insert, store_document
from portal_app.documents.services.storage import FileStore
from portal_app.dossiers.models import Dossier, DossierAccess
from portal_app.dossiers.services.dossiers import can_see, notify_handler
from portal_app.office.services import office_settings
from portal_app.questionnaires.models import (
    QuestionnaireAnswer,
    QuestionnaireRequest,
    QuestionnaireStatus,
    QuestionnaireTemplate,
)
from portal_app.questionnaires.services.answer_text import answer_sections
from portal_app.questionnaires.services.definition import Definition, TemplateInvalid, definition_of
from portal_app.questionnaires.services.validation import PageInvalid, check_all, check_page
from portal_app.settings import Settings

MAX_SUBMITTED_KEYS = 500


class QuestionnaireLocked(ValidationFailed):
    """The questionnaire was completed: nothing can be changed any more."""

    code = "questionnaire.locked"

    def __init__(self) -> None:
        super().__init__("questionnaire is completed", code=self.code)


# --------------------------------------------------------------------------- requests


def get_request_for_account(
    session: Session, account: Account, request_id: Any, *, ip: str | None = None
) -> QuestionnaireRequest:
    """The request if it is addressed to `account` in a dossier it may see; else NotFound (audited).

    Missing ids, other clients' ids, ids of other accounts of the same company
    and ids of dossiers the account lost access to all give the same NotFound.
    """
    wanted = valid_id(request_id)
    request = session.get(QuestionnaireRequest, wanted) if wanted is not None else None
    if (
        request is None
        or account.is_staff
        or request.account_id != account.id
        or not can_see(session, account, request.dossier_id)
    ):
        audit.record(
            session,
            "access.denied",
            actor_id=account.id,
            target=f"questionnaire:{str(request_id)[:40]}",
            ip=ip,
        )
        raise NotFound()
    return request


@dataclass(frozen=True)
class RequestSummary:
    request_id: int
    status: str
    title_nl: str
    title_en: str
    dossier_id: int
    dossier_number: str
    dossier_description: str
    sent_at: datetime
    completed_at: datetime | None
    current_page: int
    page_count: int

    def title(self, language: str) -> str:
        return self.title_en if i18n.normalize_language(language) == "en" and self.title_en else self.title_nl


def _summaries(session: Session, account: Account, status: str) -> list[RequestSummary]:
    visible = select(DossierAccess.dossier_id).where(DossierAccess.account_id == account.id)
    order = (
        (col(QuestionnaireRequest.created_at).desc(), col(QuestionnaireRequest.id).desc())
        if status == QuestionnaireStatus.OPEN
        else (col(QuestionnaireRequest.completed_at).desc(), col(QuestionnaireRequest.id).desc())
    )
    rows = session.exec(
        select(QuestionnaireRequest, QuestionnaireTemplate, Dossier)
        .join(QuestionnaireTemplate, col(QuestionnaireTemplate.id) == QuestionnaireRequest.template_id)
        .join(Dossier, col(Dossier.id) == QuestionnaireRequest.dossier_id)
        .where(
            QuestionnaireRequest.account_id == account.id,
            QuestionnaireRequest.status == status,
            col(QuestionnaireRequest.dossier_id).in_(visible),
        )
        .order_by(*order)
        .limit(200)
    ).all()
    result = []
    for request, template, dossier in rows:
        assert request.id is not None and dossier.id is not None  # a stored row (see portal_app/core/models.py)
        try:
            page_count = definition_of(template).page_count
        except TemplateInvalid:
            page_count = 0
        result.append(
            RequestSummary(
                request_id=request.id,
                status=request.status,
                title_nl=template.title_nl,
                title_en=template.title_en,
                dossier_id=dossier.id,
                dossier_number=dossier.number,
                dossier_description=dossier.description,
                sent_at=request.created_at,
                completed_at=request.completed_at,
                current_page=min(request.current_page, max(0, page_count - 1)),
                page_count=page_count,
            )
        )
    return result


def list_open(session: Session, account: Account) -> list[RequestSummary]:
    """The account's questionnaires still to fill in (the "Acties" list), newest first.

    Counts the same rows as `dossiers.home_counts(...).open_actions`.
    """
    if account.is_staff:
        return []
    return _summaries(session, account, QuestionnaireStatus.OPEN)


def list_completed(session: Session, account: Account) -> list[RequestSummary]:
    if account.is_staff:
        return []
    return _summaries(session, account, QuestionnaireStatus.COMPLETED)


def stored_answers(session: Session, request_id: int) -> dict[str, str]:
    rows = session.exec(
        select(QuestionnaireAnswer.question_key, QuestionnaireAnswer.value).where(
            QuestionnaireAnswer.request_id == request_id
        )
    ).all()
    return {key: value for key, value in rows}


@dataclass(frozen=True)
class QuestionnaireView:
    request: QuestionnaireRequest
    template: QuestionnaireTemplate
    definition: Definition
    dossier: Dossier
    answers: dict[str, str]
    pdf_document_id: int | None

    @property
    def completed(self) -> bool:
        return self.request.status == QuestionnaireStatus.COMPLETED

    def title(self, language: str) -> str:
        return self.template.title_en if i18n.normalize_language(language) == "en" else self.template.title_nl

    @property
    def current_page(self) -> int:
        return min(max(0, self.request.current_page), self.definition.page_count - 1)


def _pdf_document_id(session: Session, request: QuestionnaireRequest) -> int | None:
    return session.exec(
        select(Document.id)
        .where(Document.questionnaire_request_id == request.id, col(Document.withdrawn_at).is_(None))
        .order_by(col(Document.created_at).desc(), col(Document.id).desc())
        .limit(1)
    ).first()


def load(session: Session, account: Account, request_id: Any, *, ip: str | None = None) -> QuestionnaireView:
    """Everything a client screen needs for one of its questionnaires (NotFound otherwise)."""
    request = get_request_for_account(session, account, request_id, ip=ip)
    template = session.get(QuestionnaireTemplate, request.template_id)
    dossier = session.get(Dossier, request.dossier_id)
    # foreign keys: a request's template and dossier exist
    assert request.id is not None and template is not None and dossier is not None
    return QuestionnaireView(
        request=request,
        template=template,
        definition=definition_of(template),
        dossier=dossier,
        answers=stored_answers(session, request.id),
        pdf_document_id=_pdf_document_id(session, request) if request.status == QuestionnaireStatus.COMPLETED else None,
    )


def _check_submitted(answers: Any) -> dict[str, Any]:
    if not isinstance(answers, dict) or len(answers) > MAX_SUBMITTED_KEYS:
        raise ValidationFailed("answers must be a mapping", code="error.invalid")
    return {key: value for key, value in answers.items() if isinstance(key, str) and len(key) <= 80}


def _lock_open(session: Session, request_id: int, **values: Any) -> None:
    """Take the request's row (write lock) if it is still open, else QuestionnaireLocked.

    One conditional UPDATE: on PostgreSQL it holds the row lock until commit,
    on SQLite the database write lock, so a save and a completion of the same
    request never interleave.
    """
    values = values or {"current_page": QuestionnaireRequest.current_page}
    result = session.exec(
        update(QuestionnaireRequest)
        .where(col(QuestionnaireRequest.id) == request_id, col(QuestionnaireRequest.status) == QuestionnaireStatus.OPEN)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise QuestionnaireLocked()


def _upsert_answers(session: Session, request_id: int, values: Mapping[str, str]) -> None:
    now = utcnow()
    insert = dialect_insert(session)
    for key, value in values.items():
        if insert is not None:
            statement = insert(QuestionnaireAnswer).values(
                request_id=request_id, question_key=key, value=value, updated_at=now
            )
            session.exec(
                statement.on_conflict_do_update(
                    index_elements=["request_id", "question_key"],
                    set_={"value": statement.excluded.value, "updated_at": statement.excluded.updated_at},
                )
            )
            continue
        for _attempt in range(3):  # pragma: no cover - databases without ON CONFLICT
            existing = session.exec(
                select(QuestionnaireAnswer).where(
                    QuestionnaireAnswer.request_id == request_id, QuestionnaireAnswer.question_key == key
                )
            ).first()
            try:
                with session.begin_nested():
                    if existing is None:
                        session.add(
                            QuestionnaireAnswer(request_id=request_id, question_key=key, value=value, updated_at=now)
                        )
                    else:
                        existing.value, existing.updated_at = value, now
                        session.add(existing)
                break
            except IntegrityError:
                continue


def save_page(
    session: Session,
    account: Account,
    request_id: Any,
    page_index: Any,
    answers: Any,
    *,
    ip: str | None = None,
    today: date | None = None,
) -> int:
    """Validate and save one page; returns the index of the next page.

    The returned index equals the page count after the last page. Raises
    NotFound (foreign id, audited), QuestionnaireLocked (completed), PageInvalid
    (errors per question; nothing is saved then) or ValidationFailed (bad page).
    """
    request = get_request_for_account(session, account, request_id, ip=ip)
    if request.status != QuestionnaireStatus.OPEN:
        raise QuestionnaireLocked()
    template = session.get(QuestionnaireTemplate, request.template_id)
    assert request.id is not None and template is not None  # a stored request; its template is a foreign key
    definition = definition_of(template)
    if isinstance(page_index, bool) or not isinstance(page_index, int) or not 0 <= page_index < definition.page_count:
        raise ValidationFailed("no such page", code="questionnaire.invalid_page", field="page")
    submitted = _check_submitted(answers)
    check = check_page(definition, page_index, submitted, stored_answers(session, request.id), today=today)
    if check.errors:
        raise PageInvalid(check.errors, page_index)
    next_index = page_index + 1
    _lock_open(session, request.id, current_page=min(next_index, definition.page_count - 1))
    _upsert_answers(session, request.id, check.clean)
    session.flush()
    session.expire(request)
    return next_index


@dataclass(frozen=True)
class Completion:
    request: QuestionnaireRequest
    document: Document


def complete(
    session: Session,
    account: Account,
    request_id: Any,
    *,
    store: FileStore,
    settings: Settings,
    ip: str | None = None,
    now: datetime | None = None,
) -> Completion:
    """Finish a questionnaire: check every page, lock it, store the PDF, tell the handler.

    The PDF becomes a "aangeleverd" (delivered) document of the dossier with
    `questionnaire_request_id` set. The handler gets a mail that names the
    dossier number only (professional secrecy: never an answer). The caller
    commits with `documents.commit_or_discard(session, store, completion.document)`.
    Raises NotFound, QuestionnaireLocked, or PageInvalid (code
    "questionnaire.incomplete") with the first page that needs work.
    """
    from portal_app.questionnaires.services import pdf  # fpdf2 is only needed here

    request = get_request_for_account(session, account, request_id, ip=ip)
    if request.status != QuestionnaireStatus.OPEN:
        raise QuestionnaireLocked()
    assert request.id is not None  # a stored row (see portal_app/core/models.py)
    _lock_open(session, request.id)  # serialise with saves from other tabs first
    session.refresh(request)
    template = session.get(QuestionnaireTemplate, request.template_id)
    assert template is not None  # a foreign key
    definition = definition_of(template)
    answers = stored_answers(session, request.id)
    problem = check_all(definition, answers)
    if problem is not None:
        page_index, errors = problem
        raise PageInvalid(errors, page_index, code="questionnaire.incomplete")
    moment = now or utcnow()
    request.status = QuestionnaireStatus.COMPLETED
    request.completed_at = moment
    session.add(request)
    dossier = session.get(Dossier, request.dossier_id)
    assert dossier is not None and dossier.id is not None  # a foreign key
    language = i18n.normalize_language(account.language)
    title = template.title_en if language == "en" else template.title_nl
    data = pdf.questionnaire_pdf(
        office_name=office_settings.profile(session).office_name,
        title=title,
        dossier_number=dossier.number,
        dossier_description=dossier.description,
        client_name=account.display_name,
        completed_at=moment,
        language=language,
        sections=answer_sections(definition, answers, language),
        brand_colour=office_settings.profile(session).brand_colour,
        logo_path=pdf.office_logo_path(office_settings.profile(session), settings),
    )
    document = store_document(
        session=session,
        store=store,
        dossier_id=dossier.id,
        kind=DocumentKind.DELIVERED,
        title=f"{title} ({formatting.format_datetime(moment, 'nl', style='numeric')})",
        filename=f"{template.slug}-{dossier.number}-{formatting.file_stamp(moment)}.pdf",
        chunks=[data],
        max_bytes=len(data) + 1,
        uploaded_by_id=account.id,
        questionnaire_request_id=request.id,
    )
    audit.record(
        session,
        "questionnaire.completed",
        actor_id=account.id,
        dossier_id=dossier.id,
        target=f"questionnaire:{request.id}",
        ip=ip,
        detail={"document_id": document.id, "template": template.slug, "version": template.version},
    )
    notify_handler(session, dossier, settings, kind="staff_questionnaire_completed")
    session.flush()
    return Completion(request=request, document=document)


def reopen_by_staff(
    session: Session, staff: Account, request_id: Any, *, ip: str | None = None
) -> QuestionnaireRequest:
    """Send a completed questionnaire back to the client for correction; answers are kept.

    The client starts again at the first page; the earlier PDF stays in the
    dossier as the record of what was handed in then.
    """
    wanted = valid_id(request_id)
    request = session.get(QuestionnaireRequest, wanted) if wanted is not None else None
    if request is None or not staff.is_staff or not staff.is_active:
        audit.record(session, "access.denied", actor_id=staff.id, target=f"questionnaire:{str(request_id)[:40]}", ip=ip)
        raise NotFound()
    result = session.exec(
        update(QuestionnaireRequest)
        .where(
            col(QuestionnaireRequest.id) == request.id,
            col(QuestionnaireRequest.status) == QuestionnaireStatus.COMPLETED,
        )
        .values(status=QuestionnaireStatus.OPEN, completed_at=None, current_page=0)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise ValidationFailed("questionnaire is not completed", code="questionnaire.not_completed")
    audit.record(
        session,
        "questionnaire.reopened",
        actor_id=staff.id,
        dossier_id=request.dossier_id,
        target=f"questionnaire:{request.id}",
        ip=ip,
    )
    session.flush()
    session.refresh(request)
    return request


def send_request(
    session: Session,
    staff: Account,
    *,
    template_id: Any,
    dossier_id: Any,
    account_id: Any,
    ip: str | None = None,
) -> QuestionnaireRequest:
    """Staff send a questionnaire (a template version) to a client of a dossier."""
    template_key, dossier_key, account_key = valid_id(template_id), valid_id(dossier_id), valid_id(account_id)
    if not staff.is_staff or not staff.is_active or template_key is None or dossier_key is None or account_key is None:
        raise NotFound()
    template = session.get(QuestionnaireTemplate, template_key)
    client = session.get(Account, account_key)
    if template is None or client is None or client.is_staff or not client.is_active:
        raise NotFound()
    assert template.id is not None and client.id is not None  # a stored row (see portal_app/core/models.py)
    definition_of(template)  # refuse a broken template
    if not can_see(session, client, dossier_key):
        raise ValidationFailed("client has no access to the dossier", code="questionnaire.no_access", field="account")
    request = QuestionnaireRequest(
        template_id=template.id, dossier_id=dossier_key, account_id=client.id, sent_by_id=staff.id
    )
    session.add(request)
    session.flush()
    audit.record(
        session,
        "questionnaire.sent",
        actor_id=staff.id,
        dossier_id=dossier_key,
        target=f"questionnaire:{request.id}",
        ip=ip,
        detail={"template": template.slug, "version": template.version, "account_id": client.id},
    )
    return request
