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

from portal_app.documents.services.documents import astore_pending
from portal_app.documents.services.storage import FileStore
from portal_app.documents.services.uploads import UploadRefused, aiter_file
from portal_app.messages.services.messages import MAX_ATTACHMENTS

MAX_FILES_PER_BATCH = 10  # the pickers accept at most this many files at once (rx.upload max_files)
NAME_CHARS = 80  # a refused file's name is cut to this in the error line
TOO_MANY = "too_many"  # the refusal code for a file over the message's or the batch's count


@dataclass(frozen=True)
class Refusal:
    name: str  # as picked, cut to NAME_CHARS
    code: str  # an UploadRefused code, or TOO_MANY


def upload_name(upload: object) -> str:
    """The name the browser gave the file (Reflex's UploadFile has `name`, older ones `filename`)."""
    return str(getattr(upload, "name", None) or getattr(upload, "filename", "") or "bestand")


async def stage(
    uploads: Iterable[Any], *, store: FileStore, pending: list[dict[str, Any]], max_bytes: int, attached: int = 0
) -> list[Refusal]:
    """Validate and store `uploads`, appending each accepted file to `pending` (in place).

    A message holds at most MAX_ATTACHMENTS files, counting those already in
    `pending` and `attached` others (the client's dialog stages apart from the files
    already under the message); a pick beyond that, or beyond MAX_FILES_PER_BATCH,
    is refused by name.
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
        pending.append(stored.as_dict())
    return refused


def remove(store: FileStore, pending: list[dict[str, Any]], index: Any) -> bool:
    """Take the file at `index` (as the browser sent it) out of `pending` and the store."""
    try:
        data = pending.pop(int(index))
    except (TypeError, ValueError, IndexError):
        return False
    store.delete(data["key"])
    return True


def discard(store: FileStore, pending: list[dict[str, Any]]) -> None:
    """Delete every file in `pending` from the store (the message was not sent)."""
    for data in pending:
        store.delete(data["key"])
