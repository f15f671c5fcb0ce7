"""Progress steps from templates per kind of dossier: admins edit them, a new dossier of a kind gets them."""

from __future__ import annotations

import pytest
from sqlmodel import col, select

from portal_app.audit.models import AuditEvent
from portal_app.core.services import i18n
from portal_app.core.services.errors import NotFound, ServiceError, ValidationFailed
from portal_app.dossiers.models import ProgressStep
from portal_app.dossiers.services import staff_dossiers
from portal_app.office.services import step_templates
from portal_app.office.services.step_templates import DEFAULT_STEPS, DOSSIER_TYPES


def steps_of(db, dossier_id) -> list[str]:
    return list(
        db.exec(
            select(ProgressStep.title).where(ProgressStep.dossier_id == dossier_id).order_by(col(ProgressStep.position))
        ).all()
    )


def new_dossier(db, world, number="2026-0100"):
    return staff_dossiers.create_dossier(session=db, actor=world.handler, number=number, description="Nieuw")


def test_the_kinds_named_in_the_issue_have_built_in_steps_and_names():
    assert {"levering_woning", "hypotheek", "testament", "oprichting_bv"} <= set(DOSSIER_TYPES)
    for kind in DOSSIER_TYPES:
        assert DEFAULT_STEPS[kind]
        for language in i18n.LANGUAGES:
            assert step_templates.type_label(kind, language) != f"dossier_type.{kind}"


def test_a_new_dossier_of_a_kind_gets_the_templates_steps(db, world):
    dossier = new_dossier(db, world)
    assert step_templates.apply_template(
        session=db, actor=world.handler, dossier_id=dossier.id, dossier_type="testament"
    ) == len(DEFAULT_STEPS["testament"])
    assert steps_of(db, dossier.id) == list(DEFAULT_STEPS["testament"])
    event = db.exec(select(AuditEvent).where(AuditEvent.event_type == "progress.template_applied")).one()
    assert event.dossier_id == dossier.id
    # staff can still add steps to it (the dossier's own steps, not the template's)
    staff_dossiers.add_step(session=db, actor=world.handler, dossier_id=dossier.id, title="Extra stap")
    assert steps_of(db, dossier.id)[-1] == "Extra stap"
    assert step_templates.template_steps(db, "testament") == list(DEFAULT_STEPS["testament"])


def test_no_kind_means_no_steps_and_a_dossier_with_steps_is_left_alone(db, world):
    dossier = new_dossier(db, world)
    assert step_templates.apply_template(session=db, actor=world.handler, dossier_id=dossier.id, dossier_type="") == 0
    assert steps_of(db, dossier.id) == []
    step_templates.apply_template(session=db, actor=world.handler, dossier_id=dossier.id, dossier_type="hypotheek")
    with pytest.raises(ValidationFailed):
        step_templates.apply_template(session=db, actor=world.handler, dossier_id=dossier.id, dossier_type="hypotheek")
    with pytest.raises(ValidationFailed):
        step_templates.apply_template(session=db, actor=world.handler, dossier_id=dossier.id, dossier_type="fax")
    with pytest.raises(NotFound):
        step_templates.apply_template(session=db, actor=world.handler, dossier_id=99999, dossier_type="hypotheek")
    with pytest.raises(ServiceError):
        step_templates.apply_template(session=db, actor=world.client, dossier_id=dossier.id, dossier_type="hypotheek")


def test_an_admin_edits_a_template_and_old_dossiers_keep_their_steps(db, world):
    old = new_dossier(db, world, "2026-0101")
    step_templates.apply_template(session=db, actor=world.admin, dossier_id=old.id, dossier_type="oprichting_bv")
    saved = step_templates.save_template(
        session=db,
        actor=world.admin,
        dossier_type="oprichting_bv",
        steps_text="  Intake \n\nStatuten   opgesteld\r\nGetekend\n",
    )
    assert saved == ["Intake", "Statuten opgesteld", "Getekend"]
    view = {v.dossier_type: v for v in step_templates.templates_view(session=db, actor=world.admin, language="en")}
    assert (
        view["oprichting_bv"].steps_text == "Intake\nStatuten opgesteld\nGetekend" and view["oprichting_bv"].count == 3
    )
    assert view["oprichting_bv"].label == "Setting up a private company (BV)"
    new = new_dossier(db, world, "2026-0102")
    step_templates.apply_template(session=db, actor=world.handler, dossier_id=new.id, dossier_type="oprichting_bv")
    assert steps_of(db, new.id) == saved
    assert steps_of(db, old.id) == list(DEFAULT_STEPS["oprichting_bv"])
    assert db.exec(select(AuditEvent).where(AuditEvent.event_type == "step_template.changed")).one().actor_id == (
        world.admin.id
    )


@pytest.mark.parametrize("text", ["", " \n \n", None, "\n".join(f"Stap {i}" for i in range(21)), "a" * 201, "stap\x00"])
def test_bad_templates_are_refused_and_nothing_changes(db, world, text):
    with pytest.raises(ValidationFailed):
        step_templates.save_template(session=db, actor=world.admin, dossier_type="hypotheek", steps_text=text)
    assert step_templates.template_steps(db, "hypotheek") == list(DEFAULT_STEPS["hypotheek"])


def test_only_admins_edit_templates(db, world):
    for who in (world.handler, world.client):
        with pytest.raises(ServiceError):
            step_templates.save_template(session=db, actor=who, dossier_type="hypotheek", steps_text="A")
        with pytest.raises(ServiceError):
            step_templates.templates_view(session=db, actor=who)
    with pytest.raises(ValidationFailed):
        step_templates.save_template(session=db, actor=world.admin, dossier_type="onbekend", steps_text="A")
