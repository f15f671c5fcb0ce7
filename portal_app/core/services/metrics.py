"""Prometheus metrics at `/metrics` (behind METRICS_TOKEN) and one log line per request and event.

Two kinds of numbers:

- Counted in this process, in memory, cheaply: browser events per handler with a latency
  histogram (`instrument`, hooked into the handler skeleton in core/states/access.py) and
  HTTP requests per route group (`RequestLogMiddleware`). With several workers
  (GRANIAN_WORKERS > 1) each worker counts its own and a scrape reaches one of them:
  read these as a sample, or give each worker its own port and scrape every one.
- Read from the database at scrape time, so they are the same whichever worker answers:
  sign-ins and failures (audit log), uploads and their bytes (documents), the mail and SMS
  outbox (depth and the age of the oldest waiting item), and active sessions.

The exposition format is written here (text format 0.0.4): a handful of metric families do
not need the `prometheus_client` dependency and its multiprocess directory.
"""

from __future__ import annotations

import functools
import hmac
import inspect
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger("portal.access")  # handler and format: core/services/json_logs.py

# Seconds; a portal event is a few ms, a page load with queries tens, a bcrypt sign-in ~0.25 s.
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class Histogram:
    """Counts per label value; observe() takes a lock for a few additions (no allocation on the hot path)."""

    def __init__(self, name: str, help_text: str, label: str, buckets: tuple[float, ...] = BUCKETS):
        self.name, self.help, self.label, self.buckets = name, help_text, label, buckets
        self._lock = threading.Lock()
        # label value -> [bucket counts..., count, sum]
        self._series: dict[str, list[float]] = {}

    def observe(self, value: str, seconds: float) -> None:
        with self._lock:
            series = self._series.get(value)
            if series is None:
                series = self._series[value] = [0.0] * (len(self.buckets) + 2)
            for index, bound in enumerate(self.buckets):
                if seconds <= bound:
                    series[index] += 1
                    break
            series[-2] += 1
            series[-1] += seconds

    def snapshot(self) -> dict[str, list[float]]:
        with self._lock:
            return {key: list(value) for key, value in self._series.items()}

    def exposition(self) -> list[str]:
        lines = [f"# HELP {self.name} {self.help}", f"# TYPE {self.name} histogram"]
        for value, series in sorted(self.snapshot().items()):
            label = f'{self.label}="{_escape(value)}"'
            cumulative = 0.0
            for bound, count in zip(self.buckets, series, strict=False):
                cumulative += count
                lines.append(f'{self.name}_bucket{{{label},le="{bound}"}} {_num(cumulative)}')
            lines.append(f'{self.name}_bucket{{{label},le="+Inf"}} {_num(series[-2])}')
            lines.append(f"{self.name}_count{{{label}}} {_num(series[-2])}")
            lines.append(f"{self.name}_sum{{{label}}} {series[-1]:.6f}")
        return lines


class Counter:
    def __init__(self, name: str, help_text: str, labels: tuple[str, ...]):
        self.name, self.help, self.labels = name, help_text, labels
        self._lock = threading.Lock()
        self._values: dict[tuple[str, ...], float] = {}

    def inc(self, *values: str, amount: float = 1.0) -> None:
        with self._lock:
            self._values[values] = self._values.get(values, 0.0) + amount

    def exposition(self) -> list[str]:
        with self._lock:
            values = dict(self._values)
        lines = [f"# HELP {self.name} {self.help}", f"# TYPE {self.name} counter"]
        for key, amount in sorted(values.items()):
            labels = ",".join(f'{name}="{_escape(value)}"' for name, value in zip(self.labels, key, strict=True))
            lines.append(f"{self.name}{{{labels}}} {_num(amount)}")
        return lines


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(value)


EVENT_SECONDS = Histogram(
    "portal_event_duration_seconds", "Browser events per handler, time in the handler skeleton.", "handler"
)
EVENT_ERRORS = Counter("portal_event_errors_total", "Browser events whose handler raised.", ("handler",))
HTTP_SECONDS = Histogram("portal_http_request_duration_seconds", "Plain HTTP requests per route group.", "route")


