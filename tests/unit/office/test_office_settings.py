"""Office settings in the database: defaults from the configuration, validation,
audit, the cached profile, and the services that follow them."""

from __future__ import annotations

import json

import pytest
from sqlmodel import select

from portal_app.accounts.services import accounts, passwords, personal_details, sessions
from portal_app.audit.models import AuditEvent
from portal_app.core.services.errors import ValidationFailed
from portal_app.office.models import OfficeSetting
from portal_app.office.services import office_settings
from portal_app.settings import get_settings


def audit_rows(db, event_type="office_setting.changed"):
    return db.exec(select(AuditEvent).where(AuditEvent.event_type == event_type)).all()


def test_defaults_come_from_the_configuration(db):
    office = office_settings.profile(db)
    settings = get_settings()
    assert office.office_name == settings.office_name
    assert office.client_max_upload_mb == settings.max_upload_mb
    assert office.staff_max_upload_mb == settings.staff_max_upload_mb
    assert office.session_idle_minutes == settings.session_idle_minutes
    assert office.session_absolute_hours == settings.session_absolute_hours
    assert office.password_policy == passwords.DEFAULT_POLICY
    assert office.brand_colour == office_settings.DEFAULT_BRAND_COLOUR
    assert office.logo_url == "" and office.staff_require_2fa is True


def test_update_stores_audits_and_is_seen_at_once(db):
    office_settings.profile(db)  # fill the cache first: a change must not wait for it to expire
    changed = office_settings.update(
        db,
        {
            "office_name": "  Notariaat   Van Dam ",
            "brand_colour": "#063",
            "password_min_length": "12",
            "password_require_symbol": True,
            "client_max_upload_mb": "40",
            "session_idle_minutes": "15",
        },
        actor_id=None,
    )
    assert set(changed) == {
        "office_name",
        "brand_colour",
        "password_min_length",
        "password_require_symbol",
        "client_max_upload_mb",
        "session_idle_minutes",
    }
    office = office_settings.profile(db)
    assert office.office_name == "Notariaat Van Dam"
    assert office.brand_colour == "#006633"
    assert office.password_policy == passwords.PasswordPolicy(12, True)
    assert office.client_max_upload_bytes == 40 * 1024 * 1024
    assert office.session_policy == sessions.SessionPolicy(15, get_settings().session_absolute_hours)
    events = audit_rows(db)
    assert {e.target for e in events} == {f"setting:{key}" for key in changed}
    name_event = next(e for e in events if e.target == "setting:office_name")
    assert "Van Dam" in name_event.detail and get_settings().office_name in name_event.detail


def test_unchanged_values_are_not_audited(db):
    office_settings.update(db, {"client_max_upload_mb": "30"}, actor_id=None)
    assert office_settings.update(db, {"client_max_upload_mb": "30"}, actor_id=None) == []
    assert len(audit_rows(db)) == 1


@pytest.mark.parametrize(
    "changes,field,code",
    [
        ({"office_name": "   "}, "office_name", "office.required"),
        ({"office_name": "x" * 121}, "office_name", "office.too_long"),
        ({"brand_colour": "red"}, "brand_colour", "office.invalid_colour"),
        ({"brand_colour": "#ffff00"}, "brand_colour", "office.colour_too_light"),
        ({"brand_colour": "#12345g"}, "brand_colour", "office.invalid_colour"),
        ({"password_min_length": "7"}, "password_min_length", "office.invalid_number"),
        ({"password_min_length": "65"}, "password_min_length", "office.invalid_number"),
        ({"password_min_length": "-9"}, "password_min_length", "office.invalid_number"),
        ({"password_min_length": "1e3"}, "password_min_length", "office.invalid_number"),
        ({"client_max_upload_mb": "0"}, "client_max_upload_mb", "office.invalid_number"),
        ({"password_require_symbol": "maybe"}, "password_require_symbol", "office.invalid_bool"),
        (
            {"session_idle_minutes": "600", "session_absolute_hours": "8"},
            "session_idle_minutes",
            "office.idle_over_absolute",
        ),
    ],
)
def test_bad_values_name_their_field_and_store_nothing(db, changes, field, code):
    before = office_settings.profile(db)
    with pytest.raises(ValidationFailed) as refused:
        office_settings.update(db, {"office_name": "Mag niet blijven", **changes}, actor_id=None)
    assert refused.value.field == field and refused.value.code == code
    assert db.exec(select(OfficeSetting)).all() == []
    assert audit_rows(db) == []
    assert office_settings.profile(db) == before


