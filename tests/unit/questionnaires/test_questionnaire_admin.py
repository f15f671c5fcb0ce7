"""Staff side of questionnaires (questionnaires/services/questionnaire_admin.py): the editor's draft
operations and their limits, definition checks with clear problems, versioning on
edit, copy, sending (notified, audited), the dossier's status list and result,
sending back for correction (answers kept, reason audited), and foreign ids refused."""

from __future__ import annotations

import json

import pytest
from sqlmodel import select

from portal_app.accounts.services import accounts
from portal_app.audit.models import AuditEvent
from portal_app.core.services import i18n
from portal_app.core.services.errors import NotFound, PermissionDenied, ValidationFailed
from portal_app.documents.services.documents import commit_or_discard
from portal_app.dossiers.services import dossiers
from portal_app.questionnaires.models import (
    QuestionnaireAnswer,
    QuestionnaireRequest,
    QuestionnaireStatus,
    QuestionnaireTemplate,
)
from portal_app.questionnaires.services import definition as qdef
from portal_app.questionnaires.services import questionnaire_admin as admin
from portal_app.questionnaires.services import questionnaires as q
from portal_app.questionnaires.services import staff_requests, template_library
from portal_app.questionnaires.services import template_versions as qtemplates
from tests.unit.helpers import World, build_world


@pytest.fixture
def world(db, tmp_path) -> World:
    """The staff world (tests/unit/helpers.py), not this folder's questionnaire world."""
    return build_world(db, tmp_path)


def question_form(**values) -> dict:
    base = {"type": "short_text", "label_nl": "Naam", "label_en": "Name"}
    base.update(values)
    return base


def small_draft() -> dict:
    """Two pages: a yes/no question, a conditional question after it, and a choice question."""
    draft = admin.set_titles(admin.new_draft(), {"title_nl": "Korte vragenlijst", "title_en": "Short questionnaire"})
    draft, _ = admin.save_question(draft, 0, -1, question_form(key="naam", required="on"))
    draft, _ = admin.save_question(
        draft, 0, -1, question_form(type="yes_no", label_nl="Heeft u een partner?", label_en="Do you have a partner?")
    )
    draft, _ = admin.save_question(
        draft,
        0,
        -1,
        question_form(label_nl="Naam partner", label_en="Partner's name"),
        condition={"question": "heeft_u_een_partner", "values": ["ja"]},
    )
    draft = admin.add_page(draft)
    draft, _ = admin.save_question(
        draft,
        1,
        -1,
        question_form(
            type="single_choice",
            key="woonvorm",
            label_nl="Woonvorm",
            label_en="Housing",
            choices_nl="Koop\nHuur\n",
            choices_en="Owner\nTenant",
        ),
    )
    return draft


def codes(found) -> list[str]:
    return [problem.code for problem in found]


# --------------------------------------------------------------------------- drafts and checks


def test_editor_builds_a_valid_definition_with_a_condition():
    draft = small_draft()
    assert admin.problems(draft) == []
    definition = admin.check(draft)
    assert [p.title.nl for p in definition.pages] == ["Pagina 1", "Pagina 2"]
    keys = [question.key for question in definition.questions]
    assert keys == ["naam", "heeft_u_een_partner", "naam_partner", "woonvorm"]
    partner = definition.question("naam_partner")
    assert partner.show_if.question == "heeft_u_een_partner" and partner.show_if.values == ("ja",)
    assert [(o.value, o.label.nl, o.label.en) for o in definition.question("woonvorm").options] == [
        ("koop", "Koop", "Owner"),
        ("huur", "Huur", "Tenant"),
    ]
    assert definition.question("naam").required is True
    # the condition as staff read it, in both languages
    assert admin.condition_text(definition, partner, "nl") == "Alleen tonen als “Heeft u een partner?” = Ja"
    assert admin.condition_text(definition, partner, "en") == "Only shown when “Do you have a partner?” = Yes"