# --------------------------------------------------------------------------
# The handler skeleton's hook
# --------------------------------------------------------------------------


def _event_log(what: str, seconds: float, failed: bool) -> None:
    if log.isEnabledFor(logging.INFO):
        log.info(
            "event %s %.1fms%s",
            what,
            seconds * 1000,
            " failed" if failed else "",
            extra={"kind": "event", "handler": what, "duration_ms": round(seconds * 1000, 1), "failed": failed},
        )


def _done(what: str, started: float, failed: bool) -> None:
    seconds = time.perf_counter() - started
    EVENT_SECONDS.observe(what, seconds)
    if failed:
        EVENT_ERRORS.inc(what)
    _event_log(what, seconds, failed)


def instrument(wrapper: Callable[..., Any], what: str) -> Callable[..., Any]:
    """Time every call of an event handler wrapper (a coroutine or async generator function).

    Two perf_counter() reads, one locked update and one log call per event.
    """
    if inspect.isasyncgenfunction(wrapper):

        async def timed_gen(*args: Any, **kwargs: Any) -> Any:
            started, failed = time.perf_counter(), True
            try:
                async for item in wrapper(*args, **kwargs):
                    yield item
                failed = False
            finally:
                _done(what, started, failed)

        return functools.wraps(wrapper)(timed_gen)

    async def timed(*args: Any, **kwargs: Any) -> Any:
        started, failed = time.perf_counter(), True
        try:
            result = await wrapper(*args, **kwargs)
            failed = False
            return result
        finally:
            _done(what, started, failed)

    return functools.wraps(wrapper)(timed)


# --------------------------------------------------------------------------
# One line per HTTP request
# --------------------------------------------------------------------------

_ROUTE_GROUPS = (
    ("/_event", "websocket"),
    ("/_upload", "upload"),
    ("/files/", "download"),
    ("/auth/", "auth"),
    ("/staff/", "staff"),
    ("/health", "health"),
    ("/ready", "ready"),
    ("/metrics", "metrics"),
    ("/assets/", "static"),
)


def route_group(path: str) -> str:
    """A bounded label for a path (never an id: those would make a series per document)."""
    for prefix, group in _ROUTE_GROUPS:
        if path.startswith(prefix) or path.endswith(prefix):
            return group
    return "page"


