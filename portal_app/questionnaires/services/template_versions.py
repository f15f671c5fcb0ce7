"""Questionnaire template versions: store a new version, install the shipped templates.

Plain Python, no Reflex import; functions flush, never commit. Existing
versions are never changed: a request keeps the version it was sent with, and a
shipped template (questionnaire_templates/*.json) becomes a new version only
when its JSON changes.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlmodel import Session, col, select

from portal_app.audit.services import audit
from portal_app.questionnaires.models import (
    QuestionnaireTemplate,
)
from portal_app.questionnaires.services.definition import SLUG_RE, TemplateInvalid, _load_raw, _parse, canonical_json

TEMPLATES_DIR = Path(__file__).resolve().parent / "questionnaire_templates"


def latest_template(session: Session, slug: str) -> QuestionnaireTemplate | None:
    return session.exec(
        select(QuestionnaireTemplate)
        .where(QuestionnaireTemplate.slug == slug)
        .order_by(col(QuestionnaireTemplate.version).desc())
        .limit(1)
    ).first()


def save_template_version(
    session: Session, *, slug: str, definition: dict[str, Any] | str, actor_id: int | None = None
) -> QuestionnaireTemplate:
    """Store `definition` as the newest version of `slug`, unless it equals the newest already.

    Existing versions are never changed: requests keep the version they were sent with.
    """
    if not isinstance(slug, str) or not SLUG_RE.fullmatch(slug):
        raise TemplateInvalid("slug must be lower-case letters, digits and -")
    data = _load_raw(definition) if not isinstance(definition, dict) else definition
    parsed = _parse(data)
    stored = canonical_json(data)
    latest = latest_template(session, slug)
    if latest is not None:
        try:
            same = canonical_json(latest.definition_json) == stored
        except TemplateInvalid:
            same = False
        if same:
            return latest
    template = QuestionnaireTemplate(
        slug=slug,
        version=(latest.version + 1) if latest is not None else 1,
        title_nl=parsed.title.nl[:200],
        title_en=parsed.title.en[:200],
        definition_json=stored,
    )
    session.add(template)
    session.flush()
    audit.record(
        session,
        "questionnaire.template_saved",
        actor_id=actor_id,
        target=f"questionnaire_template:{template.id}",
        detail={"slug": slug, "version": template.version},
    )
    return template


def shipped_template_files() -> list[Path]:
    return sorted(TEMPLATES_DIR.glob("*.json"))


def install_shipped_templates(session: Session) -> dict[str, QuestionnaireTemplate]:
    """Install the templates shipped in questionnaire_templates/*.json (new version when changed).

    Each file is {"slug": ..., <definition>}. Returns the newest version per slug.
    """
    installed = {}
    for path in shipped_template_files():
        data = json.loads(path.read_text(encoding="utf-8"))
        slug = data.pop("slug", path.stem)
        installed[slug] = save_template_version(session, slug=slug, definition=data)
    return installed
