"""Issue 13: the message limits - 4,000 characters counted as characters, and a send rate per client."""

from __future__ import annotations

import unicodedata
from datetime import timedelta

import pytest
from sqlmodel import select

from portal_app.audit.models import AuditEvent
from portal_app.core.services import i18n
from portal_app.core.services.errors import ValidationFailed
from portal_app.messages.models import Message
from portal_app.messages.services import messages, rate_limit
from tests.unit.messages.test_messages import send, world  # noqa: F401  (the fixture)


def age_messages(db, by: timedelta) -> None:
    """Move every stored message `by` into the past (as if that time had passed)."""
    for message in db.exec(select(Message)).all():
        message.created_at = message.created_at - by
        db.add(message)
    db.flush()


MULTI_BYTE = ["é", "😀", "👍", "€", "ß", "中"]


@pytest.mark.parametrize("char", MULTI_BYTE)
def test_exactly_4000_multi_byte_characters_accepted_4001_refused(db, world, char):  # noqa: F811
    assert len(char) == 1 and len(char.encode("utf-8")) > 1
    body = char * messages.MAX_BODY_CHARS
    assert send(db, world, body=body).body == body
    with pytest.raises(ValidationFailed) as error:
        send(db, world, body=char * (messages.MAX_BODY_CHARS + 1))
    assert error.value.code == "message.body_too_long" and error.value.field == "body"


def test_emoji_count_as_one_character_not_as_utf16_units_or_bytes(db, world):  # noqa: F811
    body = "😀" * 4000  # 8,000 UTF-16 units and 16,000 UTF-8 bytes: still 4,000 characters
    assert len(body.encode("utf-16-le")) // 2 == 8000 and len(body.encode("utf-8")) == 16000
    assert send(db, world, body=body).body == body


def test_a_decomposed_accent_counts_as_one_character(db, world):  # noqa: F811
    decomposed = unicodedata.normalize("NFD", "é")
    assert len(decomposed) == 2
    stored = send(db, world, body=decomposed * 4000).body
    assert stored == "é" * 4000
    with pytest.raises(ValidationFailed):
        send(db, world, body=decomposed * 4001)


def test_windows_line_ends_count_once(db, world):  # noqa: F811
    body = ("a\r\n" * 2000)[:-2]  # 3,998 characters with \r\n, 2,999 without \r
    assert send(db, world, body=body).body == body.replace("\r\n", "\n")


def test_send_rate_limited_per_account_with_a_dutch_message(db, world):  # noqa: F811
    burst_window, burst = rate_limit.LIMITS[0]
    for number in range(burst):
        send(db, world, body=f"Bericht {number}")
    with pytest.raises(ValidationFailed) as error:
        send(db, world, body="Nog een")
    assert error.value.code == "messages.too_many"
    assert "berichten" in i18n.t("messages.too_many", "nl") and "messages" in i18n.t("messages.too_many", "en")
    events = db.exec(select(AuditEvent).where(AuditEvent.event_type == "message.rate_limited")).all()
    assert len(events) == 1
    # another client is not affected
    _settings, _store, _handler, _client, other, _dossier, foreign = world
    assert send(db, world, account=other, dossier_id=foreign.id, body="Van een ander").id
    # once the burst window has passed, the client may send again
    age_messages(db, burst_window)
    assert send(db, world, body="Later").id


def test_daily_limit(db, world, monkeypatch):  # noqa: F811
    monkeypatch.setattr(rate_limit, "LIMITS", ((timedelta(minutes=10), 100), (timedelta(days=1), 3)))
    for number in range(3):
        send(db, world, body=f"Bericht {number}")
        age_messages(db, timedelta(hours=1))
    with pytest.raises(ValidationFailed) as error:
        send(db, world, body="Vierde")
    assert error.value.code == "messages.too_many"


def test_a_double_submit_is_not_counted(db, world):  # noqa: F811
    _window, burst = rate_limit.LIMITS[0]
    for number in range(burst - 1):
        send(db, world, body=f"Bericht {number}")
    first = send(db, world, body="Eén keer", submit_key="k-1")
    for _ in range(3):
        assert send(db, world, body="Eén keer", submit_key="k-1").id == first.id