class RequestLogMiddleware:
    """Log one line per HTTP request (method, path without query, status, ms, client) and time it.

    The query string is left out on purpose: invitation and reset links carry their token there.
    Websocket connections are logged when they end (their events are logged one by one).
    """

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = {"code": 0}

        async def send_and_note(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            elif message["type"] == "websocket.accept":
                status["code"] = 101
            await send(message)

        try:
            await self.app(scope, receive, send_and_note)
        finally:
            seconds = time.perf_counter() - started
            path = scope.get("path", "")
            group = route_group(path)
            if scope["type"] == "http":
                HTTP_SECONDS.observe(group, seconds)
            if log.isEnabledFor(logging.INFO) and group not in ("static", "health"):
                client = scope.get("client")
                log.info(
                    "%s %s %s %.1fms",
                    scope.get("method", "WS"),
                    path,
                    status["code"],
                    seconds * 1000,
                    extra={
                        "kind": "request",
                        "method": scope.get("method", "WS"),
                        "path": path,
                        "status": status["code"],
                        "duration_ms": round(seconds * 1000, 1),
                        "client": client[0] if client else None,
                        "scheme": scope.get("scheme"),
                    },
                )


# --------------------------------------------------------------------------
# From the database, at scrape time
# --------------------------------------------------------------------------


def database_lines() -> list[str]:
    """Gauges read with a few aggregate queries (blocking: call in a thread)."""
    from sqlalchemy import func
    from sqlmodel import select

    from portal_app.accounts.models import UserSession
    from portal_app.audit.models import AuditEvent
    from portal_app.core.models import utcnow
    from portal_app.core.services.db import session_scope
    from portal_app.documents.models import Document
    from portal_app.notifications.models import OutboxMail, OutboxSms, OutboxStatus

    now = utcnow()
    waiting = (OutboxStatus.QUEUED, OutboxStatus.RETRYING, OutboxStatus.SENDING)
    lines: list[str] = []
    with session_scope() as db:
        logins = dict(
            db.exec(
                select(AuditEvent.event_type, func.count())
                .where(AuditEvent.event_type.in_(("login.succeeded", "login.failed", "login.throttled")))  # type: ignore[attr-defined]
                .group_by(AuditEvent.event_type)
            ).all()
        )
        lines += [
            "# HELP portal_sign_ins_total Sign-ins by outcome (audit log).",
            "# TYPE portal_sign_ins_total counter",
        ]
        for outcome, event in (
            ("succeeded", "login.succeeded"),
            ("failed", "login.failed"),
            ("throttled", "login.throttled"),
        ):
            lines.append(f'portal_sign_ins_total{{outcome="{outcome}"}} {int(logins.get(event, 0))}')

        uploads = db.exec(
            select(Document.kind, func.count(), func.coalesce(func.sum(Document.size), 0)).group_by(Document.kind)
        ).all()
        lines += ["# HELP portal_uploads_total Files stored, by kind.", "# TYPE portal_uploads_total counter"]
        lines += [f'portal_uploads_total{{kind="{_escape(kind)}"}} {int(count)}' for kind, count, _ in uploads]
        lines += ["# HELP portal_upload_bytes_total Bytes stored, by kind.", "# TYPE portal_upload_bytes_total counter"]
        lines += [f'portal_upload_bytes_total{{kind="{_escape(kind)}"}} {int(size)}' for kind, _, size in uploads]

        lines += [
            "# HELP portal_outbox_depth Mails and SMS waiting to be sent.",
            "# TYPE portal_outbox_depth gauge",
            "# HELP portal_outbox_oldest_age_seconds Age of the oldest waiting item (0 when none).",
            "# TYPE portal_outbox_oldest_age_seconds gauge",
        ]
        for channel, table in (("mail", OutboxMail), ("sms", OutboxSms)):
            count, oldest = db.exec(
                select(func.count(), func.min(table.created_at)).where(table.status.in_(waiting))  # type: ignore[attr-defined]
            ).one()
            age = max(0.0, (now - _aware(oldest)).total_seconds()) if oldest is not None else 0.0
            lines.append(f'portal_outbox_depth{{channel="{channel}"}} {int(count)}')
            lines.append(f'portal_outbox_oldest_age_seconds{{channel="{channel}"}} {age:.0f}')

        active = db.exec(
            select(func.count()).where(UserSession.ended_at.is_(None), UserSession.expires_at > now)  # type: ignore[union-attr]
        ).one()
        lines += [
            "# HELP portal_active_sessions Signed-in sessions not ended and not past their absolute expiry.",
            "# TYPE portal_active_sessions gauge",
            f"portal_active_sessions {int(active)}",
        ]
    return lines


def _aware(moment: Any) -> Any:
    from datetime import UTC

    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def exposition() -> str:
    """The whole /metrics body (blocking: reads the database)."""
    lines = [
        *EVENT_SECONDS.exposition(),
        *EVENT_ERRORS.exposition(),
        *HTTP_SECONDS.exposition(),
    ]
    try:
        lines += database_lines()
        up = 1
    except Exception:  # the scrape still shows the process numbers, and that the database did not answer
        logging.getLogger(__name__).warning("metrics: the database did not answer", exc_info=True)
        up = 0
    lines += ["# HELP portal_database_up 1 when the database answered this scrape.", "# TYPE portal_database_up gauge"]
    lines.append(f"portal_database_up {up}")
    return "\n".join(lines) + "\n"


def token_matches(authorization: str | None, token: str | None) -> bool:
    if not token or not authorization or not authorization.startswith("Bearer "):
        return False
    return hmac.compare_digest(authorization[len("Bearer ") :].strip().encode(), token.encode())
