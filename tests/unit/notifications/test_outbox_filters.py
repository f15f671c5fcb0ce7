"""Issue 14 item 8: the outbox filtered by person and period, the filters kept in the URL.

Service: a part of the name or e-mail address (or phone) finds a person's mail, the period is
read in the office's time zone, a day that is no day gives a Dutch error (not a crash), only
staff may list. Screen: a filter navigates to its URL, the page's load reads it back,
"Filters wissen" empties it, a client's forged event gets nothing.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from portal_app.core.services import i18n
from portal_app.core.services.errors import PermissionDenied, ValidationFailed
from portal_app.notifications.models import OutboxMail, OutboxSms, OutboxStatus
from portal_app.notifications.services import staff_outbox

F = staff_outbox.OutboxFilter.clean


def add_mail(db, to: str, *, at: datetime, account_id: int | None = None, status: str = OutboxStatus.SENT) -> int:
    row = OutboxMail(
        to_address=to,
        subject=f"Mail aan {to}",
        body_text="tekst",
        body_html="<p>tekst</p>",
        kind="invite",
        account_id=account_id,
        status=status,
        created_at=at,
    )
    db.add(row)
    db.commit()
    return row.id


# 5 December 2026, 23:30 UTC is 6 December 00:30 in Amsterdam (CET, UTC+1)
LATE = datetime(2026, 12, 5, 23, 30, tzinfo=UTC)


@pytest.fixture
def mails(db, world):
    return {
        "client": add_mail(db, world.client.email, at=LATE, account_id=world.client.id),
        "company": add_mail(db, world.company.email, at=LATE - timedelta(days=3), account_id=world.company.id),
        # queued without an account (a link sent to a typed address): the address is all there is
        "loose": add_mail(db, "Los.Adres@example.org", at=LATE - timedelta(days=10), status=OutboxStatus.FAILED),
        # a mail to the client's address, queued without the account: its name is still shown
        "by_address": add_mail(db, world.client.email, at=LATE - timedelta(days=20)),
    }


def ids(page) -> list[int]:
    return [row.id for row in page.rows]


def listed(db, actor, **filters):
    return staff_outbox.list_outbox(session=db, actor=actor, filters=F(**filters))


def test_person_by_part_of_name_or_address(db, world, mails):
    # a part of the name, in any case: the account's mail (not the one queued without the account)
    assert ids(listed(db, world.handler, person="KLAAS")) == [mails["client"], mails["by_address"]]
    assert ids(listed(db, world.handler, person="contact")) == [mails["company"]]
    # a part of the account's e-mail address, anywhere in it
    assert ids(listed(db, world.handler, person="bedrijf.example")) == [mails["company"]]
    # an address without an account: found by how it starts, case-insensitively as typed
    assert ids(listed(db, world.handler, person="los.adres")) == []  # stored with capitals: start as typed
    assert ids(listed(db, world.handler, person="Los.Adres@")) == [mails["loose"]]
    assert listed(db, world.handler, person="niemand-hier").total == 0


def test_person_filter_wildcards_are_plain_text(db, world, mails):
    for needle in ("%", "_", "\\", "' OR 1=1 --", "\U0010ffff", "\ud7ff"):
        assert listed(db, world.handler, person=needle).total == 0, needle


def test_rows_show_the_name_where_known(db, world, mails):
    rows = {row.id: row for row in listed(db, world.handler).rows}
    assert rows[mails["client"]].recipient_name == "Klaas Klant"
    assert rows[mails["by_address"]].recipient_name == "Klaas Klant"  # known by the address
    assert rows[mails["loose"]].recipient_name == ""


def test_period_in_office_time(db, world, mails):
    # the late mail is on 6 December in the office, though 5 December in UTC
    assert ids(listed(db, world.handler, date_from="2026-12-06")) == [mails["client"]]
    assert mails["client"] not in ids(listed(db, world.handler, date_to="2026-12-05"))
    assert ids(listed(db, world.handler, date_from="2026-12-03", date_to="2026-12-03")) == [mails["company"]]
    both = listed(db, world.handler, person="klaas", date_from="2026-11-01", date_to="2026-11-30")
    assert ids(both) == [mails["by_address"]]


def test_counts_follow_person_and_period(db, world, mails):
    page = listed(db, world.handler, date_from="2026-11-20")
    assert page.counts["sent"] == 2 and page.counts["failed"] == 1 and page.total == 3
    failed = staff_outbox.list_outbox(
        session=db, actor=world.handler, status="failed", filters=F(person="los.adres@example.org".title())
    )
    assert failed.total == 0  # "Los.Adres@Example.Org": starts differently
    failed = staff_outbox.list_outbox(session=db, actor=world.handler, status="failed", filters=F(person="Los"))
    assert ids(failed) == [mails["loose"]] and failed.counts["sent"] == 0


@pytest.mark.parametrize(
    ("date_from", "date_to", "code"),
    [
        ("2026-13-01", "", "outbox.bad_date"),
        ("gisteren", "", "outbox.bad_date"),
        ("", "20261201", "outbox.bad_date"),
        ("2026-02-30", "", "outbox.bad_date"),
        ("0001-01-01", "", "outbox.bad_date"),  # before the office's zone had an offset: no overflow
        ("", "9999-12-31", "outbox.bad_date"),  # the day after it is no date
        ("2026-12-06", "2026-12-01", "outbox.date_order"),
    ],
)
def test_a_bad_period_gives_a_dutch_error(db, world, date_from, date_to, code):
    with pytest.raises(ValidationFailed) as raised:
        listed(db, world.handler, date_from=date_from, date_to=date_to)
    assert raised.value.code == code
    # the screen words it from the catalog (staff_base.error_text; the screen tests below see it)
    text = i18n.t(f"staff.err.{code}", "nl")
    assert text in (
        "Deze datum klopt niet. Kies een datum in de kalender.",
        "De datum bij 'Tot en met' ligt vóór de datum bij 'Vanaf'.",
    )
    assert i18n.t(f"staff.err.{code}", "en") != text


def test_only_staff_may_list(db, world, mails):
    for outsider in (world.client, world.company, None):
        with pytest.raises(PermissionDenied):
            listed(db, outsider, person="klaas")
    world.handler.blocked = True
    db.add(world.handler)
    db.commit()
    with pytest.raises(PermissionDenied):
        listed(db, world.handler)


def test_stable_order_and_paging_with_a_filter(db, world):
    same_time = datetime(2026, 11, 1, 10, 0, tzinfo=UTC)
    made = [add_mail(db, world.client.email, at=same_time, account_id=world.client.id) for _ in range(30)]
    add_mail(db, "ander@example.nl", at=same_time)
    first = staff_outbox.list_outbox(session=db, actor=world.handler, filters=F(person="klaas"), page=0)
    second = staff_outbox.list_outbox(session=db, actor=world.handler, filters=F(person="klaas"), page=1)
    assert (first.total, first.page_count, len(first.rows), len(second.rows)) == (30, 2, 25, 5)
    assert ids(first) + ids(second) == sorted(made, reverse=True)  # same time: newest id first, no row twice
    beyond = staff_outbox.list_outbox(session=db, actor=world.handler, filters=F(person="klaas"), page=99)
    assert beyond.page == 1 and ids(beyond) == ids(second)


def test_sms_by_phone_or_name(db, world):
    db.add(OutboxSms(to_phone="+31612345678", body="Uw code is 123456", account_id=world.client.id))
    db.add(OutboxSms(to_phone="+31687654321", body="Uw code is 654321"))
    db.commit()
    by_phone = staff_outbox.list_outbox(session=db, actor=world.handler, channel="sms", filters=F(person="+31 687"))
    assert [row.recipient for row in by_phone.rows] == ["+31687654321"]
    by_name = staff_outbox.list_outbox(session=db, actor=world.handler, channel="sms", filters=F(person="klant"))
    assert [(row.recipient, row.recipient_name) for row in by_name.rows] == [("+31612345678", "Klaas Klant")]


def test_filter_query_keeps_only_what_is_set():
    assert F(person="  Klaas   Klant ", date_from="2026-12-01").as_query() == {
        "person": "Klaas Klant",
        "date_from": "2026-12-01",
    }
    assert F(person=["x"], date_from=5, date_to=None).as_query() == {}  # not text: nothing


# --------------------------------------------------------------------------- the screen


@pytest.fixture
def screen(engine, db, world, monkeypatch):
    """StaffOutboxState on a state tree for `who`, loaded at `path` (URL query included)."""
    import portal_app.core.services.db as db_module
    from portal_app.accounts.services import sessions
    from portal_app.notifications.states import StaffOutboxState
    from portal_app.office.services import office_settings
    from tests.unit.helpers import make_state

    monkeypatch.setattr(db_module, "get_engine", lambda: engine)
    office_settings.set_value(db, "staff_require_2fa", "false", actor_id=None)
    db.commit()

    def make(who: str, path: str = "/staff/outbox", *, load: bool = True):
        token, _row = sessions.create_session(db, getattr(world, who), policy=sessions.SessionPolicy())
        db.commit()
        state = make_state(StaffOutboxState, token, path)
        if load:
            run("load_outbox", state)
        return state

    return make


def run(name, state, *args):
    from portal_app.notifications.states import StaffOutboxState
    from tests.unit.helpers import call

    return call(StaffOutboxState.event_handlers[name].fn, state, *args)


def set_values(events) -> dict[str, str]:
    """The rx.set_value events of a handler's answer, as {input ref: value}."""
    found = {}
    for event in events if isinstance(events, list) else [events]:
        if event is not None and "_set_value" in str(event.handler.fn):
            args = {str(name): value._var_value for name, value in event.args}
            found[args["ref"]] = args["value"]
    return found


