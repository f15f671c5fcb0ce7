"""`python -m portal_app.cli seed-office`: the command-line side of office.py (arguments, progress bar, printed logins)."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    command = sub.add_parser("seed-office", help="add a generated big office next to the demo data (for measuring)")
    command.add_argument("--clients", type=int, default=5000)
    command.add_argument("--dossiers", type=int, default=20000)
    command.add_argument("--messages", type=int, default=200_000)
    command.add_argument("--documents", type=int, default=100_000)
    command.add_argument("--audit", type=int, default=1_000_000)
    command.add_argument("--seed", type=int, default=1, help="the same seed gives the same rows")
    command.add_argument(
        "--until", help="the last day of the five years, YYYY-MM-DD (default today): fix it to repeat a run exactly"
    )
    command.add_argument("--force", action="store_true", help="also on a database that is not a demo or test one")
    command.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from portal_app.core.services.db import get_engine
    from portal_app.demo import DEMO_PASSWORD
    from portal_app.documents.services.storage import FileStore
    from portal_app.seeding.services.generator import OfficeSize
    from portal_app.seeding.services.office import OfficeRefused, estimate_rows, seed_office
    from portal_app.seeding.services.progress import ProgressBar
    from portal_app.settings import get_settings

    sizes = (args.clients, args.dossiers, args.messages, args.documents, args.audit)
    if min(sizes) < 0 or args.clients < 1 or args.dossiers < 1:
        print("Refused: at least one client and one dossier, and no negative counts.", file=sys.stderr)
        return 1
    try:
        day = datetime.strptime(args.until, "%Y-%m-%d") if args.until else datetime.now(UTC)
    except ValueError:
        print("Refused: --until is a date like 2026-12-31.", file=sys.stderr)
        return 1
    anchor = datetime(day.year, day.month, day.day)
    size = OfficeSize(*sizes)
    settings = get_settings()
    try:
        result = seed_office(
            get_engine(),
            FileStore(settings.files_dir),
            size=size,
            seed=args.seed,
            anchor=anchor,
            office_name=settings.office_name,
            force=args.force,
            progress=ProgressBar(estimate_rows(size)),
        )
    except OfficeRefused as refused:
        print(f"Refused: {refused}", file=sys.stderr)
        return 1
    outcome = result.outcome
    if result.demo_loaded:
        print("The database was empty: the demo data was loaded first.")
    print(f"Generated office written in {result.seconds:.0f} s: {result.rows:,} rows, {result.files:,} file records.")
    print("  " + ", ".join(f"{table} {rows:,}" for table, rows in result.counts.items()))
    print(f"Logins (password {DEMO_PASSWORD}):")
    logins = [
        (outcome.staff_admin, "staff, admin"),
        (outcome.staff_handler, "staff, behandelaar"),
        (outcome.busiest_client, f"client with the most dossiers ({outcome.busiest_client_dossiers})"),
        (outcome.typical_client, "client with a few dossiers"),
        (outcome.unread_client, "client with the most unread messages"),
        (outcome.company_main, "company main account"),
        (outcome.company_extra, "extra account of that company"),
    ]
    for email, what in logins:
        if email:
            print(f"  {email:52} {what}")
    return 0
