"""What the load generator needs to know about an app, printed as one JSON object.

Run by bench/run_bench.py as a subprocess with the same environment as the
server it describes (DATA_DIR / DATABASE_URL are read when portal_app is first
imported, so they must be set before this process starts):

    python bench/app_info.py bare                  (cwd: bench/bare_app)
    python bench/app_info.py portal --sessions 200 (cwd: the project root)

For both it prints the hydrate event name (`reflex.state.State.hydrate_and_load`,
the event the browser sends in the socket.io CONNECT packet), the state schema
and the hashes of the compiled initial state that a browser sends along on its
first connect, and the full names of the benchmarked event handlers (None with
a reason when a handler is missing: the states are being refactored). For the
portal it also creates signed-in sessions for the demo client directly in the
database (no /auth/login round trip, which is throttled per IP) and picks a
dossier of that client with messages.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEMO_CLIENT = "jansen@example.nl"


def _hydrate_info() -> dict:
    from reflex.state import State, _resolve_delta, state_snapshot_hashes

    info: dict = {
        "root_state": State.get_full_name(),
        "hydrate_event": f"{State.get_full_name()}.hydrate_and_load",
        "hydrate_legacy_event": f"{State.get_full_name()}.hydrate",
    }
    try:
        info["state_schema"] = State._to_frontend_schema()
    except Exception as exc:  # an internal API: the CONNECT packet works without it
        info["state_schema"] = None
        info["state_schema_error"] = repr(exc)
    try:
        # The same snapshot the compiler bakes into the frontend (initialState) and
        # the backend diffs first hydrates against (reflex/state.py).
        snapshot = asyncio.run(_resolve_delta(State(_reflex_internal_init=True).dict(initial=True)))
        info["initial_hashes"] = state_snapshot_hashes(snapshot)
    except Exception as exc:
        info["initial_hashes"] = None
        info["initial_hashes_error"] = repr(exc)
    return info


def _handler(module: str, cls_name: str, handler: str) -> dict:
    """Full event name of cls.handler, or the reason why there is none."""
    try:
        cls = getattr(importlib.import_module(module), cls_name)
    except Exception as exc:
        return {"name": None, "state": None, "error": f"{module}.{cls_name} not importable: {exc!r}"}
    state = cls.get_full_name()
    if handler not in getattr(cls, "event_handlers", {}):
        return {
            "name": None,
            "state": state,
            "error": f"{cls_name}.{handler} does not exist (handlers: {sorted(cls.event_handlers)[:40]})",
        }
    return {"name": f"{state}.{handler}", "state": state, "error": None}


def _register_portal_states() -> None:
    """Every state the server has once it compiled its pages. Some components import their
    state inside the function that draws them (accounts/components.py: the idle warning), so
    importing the app alone leaves those out, and the state schema hash sent on connect then
    differs from the server's: it warns on every connect and sends the full state on hydrate."""
    import pkgutil

    importlib.import_module("portal_app.portal_app")
    package = importlib.import_module("portal_app")
    for module in pkgutil.walk_packages(package.__path__, "portal_app."):
        if ".states" in module.name:
            importlib.import_module(module.name)


def bare_info() -> dict:
    sys.path.insert(0, os.getcwd())
    importlib.import_module("bare_app.bare_app")
    info = _hydrate_info()
    info["handlers"] = {"increment": _handler("bare_app.bare_app", "State", "increment")}
    return info


def portal_info(n_sessions: int, client: str = DEMO_CLIENT, staff: str | None = None) -> dict:
    sys.path.insert(0, str(ROOT))
    _register_portal_states()
    info = _hydrate_info()
    info["handlers"] = {
        "search": _handler("portal_app.dossiers.states.dossiers", "DossierListState", "set_search"),
        "dossier": _handler("portal_app.dossiers.states.dossier", "DossierState", "load_dossier"),
        "message": _handler("portal_app.messages.states", "MessagesState", "open_message"),
        # staff scenarios of the big-office rows (bench/big_office.py)
        "staff_search": _handler("portal_app.dossiers.states.staff_dossiers", "StaffDossiersState", "search"),
        "client_search": _handler("portal_app.office.states.staff_clients", "StaffClientsState", "search"),
        "audit": _handler("portal_app.audit.states", "StaffAuditState", "load_audit"),
        "outbox": _handler("portal_app.notifications.states", "StaffOutboxState", "load_outbox"),
    }

    from sqlmodel import func, select

    from portal_app.accounts.models import Account
    from portal_app.accounts.services import sessions
    from portal_app.core.services.db import session_scope
    from portal_app.dossiers.models import DossierAccess
    from portal_app.messages.models import Message

    policy = sessions.SessionPolicy(idle_minutes=120, absolute_hours=12)
    with session_scope() as db:
        if client == "busiest":  # the account with the most dossiers (a generated big office)
            busiest = db.exec(
                select(DossierAccess.account_id, func.count())
                .group_by(DossierAccess.account_id)
                .order_by(func.count().desc(), DossierAccess.account_id)
                .limit(1)
            ).first()
            account = db.get(Account, busiest[0]) if busiest else None
        else:
            account = db.exec(select(Account).where(Account.email == client)).first()
        if account is None:
            raise SystemExit(f"{client} is not in the bench database (seed-demo did not run?)")
        dossier_ids = sorted(
            db.exec(select(DossierAccess.dossier_id).where(DossierAccess.account_id == account.id)).all()
        )
        counts = (
            dict(
                db.exec(
                    select(Message.dossier_id, func.count(Message.id))
                    .where(Message.dossier_id.in_(dossier_ids))
                    .group_by(Message.dossier_id)
                ).all()
            )
            if dossier_ids
            else {}
        )
        # the dossier with the most messages; the two newest messages to alternate
        dossier_id = max(dossier_ids, key=lambda d: (counts.get(d, 0), -d)) if dossier_ids else None
        message_ids = []
        if dossier_id is not None:
            message_ids = list(
                db.exec(
                    select(Message.id)
                    .where(Message.dossier_id == dossier_id)
                    .order_by(Message.created_at.desc(), Message.id.desc())
                    .limit(2)
                ).all()
            )
        tokens = [
            sessions.create_session(db, account, policy=policy, ip="127.0.0.1", user_agent="bench")[0]
            for _ in range(n_sessions)
        ]
        staff_tokens = []
        if staff:
            staff_account = db.exec(select(Account).where(Account.email == staff)).first()
            if staff_account is None:
                raise SystemExit(f"{staff} is not in the bench database")
            staff_tokens = [
                sessions.create_session(db, staff_account, policy=policy, ip="127.0.0.1", user_agent="bench")[0]
                for _ in range(n_sessions)
            ]
    info.update(
        account_id=account.id,
        dossier_ids=dossier_ids,
        dossier_id=dossier_id,
        message_ids=message_ids,
        client_email=account.email,
        session_tokens=tokens,
        staff_tokens=staff_tokens,
        cookie_name=sessions.COOKIE_NAME,
    )
    return info


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("app", choices=["bare", "portal"])
    parser.add_argument("--sessions", type=int, default=0)
    parser.add_argument("--client", default=DEMO_CLIENT, help="e-mail address, or 'busiest' (most dossiers)")
    parser.add_argument("--staff", default=None, help="e-mail address of a staff account to make sessions for too")
    args = parser.parse_args()
    info = bare_info() if args.app == "bare" else portal_info(args.sessions, args.client, args.staff)
    sys.stdout.write("\n@@APP_INFO@@" + json.dumps(info) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
