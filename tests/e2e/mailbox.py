"""A real SMTP server (aiosmtpd) that catches the portal's mail for browser tests.

box = Mailbox(flush=...)       # flush: optional callable that delivers the outbox now
box.start()                    # listens on 127.0.0.1:box.port
mail = box.wait_for("a@example.nl", subject="wachtwoord")
link = mail.link("/wachtwoord-instellen")
box.stop()
"""

from __future__ import annotations

import email
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from email import policy

from aiosmtpd.controller import Controller

from tests.conftest import free_port

_LINK_RE = re.compile(r"https?://[^\s<>\"')]+")


@dataclass(frozen=True)
class CaughtMail:
    to: tuple[str, ...]
    subject: str
    text: str
    html: str

    def links(self) -> list[str]:
        return _LINK_RE.findall(self.text)

    def link(self, path: str) -> str:
        """The one link in the plain-text body that points to `path`."""
        found = sorted({url for url in self.links() if f"{path}?" in url or url.endswith(path)})
        assert len(found) == 1, f"expected one link to {path} in {self.subject!r}, found {found}\n{self.text}"
        return found[0]


class _Handler:
    def __init__(self, box: Mailbox) -> None:
        self.box = box

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        message = email.message_from_bytes(envelope.content, policy=policy.default)
        text_part = message.get_body(preferencelist=("plain",))
        html_part = message.get_body(preferencelist=("html",))
        caught = CaughtMail(
            to=tuple(address.lower() for address in envelope.rcpt_tos),
            subject=str(message["Subject"] or ""),
            text=text_part.get_content() if text_part is not None else "",
            html=html_part.get_content() if html_part is not None else "",
        )
        with self.box._lock:
            self.box.messages.append(caught)
        return "250 Message accepted for delivery"


class Mailbox:
    def __init__(self, flush: Callable[[], None] | None = None) -> None:
        self.port = free_port()
        self.messages: list[CaughtMail] = []
        self.flush = flush
        self._lock = threading.Lock()
        self._controller = Controller(_Handler(self), hostname="127.0.0.1", port=self.port)

    def start(self) -> Mailbox:
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()

    def for_address(self, address: str) -> list[CaughtMail]:
        with self._lock:
            return [m for m in self.messages if address.lower() in m.to]

    def wait_for(self, address: str, *, subject: str = "", count: int = 1, timeout: float = 20.0) -> CaughtMail:
        """The `count`-th mail to `address` whose subject contains `subject` (case-insensitive)."""
        deadline = time.monotonic() + timeout
        next_flush = time.monotonic() + 0.5
        while True:
            found = [m for m in self.for_address(address) if subject.lower() in m.subject.lower()]
            if len(found) >= count:
                return found[count - 1]
            now = time.monotonic()
            if now >= deadline:
                subjects = [m.subject for m in self.for_address(address)]
                raise AssertionError(f"no mail #{count} with {subject!r} to {address}; got {subjects}")
            if self.flush is not None and now >= next_flush:
                self.flush()
                next_flush = now + 1.0
            time.sleep(0.1)
