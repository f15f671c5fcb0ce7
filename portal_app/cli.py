"""Admin commands: python -m portal_app.cli <command> (see README)."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import os
import sys
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def cmd_migrate(_args: argparse.Namespace) -> int:
    from alembic import command
    from alembic.config import Config

    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "alembic"))
    command.upgrade(config, "head")
    from portal_app.core.services.db import session_scope
    from portal_app.questionnaires.services import template_versions

    with session_scope() as db:
        template_versions.install_shipped_templates(db)
    print("Database is up to date.")
    return 0


def cmd_seed_demo(args: argparse.Namespace) -> int:
    from portal_app import demo
    from portal_app.core.services.db import session_scope
    from portal_app.documents.services.storage import FileStore
    from portal_app.settings import get_settings

    settings = get_settings()
    with session_scope() as db:
        if not demo.is_empty(db):
            if args.if_empty:
                print("Database already has data: demo data not loaded.")
                return 0
            print("Refusing: the database is not empty.", file=sys.stderr)
            return 1
        demo.seed(db, FileStore(settings.files_dir), office_name=settings.office_name)
    print(f"Demo data loaded. Logins (password {demo.DEMO_PASSWORD}):")
    for email, what in demo.DEMO_LOGINS:
        print(f"  {email:32} {what}")
    print("Note: the demo switches off the office setting that requires 2-step verification for staff.")
    return 0


def cmd_create_staff(args: argparse.Namespace) -> int:
    from portal_app.accounts.services import accounts, passwords
    from portal_app.core.services.db import session_scope
    from portal_app.core.services.errors import ValidationFailed
    from portal_app.office.services import office_settings

    password = os.environ.get("STAFF_PASSWORD") or getpass.getpass("Password: ")
    policy = office_settings.profile().password_policy
    found = passwords.problems(password, name=args.name, email=args.email, policy=policy)
    if found:
        print("Password refused: " + " ".join(passwords.problem_texts(found, "en", policy)), file=sys.stderr)
        return 1
    try:
        with session_scope() as db:
            account = accounts.create_staff(db, email=args.email, name=args.name, role=args.role)
            accounts.set_password_hash(db, account, passwords.hash_password(password))
            account.first_login_done = True
    except ValidationFailed as error:
        print(f"Refused: {error.code}", file=sys.stderr)
        return 1
    print(f"Staff account {args.email} ({args.role}) created.")
    return 0


def cmd_invite(args: argparse.Namespace) -> int:
    """Create a client account and send the first e-mail of the manual (the invitation)."""
    from portal_app.accounts.services import accounts, onboarding
    from portal_app.core.services.db import session_scope
    from portal_app.core.services.errors import ValidationFailed
    from portal_app.settings import get_settings

    settings = get_settings()
    try:
        with session_scope() as db:
            existing = accounts.find_by_email(db, args.email)
            if existing is not None and args.resend:
                account = existing
            elif args.company:
                account = accounts.create_company(
                    db, email=args.email, name=args.name, company_name=args.company, language=args.language
                )
            else:
                account = accounts.create_person(db, email=args.email, name=args.name, language=args.language)
            onboarding.invite(db, account, settings=settings)
    except ValidationFailed as error:
        print(f"Refused: {error.code}", file=sys.stderr)
        return 1
    print(f"Invitation for {args.email} is in the outbox (valid {settings.invite_valid_hours} hours).")
    return 0


def cmd_send_mail(_args: argparse.Namespace) -> int:
    from portal_app.core.services.db import get_engine
    from portal_app.notifications.services import mail
    from portal_app.settings import get_settings

    report = asyncio.run(mail.deliver_due(engine=get_engine(), settings=get_settings()))
    print(f"sent {report.sent}, retrying {report.retrying}, failed {report.failed}")
    return 0


def cmd_purge(_args: argparse.Namespace) -> int:
    from portal_app.core.services.db import session_scope
    from portal_app.documents.services.storage import FileStore
    from portal_app.settings import get_settings

    with session_scope() as db:
        result = FileStore(get_settings().files_dir).cleanup(session=db)
    print(f"Cleanup: {result}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m portal_app.cli", description="Klantenportaal admin commands")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("migrate", help="apply database migrations").set_defaults(func=cmd_migrate)
    seed = sub.add_parser("seed-demo", help="load the demo data into an empty database")
    seed.add_argument("--if-empty", action="store_true", help="do nothing (exit 0) when data exists")
    seed.set_defaults(func=cmd_seed_demo)
    staff = sub.add_parser("create-staff", help="create a staff account (password from STAFF_PASSWORD or prompt)")
    staff.add_argument("--email", required=True)
    staff.add_argument("--name", required=True)
    staff.add_argument("--role", choices=["admin", "behandelaar"], default="behandelaar")
    staff.set_defaults(func=cmd_create_staff)
    invite = sub.add_parser("invite", help="create a client account and send the invitation e-mail")
    invite.add_argument("--email", required=True)
    invite.add_argument("--name", required=True)
    invite.add_argument("--company", help="company name: creates a company main account")
    invite.add_argument("--language", choices=["nl", "en"], default="nl")
    invite.add_argument("--resend", action="store_true", help="send a new invitation to an existing account")
    invite.set_defaults(func=cmd_invite)
    sub.add_parser("send-mail", help="send the mail that is due in the outbox once").set_defaults(func=cmd_send_mail)
    sub.add_parser("purge", help="remove orphan and stale temporary files").set_defaults(func=cmd_purge)
    args = parser.parse_args(argv)
    run_command: Callable[[argparse.Namespace], int] = args.func
    return run_command(args)


if __name__ == "__main__":
    sys.exit(main())