def test_a_filter_goes_to_its_url_and_the_load_reads_it(db, world, mails, screen):
    from tests.unit.helpers import redirect_path

    state = screen("handler")
    assert state.total == 4 and not state.filters_active
    answer = run("apply_filters", state, {"person": " Klaas ", "date_from": "2026-11-01", "date_to": ""})
    assert redirect_path(answer) == "/staff/outbox?person=Klaas&date_from=2026-11-01"
    # the browser goes there; the page's load lists and fills the inputs
    state = screen("handler", "/staff/outbox?person=Klaas&date_from=2026-11-01")
    assert [r.id for r in state.rows] == [mails["client"], mails["by_address"]]
    assert (state.f_person, state.f_date_from, state.f_date_to, state.filters_active) == (
        "Klaas",
        "2026-11-01",
        "",
        True,
    )
    filled = {"ref_outbox_person": "Klaas", "ref_outbox_from": "2026-11-01", "ref_outbox_to": ""}
    assert set_values(run("load_outbox", state)) == filled
    # the status keeps the person and the period
    assert redirect_path(run("set_status_filter", state, "sent")) == (
        "/staff/outbox?status=sent&person=Klaas&date_from=2026-11-01"
    )
    # Filters wissen: the inputs emptied, back to the bare list
    answer = run("clear_filters", state)
    assert redirect_path([e for e in answer if "redirect" in str(e.handler.fn)]) == "/staff/outbox"
    assert set_values(answer) == {"ref_outbox_person": "", "ref_outbox_from": "", "ref_outbox_to": ""}