def test_problems_name_what_is_wrong_and_where():
    assert codes(admin.problems(admin.new_draft())) == ["staff.q.problem.title", "staff.q.problem.page_empty"]
    draft = small_draft()
    # duplicate key (a forged draft: the editor itself refuses this, see below)
    broken = json.loads(json.dumps(draft))
    broken["pages"][1]["questions"][0]["key"] = "naam"
    found = admin.problems(broken)
    assert codes(found) == ["staff.q.problem.key_twice"]
    assert found[0].text("nl") == "Pagina 2, vraag 1: de sleutel “naam” wordt al door een andere vraag gebruikt."
    # a condition pointing to a LATER question: moving the source down breaks it
    moved = admin.move_question(draft, 0, 1, "down")  # partner question now before its source
    found = admin.problems(moved)
    assert codes(found) == ["staff.q.problem.condition_later"]
    assert "heeft_u_een_partner" in found[0].text("nl") and found[0].text("en").startswith("Page 1, question 2:")
    # a condition on a question that is not a choice question
    not_choice = json.loads(json.dumps(draft))
    not_choice["pages"][0]["questions"][2]["show_if"] = {"question": "naam", "equals": "x"}
    assert codes(admin.problems(not_choice)) == ["staff.q.problem.condition_type"]
    # a condition on an answer the source does not have
    bad_value = json.loads(json.dumps(draft))
    bad_value["pages"][0]["questions"][2]["show_if"] = {"question": "heeft_u_een_partner", "equals": "misschien"}
    assert codes(admin.problems(bad_value)) == ["staff.q.problem.condition_value"]
    # a choice question without choices, a page with only conditional questions
    no_choices = json.loads(json.dumps(draft))
    del no_choices["pages"][1]["questions"][0]["options"]
    assert codes(admin.problems(no_choices)) == ["staff.q.problem.choices"]
    only_conditional = json.loads(json.dumps(draft))
    only_conditional["pages"][0]["questions"] = only_conditional["pages"][0]["questions"][2:]
    assert "staff.q.problem.page_all_conditional" in codes(admin.problems(only_conditional))
    with pytest.raises(admin.DefinitionInvalid) as raised:
        admin.check(moved)
    assert codes(raised.value.problems) == ["staff.q.problem.condition_later"]
    # every problem has a text in both languages
    for problem in admin.problems(broken) + admin.problems(moved) + admin.problems(admin.new_draft()):
        for language in ("nl", "en"):
            assert "{" not in problem.text(language) and "staff.q" not in problem.text(language)


def test_question_form_errors_are_per_field():
    draft = small_draft()
    with pytest.raises(admin.QuestionInvalid) as raised:
        admin.save_question(
            draft,
            0,
            -1,
            {"type": "single_choice", "label_nl": "", "label_en": "x", "choices_nl": "Een", "key": "Naam!"},
        )
    errors = raised.value.errors
    assert errors["label_nl"][0] == "staff.q.err.required"
    assert errors["key"][0] == "staff.q.err.key_format"
    assert errors["choices_nl"][0] == "staff.q.err.choices_count"
    with pytest.raises(admin.QuestionInvalid) as raised:
        admin.save_question(
            draft, 0, -1, question_form(type="multiple_choice", choices_nl="A\nB\nC", choices_en="A\nB")
        )
    assert raised.value.errors["choices_en"][0] == "staff.q.err.choices_mismatch"
    assert "3" in raised.value.texts("nl")["choices_en"]
    with pytest.raises(admin.QuestionInvalid) as raised:
        admin.save_question(draft, 0, -1, question_form(key="woonvorm"))
    assert raised.value.errors["key"] == ("staff.q.err.key_taken", {"name": "woonvorm"})
    with pytest.raises(admin.QuestionInvalid) as raised:
        admin.save_question(draft, 0, -1, question_form(type="number", min="10", max="2"))
    assert raised.value.errors["max"][0] == "staff.q.err.min_max"
    with pytest.raises(admin.QuestionInvalid) as raised:  # a condition on a later question is refused in the form
        admin.save_question(
            draft, 0, 0, question_form(key="naam"), condition={"question": "woonvorm", "values": ["koop"]}
        )
    assert raised.value.errors["condition"][0] == "staff.q.err.condition_source"
    with pytest.raises(admin.QuestionInvalid) as raised:
        admin.save_question(
            draft, 1, -1, question_form(), condition={"question": "heeft_u_een_partner", "values": ["<script>"]}
        )
    assert raised.value.errors["condition"][0] == "staff.q.err.condition_values"
    # the draft given is never changed
    assert admin.problems(draft) == [] and admin.question_count(draft) == 4