def test_unknown_keys_and_foreign_logo_references_are_refused(db):
    with pytest.raises(ValidationFailed):
        office_settings.update(db, {"smtp_host": "evil.example"}, actor_id=None)
    for file in ("../../etc/passwd", "logo-0123456789abcdef.svg", "/tmp/logo-0123456789abcdef.png"):
        with pytest.raises(ValidationFailed):
            office_settings.update(db, {"logo": json.dumps({"file": file, "version": "abc"})}, actor_id=None)
    office_settings.update(
        db, {"logo": json.dumps({"file": "logo-0123456789abcdef.png", "version": "v2"})}, actor_id=None
    )
    assert office_settings.profile(db).logo_url == "/branding/logo.png?v=v2"


def test_contrast_rule():
    assert office_settings.contrast_with_white("#000000") == pytest.approx(21.0)
    assert office_settings.contrast_with_white("#ffffff") == pytest.approx(1.0)
    assert office_settings.contrast_with_white(office_settings.DEFAULT_BRAND_COLOUR) >= 4.5


def test_password_policy_texts_and_problems(db):
    office_settings.update(db, {"password_min_length": "12", "password_require_symbol": "true"}, actor_id=None)
    policy = office_settings.profile(db).password_policy
    assert passwords.problems("Zonnebloem1", policy=policy) == ["password.too_short", "password.no_symbol"]
    assert passwords.problems("Zonnebloem-12", policy=policy) == []
    texts = passwords.problem_texts(["password.too_short"], "nl", policy)
    assert texts == ["Het wachtwoord heeft minder dan 12 tekens."]
    assert passwords.rule_texts(policy, "nl")["length"] == "Minimaal 12 tekens"
    assert passwords.rule_texts(policy, "en")["symbol"].startswith("At least 1 punctuation")
    # the manual's own sentence is kept word for word under the default policy
    assert passwords.rule_texts(passwords.DEFAULT_POLICY, "nl")["rule"].startswith(
        "Het wachtwoord dient minimaal 8 tekens"
    )


def test_password_change_follows_the_office_policy(db):
    account = accounts.create_person(db, email="klant@example.nl", name="Klaas Klant")
    accounts.set_password_hash(db, account, passwords.hash_password("Zonnebloem-Tulp-73"))
    office_settings.update(db, {"password_min_length": "16"}, actor_id=None)
    _token, row = sessions.create_session(db, account, policy=sessions.SessionPolicy())
    with pytest.raises(ValidationFailed) as refused:
        personal_details.change_password(
            db,
            account_id=account.id,
            session_id=row.id,
            current="Zonnebloem-Tulp-73",
            new="Kort-Maar-Goed1",
            repeat="Kort-Maar-Goed1",
            settings=get_settings(),
        )
    assert refused.value.params["problems"] == ["password.too_short"]


def test_session_lengths_follow_the_office_settings(db):
    account = accounts.create_person(db, email="klant@example.nl", name="Klaas Klant")
    office_settings.update(db, {"session_idle_minutes": "5"}, actor_id=None)
    policy = office_settings.profile(db).session_policy
    token, row = sessions.create_session(db, account, policy=policy)
    from datetime import timedelta

    row.last_seen_at = row.last_seen_at - timedelta(minutes=6)
    db.add(row)
    db.flush()
    assert sessions.resolve(db, token, policy=policy) is None


def test_profile_cache_expires_for_other_workers(db, monkeypatch):
    office_settings.profile(db)
    # another worker writes directly (no invalidate() in this process)
    db.add(OfficeSetting(key="office_name", value="Andere Naam"))
    db.flush()
    assert office_settings.profile(db).office_name != "Andere Naam"
    monkeypatch.setattr(office_settings, "CACHE_SECONDS", 0.0)
    office_settings.invalidate()
    assert office_settings.profile(db).office_name == "Andere Naam"
