"""The office's questionnaire templates: the list, opening one to edit or copy, saving a draft.

Plain Python, no Reflex import. Every function that touches the database takes
the acting account and checks it with `require_staff`; every id and value comes
from a browser and is validated here. Functions flush, never commit. Saving
stores a NEW version (`template_versions.save_template_version`); the draft
itself is edited with the functions of `questionnaire_admin`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, func, select
from sqlmodel.sql.expression import SelectOfScalar

from portal_app.accounts.models import Account
from portal_app.audit.services import audit
from portal_app.core.services import i18n
from portal_app.core.services.errors import NotFound
from portal_app.core.services.ids import parse_id
from portal_app.core.services.staff_access import local_text, require_staff
from portal_app.questionnaires.models import QuestionnaireRequest, QuestionnaireStatus, QuestionnaireTemplate
from portal_app.questionnaires.services import definition as qdef
from portal_app.questionnaires.services import template_versions as qtemplates
from portal_app.questionnaires.services.questionnaire_admin import (
    MAX_TEMPLATES_LISTED,
    MAX_TITLE_CHARS,
    Json,
    _get_text,
    _refuse,
    _text,
    check,
    slugify,
)

# --------------------------------------------------------------------------- templates


def _latest_ids_query() -> SelectOfScalar[QuestionnaireTemplate]:
    newest = (
        select(QuestionnaireTemplate.slug, func.max(QuestionnaireTemplate.version).label("version"))
        .group_by(QuestionnaireTemplate.slug)
        .subquery()
    )
    return select(QuestionnaireTemplate).join(
        newest, (newest.c.slug == QuestionnaireTemplate.slug) & (newest.c.version == QuestionnaireTemplate.version)
    )


@dataclass
class TemplateRow:
    """One template in the staff list: its newest version and how often any version was sent."""

    id: str  # goes back to the handlers as the browser sends it
    slug: str
    version: int
    title: str
    pages: int
    questions: int
    sent: int
    open: int
    completed: int
    saved: str  # when this version was stored, as staff read it
    broken: bool  # the stored definition no longer parses


def list_templates(*, session: Session, actor: Account, language: str) -> list[TemplateRow]:
    """The newest version of every template, by title, with how often it was sent (all versions)."""
    require_staff(session, actor)
    language = i18n.normalize_language(language)
    templates = session.exec(
        _latest_ids_query()
        .order_by(col(QuestionnaireTemplate.title_nl), col(QuestionnaireTemplate.id))
        .limit(MAX_TEMPLATES_LISTED)
    ).all()
    counts: dict[tuple[str, str], int] = {}
    for slug, status, number in session.exec(
        select(QuestionnaireTemplate.slug, QuestionnaireRequest.status, func.count(col(QuestionnaireRequest.id)))
        .join(QuestionnaireTemplate, col(QuestionnaireTemplate.id) == QuestionnaireRequest.template_id)
        .group_by(QuestionnaireTemplate.slug, QuestionnaireRequest.status)
    ).all():
        counts[(slug, status)] = number
    rows = []
    for template in templates:
        try:
            definition = qdef.definition_of(template)
            pages, questions, broken = definition.page_count, len(definition.questions), False
        except qdef.TemplateInvalid:
            pages, questions, broken = 0, 0, True
        opened = counts.get((template.slug, QuestionnaireStatus.OPEN), 0)
        completed = counts.get((template.slug, QuestionnaireStatus.COMPLETED), 0)
        rows.append(
            TemplateRow(
                id=str(template.id),
                slug=template.slug,
                version=template.version,
                title=template.title_en if language == "en" else template.title_nl,
                pages=pages,
                questions=questions,
                sent=opened + completed,
                open=opened,
                completed=completed,
                saved=local_text(template.created_at),
                broken=broken,
            )
        )
    return rows


def get_template(session: Session, template_id: Any) -> QuestionnaireTemplate:
    template = session.get(QuestionnaireTemplate, parse_id(template_id))
    if template is None:
        raise NotFound()
    return template


def _is_latest(session: Session, template: QuestionnaireTemplate) -> bool:
    latest = qtemplates.latest_template(session, template.slug)
    return latest is not None and latest.id == template.id


@dataclass(frozen=True)
class Draft:
    definition: Json
    base_id: int  # the version it was loaded from; 0 for a new template
    slug: str  # "" for a new template or a copy
    version: int
    title: str


def edit_draft(*, session: Session, actor: Account, template_id: Any) -> Draft:
    """The newest version of a template, as a draft to edit."""
    require_staff(session, actor)
    template = get_template(session, template_id)
    latest = qtemplates.latest_template(session, template.slug)
    template = latest or template
    assert template.id is not None  # a stored row (see portal_app/core/models.py)
    return Draft(json.loads(template.definition_json), template.id, template.slug, template.version, template.title_nl)


def copy_draft(*, session: Session, actor: Account, template_id: Any) -> Draft:
    """A copy of a template version as a new, unsaved template ("Kopie van ...")."""
    require_staff(session, actor)
    template = get_template(session, template_id)
    definition = json.loads(template.definition_json)
    title = definition.get("title") if isinstance(definition.get("title"), dict) else {}
    definition["title"] = _text(
        ("Kopie van " + _get_text(title, "nl"))[:MAX_TITLE_CHARS],
        ("Copy of " + _get_text(title, "en"))[:MAX_TITLE_CHARS],
    )
    assert template.id is not None  # a stored row (see portal_app/core/models.py)
    return Draft(definition, template.id, "", 0, definition["title"]["nl"])


def _free_slug(session: Session, title: str) -> str:
    base = slugify(title)
    slug, number = base, 2
    while qtemplates.latest_template(session, slug) is not None:
        suffix = f"-{number}"
        slug = base[: 80 - len(suffix)] + suffix
        number += 1
    return slug


@dataclass(frozen=True)
class Saved:
    template: QuestionnaireTemplate
    changed: bool  # False: the draft equals the newest version, nothing was stored


def save_draft(
    *, session: Session, actor: Account, draft: Json, base_id: Any = 0, copy_of: Any = 0, ip: str | None = None
) -> Saved:
    """Store the draft: a new version of the template it was loaded from (`base_id`),
    or a new template (base_id 0; `copy_of` names the template it was copied from).

    Refused when the draft has problems (DefinitionInvalid) or when someone saved a
    newer version of the same template meanwhile (code staff.q.err.stale).
    """
    actor = require_staff(session, actor)
    definition = check(draft)
    data = json.loads(json.dumps(draft, ensure_ascii=False))
    if base_id not in (0, "0", None, ""):
        base = get_template(session, base_id)
        latest = qtemplates.latest_template(session, base.slug)
        if latest is None or latest.id != base.id:
            raise _refuse("staff.q.err.stale", version=latest.version if latest else base.version)
        template = qtemplates.save_template_version(session, slug=base.slug, definition=data, actor_id=actor.id)
        changed = template.id != base.id
        if changed:
            audit.record(
                session,
                "questionnaire.template_edited",
                actor_id=actor.id,
                target=f"questionnaire_template:{template.id}",
                ip=ip,
                detail={"slug": base.slug, "from_version": base.version, "version": template.version},
            )
        return Saved(template, changed)
    source = get_template(session, copy_of) if copy_of not in (0, "0", None, "") else None
    slug = _free_slug(session, definition.title.nl)
    template = qtemplates.save_template_version(session, slug=slug, definition=data, actor_id=actor.id)
    if source is not None:
        audit.record(
            session,
            "questionnaire.template_copied",
            actor_id=actor.id,
            target=f"questionnaire_template:{template.id}",
            ip=ip,
            detail={"slug": slug, "from": source.slug, "from_version": source.version},
        )
    else:
        audit.record(
            session,
            "questionnaire.template_created",
            actor_id=actor.id,
            target=f"questionnaire_template:{template.id}",
            ip=ip,
            detail={"slug": slug},
        )
    return Saved(template, True)


def template_definition(
    *, session: Session, actor: Account, template_id: Any
) -> tuple[QuestionnaireTemplate, qdef.Definition]:
    """A stored template version and its parsed definition (for the preview)."""
    require_staff(session, actor)
    template = get_template(session, template_id)
    return template, qdef.definition_of(template)