def test_every_type_and_its_settings_round_trip():
    draft = admin.set_titles(admin.new_draft(), {"title_nl": "Alles", "title_en": "All"})
    for qtype in admin.TYPES:
        values = question_form(
            type=qtype,
            key=f"v_{qtype}",
            label_nl=f"Vraag {qtype}",
            label_en=f"Question {qtype}",
            help_nl="Hulp",
            help_en="Help",
        )
        if qtype in admin.OPTION_TYPES:
            values.update(choices_nl="Een\nTwee", choices_en="One\nTwo")
        if qtype == "short_text":
            values["max_length"] = "50"
        if qtype == "number":
            values.update(min="0", max="12,5", integer="on")
        if qtype == "amount":
            values.update(min="1.000", max="")
        if qtype == "date":
            values["date_rule"] = "not_future"
        draft, _ = admin.save_question(draft, 0, -1, values)
    definition = admin.check(draft)
    assert [question.type for question in definition.questions] == list(admin.TYPES)
    assert definition.question("v_short_text").max_length == 50
    number = definition.question("v_number")
    assert (str(number.minimum), str(number.maximum), number.integer) == ("0", "12.5", True)
    assert str(definition.question("v_amount").minimum) == "1000"
    assert definition.question("v_date").date_max == "today"
    assert definition.question("v_iban").help.en == "Help"
    # the form shows what was stored, and saving it unchanged changes nothing
    for position, question in enumerate(definition.questions):
        form = admin.question_form(draft, 0, position)
        assert form["type"] == question.type and form["label_en"] == question.label.en
        again, _ = admin.save_question(draft, 0, position, form)
        assert again == draft, question.type


def test_renaming_a_key_moves_the_conditions_with_it_and_in_use_questions_stay():
    draft = small_draft()
    form = admin.question_form(draft, 0, 1)
    form["key"] = "partner"
    renamed, _ = admin.save_question(draft, 0, 1, form)
    assert renamed["pages"][0]["questions"][2]["show_if"] == {"question": "partner", "equals": "ja"}
    assert admin.problems(renamed) == []
    with pytest.raises(ValidationFailed) as raised:
        admin.remove_question(renamed, 0, 1)
    assert raised.value.code == "staff.q.err.question_in_use"
    removed = admin.remove_question(renamed, 0, 2)  # the dependent one may go
    assert admin.question_count(removed) == 3
    # changing a choice's text keeps the value a condition uses when the Dutch text stays
    form = admin.question_form(draft, 1, 0)
    form["choices_en"] = "Owner-occupied\nRented"
    changed, _ = admin.save_question(draft, 1, 0, form)
    assert [o["value"] for o in changed["pages"][1]["questions"][0]["options"]] == ["koop", "huur"]


