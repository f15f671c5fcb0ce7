"""The rows of a generated office, made from one seed: the same seed, sizes, anchor and starting
ids give the same rows, byte for byte.

Everything random comes from one `random.Random(seed)`, drawn in a fixed order
from tuples and lists (never from sets or dict views of strings, whose order
changes per process). Times are spread over the five years before `anchor`
(the caller's "today"), never read from the clock.

The generator yields `Batch`es of plain tuples per table, parents before
children, in chunks small enough to keep memory flat at a million audit rows;
`bulk.py` writes them. Ids are given here (from `Start`, the highest id each
table held before), so children can point at their parents without a round trip.
"""

from __future__ import annotations

import bisect
import itertools
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from portal_app.accounts.models import AccountKind, StaffRole, client_search_text
from portal_app.core.services.text import fold
from portal_app.documents.models import DocumentKind
from portal_app.dossiers.models import DossierStatus
from portal_app.dossiers.services.dossiers import make_search_text
from portal_app.dossiers.services.search_index import staff_search_text
from portal_app.notifications.models import OutboxStatus
from portal_app.questionnaires.models import QuestionnaireStatus
from portal_app.seeding.services import vocabulary as words

EMAIL_DOMAIN = "generated.example.nl"
YEARS = 5
CHUNK = 20_000
Row = tuple[object, ...]


# The generated outbox: mostly digests, some invitations and password links (three of five digests).
SEEDED_MAIL_KINDS = ("notification_digest", "notification_digest", "notification_digest", "invite", "set_password_link")
SEEDED_MAIL_SUBJECTS = {
    "notification_digest": "Nieuw in uw dossier",
    "invite": "Uw account voor het klantenportaal",
    "set_password_link": "Stel uw wachtwoord in",
}


