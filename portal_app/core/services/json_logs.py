"""Log output: one line per request and per browser event (core/services/metrics.py), as text or JSON.

`LOG_FORMAT=json` writes every line as one JSON object (`ts`, `level`, `logger`, `msg` and the
record's structured fields such as `kind`, `path`, `status`, `duration_ms`, `handler`), for
journald/Loki/ELK. Secrets never reach a line: the redaction of core/services/log_redaction.py
runs on every record before it is formatted (installed first, in portal_app.py), and the
request lines leave out query strings (invitation and reset tokens travel there).

Lines go to stderr; under systemd journald keeps them (rotation: journald's SystemMaxUse,
see docs/admin.md). Set LOG_LEVEL=WARNING to keep only problems.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from datetime import UTC, datetime

from portal_app.core.services.log_redaction import redact

# Record attributes every LogRecord has; anything else was passed in `extra=` and is structured data.
_STANDARD = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime", "taskName"}
_HANDLER_MARK = "_portal_log_handler"


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": redact(record.getMessage()),
        }
        for key, value in record.__dict__.items():
            if key not in _STANDARD and not key.startswith("_") and key not in entry:
                entry[key] = value if isinstance(value, (int, float, bool, type(None))) else redact(str(value))
        if record.exc_info and record.exc_info[0] is not None:
            entry["exc"] = redact(self.formatException(record.exc_info))
        return json.dumps(entry, ensure_ascii=False, separators=(",", ":"))


def formatter(log_format: str) -> logging.Formatter:
    if log_format == "json":
        return JsonFormatter()
    return logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s")


def configure(log_format: str, level: str | None = None) -> logging.Handler:
    """Give the portal's own loggers (`portal.*`) one stderr handler in the chosen format (idempotent).

    In JSON mode the root logger's handlers (libraries, Reflex) get the JSON formatter too,
    so a log collector reads one format.
    """
    portal = logging.getLogger("portal")
    for existing in portal.handlers:
        if getattr(existing, _HANDLER_MARK, False):
            existing.setFormatter(formatter(log_format))
            return existing
    handler = logging.StreamHandler(sys.stderr)
    setattr(handler, _HANDLER_MARK, True)
    handler.setFormatter(formatter(log_format))
    portal.addHandler(handler)
    portal.setLevel((level or os.environ.get("LOG_LEVEL") or "INFO").upper())
    portal.propagate = False
    if log_format == "json":
        root = logging.getLogger()
        if not root.handlers:
            root.addHandler(logging.StreamHandler(sys.stderr))
        for root_handler in root.handlers:
            root_handler.setFormatter(JsonFormatter())
    return handler
