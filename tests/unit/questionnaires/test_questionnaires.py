"""Questionnaires: template format, validation per type, conditionals, save and
resume, concurrent saves, completion (PDF, mail, audit), locking, reopening,
foreign ids, versioning."""

from __future__ import annotations

import copy
import json
import threading
from io import BytesIO

import pytest
from pypdf import PdfReader
from sqlmodel import Session, select

from portal_app.audit.models import AuditEvent
from portal_app.core.services.errors import NotFound, ValidationFailed
from portal_app.documents.models import Document, DocumentKind
from portal_app.dossiers.models import DossierAccess
from portal_app.dossiers.services import dossiers
from portal_app.notifications.models import OutboxMail
from portal_app.questionnaires.models import (
    QuestionnaireAnswer,
    QuestionnaireRequest,
    QuestionnaireStatus,
    QuestionnaireTemplate,
)
from portal_app.questionnaires.services import answer_text as qtext
from portal_app.questionnaires.services import definition as qdef
from portal_app.questionnaires.services import questionnaires as q
from portal_app.questionnaires.services import template_versions as qtemplates
from portal_app.questionnaires.services import validation as qcheck
from portal_app.settings import load_settings  # noqa: F401
from tests.unit.questionnaires.helpers import (  # noqa: F401
    ALL_TYPES,
    HOUSE_PAGES,
    PAGE_FIVE,
    PAGE_FOUR,
    PAGE_ONE,
    PAGE_THREE,
    PAGE_TWO,
    TODAY,
    fill_house,
    finish,
)


def definition():
    return qdef.parse_definition(copy.deepcopy(ALL_TYPES))


def question(key):
    return definition().question(key)


def clean(key, raw):
    return qcheck.clean_answer(question(key), raw, today=TODAY)


def error_code(key, raw):
    with pytest.raises(qcheck._Invalid) as caught:
        clean(key, raw)
    return caught.value.error.code.removeprefix("questionnaire.error.")


# --------------------------------------------------------------------------- fixtures


def denied_events(db):
    return [e for e in db.exec(select(AuditEvent)).all() if e.event_type == "access.denied"]


# --------------------------------------------------------------------------- templates


@pytest.mark.parametrize("slug", ["levering-koopwoning", "testament"])
def test_shipped_templates_are_valid_and_bilingual(slug):
    path = qtemplates.TEMPLATES_DIR / f"{slug}.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data.pop("slug") == slug
    parsed = qdef.parse_definition(data)
    assert parsed.page_count >= 4
    assert any(question.show_if for question in parsed.questions)
    for page in parsed.pages:
        assert page.title.nl and page.title.en and page.title.nl != page.title.en
        for question in page.questions:
            assert question.label.nl and question.label.en
    types = {question.type for question in parsed.questions}
    if slug == "levering-koopwoning":
        assert {"iban", "amount", "date", "yes_no", "single_choice", "multiple_choice", "email", "phone"} <= types
        assert [page.key for page in parsed.pages] == ["persoonlijk", "partner", "financiering", "bank", "bewoning"]
    else:
        assert [page.key for page in parsed.pages] == ["gegevens", "gezin", "wensen", "executeur"]


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda d: d["pages"][0]["questions"][0].update(type="colour"), "unknown type"),
        (lambda d: d["pages"][0]["questions"][1].update(key="naam"), "used twice"),
        (lambda d: d["pages"][0]["questions"][0].update(label={"nl": "Naam"}), "English"),
        (lambda d: d["pages"][0]["questions"][8].update(options=[{"value": "x", "label": "X"}]), "options"),
        (
            lambda d: d["pages"][0]["questions"][0].update(show_if={"question": "slot", "equals": "x"}),
            "earlier question",
        ),
        (
            lambda d: d["pages"][0]["questions"][13].update(show_if={"question": "naam", "equals": "x"}),
            "choice question",
        ),
        (
            lambda d: d["pages"][0]["questions"][13].update(show_if={"question": "kleur", "equals": "groen"}),
            "answers of kleur",
        ),
        (lambda d: d["pages"][0]["questions"][0].update(max_length=201), "max_length"),
        (lambda d: d["pages"][1]["questions"][1].update(max_length=4001), "max_length"),
        (lambda d: d.update(pages=[]), "1 to"),
        (lambda d: d["pages"][0].update(questions=[]), "at least one question"),
    ],
)
def test_broken_definitions_are_refused(change, message):
    data = copy.deepcopy(ALL_TYPES)
    change(data)
    with pytest.raises(qdef.TemplateInvalid) as caught:
        qdef.parse_definition(data)
    assert message in str(caught.value)


