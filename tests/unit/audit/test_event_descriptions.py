"""Every audit event kind the code writes has a plain description in both languages.

The kinds are found by reading the code: the event type argument of every
`audit.record(...)` call (a literal, a module constant, or either branch of a
conditional), plus the kinds `record_refusal` and the demo-data generator write.
A call whose kind cannot be read this way fails the test: the scan would miss it.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from portal_app.audit.models import AuditEvent
from portal_app.audit.services import event_kinds, staff_audit
from portal_app.core.services import i18n
from portal_app.seeding.services.vocabulary import AUDIT_EVENTS

ROOT = Path(__file__).resolve().parents[3] / "portal_app"


def _kinds_of(node: ast.expr | None, constants: dict[str, str]) -> list[str] | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.Name) and node.id in constants:
        return [constants[node.id]]
    if isinstance(node, ast.IfExp):
        body, orelse = _kinds_of(node.body, constants), _kinds_of(node.orelse, constants)
        if body is not None and orelse is not None:
            return body + orelse
    return None


def written_kinds() -> tuple[dict[str, str], list[str]]:
    """(kind -> first place it is written, places whose kind the scan cannot read)."""
    found: dict[str, str] = {}
    unreadable: list[str] = []
    for path in sorted(ROOT.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        constants = {
            node.targets[0].id: node.value.value
            for node in ast.walk(tree)
            if isinstance(node, ast.Assign)
            and len(node.targets) == 1
            and isinstance(node.targets[0], ast.Name)
            and isinstance(node.value, ast.Constant)
            and isinstance(node.value.value, str)
        }
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            is_record = (
                isinstance(func, ast.Attribute)
                and func.attr == "record"
                and isinstance(func.value, ast.Name)
                and func.value.id == "audit"
            )
            is_row = isinstance(func, ast.Name) and func.id == "AuditEvent"
            if not (is_record or is_row):
                continue
            argument = node.args[1] if is_record and len(node.args) > 1 else None
            for keyword in node.keywords:
                if keyword.arg == "event_type":
                    argument = keyword.value
            place = f"{path.relative_to(ROOT.parent)}:{node.lineno}"
            if path.name == "audit.py" and path.parent.name == "services" and is_row:
                continue  # audit.record itself: its kind is its caller's
            kinds = _kinds_of(argument, constants)
            if kinds is None:
                unreadable.append(place)
                continue
            for kind in kinds:
                found.setdefault(kind, place)
    found.setdefault("access.refused", "portal_app/audit/services/audit.py (record_refusal)")
    for kind, _weight, _on_dossier in AUDIT_EVENTS:
        found.setdefault(kind, "portal_app/seeding/services/vocabulary.py")
    return found, unreadable


def test_the_scan_finds_the_kinds_it_should():
    found, unreadable = written_kinds()
    assert unreadable == [], f"write these audit kinds as literals or module constants: {unreadable}"
    # a sanity check on the scan itself: kinds of each form it reads
    for kind in ("login.succeeded", "login.password_ok", "company_accounts.new_requested", "mail.test_sent"):
        assert kind in found
    assert len(found) > 60


@pytest.mark.parametrize("language", i18n.LANGUAGES)
def test_every_written_kind_has_a_description(language):
    found, _ = written_kinds()
    missing = sorted(
        f"{kind} ({place})" for kind, place in found.items() if not event_kinds.has_description(kind, language)
    )
    assert missing == [], f"add audit.event.<kind> to the {language} catalog for: {missing}"


def test_descriptions_are_words_not_codes():
    found, _ = written_kinds()
    for kind in found:
        for language in i18n.LANGUAGES:
            text = event_kinds.describe(kind, language)
            assert text != kind and "." not in text.rstrip(".?"), (kind, language, text)
    assert event_kinds.describe("login.succeeded", "nl") == "Ingelogd"
    assert event_kinds.describe("login.succeeded", "en") == "Logged in"


def test_an_unknown_kind_shows_its_code():
    assert event_kinds.describe("renamed.long_ago", "nl") == "renamed.long_ago"


def test_the_audit_list_shows_descriptions_and_the_filter_list_is_sorted_by_them(db, world):
    for kind in ("login.succeeded", "dossier.created", "password_link.sent"):
        db.add(AuditEvent(event_type=kind, actor_id=world.admin.id))
    db.flush()
    page = staff_audit.search(session=db, actor=world.handler, filters=staff_audit.AuditFilter(), language="en")
    assert {(row.event, row.description) for row in page.rows} >= {
        ("login.succeeded", "Logged in"),
        ("password_link.sent", "Password link sent"),
    }
    choices = staff_audit.event_type_choices(session=db, actor=world.handler, language="nl")
    labels = [choice.label for choice in choices]
    assert labels == sorted(labels, key=str.lower)
    assert {choice.code for choice in choices} >= {"login.succeeded", "dossier.created", "password_link.sent"}