def test_pages_add_move_remove_and_limits():
    draft = small_draft()
    moved = admin.move_page(draft, 1, "up")
    assert moved["pages"][0]["questions"][0]["key"] == "woonvorm"
    assert admin.problems(moved) == []  # the condition is still on the same page as its source
    with pytest.raises(ValidationFailed):
        admin.remove_page(admin.new_draft(), 0)  # the last page
    full = admin.new_draft()
    for _ in range(admin.MAX_PAGES - 1):
        full = admin.add_page(full)
    assert len(full["pages"]) == admin.MAX_PAGES
    with pytest.raises(ValidationFailed) as raised:
        admin.add_page(full)
    assert raised.value.code == "staff.q.err.too_many_pages"
    crowded = admin.set_titles(admin.new_draft(), {"title_nl": "Veel", "title_en": "Many"})
    crowded["pages"][0]["questions"] = [
        {"key": f"v{i}", "type": "short_text", "label": {"nl": "V", "en": "Q"}} for i in range(admin.MAX_QUESTIONS)
    ]
    assert admin.problems(crowded) == []
    with pytest.raises(admin.QuestionInvalid) as raised:
        admin.save_question(crowded, 0, -1, question_form())
    assert raised.value.errors["form"][0] == "staff.q.err.too_many_questions"
    crowded["pages"][0]["questions"].append({"key": "extra", "type": "short_text", "label": {"nl": "V", "en": "Q"}})
    assert codes(admin.problems(crowded)) == ["staff.q.problem.too_many_questions"]
    # a question moved past the top of a page goes to the end of the previous page
    back = admin.move_question(draft, 1, 0, "up")
    assert [q_["key"] for q_ in back["pages"][0]["questions"]][-1] == "woonvorm" and back["pages"][1]["questions"] == []


@pytest.mark.parametrize(
    "call",
    [
        lambda d: admin.update_page(d, "7", {"title_nl": "x", "title_en": "y"}),
        lambda d: admin.update_page(d, {"$ne": 1}, {}),
        lambda d: admin.remove_page(d, -1),
        lambda d: admin.move_page(d, 0, "sideways"),
        lambda d: admin.move_question(d, 0, True, "up"),
        lambda d: admin.move_question(d, "0", "99", "down"),
        lambda d: admin.remove_question(d, None, 0),
        lambda d: admin.save_question(d, "1 OR 1=1", -1, question_form()),
        lambda d: admin.question_form(d, 0, "../1"),
    ],
)
def test_forged_positions_are_not_found(call):
    draft = small_draft()
    with pytest.raises(NotFound):
        call(draft)


def test_forged_form_values_are_cleaned_or_refused():
    draft = small_draft()
    # wrong types become empty; a huge form is ignored as a whole; overlong texts are refused
    with pytest.raises(admin.QuestionInvalid) as raised:
        admin.save_question(draft, 0, -1, {"type": "short_text", "label_nl": ["x"], "label_en": {"a": 1}})
    assert set(raised.value.errors) == {"label_nl", "label_en"}
    with pytest.raises(admin.QuestionInvalid):
        admin.save_question(draft, 0, -1, {f"f{i}": "x" for i in range(100)} | question_form())
    with pytest.raises(admin.QuestionInvalid) as raised:
        admin.save_question(draft, 0, -1, question_form(label_nl="x" * (admin.MAX_LABEL_CHARS + 1)))
    assert raised.value.errors["label_nl"][0] == "staff.q.err.too_long"
    with pytest.raises(admin.QuestionInvalid) as raised:
        admin.save_question(draft, 0, -1, question_form(type="<script>"))
    assert raised.value.errors["type"][0] == "staff.q.err.type"
    with pytest.raises(admin.QuestionInvalid):
        admin.set_titles(draft, {"title_nl": "x" * 100_000, "title_en": "y"})
    # control characters and bidi overrides are taken out; HTML stays text (rendered as text)
    cleaned, _ = admin.save_question(draft, 0, -1, question_form(label_nl="<b>Vet</b>\u202e\x00 label", label_en="x"))
    assert cleaned["pages"][0]["questions"][-1]["label"]["nl"] == "<b>Vet</b> label"


# --------------------------------------------------------------------------- templates, versions, copies