def test_versioning_keeps_the_version_a_request_was_sent_with(db, world, tmp_path, monkeypatch):
    house_template = world["templates"]["levering-koopwoning"]
    assert house_template.version == 1
    # installing again without changes adds nothing
    again = qtemplates.install_shipped_templates(db)
    assert again["levering-koopwoning"].id == house_template.id
    # a changed JSON file becomes version 2
    folder = tmp_path / "shipped"
    folder.mkdir()
    data = json.loads((qtemplates.TEMPLATES_DIR / "levering-koopwoning.json").read_text(encoding="utf-8"))
    data["pages"][0]["questions"][0]["label"]["nl"] = "Alle voornamen"
    (folder / "levering-koopwoning.json").write_text(json.dumps(data), encoding="utf-8")
    monkeypatch.setattr(qtemplates, "TEMPLATES_DIR", folder)
    upgraded = qtemplates.install_shipped_templates(db)["levering-koopwoning"]
    db.commit()
    assert upgraded.version == 2 and upgraded.id != house_template.id
    assert qtemplates.install_shipped_templates(db)["levering-koopwoning"].id == upgraded.id
    versions = db.exec(select(QuestionnaireTemplate).where(QuestionnaireTemplate.slug == "levering-koopwoning")).all()
    assert sorted(t.version for t in versions) == [1, 2]
    # the request sent before keeps version 1 and its texts
    view = q.load(db, world["client"], world["house"].id)
    assert view.template.id == house_template.id and view.template.version == 1
    assert view.definition.question("voornamen").label.nl == "Voornamen (voluit)"
    assert qtemplates.latest_template(db, "levering-koopwoning").version == 2


# --------------------------------------------------------------------------- validation per type


@pytest.mark.parametrize(
    "key, raw, expected",
    [
        ("naam", "  Jan   Jansen ", "Jan Jansen"),
        ("naam", "Özdemir\u202e", "Özdemir"),
        ("naam", "<b>vet</b>", "<b>vet</b>"),
        ("naam", "", ""),
        ("toelichting", "regel 1\r\nregel 2  \n", "regel 1\nregel 2"),
        ("aantal", "3", "3"),
        ("aantal", "20", "20"),
        ("factor", "2,5", "2.5"),
        ("factor", "-1.25", "-1.25"),
        ("bedrag", "425.000", "425000.00"),
        ("bedrag", "€ 1.250,50", "1250.50"),
        ("bedrag", "1250.5", "1250.50"),
        ("bedrag", "425000,-", "425000.00"),
        ("bedrag", "1,000,000.00", "1000000.00"),
        ("geboren", "1980-03-12", "1980-03-12"),
        ("geboren", "12-3-1980", "1980-03-12"),
        ("verhuizen", "2026-03-01", "2026-03-01"),
        ("akkoord", "ja", "ja"),
        ("akkoord", "nee", "nee"),
        ("kleur", "blauw", "blauw"),
        ("talen", ["de", "nl"], '["nl", "de"]'),
        ("talen", [], ""),
        ("mail", "Jan.Jansen@Example.NL", "Jan.Jansen@example.nl"),
        ("tel", "06 12345678", "06 12345678"),
        ("tel", "+31 (0)6-1234 5678", "+31 (0)6-1234 5678"),
        ("rekening", "nl91 abna 0417 1643 00", "NL91ABNA0417164300"),
        ("rekening", "BE68 5390 0754 7034", "BE68539007547034"),
        ("rekening", "DE89370400440532013000", "DE89370400440532013000"),
    ],
)
def test_valid_answers_are_stored_canonically(key, raw, expected):
    assert clean(key, raw) == expected


@pytest.mark.parametrize(
    "key, raw, code",
    [
        ("naam", "x" * 201, "too_long"),
        ("naam", ["lijst"], "invalid"),
        ("toelichting", "x" * 4001, "too_long"),
        ("toelichting", "x" * 1_000_000, "too_long"),
        ("aantal", "drie", "number"),
        ("aantal", "2,5", "integer"),
        ("aantal", "21", "max"),
        ("aantal", "-1", "min"),
        ("factor", "1.2.3", "number"),
        ("bedrag", "-5", "min"),
        ("bedrag", "12,345", "amount"),
        ("bedrag", "veel", "amount"),
        ("bedrag", "1" * 30, "max"),
        ("geboren", "31-02-1980", "date"),
        ("geboren", "2030-01-01", "date_future"),
        ("geboren", "gisteren", "date"),
        ("verhuizen", "2026-02-28", "date_past"),
        ("akkoord", "misschien", "choice"),
        ("kleur", "groen", "choice"),
        ("talen", ["nl", "fr"], "choice"),
        ("talen", "nl", "choice"),
        ("mail", "jan@", "email"),
        ("mail", "jan jansen@example.nl", "email"),
        ("mail", "<script>@x.nl", "email"),
        ("tel", "12345", "phone"),
        ("tel", "06-CALL-ME", "phone"),
        ("rekening", "NL92 ABNA 0417 1643 00", "iban"),
        ("rekening", "NL91 ABNA 0417 1643 0", "iban"),
        ("rekening", "NL91ABNA041716430X", "iban"),
        ("rekening", "1234567890", "iban"),
    ],
)
def test_invalid_answers_give_a_clear_code(key, raw, code):
    assert error_code(key, raw) == code


def test_long_text_limit_is_exactly_4000_and_short_text_200():
    assert clean("toelichting", "x" * 4000) == "x" * 4000
    assert clean("naam", "y" * 200) == "y" * 200


