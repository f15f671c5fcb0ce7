"""Attachments being composed into a message, on either side (the client's dialog, the office composer).

A picked or dropped file is validated (type by content, size while streaming) and
stored at once; it stays pending, as a plain dict in the tab's server-side state,
until the message is sent and `messages.store_with_attachments` gives it a
document. Removing it, cancelling the dialog or the composer deletes it from the
store again. The two sides differ only in their per-file limit (office settings:
client or staff) and in how they word a refusal, so refusals come back as codes.
Plain Python, no Reflex import.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

from portal_app.core.services import i18n
from portal_app.documents.services import staging
from portal_app.documents.services.documents import astore_pending
from portal_app.documents.services.storage import FileStore
from portal_app.documents.services.uploads import UploadRefused, aiter_file, sanitize_filename
from portal_app.messages.services.messages import MAX_ATTACHMENTS

MAX_FILES_PER_BATCH = 10  # the pickers accept at most this many files at once (rx.upload max_files)
NAME_CHARS = 80  # a refused file's name is cut to this in the error line
TOO_MANY = "too_many"  # the refusal code for a file over the message's or the batch's count
MESSAGE_TOO_LARGE = "upload.message_too_large"  # all files of the message together over the office's limit
QUOTA_EXCEEDED = "upload.quota_exceeded"  # over what one account may have picked and not sent


@dataclass(frozen=True)
class Refusal:
    name: str  # as picked, cut to NAME_CHARS
    code: str  # an UploadRefused code, or TOO_MANY


def upload_name(upload: object) -> str:
    """The name the browser gave the file (Reflex's UploadFile has `name`, older ones `filename`)."""
    return str(getattr(upload, "name", None) or getattr(upload, "filename", "") or "bestand")


async def stage(
    uploads: Iterable[Any],
    *,
    store: FileStore,
    pending: list[dict[str, Any]],
    max_bytes: int,
    attached: int = 0,
    message_bytes_left: int | None = None,
    quota_bytes_left: int | None = None,
) -> list[Refusal]:
    """Validate and store `uploads`, appending each accepted file to `pending` (in place).

    A message holds at most MAX_ATTACHMENTS files, counting those already in
    `pending` and `attached` others (the client's dialog stages apart from the files
    already under the message); a pick beyond that, or beyond MAX_FILES_PER_BATCH,
    is refused by name. `message_bytes_left` (the message's size limit minus its
    files so far) and `quota_bytes_left` (the account's staging quota) refuse a file
    that would go over them; it is deleted again at once.
    """
    room = min(MAX_ATTACHMENTS - attached - len(pending), MAX_FILES_PER_BATCH)
    refused: list[Refusal] = []
    for position, upload in enumerate(uploads or []):
        name = upload_name(upload)
        if position >= room:
            refused.append(Refusal(name[:NAME_CHARS], TOO_MANY))
            continue
        try:
            # file work only (no database): streamed on the loop, stored from a thread
            stored = await astore_pending(store=store, filename=name, chunks=aiter_file(upload), max_bytes=max_bytes)
        except UploadRefused as error:
            refused.append(Refusal(name[:NAME_CHARS], error.code))
            continue
        over = None
        if message_bytes_left is not None:
            if stored.size > message_bytes_left:
                over = MESSAGE_TOO_LARGE
            message_bytes_left -= stored.size
        if quota_bytes_left is not None and over is None:
            if stored.size > quota_bytes_left:
                over = QUOTA_EXCEEDED
            quota_bytes_left -= stored.size
        if over is not None:
            store.delete(stored.key)
            refused.append(Refusal(name[:NAME_CHARS], over))
            continue
        pending.append(stored.as_dict())
    return refused


# react-dropzone's rejection codes -> the i18n key of the reason
_BROWSER_REASONS = {
    "file-invalid-type": "upload.type_not_allowed",
    "file-too-large": "upload.too_large",
    "too-many-files": "upload.too_many_at_once",
}
MAX_BROWSER_REFUSALS = 20


def browser_refusals(rejections: Any) -> list[tuple[str, str]]:
    """(safe name, reason key) per file the drop zone refused, as the browser reported them."""
    found: list[tuple[str, str]] = []
    for item in rejections if isinstance(rejections, list) else []:
        if len(found) >= MAX_BROWSER_REFUSALS or not isinstance(item, dict):
            break
        # {name, codes} as the dialog sends them (messages/components.py), or react-dropzone's own
        # {file, errors} shape
        file = item.get("file")
        raw = item.get("name") or (file.get("path") or file.get("name") if isinstance(file, dict) else None)
        errors = item.get("errors")
        given = item.get("codes")
        codes: list[object] = list(given) if isinstance(given, list) else []
        if isinstance(errors, list):
            codes += [e.get("code") for e in errors if isinstance(e, dict)]
        reason = next(
            (_BROWSER_REASONS[c] for c in codes if isinstance(c, str) and c in _BROWSER_REASONS), "upload.refused"
        )
        found.append((sanitize_filename(raw)[:NAME_CHARS], reason))
    return found


def browser_refusal_texts(
    rejections: Any, language: str, *, max_mb: int, max_files: int, allowed: str = ""
) -> list[str]:
    """One line per file a drop zone refused in the browser: its name, why, and what is allowed
    (`allowed`, the text shown next to the drop zone), in the user's language. For every drop
    zone of the portal (core/components/drop_zone.py), so no English toast is shown."""
    texts: list[str] = []
    for name, code in browser_refusals(rejections):
        if code == "upload.too_many_at_once":
            texts.append(f"{name}: " + i18n.t("upload.too_many_at_once_n", language, count=max_files))
        else:
            texts.append(
                " ".join(part for part in (f"{name}:", i18n.t(code, language, max_mb=max_mb), allowed) if part)
            )
    return texts


def bytes_of(*lists: list[dict[str, Any]]) -> int:
    """The total size of pending files."""
    return sum(int(data["size"]) for files in lists for data in files)


def remove(store: FileStore, pending: list[dict[str, Any]], index: Any, *, session: Session | None = None) -> bool:
    """Take the file at `index` (as the browser sent it) out of `pending` and the store.

    With `session`, its staging row goes too (flushed; the caller commits)."""
    try:
        data = pending.pop(int(index))
    except (TypeError, ValueError, IndexError):
        return False
    store.delete(data["key"])
    if session is not None:
        staging.release(session, [data["key"]])
    return True


def discard(store: FileStore, pending: list[dict[str, Any]], *, session: Session | None = None) -> None:
    """Delete every file in `pending` from the store (the message was not sent), with `session` their rows."""
    for data in pending:
        store.delete(data["key"])
    if session is not None:
        staging.release(session, [data["key"] for data in pending])