def test_list_edit_creates_a_new_version_and_sent_questionnaires_keep_theirs(db, world):
    shipped = qtemplates.install_shipped_templates(db)["levering-koopwoning"]
    request = q.send_request(
        db, world.handler, template_id=shipped.id, dossier_id=world.dossier.id, account_id=world.client.id
    )
    db.commit()
    rows = {row.slug: row for row in template_library.list_templates(session=db, actor=world.handler, language="nl")}
    assert set(rows) == {"levering-koopwoning", "testament"}
    house = rows["levering-koopwoning"]
    assert (house.version, house.sent, house.open, house.completed, house.broken) == (1, 1, 1, 0, False)
    assert house.pages == 5

    draft = template_library.edit_draft(session=db, actor=world.handler, template_id=shipped.id)
    assert (draft.slug, draft.version, draft.base_id) == ("levering-koopwoning", 1, shipped.id)
    unchanged = template_library.save_draft(
        session=db, actor=world.handler, draft=draft.definition, base_id=draft.base_id
    )
    assert unchanged.changed is False and unchanged.template.id == shipped.id

    edited = admin.set_titles(
        draft.definition, {"title_nl": "Levering koopwoning (2026)", "title_en": "House transfer (2026)"}
    )
    edited, _ = admin.save_question(
        edited,
        0,
        -1,
        question_form(key="bsn_bekend", type="yes_no", label_nl="Is uw BSN bekend?", label_en="Known BSN?"),
    )
    saved = template_library.save_draft(
        session=db, actor=world.handler, draft=edited, base_id=draft.base_id, ip="203.0.113.5"
    )
    db.commit()
    assert saved.changed and saved.template.version == 2 and saved.template.slug == "levering-koopwoning"
    assert db.get(QuestionnaireTemplate, shipped.id).definition_json == shipped.definition_json  # version 1 untouched
    assert db.get(QuestionnaireRequest, request.id).template_id == shipped.id  # the sent one keeps version 1
    rows = {row.slug: row for row in template_library.list_templates(session=db, actor=world.handler, language="en")}
    house = rows["levering-koopwoning"]
    assert (house.version, house.title, house.sent) == (2, "House transfer (2026)", 1)
    events = db.exec(
        select(AuditEvent).where(
            AuditEvent.event_type.in_(["questionnaire.template_saved", "questionnaire.template_edited"])
        )
    ).all()
    edited_event = next(e for e in events if e.event_type == "questionnaire.template_edited")
    assert edited_event.actor_id == world.handler.id and json.loads(edited_event.detail)["version"] == 2
    assert any(e.event_type == "questionnaire.template_saved" and e.actor_id == world.handler.id for e in events)

    # saving on top of an old version (someone saved meanwhile) is refused
    with pytest.raises(ValidationFailed) as raised:
        template_library.save_draft(session=db, actor=world.admin, draft=edited, base_id=shipped.id)
    assert raised.value.code == "staff.q.err.stale"
    # a draft with problems is never stored
    with pytest.raises(admin.DefinitionInvalid):
        template_library.save_draft(session=db, actor=world.admin, draft=admin.new_draft())


def test_new_and_copied_templates_get_their_own_slug(db, world):
    created = template_library.save_draft(session=db, actor=world.admin, draft=small_draft())
    assert (created.template.slug, created.template.version) == ("korte-vragenlijst", 1)
    copy = template_library.copy_draft(session=db, actor=world.handler, template_id=created.template.id)
    assert copy.slug == "" and copy.definition["title"] == {
        "nl": "Kopie van Korte vragenlijst",
        "en": "Copy of Short questionnaire",
    }
    saved_copy = template_library.save_draft(
        session=db, actor=world.handler, draft=copy.definition, copy_of=copy.base_id
    )
    assert (saved_copy.template.slug, saved_copy.template.version) == ("kopie-van-korte-vragenlijst", 1)
    again = template_library.save_draft(session=db, actor=world.handler, draft=copy.definition, copy_of=copy.base_id)
    assert again.template.slug == "kopie-van-korte-vragenlijst-2"
    db.commit()
    copied = db.exec(select(AuditEvent).where(AuditEvent.event_type == "questionnaire.template_copied")).all()
    assert len(copied) == 2 and json.loads(copied[0].detail)["from"] == "korte-vragenlijst"
    assert (
        db.exec(select(AuditEvent).where(AuditEvent.event_type == "questionnaire.template_created")).one().actor_id
        == world.admin.id
    )
    # the original is unchanged
    assert qtemplates.latest_template(db, "korte-vragenlijst").version == 1