def test_iban_check_is_mod_97():
    assert qcheck.iban_is_valid("NL91ABNA0417164300")
    assert qcheck.iban_is_valid("GB82 WEST 1234 5698 7654 32")
    assert not qcheck.iban_is_valid("GB82 WEST 1234 5698 7654 33")
    assert not qcheck.iban_is_valid("NL91ABNA04171643001")  # wrong length for NL
    assert not qcheck.iban_is_valid("")


def test_every_error_code_has_a_text_in_both_languages():
    from portal_app.core.services import i18n

    codes = [
        "required",
        "too_long",
        "invalid",
        "number",
        "integer",
        "amount",
        "min",
        "max",
        "date",
        "date_future",
        "date_past",
        "date_min",
        "date_max",
        "email",
        "phone",
        "iban",
        "choice",
        "page",
    ]
    for code in codes:
        for language in ("nl", "en"):
            assert f"questionnaire.error.{code}" in i18n.TRANSLATIONS[language]
    for key in ("questionnaire.locked", "questionnaire.incomplete", "questionnaire.invalid_page"):
        assert key in i18n.TRANSLATIONS["nl"] and key in i18n.TRANSLATIONS["en"]


def test_display_answers_in_dutch_and_english():
    parsed = definition()
    assert qtext.display_answer(parsed.question("bedrag"), "425000.00", "nl") == "€ 425.000,00"
    assert qtext.display_answer(parsed.question("bedrag"), "425000.00", "en") == "€ 425,000.00"
    assert qtext.display_answer(parsed.question("geboren"), "1980-03-12", "nl") == "12-03-1980"
    assert qtext.display_answer(parsed.question("akkoord"), "ja", "en") == "Yes"
    assert qtext.display_answer(parsed.question("talen"), '["nl", "de"]', "nl") == "Nederlands, Duits"
    assert qtext.display_answer(parsed.question("rekening"), "NL91ABNA0417164300", "nl") == "NL91 ABNA 0417 1643 00"
    assert qtext.display_answer(parsed.question("factor"), "2.5", "nl") == "2,5"


# --------------------------------------------------------------------------- conditionals


def test_conditionals_show_and_hide_questions():
    parsed = definition()
    assert "uitleg_rood" not in qdef.visible_keys(parsed, {})
    assert "uitleg_rood" in qdef.visible_keys(parsed, {"kleur": "rood"})
    assert "uitleg_rood" not in qdef.visible_keys(parsed, {"kleur": "blauw"})
    assert "duits_niveau" in qdef.visible_keys(parsed, {"talen": '["nl", "de"]'})
    assert "duits_niveau" not in qdef.visible_keys(parsed, {"talen": '["nl"]'})
    # a condition on a later page uses the answer of an earlier page
    assert "rood_vervolg" in qdef.visible_keys(parsed, {"kleur": "rood"})


def test_chained_conditionals_in_the_house_template():
    house = qdef.parse_definition(
        json.loads((qtemplates.TEMPLATES_DIR / "levering-koopwoning.json").read_text(encoding="utf-8"))
    )
    visible = qdef.visible_keys(house, {"koopt_met_partner": "ja", "verdeling": "anders"})
    assert {"partner_voornamen", "verdeling", "verdeling_toelichting"} <= visible
    # the partner question hidden: its dependants are hidden too, whatever was stored
    visible = qdef.visible_keys(house, {"koopt_met_partner": "nee", "verdeling": "anders"})
    assert not {"partner_voornamen", "verdeling", "verdeling_toelichting"} & visible


def test_hidden_required_question_is_not_required_and_not_saved():
    parsed = definition()
    result = qcheck.check_page(
        parsed, 0, {"naam": "Jan", "kleur": "blauw", "uitleg_rood": "verborgen"}, {}, today=TODAY
    )
    assert result.errors == {}
    assert "uitleg_rood" not in result.clean
    result = qcheck.check_page(parsed, 0, {"naam": "Jan", "kleur": "rood"}, {}, today=TODAY)
    assert result.errors["uitleg_rood"].code == "questionnaire.error.required"
    assert result.errors["uitleg_rood"].text("nl") == "Deze vraag is verplicht."


def test_conditional_shown_by_the_house_form(db, world):
    client, house = world["client"], world["house"]
    q.save_page(db, client, house.id, 0, PAGE_ONE, today=TODAY)
    with pytest.raises(qcheck.PageInvalid) as caught:
        q.save_page(db, client, house.id, 1, {"burgerlijke_staat": "gehuwd", "koopt_met_partner": "ja"}, today=TODAY)
    assert set(caught.value.errors) == {
        "huwelijkse_voorwaarden",
        "partner_voornamen",
        "partner_achternaam",
        "partner_geboortedatum",
        "partner_email",
        "verdeling",
    }
    assert caught.value.page_index == 1


# --------------------------------------------------------------------------- save, resume, complete


