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


def cmd_migrate(args: argparse.Namespace) -> int:
    from portal_app.core.services.db import session_scope
    from portal_app.operations.services import migrations
    from portal_app.questionnaires.services import template_versions
    from portal_app.settings import get_settings

    url = get_settings().database_url
    if getattr(args, "check", False):  # callers (tests) may pass no arguments at all
        state = migrations.status(url)
        if state.pending:
            print(
                f"Upgrade pending: the database is at {state.current or 'no schema'}, this version needs {state.head}."
            )
            print("Take a backup (cli backup), then run: python -m portal_app.cli migrate")
            return 1
        print(f"Database is up to date ({state.head}).")
        return 0

    def install_templates() -> None:
        with session_scope() as db:
            template_versions.install_shipped_templates(db)

    # under the migration lock: two workers starting together run this one after the other
    migrations.upgrade(url, then=install_templates)
    print("Database is up to date.")
    return 0


def _key(args: argparse.Namespace) -> bytes | None:
    from portal_app.operations.services import archive_crypto

    return archive_crypto.read_key_file(Path(args.key_file)) if args.key_file else None


def cmd_backup(args: argparse.Namespace) -> int:
    from portal_app.operations.services import archive_crypto, backup
    from portal_app.settings import get_settings

    try:
        result = backup.create_backup(
            get_settings(),
            target_dir=Path(args.to) if args.to else None,
            key=_key(args),
            keep=args.keep,
            settings_files=tuple(Path(f) for f in args.settings_file),
        )
    except (backup.BackupError, archive_crypto.KeyFileError) as error:
        print(f"Backup failed: {error}", file=sys.stderr)
        return 1
    print(
        f"Backup written: {result.path} ({result.size} bytes, {result.members} files, schema {result.schema_revision}"
        f"{', encrypted' if result.encrypted else ''})"
    )
    for path in result.removed:
        print(f"Removed old backup {path.name}")
    return 0


def cmd_backup_key(args: argparse.Namespace) -> int:
    from portal_app.operations.services import archive_crypto

    try:
        archive_crypto.new_key_file(Path(args.file))
    except FileExistsError:
        print(f"Refusing: {args.file} exists (a key is never overwritten).", file=sys.stderr)
        return 1
    print(f"Key written to {args.file}. Keep a copy away from the server: without it no backup can be restored.")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    from portal_app.operations.services import archive_crypto, backup
    from portal_app.settings import get_settings

    settings = get_settings()
    archive = Path(args.archive)
    try:
        manifest = backup.verify_archive(archive, settings, key=_key(args))
        print(
            f"Archive checked: made {manifest.created_at}, version {manifest.app_version}, "
            f"schema {manifest.schema_revision}, {len(manifest.members)} files, every SHA-256 sum matches."
        )
        if args.check_only:
            return 0
        if not args.yes:
            if not sys.stdin.isatty():
                print("Refusing: restore replaces the database and files; add --yes to confirm.", file=sys.stderr)
                return 1
            if input("This REPLACES the database and all files. Stop the portal first. Type RESTORE: ") != "RESTORE":
                print("Nothing restored.")
                return 1
        result = backup.restore_backup(archive, settings, key=_key(args))
    except (backup.BackupError, archive_crypto.KeyFileError) as error:
        print(f"Restore refused: {error}", file=sys.stderr)
        return 1
    print(f"Restored: database and {result.files} stored files from {archive.name}.")
    for copy in result.config_copies:
        print(f"A settings file of the backup is at {copy}: compare it with this server's settings.")
    return 0


def cmd_migrate_to_postgres(args: argparse.Namespace) -> int:
    from portal_app.operations.services import pg_transfer
    from portal_app.settings import get_settings

    try:
        counts = pg_transfer.migrate_to_postgres(
            get_settings().database_url, args.url, replace=args.replace, progress=print
        )
    except pg_transfer.TransferError as error:
        print(f"Refused: {error}", file=sys.stderr)
        return 1
    print(f"Copied and verified {len(counts)} tables ({sum(c.target for c in counts)} rows). Files stay in DATA_DIR.")
    print("Now set DATABASE_URL to the PostgreSQL address and restart the portal.")
    return 0


def cmd_check(_args: argparse.Namespace) -> int:
    from portal_app.operations.services import checks
    from portal_app.settings import get_settings

    results = checks.run_checks(get_settings())
    print(checks.report(results))
    return 1 if checks.failed(results) else 0


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
    from portal_app.documents.services import staging
    from portal_app.documents.services.storage import FileStore
    from portal_app.office.services import office_settings
    from portal_app.settings import get_settings

    # the same round the background worker runs: expired staged uploads, then stale temp files and orphans
    with session_scope() as db:
        hours = office_settings.profile(db).staging_expiry_hours
        result = staging.purge(db, FileStore(get_settings().files_dir), orphan_hours=hours)
    print(f"Cleanup: {result}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m portal_app.cli", description="Klantenportaal admin commands")
    sub = parser.add_subparsers(dest="command", required=True)
    migrate = sub.add_parser("migrate", help="apply database migrations (under a lock)")
    migrate.add_argument("--check", action="store_true", help="only tell whether an upgrade is pending (exit 1)")
    migrate.set_defaults(func=cmd_migrate)
    backup = sub.add_parser("backup", help="write one archive of the database, files and settings")
    backup.add_argument("--to", help="folder for the archives (default BACKUP_DIR or DATA_DIR/backups)")
    backup.add_argument("--key-file", help="encrypt with this key (make one with backup-key)")
    backup.add_argument("--keep", type=int, help="keep only the newest N archives in the folder")
    backup.add_argument(
        "--settings-file", action="append", default=[], help="also keep this settings file (e.g. the systemd one)"
    )
    backup.set_defaults(func=cmd_backup)
    backup_key = sub.add_parser("backup-key", help="write a new random key file for encrypted backups")
    backup_key.add_argument("file")
    backup_key.set_defaults(func=cmd_backup_key)
    restore = sub.add_parser("restore", help="check an archive, then restore the database and files from it")
    restore.add_argument("archive")
    restore.add_argument("--key-file", help="the key the archive was encrypted with")
    restore.add_argument("--check-only", action="store_true", help="only check the archive; change nothing")
    restore.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    restore.set_defaults(func=cmd_restore)
    to_pg = sub.add_parser("migrate-to-postgres", help="copy every row from SQLite into PostgreSQL")
    to_pg.add_argument("--url", required=True, help="postgresql://user@host/database (created, empty)")
    to_pg.add_argument("--replace", action="store_true", help="overwrite a PostgreSQL database that holds data")
    to_pg.set_defaults(func=cmd_migrate_to_postgres)
    sub.add_parser("check", help="health checks with what to do about each problem").set_defaults(func=cmd_check)
    seed = sub.add_parser("seed-demo", help="load the demo data into an empty database")
    seed.add_argument("--if-empty", action="store_true", help="do nothing (exit 0) when data exists")
    seed.set_defaults(func=cmd_seed_demo)
    from portal_app.seeding.services.command import add_parser as add_seed_office_parser  # the generated big office

    add_seed_office_parser(sub)
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