def test_preview_page_shows_both_languages_and_conditions(db, world):
    created = template_library.save_draft(session=db, actor=world.admin, draft=small_draft())
    template, definition = template_library.template_definition(
        session=db, actor=world.handler, template_id=str(created.template.id)
    )
    nl = admin.preview_page(definition, 0, "nl")
    en = admin.preview_page(definition, 0, "en")
    assert [row["label"] for row in nl["questions"]] == ["Naam", "Heeft u een partner?", "Naam partner"]
    assert [row["label"] for row in en["questions"]] == ["Name", "Do you have a partner?", "Partner's name"]
    assert en["questions"][1]["options"] == [("ja", "Yes"), ("nee", "No")]
    assert nl["questions"][2]["condition"].startswith("Alleen tonen als") and nl["questions"][0]["condition"] == ""
    assert admin.preview_page(definition, 99, "en")["questions"][0]["label"] == "Housing"


def test_clients_cannot_use_the_staff_template_functions(db, world):
    for call in (
        lambda: template_library.list_templates(session=db, actor=world.client, language="nl"),
        lambda: template_library.save_draft(session=db, actor=world.client, draft=small_draft()),
        lambda: template_library.edit_draft(session=db, actor=world.client, template_id=1),
        lambda: staff_requests.dossier_requests(
            session=db, actor=world.client, dossier_id=world.dossier.id, language="nl"
        ),
    ):
        with pytest.raises(PermissionDenied):
            call()
    assert db.exec(select(QuestionnaireTemplate)).all() == []


# --------------------------------------------------------------------------- per dossier: send, result, send back


def _complete(db, world, request_id, answers: dict):
    request = db.get(QuestionnaireRequest, request_id)
    definition = qdef.definition_of(db.get(QuestionnaireTemplate, request.template_id))
    for index in range(definition.page_count):
        page_answers = {
            question.key: answers[question.key]
            for question in definition.pages[index].questions
            if question.key in answers
        }
        q.save_page(db, world.client, request_id, index, page_answers)
    done = q.complete(db, world.client, request_id, store=world.store, settings=world.settings)
    commit_or_discard(db, world.store, done.document)
    return done