def test_save_and_resume(db, world):
    client, house = world["client"], world["house"]
    assert q.load(db, client, house.id).current_page == 0
    assert q.save_page(db, client, house.id, 0, PAGE_ONE, today=TODAY) == 1
    db.commit()
    # "another device": a fresh session sees page 2 with page 1's answers
    with Session(db.get_bind(), expire_on_commit=False) as other_device:
        view = q.load(other_device, client, house.id)
        assert view.current_page == 1
        assert view.answers["achternaam"] == "Özdemir"
        assert view.answers["geboortedatum"] == "1985-04-12"
        assert view.answers["telefoon"] == "06 12345678"
    # going back and saving page 1 again changes only what was sent
    assert q.save_page(db, client, house.id, 0, {"beroep": "Notarisklerk"}, today=TODAY) == 1
    answers = q.stored_answers(db, house.id)
    assert answers["beroep"] == "Notarisklerk" and answers["voornamen"] == "Ayşe"


def test_invalid_page_saves_nothing(db, world):
    client, house = world["client"], world["house"]
    bad = dict(PAGE_ONE, email="geen-mail", voornamen="")
    with pytest.raises(qcheck.PageInvalid) as caught:
        q.save_page(db, client, house.id, 0, bad, today=TODAY)
    assert caught.value.errors["email"].code == "questionnaire.error.email"
    assert caught.value.errors["voornamen"].code == "questionnaire.error.required"
    assert db.exec(select(QuestionnaireAnswer)).all() == []
    db.refresh(house)
    assert house.current_page == 0


@pytest.mark.parametrize("page_index", [-1, 5, "0", None, True, 1.0])
def test_page_index_is_checked(db, world, page_index):
    with pytest.raises(ValidationFailed) as caught:
        q.save_page(db, world["client"], world["house"].id, page_index, PAGE_ONE, today=TODAY)
    assert caught.value.code == "questionnaire.invalid_page"


@pytest.mark.parametrize("answers", [None, "x", ["a"], {i: "x" for i in range(600)}])
def test_answers_must_be_a_small_mapping(db, world, answers):
    with pytest.raises(ValidationFailed):
        q.save_page(db, world["client"], world["house"].id, 0, answers, today=TODAY)


def test_keys_of_other_pages_are_ignored(db, world):
    client, house = world["client"], world["house"]
    q.save_page(db, client, house.id, 0, dict(PAGE_ONE, iban="NL00 FOUT", unknown="x"), today=TODAY)
    assert set(q.stored_answers(db, house.id)) == set(PAGE_ONE)