@dataclass(frozen=True)
class OfficeSize:
    clients: int = 5000
    dossiers: int = 20000
    messages: int = 200_000
    documents: int = 100_000
    audit: int = 1_000_000

    @property
    def staff(self) -> int:
        return max(4, min(40, self.clients // 400))


@dataclass(frozen=True)
class Batch:
    table: str
    columns: tuple[str, ...]
    rows: list[Row]


@dataclass(frozen=True)
class GenericFile:
    """A file every client gets in the same words (vocabulary.GENERIC_FILES), as stored."""

    kind: str
    title: str
    filename: str
    size: int
    sha256: str
    mime: str


@dataclass(frozen=True)
class StoredBlob:
    """A generic file and the storage keys of the records that share it (each key a hard link)."""

    file: GenericFile
    keys: list[str]


@dataclass
class Outcome:
    """What the caller prints and checks once the rows are written."""

    staff_admin: str = ""
    staff_handler: str = ""
    busiest_client: str = ""
    busiest_client_dossiers: int = 0
    typical_client: str = ""
    company_main: str = ""
    company_extra: str = ""
    unread_client: str = ""
    counts: dict[str, int] = field(default_factory=dict)
    blobs: list[StoredBlob] = field(default_factory=list)


@dataclass
class _Client:
    id: int
    kind: str
    name: str
    company: str | None
    email: str
    extras: list[int]
    weight_rank: int
    active: bool = True  # signs in (an invited or blocked account does not)


@dataclass
class _Dossier:
    id: int
    created: datetime
    status: str
    handler: int
    clients: list[int]
    type_key: str
    closes: datetime  # when work on it ended (anchor for open dossiers)


def _ascii(text: str) -> str:
    return "".join(ch if ch.isalnum() else "." for ch in fold(text)).strip(".").replace("..", ".")


class OfficeGenerator:
    """Yields the batches of one generated office; `outcome` is filled while it runs."""

    def __init__(
        self,
        *,
        size: OfficeSize,
        seed: int,
        anchor: datetime,
        start: dict[str, int],
        password_hash: str,
        template_ids: Sequence[int],
        files: Sequence[GenericFile],
    ) -> None:
        self.size = size
        self.rng = random.Random(seed)
        self.anchor = anchor.replace(tzinfo=None, microsecond=0)
        self.begin = self.anchor - timedelta(days=365 * YEARS)
        self.start = start
        self.password_hash = password_hash
        self.template_ids = list(template_ids)
        self.files = list(files)
        self.outcome = Outcome()
        self._next = dict(start)
        self.staff: list[int] = []
        self.staff_names: dict[int, str] = {}
        self.clients: list[_Client] = []
        self.accounts: dict[int, _Client] = {}  # every client account, extras too, by id
        self.dossiers: list[_Dossier] = []

    def _id(self, table: str) -> int:
        self._next[table] = self._next.get(table, 0) + 1
        return self._next[table]

    def _time(self, after: datetime, before: datetime) -> datetime:
        span = max(1, int((before - after).total_seconds()))
        moment = after + timedelta(seconds=self.rng.randrange(span))
        # office hours: a notary office works by day
        return max(after, moment.replace(hour=8 + self.rng.randrange(10)))

    def batches(self) -> Iterator[Batch]:
        yield from self._accounts()
        yield from self._dossiers()
        yield from self._messages_and_documents()
        yield from self._questionnaires()
        yield from self._outbox()
        yield from self._audit()

    # ------------------------------------------------------------------ accounts

    _ACCOUNT_COLUMNS = (
        "id", "kind", "email", "name", "company_name", "parent_id", "staff_role", "phone", "language",
        "password_hash", "password_changed_at", "first_login_done", "blocked", "deleted_at", "created_at",
        "last_login_at", "client_search_text",
    )  # fmt: skip

    def _person_name(self) -> tuple[str, str]:
        return self.rng.choice(words.FIRST_NAMES), self.rng.choice(words.LAST_NAMES)

    def _account_row(
        self,
        account_id: int,
        kind: str,
        email: str,
        name: str,
        company: str | None,
        parent: int | None,
        role: str | None,
        created: datetime,
        *,
        active: bool = True,
        blocked: bool = False,
    ) -> Row:
        phone = f"+316{self.rng.randrange(10_000_000, 99_999_999)}" if self.rng.random() < 0.6 else None
        language = "en" if self.rng.random() < 0.08 else "nl"
        last_login = self._time(created, self.anchor) if active else None
        return (
            account_id, kind, email, name, company, parent, role, phone, language,
            self.password_hash if active else None, created if active else None, active, blocked, None,
            created, last_login, client_search_text(kind, name, company, email),
        )  # fmt: skip

    def _accounts(self) -> Iterator[Batch]:
        rows: list[Row] = []
        preferences: list[Row] = []
        for number in range(self.size.staff):
            account_id = self._id("account")
            first, last = self._person_name()
            role = StaffRole.ADMIN if number < 2 else StaffRole.HANDLER
            email = f"{'notaris' if role == StaffRole.ADMIN else 'medewerker'}{number + 1:02d}@{EMAIL_DOMAIN}"
            name = f"{'mr. ' if role == StaffRole.ADMIN else ''}{first} {last}"
            rows.append(self._account_row(account_id, AccountKind.STAFF, email, name, None, None, role, self.begin))
            self.staff.append(account_id)
            self.staff_names[account_id] = name
            if number == 0:
                self.outcome.staff_admin = email
            elif role == StaffRole.HANDLER and not self.outcome.staff_handler:
                self.outcome.staff_handler = email
        ranks = list(range(self.size.clients))
        self.rng.shuffle(ranks)
        for number in range(self.size.clients):
            account_id = self._id("account")
            created = self._time(self.begin - timedelta(days=30), self.anchor - timedelta(days=1))
            roll = self.rng.random()
            active, blocked = roll < 0.9, 0.9 <= roll < 0.92
            first, last = self._person_name()
            if self.rng.random() < 0.2:
                company = (
                    f"{last.split()[-1].capitalize()} {self.rng.choice(words.COMPANY_ACTIVITIES)} "
                    f"{self.rng.choice(words.COMPANY_FORMS)}"
                )
                email = f"info.{_ascii(company)}.{number + 1}@{EMAIL_DOMAIN}"
                client = _Client(
                    account_id,
                    AccountKind.COMPANY,
                    f"{first} {last}",
                    company,
                    email,
                    [],
                    ranks[number],
                    active and not blocked,
                )
                rows.append(
                    self._account_row(
                        account_id,
                        client.kind,
                        email,
                        client.name,
                        company,
                        None,
                        None,
                        created,
                        active=active,
                        blocked=blocked,
                    )  # fmt: skip
                )
                extras = self.rng.choice((0, 0, 0, 1, 1, 2, 3))
                for extra in range(extras):
                    extra_id = self._id("account")
                    extra_first, extra_last = self._person_name()
                    extra_email = f"{_ascii(extra_first)}.{_ascii(extra_last)}.{number + 1}-{extra + 1}@{EMAIL_DOMAIN}"
                    extra_name = f"{extra_first} {extra_last}"
                    rows.append(
                        self._account_row(
                            extra_id,
                            AccountKind.COMPANY_EXTRA,
                            extra_email,
                            extra_name,
                            company,
                            account_id,
                            None,
                            min(created + timedelta(days=self.rng.randrange(1, 200)), self.anchor - timedelta(days=1)),
                            active=active,
                        )  # fmt: skip
                    )
                    client.extras.append(extra_id)
                    self.accounts[extra_id] = _Client(
                        extra_id, AccountKind.COMPANY_EXTRA, extra_name, company, extra_email, [], -1, active
                    )
                    preferences.append((extra_id, True, True, True))
                    if extra == 0 and not self.outcome.company_main and active:
                        self.outcome.company_main, self.outcome.company_extra = email, extra_email
            else:
                email = f"{_ascii(first)}.{_ascii(last)}.{number + 1}@{EMAIL_DOMAIN}"
                client = _Client(
                    account_id,
                    AccountKind.PERSON,
                    f"{first} {last}",
                    None,
                    email,
                    [],
                    ranks[number],
                    active and not blocked,
                )
                rows.append(
                    self._account_row(
                        account_id,
                        client.kind,
                        email,
                        client.name,
                        None,
                        None,
                        None,
                        created,
                        active=active,
                        blocked=blocked,
                    )  # fmt: skip
                )
            self.clients.append(client)
            self.accounts[account_id] = client
            preferences.append((account_id, self.rng.random() < 0.9, True, self.rng.random() < 0.95))
        self.outcome.counts["account"] = len(rows)
        yield Batch("account", self._ACCOUNT_COLUMNS, rows)
        yield Batch(
            "notificationpreference", ("account_id", "on_documents", "on_questionnaires", "on_messages"), preferences
        )

    # ------------------------------------------------------------------ dossiers

    def _pick_clients(self) -> tuple[list[float], list[_Client]]:
        """Cumulative weights: a few clients (developers, a busy family) have many dossiers, most have one or two."""
        ordered = sorted(self.clients, key=lambda client: client.weight_rank)
        cumulative = list(itertools.accumulate(1.0 / (rank + 1) ** 0.75 for rank in range(len(ordered))))
        return cumulative, ordered

    def _status(self, created: datetime) -> str:
        age = (self.anchor - created).days
        roll = self.rng.random()
        table: tuple[tuple[float, str], ...]
        if age > 400:
            table = ((0.7, DossierStatus.CLOSED), (0.95, DossierStatus.EXECUTED), (1.0, DossierStatus.IN_PROGRESS))
        elif age > 90:
            table = (
                (0.3, DossierStatus.EXECUTED),
                (0.5, DossierStatus.CLOSED),
                (0.85, DossierStatus.IN_PROGRESS),
                (1.0, DossierStatus.WAITING),
            )
        else:
            table = ((0.7, DossierStatus.IN_PROGRESS), (0.95, DossierStatus.WAITING), (1.0, DossierStatus.EXECUTED))
        return next(status for limit, status in table if roll < limit)

    def _description(self, kind: words.DossierType, client: _Client) -> str:
        surname = client.name.split(" ", 1)[-1]
        partner = self.rng.choice(words.LAST_NAMES)
        return kind.description.format(
            street=self.rng.choice(words.STREETS),
            nr=self.rng.randrange(1, 250),
            city=self.rng.choice(words.CITIES),
            name=client.name if "{name2}" not in kind.description else surname,
            name2=partner,
            company=client.company or client.name,
        )

    def _dossiers(self) -> Iterator[Batch]:
        cumulative, ordered = self._pick_clients()
        person_types = [t for t in words.DOSSIER_TYPES if not t.for_company]
        company_types = [t for t in words.DOSSIER_TYPES if t.for_company]
        people = [client for client in self.clients if client.kind == AccountKind.PERSON]
        times = sorted(self._time(self.begin, self.anchor) for _ in range(self.size.dossiers))
        per_year: dict[int, int] = {}
        dossier_rows: list[Row] = []
        access_rows: list[Row] = []
        step_rows: list[Row] = []
        per_client: dict[int, int] = {}
        for created in times:
            client = ordered[bisect.bisect_left(cumulative, self.rng.random() * cumulative[-1])]
            types = company_types if client.kind == AccountKind.COMPANY else person_types
            kind = self.rng.choices(types, weights=[t.weight for t in types])[0]
            members = [client.id]
            if client.kind == AccountKind.COMPANY:
                members.extend(extra for extra in client.extras if self.rng.random() < 0.5)
            elif kind.key in ("levering", "hypotheek", "huwelijk", "samenleving") and self.rng.random() < 0.5:
                partner = self.rng.choice(people)
                if partner.id != client.id:
                    members.append(partner.id)
            status = self._status(created)
            handler = self.rng.choice(self.staff[1:]) if self.rng.random() < 0.97 else 0
            per_year[created.year] = per_year.get(created.year, 0) + 1
            number = f"{created.year}-{per_year[created.year]:05d}"
            description = self._description(kind, client)
            dossier_id = self._id("dossier")
            closes = (
                min(self.anchor, created + timedelta(days=self.rng.randrange(30, 200)))
                if status in (DossierStatus.EXECUTED, DossierStatus.CLOSED)
                else self.anchor
            )
            self.dossiers.append(_Dossier(dossier_id, created, status, handler, members, kind.key, closes))
            people_text = [(self.accounts[m].name, self.accounts[m].company, self.accounts[m].email) for m in members]
            search_text = make_search_text(number, description)
            dossier_rows.append(
                (
                    dossier_id,
                    number,
                    description,
                    search_text,
                    staff_search_text(number, description, people_text),
                    status,
                    handler or None,
                    created,
                )  # fmt: skip
            )
            for member in members:
                per_client[member] = per_client.get(member, 0) + 1
                access_rows.append(
                    (
                        self._id("dossieraccess"),
                        dossier_id,
                        member,
                        created + timedelta(hours=1),
                        created,
                        status,
                        search_text,
                    )
                )
            done_steps = (
                len(kind.steps)
                if status in (DossierStatus.EXECUTED, DossierStatus.CLOSED)
                else self.rng.randrange(1, len(kind.steps))
            )
            for position, title in enumerate(kind.steps):
                done_at = created + timedelta(days=position * 7 + 1) if position < done_steps else None
                if done_at is not None and done_at > self.anchor:
                    done_at = self.anchor - timedelta(hours=position + 1)
                step_rows.append((self._id("progressstep"), dossier_id, position, title, done_at, created))
        signing_in = [client for client in self.clients if client.active] or self.clients
        busiest = max(signing_in, key=lambda client: (per_client.get(client.id, 0), -client.id))
        self.outcome.busiest_client = busiest.email
        self.outcome.busiest_client_dossiers = per_client.get(busiest.id, 0)
        # a client like most: a few dossiers
        typical = min(signing_in, key=lambda client: (abs(per_client.get(client.id, 0) - 4), client.id))
        self.outcome.typical_client = typical.email
        self.outcome.counts.update(dossier=len(dossier_rows), dossieraccess=len(access_rows))
        yield Batch(
            "dossier",
            ("id", "number", "description", "search_text", "staff_search_text", "status", "handler_id", "created_at"),
            dossier_rows,
        )
        yield Batch(
            "dossieraccess",
            (
                "id",
                "dossier_id",
                "account_id",
                "created_at",
                "dossier_created_at",
                "dossier_status",
                "dossier_search_text",
            ),
            access_rows,
        )
        yield Batch("progressstep", ("id", "dossier_id", "position", "title", "done_at", "created_at"), step_rows)

    # ------------------------------------------------------------------ messages, documents, read receipts

    def _spread(self, total: int) -> list[int]:
        """How many of `total` items each dossier gets: open and recent dossiers get more."""
        weights = [
            3.0 if d.status in (DossierStatus.IN_PROGRESS, DossierStatus.WAITING) else 1.0 for d in self.dossiers
        ]
        counts = [0] * len(self.dossiers)
        cumulative = list(itertools.accumulate(weights))
        for _ in range(total):
            counts[bisect.bisect_left(cumulative, self.rng.random() * cumulative[-1])] += 1
        return counts

    def _messages_and_documents(self) -> Iterator[Batch]:
        message_columns = (
            "id", "dossier_id", "author_id", "from_office", "subject", "body", "parent_id", "submit_key",
            "created_at", "staff_read_at",
        )  # fmt: skip
        receipt_columns = ("id", "account_id", "document_id", "message_id", "read_at", "downloaded_at")
        blobs = [StoredBlob(file, []) for file in self.files]
        self.outcome.blobs = blobs
        by_kind = {kind: [b for b in blobs if b.file.kind == kind] for kind in DocumentKind.ALL}
        recent = self.anchor - timedelta(days=21)
        message_counts = self._spread(self.size.messages)
        document_counts = self._spread(self.size.documents)
        messages: list[Row] = []
        documents: list[Row] = []
        receipts: list[Row] = []
        unread_by_client: dict[int, int] = {}
        for dossier, message_count, document_count in zip(self.dossiers, message_counts, document_counts, strict=True):
            handler = dossier.handler or self.staff[0]
            handler_name = self.staff_names[handler]
            times = sorted(self._time(dossier.created, dossier.closes) for _ in range(message_count))
            parent: int | None = None
            client_messages: list[tuple[int, int, datetime]] = []  # (message id, author, time)
            for position, moment in enumerate(times):
                message_id = self._id("message")
                from_office = position % 2 == 0 or self.rng.random() < 0.3
                if from_office:
                    author = handler
                    name = self.accounts[dossier.clients[0]].name
                    subject = self.rng.choice(words.OFFICE_SUBJECTS)
                    body = self.rng.choice(words.OFFICE_BODIES).format(name=name, handler=handler_name)
                    staff_read = None
                    for client in dossier.clients:
                        if moment < recent and self.rng.random() < 0.95:
                            receipts.append(
                                (self._id("readreceipt"), client, None, message_id, moment + timedelta(hours=5), None)
                            )
                        else:
                            unread_by_client[client] = unread_by_client.get(client, 0) + 1
                else:
                    author = self.rng.choice(dossier.clients)
                    name = self.accounts[author].name
                    subject = self.rng.choice(words.CLIENT_SUBJECTS)
                    body = self.rng.choice(words.CLIENT_BODIES).format(name=name, handler=handler_name)
                    staff_read = moment + timedelta(hours=2) if moment < recent or self.rng.random() < 0.5 else None
                    client_messages.append((message_id, author, moment))
                if parent is not None and position > 0:
                    subject = f"RE: {subject}"
                messages.append(
                    (message_id, dossier.id, author, from_office, subject, body, parent, None, moment, staff_read)
                )
                parent = message_id if self.rng.random() < 0.7 else None
            for _ in range(document_count):
                document_id = self._id("document")
                roll = self.rng.random()
                if roll < 0.35:
                    kind = DocumentKind.CORRESPONDENCE
                elif roll < 0.75:
                    kind = DocumentKind.DOCUMENT
                else:
                    kind = DocumentKind.DELIVERED
                blob = self.rng.choice(by_kind[kind])
                key = f"{self.rng.getrandbits(128):032x}"
                blob.keys.append(key)
                moment = self._time(dossier.created, dossier.closes)
                attached_to: int | None = None
                if kind == DocumentKind.DELIVERED:
                    if client_messages and self.rng.random() < 0.5:
                        attached_to, uploader, moment = self.rng.choice(client_messages)
                    else:
                        uploader = self.rng.choice(dossier.clients)
                else:
                    uploader = handler
                withdrawn = moment + timedelta(days=2) if self.rng.random() < 0.01 else None
                file = blob.file
                documents.append(
                    (
                        document_id,
                        dossier.id,
                        kind,
                        file.title,
                        file.filename,
                        key,
                        file.size,
                        file.sha256,
                        file.mime,
                        uploader,
                        attached_to,
                        moment,
                        withdrawn,
                    )  # fmt: skip
                )
                if kind != DocumentKind.DELIVERED:
                    for client in dossier.clients:
                        if moment < recent and self.rng.random() < 0.9:
                            downloaded = moment + timedelta(hours=6) if self.rng.random() < 0.6 else None
                            receipts.append(
                                (
                                    self._id("readreceipt"),
                                    client,
                                    document_id,
                                    None,
                                    moment + timedelta(hours=5),
                                    downloaded,
                                )
                            )
            if len(messages) >= CHUNK:
                yield Batch("message", message_columns, messages)
                messages = []
        if messages:
            yield Batch("message", message_columns, messages)
        yield Batch(
            "document",
            (
                "id",
                "dossier_id",
                "kind",
                "title",
                "filename",
                "storage_key",
                "size",
                "sha256",
                "mime",
                "uploaded_by_id",
                "message_id",
                "created_at",
                "withdrawn_at",
            ),  # fmt: skip
            documents,
        )
        for start in range(0, len(receipts), CHUNK * 5):
            yield Batch("readreceipt", receipt_columns, receipts[start : start + CHUNK * 5])
        if unread_by_client:
            readers = [item for item in unread_by_client.items() if self.accounts[item[0]].active]
            if readers:
                most_unread = max(readers, key=lambda item: (item[1], -item[0]))[0]
                self.outcome.unread_client = self.accounts[most_unread].email
        self.outcome.counts.update(message=self.size.messages, document=len(documents), readreceipt=len(receipts))

    # ------------------------------------------------------------------ questionnaires, outbox, audit

    def _questionnaires(self) -> Iterator[Batch]:
        if not self.template_ids:
            return
        kinds = {t.key: t for t in words.DOSSIER_TYPES}
        rows: list[Row] = []
        for dossier in self.dossiers:
            if not kinds[dossier.type_key].questionnaire or self.rng.random() < 0.3:
                continue
            sent = dossier.created + timedelta(days=2)
            done = dossier.status != DossierStatus.IN_PROGRESS or self.rng.random() < 0.5
            completed = min(self.anchor, sent + timedelta(days=self.rng.randrange(1, 20))) if done else None
            rows.append(
                (
                    self._id("questionnairerequest"),
                    self.rng.choice(self.template_ids),
                    dossier.id,
                    dossier.clients[0],
                    QuestionnaireStatus.COMPLETED if done else QuestionnaireStatus.OPEN,
                    0,
                    dossier.handler or None,
                    sent,
                    completed,
                )  # fmt: skip
            )
        self.outcome.counts["questionnairerequest"] = len(rows)
        yield Batch(
            "questionnairerequest",
            (
                "id",
                "template_id",
                "dossier_id",
                "account_id",
                "status",
                "current_page",
                "sent_by_id",
                "created_at",
                "completed_at",
            ),  # fmt: skip
            rows,
        )

    def _outbox(self) -> Iterator[Batch]:
        rows: list[Row] = []
        columns = (
            "id", "to_address", "subject", "body_text", "body_html", "kind", "account_id", "status", "attempts",
            "next_attempt_at", "last_error", "created_at", "sent_at",
        )  # fmt: skip
        clients = list(self.accounts.values())
        for _ in range(self.size.dossiers * 2):
            client = self.rng.choice(clients)
            created = self._time(self.begin, self.anchor)
            # nothing queued: a running portal would send it, and these addresses are made up
            if self.rng.random() < 0.01:
                status, sent, error = OutboxStatus.FAILED, None, "550 mailbox unavailable"
            else:
                status, sent, error = OutboxStatus.SENT, created + timedelta(minutes=1), None
            # kinds of notifications/services/mail_templates.py, so the outbox names them in words
            kind = self.rng.choice(SEEDED_MAIL_KINDS)
            subject = SEEDED_MAIL_SUBJECTS[kind]
            text = f"Beste {client.name},\n\nEr staat iets nieuws voor u klaar in het klantenportaal."
            rows.append(
                (
                    self._id("outboxmail"),
                    client.email,
                    subject,
                    text,
                    f"<p>{text}</p>",
                    kind,
                    client.id,
                    status,
                    1 if sent else 3 if error else 0,
                    created,
                    error,
                    created,
                    sent,
                )  # fmt: skip
            )
        self.outcome.counts["outboxmail"] = len(rows)
        yield Batch("outboxmail", columns, rows)

    def _audit(self) -> Iterator[Batch]:
        columns = ("id", "at", "event_type", "actor_id", "dossier_id", "target", "ip", "detail")
        types = words.AUDIT_EVENTS
        cumulative = list(itertools.accumulate(weight for _, weight, _ in types))
        clients = list(self.accounts)
        total = self.size.audit
        step = (self.anchor - self.begin) / max(1, total)
        rows: list[Row] = []
        created_since = 0  # dossiers are sorted by creation: only those that exist at `at` are named
        for number in range(total):
            at = self.begin + step * number
            while created_since < len(self.dossiers) and self.dossiers[created_since].created <= at:
                created_since += 1
            event_type, _, on_dossier = types[bisect.bisect_left(cumulative, self.rng.random() * cumulative[-1])]
            dossier = self.dossiers[self.rng.randrange(created_since)] if on_dossier and created_since else None
            if dossier is not None and event_type in ("document.published", "dossier.changed", "dossier.created"):
                actor: int | None = dossier.handler or self.staff[0]
            elif dossier is not None:
                actor = self.rng.choice(dossier.clients)
            else:
                actor = self.rng.choice(clients) if self.rng.random() < 0.9 else self.rng.choice(self.staff)
            ip = f"192.0.2.{self.rng.randrange(1, 255)}"
            rows.append(
                (
                    self._id("auditevent"),
                    at.replace(microsecond=0),
                    event_type,
                    None if event_type == "login.failed" else actor,
                    dossier.id if dossier else None,
                    f"account:{actor}" if dossier is None else None,
                    ip,
                    None,
                )  # fmt: skip
            )
            if len(rows) >= CHUNK * 5:
                yield Batch("auditevent", columns, rows)
                rows = []
        if rows:
            yield Batch("auditevent", columns, rows)
        self.outcome.counts["auditevent"] = total