def test_send_notifies_and_audits_then_result_and_send_back(db, world):
    template = template_library.save_draft(session=db, actor=world.admin, draft=small_draft()).template
    db.commit()
    templates, clients = staff_requests.send_choices(
        session=db, actor=world.handler, dossier_id=world.dossier.id, language="nl"
    )
    assert templates == [staff_requests.Choice(id=str(template.id), label="Korte vragenlijst (v1)")]
    assert clients == [staff_requests.Choice(id=str(world.client.id), label="Klaas Klant <klant@example.nl>")]

    request, notified = staff_requests.send(
        session=db,
        actor=world.handler,
        dossier_id=str(world.dossier.id),
        template_id=str(template.id),
        account_id=str(world.client.id),
        settings=world.settings,
        ip="203.0.113.7",
    )
    db.commit()
    assert notified is True
    sent = db.exec(select(AuditEvent).where(AuditEvent.event_type == "questionnaire.sent")).one()
    assert (sent.actor_id, sent.dossier_id, sent.ip) == (world.handler.id, world.dossier.id, "203.0.113.7")
    assert [s.request_id for s in q.list_open(db, world.client)] == [request.id]
    # the same questionnaire twice while it is open: refused (a double click sends one)
    with pytest.raises(ValidationFailed) as raised:
        staff_requests.send(
            session=db,
            actor=world.handler,
            dossier_id=world.dossier.id,
            template_id=template.id,
            account_id=world.client.id,
            settings=world.settings,
        )
    assert raised.value.code == "staff.q.err.already_open"

    rows = staff_requests.dossier_requests(session=db, actor=world.handler, dossier_id=world.dossier.id, language="nl")
    assert [(r.status, r.status_text, r.client, r.pdf_id) for r in rows] == [
        ("open", "Nog niet begonnen (2 pagina's)", "Klaas Klant", "")
    ]

    script = "<script>alert('x')</script> <b>vet</b>"
    _complete(
        db, world, request.id, {"naam": script, "heeft_u_een_partner": "ja", "naam_partner": "Pien", "woonvorm": "huur"}
    )
    db.commit()
    rows = staff_requests.dossier_requests(session=db, actor=world.admin, dossier_id=world.dossier.id, language="nl")
    assert rows[0].status == "completed" and rows[0].status_text.startswith("Ingevuld op ") and rows[0].pdf_id

    found = staff_requests.result(
        session=db,
        actor=world.admin,
        dossier_id=world.dossier.id,
        request_id=str(request.id),
        language="nl",
        ip="203.0.113.8",
    )
    answers = {row.label: row.answer for section in found.sections for row in section.rows}
    assert answers == {"Naam": script, "Heeft u een partner?": "Ja", "Naam partner": "Pien", "Woonvorm": "Huur"}
    assert found.status == QuestionnaireStatus.COMPLETED and found.pdf_id == int(rows[0].pdf_id)
    assert (
        db.exec(select(AuditEvent).where(AuditEvent.event_type == "questionnaire.result_viewed")).one().actor_id
        == world.admin.id
    )

    # send back for correction: open again, answers kept, reason audited
    with pytest.raises(ValidationFailed) as raised:
        staff_requests.send_back(
            session=db, actor=world.admin, dossier_id=world.dossier.id, request_id=request.id, reason="x" * 501
        )
    assert raised.value.field == "reason"
    staff_requests.send_back(
        session=db,
        actor=world.admin,
        dossier_id=world.dossier.id,
        request_id=str(request.id),
        reason="Naam partner graag voluit",
        settings=world.settings,
        ip="203.0.113.9",
    )
    db.commit()
    reopened = db.get(QuestionnaireRequest, request.id)
    assert (reopened.status, reopened.completed_at, reopened.current_page) == (QuestionnaireStatus.OPEN, None, 0)
    assert q.stored_answers(db, request.id)["naam"] == script
    event = db.exec(select(AuditEvent).where(AuditEvent.event_type == "questionnaire.reopened")).one()
    assert (event.actor_id, event.dossier_id, event.ip, event.target) == (
        world.admin.id,
        world.dossier.id,
        "203.0.113.9",
        f"questionnaire:{request.id}",
    )
    reason = db.exec(select(AuditEvent).where(AuditEvent.event_type == "questionnaire.sent_back")).one()
    assert (reason.actor_id, reason.dossier_id, reason.target) == (
        world.admin.id,
        world.dossier.id,
        f"questionnaire:{request.id}",
    )
    assert json.loads(reason.detail) == {"reason": "Naam partner graag voluit"}
    # the client can answer again; sending back an open one is refused
    q.save_page(db, world.client, request.id, 0, {"naam_partner": "Pien de Vries"})
    with pytest.raises(ValidationFailed) as raised:
        staff_requests.send_back(session=db, actor=world.admin, dossier_id=world.dossier.id, request_id=request.id)
    assert raised.value.code == "questionnaire.not_completed"