def test_a_bad_date_in_the_form_or_the_url_gives_a_dutch_error(db, world, mails, screen):
    from tests.unit.helpers import redirect_path

    state = screen("handler")
    answer = run("apply_filters", state, {"person": "", "date_from": "2026-12-06", "date_to": "2026-12-01"})
    assert redirect_path(answer) is None and state.total == 4  # stays; says why
    assert state.error == "De datum bij 'Tot en met' ligt vóór de datum bij 'Vanaf'."
    # a hand-made URL: the error, and the list without the period (not a crash, not an empty page)
    state = screen("handler", "/staff/outbox?person=klaas&date_from=2026-99-99")
    assert state.error == "Deze datum klopt niet. Kies een datum in de kalender."
    assert [r.id for r in state.rows] == [mails["client"], mails["by_address"]]


def test_same_url_reloads_in_place(db, world, mails, screen):
    state = screen("handler", "/staff/outbox?person=los")
    assert state.total == 0  # "Los.Adres@…" starts with capitals
    db.add(OutboxMail(to_address="los2@example.nl", subject="s", body_text="t", body_html="h", kind="invite"))
    db.commit()
    assert run("apply_filters", state, {"person": "los"}) is None  # no navigation: the URL is the same
    assert state.total == 1


def test_a_client_gets_nothing_by_a_forged_filter_event(db, world, mails, screen):
    from tests.unit.helpers import redirect_path

    state = screen("client", load=False)
    for name, args in (
        ("load_outbox", ()),
        ("apply_filters", ({"person": "klaas"},)),
        ("clear_filters", ()),
        ("set_status_filter", ("failed",)),
        ("set_channel", ("sms",)),
    ):
        answer = run(name, state, *args)
        assert redirect_path(answer) != "/staff/outbox" and not str(redirect_path(answer)).startswith("/staff"), name
        assert state.rows == [] and state.total == 0 and state.f_person == "", name


def test_the_content_names_the_person(db, world, mails):
    by_account = staff_outbox.mail_content(session=db, actor=world.admin, mail_id=mails["client"])
    by_address = staff_outbox.mail_content(session=db, actor=world.admin, mail_id=mails["by_address"])
    loose = staff_outbox.mail_content(session=db, actor=world.admin, mail_id=mails["loose"])
    assert (by_account.recipient_name, by_address.recipient_name, loose.recipient_name) == (
        "Klaas Klant",
        "Klaas Klant",
        "",
    )
    db.add(OutboxSms(to_phone="+31612345678", body="Uw code is 123456", account_id=world.client.id))
    db.commit()
    sms_id = staff_outbox.list_outbox(session=db, actor=world.handler, channel="sms").rows[0].id
    assert staff_outbox.sms_content(session=db, actor=world.admin, sms_id=sms_id).recipient_name == "Klaas Klant"