def test_concurrent_saves_of_the_same_page_keep_every_answer(db, world):
    """Two tabs save page 1 at the same moment, each with what it changed."""
    db.commit()
    client, house = world["client"], world["house"]
    engine = db.get_bind()
    # both tabs have the required answers; tab A adds 'beroep', tab B changes 'nationaliteit'
    tab_a = dict(PAGE_ONE, beroep="Leraar")
    tab_b = {"nationaliteit": "Nederlandse en Turkse", **{k: v for k, v in PAGE_ONE.items() if k != "nationaliteit"}}
    barrier = threading.Barrier(2)
    errors = []

    def save(answers):
        try:
            with Session(engine, expire_on_commit=False) as session:
                barrier.wait(timeout=10)
                q.save_page(session, client, house.id, 0, answers, today=TODAY)
                session.commit()
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    for _round in range(3):
        threads = [threading.Thread(target=save, args=(answers,)) for answers in (tab_a, tab_b)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert not errors, errors
    with Session(engine) as session:
        answers = q.stored_answers(session, house.id)
        rows = session.exec(select(QuestionnaireAnswer).where(QuestionnaireAnswer.request_id == house.id)).all()
    assert answers["beroep"] == "Leraar"
    assert answers["nationaliteit"] in {"Nederlandse", "Nederlandse en Turkse"}
    assert len(rows) == len(set(PAGE_ONE) | {"beroep"})  # one row per question, no duplicates


def test_a_tab_that_only_sends_its_changes_never_wipes_the_other_tabs_answer(db, world):
    client, house = world["client"], world["house"]
    q.save_page(db, client, house.id, 0, dict(PAGE_ONE, beroep="Leraar"), today=TODAY)  # tab A
    q.save_page(db, client, house.id, 0, {"nationaliteit": "Belgische"}, today=TODAY)  # tab B, later
    answers = q.stored_answers(db, house.id)
    assert answers["beroep"] == "Leraar" and answers["nationaliteit"] == "Belgische"


def test_complete_stores_pdf_notifies_handler_and_locks(db, world):
    client, house = world["client"], world["house"]
    fill_house(db, world)
    completion = finish(db, world)
    db.refresh(house)
    assert house.status == QuestionnaireStatus.COMPLETED and house.completed_at is not None
    document = db.get(Document, completion.document.id)
    assert document.kind == DocumentKind.DELIVERED
    assert document.questionnaire_request_id == house.id
    assert document.dossier_id == world["dossier"].id and document.uploaded_by_id == client.id
    assert document.mime == "application/pdf" and document.filename.endswith(".pdf")
    with world["store"].open(document.storage_key) as handle:
        text = "".join(page.extract_text() for page in PdfReader(BytesIO(handle.read())).pages)
    assert "Özdemir" in text and "NL91 ABNA 0417 1643 00" in text and "€ 350.000,00" in text
    assert "<script>alert('x')</script>" in text
    assert "Notariskantoor Test" in text and "2026-0142" in text
    # the handler hears about it, without any answer
    mail = db.exec(select(OutboxMail)).one()
    assert mail.to_address == "behandelaar@example.nl" and mail.kind == "staff_questionnaire_completed"
    assert "2026-0142" in mail.body_text
    for secret in ("Özdemir", "NL91", "350", "Dorpsstraat", "script"):
        assert secret not in mail.body_text and secret not in mail.body_html and secret not in mail.subject
    events = [e.event_type for e in db.exec(select(AuditEvent)).all()]
    assert "questionnaire.completed" in events and "document.stored" in events
    # Acties: nothing left for this questionnaire
    assert house.id not in [item.request_id for item in q.list_open(db, client)]
    assert [item.request_id for item in q.list_completed(db, client)] == [house.id]
    assert q.load(db, client, house.id).pdf_document_id == document.id


def test_no_change_after_completion(db, world):
    client, house = world["client"], world["house"]
    fill_house(db, world)
    finish(db, world)
    with pytest.raises(q.QuestionnaireLocked):
        q.save_page(db, client, house.id, 4, PAGE_FIVE, today=TODAY)
    with pytest.raises(q.QuestionnaireLocked):
        q.save_page(db, client, house.id, 0, {"achternaam": "Anders"}, today=TODAY)
    with pytest.raises(q.QuestionnaireLocked):
        q.complete(db, client, house.id, store=world["store"], settings=world["settings"])
    assert q.stored_answers(db, house.id)["achternaam"] == "Özdemir"
    assert len(db.exec(select(Document).where(Document.questionnaire_request_id == house.id)).all()) == 1


def test_incomplete_questionnaire_cannot_be_completed(db, world):
    client, house = world["client"], world["house"]
    fill_house(db, world, HOUSE_PAGES[:3])
    with pytest.raises(qcheck.PageInvalid) as caught:
        q.complete(db, client, house.id, store=world["store"], settings=world["settings"])
    assert caught.value.code == "questionnaire.incomplete"
    assert caught.value.page_index == 3 and "iban" in caught.value.errors
    db.rollback()
    db.refresh(house)
    assert house.status == QuestionnaireStatus.OPEN
    assert db.exec(select(Document).where(Document.questionnaire_request_id == house.id)).all() == []


def test_changing_an_earlier_answer_makes_new_required_questions_count(db, world):
    client, house = world["client"], world["house"]
    fill_house(db, world)
    # page 2 saved again: now with a partner, whose details are required
    partner = dict(
        PAGE_TWO,
        koopt_met_partner="ja",
        partner_voornamen="Eva",
        partner_achternaam="Jansen",
        partner_geboortedatum="1986-01-02",
        partner_email="eva@example.nl",
        verdeling="gelijk",
    )
    q.save_page(db, client, house.id, 1, partner, today=TODAY)
    completion = finish(db, world)
    assert completion.request.status == QuestionnaireStatus.COMPLETED
    sections = qtext.answer_sections(q.load(db, client, house.id).definition, q.stored_answers(db, house.id), "nl")
    labels = [row.label for section in sections for row in section.rows]
    assert "Voornamen partner (voluit)" in labels
    assert "Welke verdeling en waarom?" not in labels  # verdeling 'gelijk': hidden


def test_reopen_by_staff_keeps_answers(db, world):
    client, house, handler = world["client"], world["house"], world["handler"]
    fill_house(db, world)
    finish(db, world)
    with pytest.raises(NotFound):
        q.reopen_by_staff(db, client, house.id)  # a client cannot
    reopened = q.reopen_by_staff(db, handler, house.id, ip="10.0.0.1")
    db.commit()
    assert reopened.status == QuestionnaireStatus.OPEN and reopened.completed_at is None
    assert reopened.current_page == 0
    assert q.stored_answers(db, house.id)["achternaam"] == "Özdemir"
    assert house.id in [item.request_id for item in q.list_open(db, client)]
    events = db.exec(select(AuditEvent).where(AuditEvent.event_type == "questionnaire.reopened")).all()
    assert len(events) == 1 and events[0].actor_id == handler.id
    with pytest.raises(ValidationFailed) as caught:
        q.reopen_by_staff(db, handler, house.id)  # already open
    assert caught.value.code == "questionnaire.not_completed"
    # the client corrects one answer and completes again: a second PDF
    q.save_page(db, client, house.id, 3, {"rekeninghouder": "A. Özdemir-Jansen"}, today=TODAY)
    finish(db, world)
    assert len(db.exec(select(Document).where(Document.questionnaire_request_id == house.id)).all()) == 2


# --------------------------------------------------------------------------- access


@pytest.mark.parametrize("who", ["other", "main", "extra", "handler"])
def test_foreign_request_is_refused_with_audit(db, world, who):
    account = world[who]
    house = world["house"]
    before = len(denied_events(db))
    with pytest.raises(NotFound):
        q.get_request_for_account(db, account, house.id, ip="192.0.2.1")
    with pytest.raises(NotFound):
        q.save_page(db, account, house.id, 0, PAGE_ONE, today=TODAY)
    with pytest.raises(NotFound):
        q.complete(db, account, house.id, store=world["store"], settings=world["settings"])
    with pytest.raises(NotFound):
        q.load(db, account, house.id)
    events = denied_events(db)
    assert len(events) == before + 4
    assert events[-1].target == f"questionnaire:{house.id}" and events[-1].actor_id == account.id
    assert db.exec(select(QuestionnaireAnswer)).all() == []


def test_company_extra_account_sees_only_its_own(db, world):
    main, extra, main_request = world["main"], world["extra"], world["main_request"]
    assert [item.request_id for item in q.list_open(db, main)] == [main_request.id]
    assert q.list_open(db, extra) == []
    with pytest.raises(NotFound):
        q.load(db, extra, main_request.id)
    assert q.load(db, main, main_request.id).request.id == main_request.id


@pytest.mark.parametrize(
    "bad_id", ["1 OR 1=1", "-1", 0, -5, True, None, "", "9" * 30, 2**70, 1.5, [1], {"id": 1}, "999999"]
)
def test_malformed_and_missing_ids_are_not_found(db, world, bad_id):
    with pytest.raises(NotFound):
        q.get_request_for_account(db, world["client"], bad_id)
    assert denied_events(db)


def test_digit_string_id_from_the_url_works(db, world):
    assert q.get_request_for_account(db, world["client"], str(world["house"].id)).id == world["house"].id


def test_access_lost_to_the_dossier_hides_the_request(db, world):
    client, house = world["client"], world["house"]
    assert len(q.list_open(db, client)) == 2
    assert dossiers.home_counts(db, client).open_actions == 2
    access = db.exec(select(DossierAccess).where(DossierAccess.account_id == client.id)).one()
    db.delete(access)
    db.flush()
    assert q.list_open(db, client) == []
    assert dossiers.home_counts(db, client).open_actions == 0
    with pytest.raises(NotFound):
        q.load(db, client, house.id)


def test_list_open_matches_the_home_count_and_has_dossier_details(db, world):
    client = world["client"]
    items = q.list_open(db, client)
    assert len(items) == dossiers.home_counts(db, client).open_actions == 2
    house = next(item for item in items if item.request_id == world["house"].id)
    assert house.dossier_number == "2026-0142" and house.dossier_description == "Levering woning"
    assert house.title("nl") == "Vragenlijst levering koopwoning"
    assert house.title("en") == "Questionnaire transfer of a house"
    assert house.page_count == 5 and house.current_page == 0 and house.sent_at is not None


def test_send_request_checks_the_client_has_access(db, world):
    handler, other = world["handler"], world["other"]
    template = world["templates"]["testament"]
    with pytest.raises(ValidationFailed):
        q.send_request(db, handler, template_id=template.id, dossier_id=world["dossier"].id, account_id=other.id)
    with pytest.raises(NotFound):
        q.send_request(
            db, world["client"], template_id=template.id, dossier_id=world["dossier"].id, account_id=world["client"].id
        )
    sent = q.send_request(
        db, handler, template_id=template.id, dossier_id=world["dossier"].id, account_id=world["client"].id
    )
    assert sent.status == QuestionnaireStatus.OPEN and sent.template_id == template.id
    assert db.get(QuestionnaireRequest, sent.id).sent_by_id == handler.id


def test_the_mini_template_round_trip_with_every_type(db, world):
    client, mini = world["client"], world["mini"]
    page_one = {
        "naam": "Jan <b>Jansen</b>",
        "toelichting": "Eén\nTwee",
        "aantal": "2",
        "factor": "1,5",
        "bedrag": "€ 10,50",
        "geboren": "01-02-1990",
        "verhuizen": "2026-06-01",
        "akkoord": "ja",
        "kleur": "rood",
        "talen": ["de"],
        "mail": "jan@example.nl",
        "tel": "+31 6 12345678",
        "rekening": "NL91ABNA0417164300",
        "uitleg_rood": "Mooi",
        "duits_niveau": "B2",
    }
    assert q.save_page(db, client, mini.id, 0, page_one, today=TODAY) == 1
    with pytest.raises(qcheck.PageInvalid) as caught:  # rood_vervolg shows because of page 1
        q.save_page(db, client, mini.id, 1, {"slot": "Klaar"}, today=TODAY)
    assert set(caught.value.errors) == {"rood_vervolg"}
    assert q.save_page(db, client, mini.id, 1, {"slot": "Klaar", "rood_vervolg": "Echt"}, today=TODAY) == 2
    db.refresh(mini)
    assert mini.current_page == 1  # the last page stays the page to resume at
    completion = finish(db, world, mini.id)
    assert completion.request.status == QuestionnaireStatus.COMPLETED
    rows = {
        row.key: row.answer
        for section in qtext.answer_sections(definition(), q.stored_answers(db, mini.id), "nl")
        for row in section.rows
    }
    assert rows["naam"] == "Jan <b>Jansen</b>" and rows["bedrag"] == "€ 10,50" and rows["geboren"] == "01-02-1990"
    assert rows["talen"] == "Duits" and rows["akkoord"] == "Ja" and rows["factor"] == "1,5"


# --------------------------------------------------------------------------- forged events (Reflex states)

import asyncio  # noqa: E402
import inspect  # noqa: E402

import reflex as rx  # noqa: E402
from reflex.istate.data import RouterData  # noqa: E402
from reflex_base import constants  # noqa: E402
from sqlmodel import SQLModel  # noqa: E402

import portal_app.core.services.db as db_module  # noqa: E402
from portal_app.accounts.services import sessions  # noqa: E402
from portal_app.dossiers.states import home as home_state  # noqa: E402
from portal_app.questionnaires.states import actions as actions_state  # noqa: E402
from portal_app.questionnaires.states import questionnaire as questionnaire_state  # noqa: E402

CLIENT_STATES = [actions_state.ActionsState, home_state.HomeState, questionnaire_state.QuestionnaireState]


@pytest.fixture
def live(db, world, engine, monkeypatch):
    """The states' database is the test database; sessions for the client and another client."""
    monkeypatch.setattr(db_module, "get_engine", lambda: engine)
    monkeypatch.setattr(questionnaire_state, "get_settings", lambda: world["settings"])
    policy = sessions.SessionPolicy()
    tokens = {}
    for key in ("client", "other", "extra", "handler"):
        tokens[key], _ = sessions.create_session(db, world[key], policy=policy)
    db.commit()
    return tokens


def make_state(cls, token: str | None, request_id: str = ""):
    root = rx.State(_reflex_internal_init=True)
    path = f"/vragenlijst/{request_id}" if request_id else "/acties"
    root.router = RouterData.from_router_data(
        {
            constants.RouteVar.HEADERS: {
                "cookie": f"{sessions.COOKIE_NAME}={token}" if token else "",
                "origin": "http://localhost:3000",
            },
            constants.RouteVar.ORIGIN: path,
            constants.RouteVar.PATH: path,
            constants.RouteVar.QUERY: {"request_id": request_id} if request_id else {},
            constants.RouteVar.CLIENT_IP: "203.0.113.9",
        }
    )
    return root.get_substate(cls.get_full_name().split("."))


def call(state, name: str, *args):
    result = type(state).event_handlers[name].fn(state, *args)
    if inspect.iscoroutine(result):
        result = asyncio.run(result)
    return result


def redirect_path(result) -> str | None:
    if isinstance(result, list) and len(result) == 1:
        result = result[0]
    handler = getattr(result, "handler", None)
    if handler is None or "redirect" not in str(getattr(handler, "fn", "")):
        return None
    for name, value in result.args:
        if str(name).strip('"') == "path":
            return str(value).strip('"')
    return None


def forged_argument_sets(fn) -> list[tuple]:
    parameters = list(inspect.signature(fn).parameters.values())[1:]
    plausible = tuple(True if "bool" in str(p.annotation) else "1" for p in parameters)
    wrong = tuple({"$ne": None} for _ in parameters)
    return [plausible, wrong]


def public_values(state) -> dict:
    return {name: getattr(state, name) for name in type(state).base_vars if not name.startswith("_")}


def table_rows(db) -> dict:
    db.expire_all()
    return {
        name: sorted(repr(tuple(row)) for row in db.connection().execute(table.select()).all())
        for name, table in SQLModel.metadata.tables.items()
        if name not in ("usersession", "auditevent")
    }


@pytest.mark.parametrize("cls", CLIENT_STATES, ids=lambda cls: cls.__name__)
def test_every_client_handler_needs_a_session(db, world, live, cls):
    before = table_rows(db)
    called = 0
    for name, handler in sorted(cls.event_handlers.items()):
        arg_sets = [("view", "form"), ("answers", {"x": "1"})] if name == "setvar" else forged_argument_sets(handler.fn)
        for args in arg_sets:
            state = make_state(cls, None, str(world["house"].id))
            defaults = public_values(state)
            try:
                result = call(state, name, *args)
            except (AttributeError, TypeError, ValueError):
                assert name == "setvar", name  # Reflex refuses the generic setter itself
                continue
            if name != "setvar":
                assert (redirect_path(result) or "").startswith("/login"), (name, args, result)
            assert public_values(state) == defaults, name
            called += 1
    assert called >= len(cls.event_handlers) - 1
    assert table_rows(db) == before


def test_forged_events_for_another_clients_questionnaire_change_nothing(db, world, live):
    house = world["house"]
    q.save_page(db, world["client"], house.id, 0, PAGE_ONE, today=TODAY)
    db.commit()
    before = table_rows(db)
    for who in ("other", "extra", "handler"):
        state = make_state(questionnaire_state.QuestionnaireState, live[who], str(house.id))
        result = call(state, "load_questionnaire")
        if who == "handler":
            assert redirect_path(result) == "/staff"
            continue
        assert state.view == "not_found"
        for name, args in (
            ("set_answer", ("achternaam", "Vervalst")),
            ("toggle_choice", ("bewoners", "ikzelf", True)),
            ("next_page", ()),
            ("previous_page", ()),
            ("finish", ()),
        ):
            call(state, name, *args)
        # even with the id planted on the server side (as if access was lost mid-way)
        state._request = house.id
        state.view = "form"
        call(state, "set_answer", "achternaam", "Vervalst")
        call(state, "next_page")
        call(state, "finish")
        assert state.view == "not_found"
        text = repr(public_values(state))
        assert "Özdemir" not in text and "Ayşe" not in text and "2026-0142" not in text
    assert table_rows(db) == before
    denied = [e for e in denied_events(db) if e.target == f"questionnaire:{house.id}"]
    assert len(denied) >= 4


def test_state_flow_validates_saves_and_locks(db, world, live):
    """The client's own questionnaire through the state: wrong types ignored,
    conditionals live, errors per field, resume, completion, no change after."""
    house = world["house"]
    state = make_state(questionnaire_state.QuestionnaireState, live["client"], str(house.id))
    call(state, "load_questionnaire")
    assert state.view == "form" and state.page_index == 0 and state.progress_text == "Pagina 1 van 5"
    assert state.open_actions == 2
    # wrong types and keys of other pages are ignored
    call(state, "set_answer", {"$ne": None}, "x")
    call(state, "set_answer", "voornamen", ["lijst"])
    call(state, "set_answer", "iban", "NL91ABNA0417164300")
    assert "iban" not in state._dirty and state.answers["voornamen"] == ""
    # errors next to the fields
    call(state, "next_page")
    errors = {row.key: row.error for row in state.questions}
    assert errors["voornamen"] == "Deze vraag is verplicht." and errors["beroep"] == ""
    assert state.page_error.startswith("Niet alle antwoorden")
    for key, value in PAGE_ONE.items():
        call(state, "set_answer", key, value)
    call(state, "set_answer", "opmerkingen", "x" * 5000)  # not on this page: ignored
    call(state, "next_page")
    assert state.page_index == 1 and state.page_error == ""
    # conditional questions follow the answer live
    visible = lambda: {row.key for row in state.questions if row.visible}  # noqa: E731
    assert "partner_voornamen" not in visible()
    call(state, "set_answer", "koopt_met_partner", "ja")
    assert "partner_voornamen" in visible()
    call(state, "set_answer", "koopt_met_partner", "nee")
    assert "partner_voornamen" not in visible()
    # Vorige keeps the unsaved answer in the tab
    call(state, "set_answer", "burgerlijke_staat", "ongehuwd")
    call(state, "previous_page")
    assert state.page_index == 0 and state.answers["achternaam"] == "Özdemir"
    call(state, "next_page")
    assert state.page_index == 1 and state.answers["burgerlijke_staat"] == "ongehuwd"
    # resume in a new tab (another device): page 2, page 1 kept
    other_tab = make_state(questionnaire_state.QuestionnaireState, live["client"], str(house.id))
    call(other_tab, "load_questionnaire")
    assert other_tab.page_index == 1 and other_tab.answers["achternaam"] == "Özdemir"
    assert other_tab.answers["burgerlijke_staat"] == ""  # never saved
    call(state, "next_page")
    for index, answers in enumerate(HOUSE_PAGES[2:], start=2):
        assert state.page_index == index
        for key, value in answers.items():
            if isinstance(value, list):
                for option in value:
                    call(state, "toggle_choice", key, option, True)
            else:
                call(state, "set_answer", key, value)
        call(state, "next_page" if index < 4 else "finish")
    assert state.view == "result" and state.just_completed
    assert state.open_actions == 1  # the mini questionnaire is still open
    assert state.pdf_href.startswith("/files/")
    shown = [row.answer for section in state.result for row in section.rows]
    assert PAGE_FIVE["opmerkingen"] in shown and "Özdemir" in shown
    # the other tab still shows the form: its events find the questionnaire completed
    call(other_tab, "set_answer", "achternaam", "Na voltooien")
    assert other_tab.view == "result"
    call(other_tab, "next_page")
    call(other_tab, "finish")
    assert q.stored_answers(db, house.id)["achternaam"] == "Özdemir"
    assert len(db.exec(select(Document).where(Document.questionnaire_request_id == house.id)).all()) == 1


def test_actions_state_lists_open_and_done(db, world, live):
    state = make_state(actions_state.ActionsState, live["client"])
    call(state, "load_actions")
    assert state.loaded and state.open_actions == 2
    titles = {item.title for item in state.open_items}
    assert titles == {"Vragenlijst levering koopwoning", "Alle soorten"}
    house_item = next(item for item in state.open_items if item.title == "Vragenlijst levering koopwoning")
    assert house_item.href == f"/vragenlijst/{world['house'].id}"
    assert house_item.dossier == "2026-0142 — Levering woning"
    assert house_item.progress == "Nog niet begonnen"
    other = make_state(actions_state.ActionsState, live["other"])
    call(other, "load_actions")
    assert other.open_items == [] and other.open_actions == 0
    staff = make_state(actions_state.ActionsState, live["handler"])
    assert redirect_path(call(staff, "load_actions")) == "/staff"
    assert public_values(staff) == public_values(make_state(actions_state.ActionsState, None))
    home = make_state(home_state.HomeState, live["client"])
    assert call(home, "load_home") is None
    assert (home.dossiers_total, home.open_actions, home.signed_in) == (1, 2, True)