def test_foreign_dossier_client_and_ids_are_refused(db, world):
    template = template_library.save_draft(session=db, actor=world.admin, draft=small_draft()).template
    stranger = accounts.create_person(db, email="vreemd@example.nl", name="Vera Vreemd")
    db.commit()
    # a client without access to this dossier (the company only sees the other dossier)
    with pytest.raises(ValidationFailed) as raised:
        staff_requests.send(
            session=db,
            actor=world.handler,
            dossier_id=world.dossier.id,
            template_id=template.id,
            account_id=world.company.id,
            settings=world.settings,
        )
    assert raised.value.code == "questionnaire.no_access"
    with pytest.raises(ValidationFailed) as raised:
        staff_requests.send(
            session=db,
            actor=world.handler,
            dossier_id=world.dossier.id,
            template_id=template.id,
            account_id=stranger.id,
            settings=world.settings,
        )
    assert raised.value.code == "questionnaire.no_access"
    # a staff account, a forged id, a missing template
    for account_id in (world.admin.id, "1 OR 1=1", {"$ne": 0}, -4):
        with pytest.raises(ValidationFailed) as raised:
            staff_requests.send(
                session=db,
                actor=world.handler,
                dossier_id=world.dossier.id,
                template_id=template.id,
                account_id=account_id,
                settings=world.settings,
            )
        assert raised.value.code == "staff.q.err.pick_client"
    with pytest.raises(ValidationFailed) as raised:
        staff_requests.send(
            session=db,
            actor=world.handler,
            dossier_id=world.dossier.id,
            template_id="999",
            account_id=world.client.id,
            settings=world.settings,
        )
    assert raised.value.code == "staff.q.err.pick_template"
    with pytest.raises(NotFound):
        staff_requests.send(
            session=db,
            actor=world.handler,
            dossier_id="../2",
            template_id=template.id,
            account_id=world.client.id,
            settings=world.settings,
        )
    # an older version cannot be sent any more
    edited, _ = admin.save_question(json.loads(template.definition_json), 1, -1, question_form(key="extra"))
    template_library.save_draft(session=db, actor=world.admin, draft=edited, base_id=template.id)
    with pytest.raises(ValidationFailed) as raised:
        staff_requests.send(
            session=db,
            actor=world.handler,
            dossier_id=world.dossier.id,
            template_id=template.id,
            account_id=world.client.id,
            settings=world.settings,
        )
    assert raised.value.code == "staff.q.err.not_latest"
    assert db.exec(select(QuestionnaireRequest)).all() == []

    # a questionnaire of the OTHER dossier, reached through this dossier's screen: not found, audited
    dossiers.grant_access(db, dossier_id=world.other_dossier.id, account_id=world.client.id)
    newest = qtemplates.latest_template(db, template.slug)
    other, _ = staff_requests.send(
        session=db,
        actor=world.handler,
        dossier_id=world.other_dossier.id,
        template_id=newest.id,
        account_id=world.client.id,
        settings=world.settings,
    )
    db.commit()
    for call in (
        lambda: staff_requests.result(
            session=db, actor=world.handler, dossier_id=world.dossier.id, request_id=other.id, language="nl"
        ),
        lambda: staff_requests.send_back(
            session=db, actor=world.handler, dossier_id=world.dossier.id, request_id=other.id
        ),
        lambda: staff_requests.result(
            session=db, actor=world.handler, dossier_id=world.dossier.id, request_id="1; DROP TABLE", language="nl"
        ),
    ):
        with pytest.raises(NotFound):
            call()
    denied = db.exec(select(AuditEvent).where(AuditEvent.event_type == "access.denied")).all()
    assert len(denied) == 3 and all(event.actor_id == world.handler.id for event in denied)
    assert (
        staff_requests.dossier_requests(session=db, actor=world.handler, dossier_id=world.dossier.id, language="nl")
        == []
    )
    # nothing was answered or reopened through the forged calls
    assert db.exec(select(QuestionnaireAnswer)).all() == []


def test_every_new_text_exists_in_both_languages():
    nl, en = i18n.TRANSLATIONS["nl"], i18n.TRANSLATIONS["en"]
    keys = [key for key in nl if key.startswith("staff.q.")]
    assert len(keys) > 150 and all(key in en for key in keys)
    for qtype in admin.TYPES:
        assert f"staff.q.type.{qtype}" in nl and f"staff.q.type.{qtype}" in en
