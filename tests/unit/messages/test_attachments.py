"""The attachment staging both composers use (client dialog, office composer)."""

import asyncio
import io

from portal_app.documents.services.storage import FileStore
from portal_app.messages.services import attachments, messages

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


class Upload:
    def __init__(self, name: str, data: bytes):
        self.name = name
        self._data = io.BytesIO(data)

    def read(self, size: int = -1) -> bytes:
        return self._data.read(size)


def stored(tmp_path) -> list:
    return [path for path in (tmp_path / "files").rglob("*") if path.is_file()]


def test_stage_refuses_by_name_and_keeps_the_good_files(tmp_path):
    store = FileStore(tmp_path / "files")
    pending: list[dict] = []
    refused = asyncio.run(
        attachments.stage(
            [Upload("akte.pdf", PDF), Upload("factuur.pdf", b"MZ" + b"\0" * 64), Upload("groot.pdf", PDF * 100)],
            store=store,
            pending=pending,
            max_bytes=len(PDF) * 10,
        )
    )
    assert [data["filename"] for data in pending] == ["akte.pdf"]
    assert [refusal.name for refusal in refused] == ["factuur.pdf", "groot.pdf"]
    assert all(refusal.code.startswith("upload.") for refusal in refused)
    assert len(stored(tmp_path)) == 1


def test_room_counts_pending_attached_and_the_batch(tmp_path):
    store = FileStore(tmp_path / "files")
    pending: list[dict] = []
    room = messages.MAX_ATTACHMENTS - 3
    uploads = [Upload(f"{i}.pdf", PDF) for i in range(attachments.MAX_FILES_PER_BATCH + 2)]
    refused = asyncio.run(attachments.stage(uploads, store=store, pending=pending, max_bytes=10_000, attached=room))
    assert len(pending) == 3
    assert {refusal.code for refusal in refused} == {attachments.TOO_MANY} and len(refused) == len(uploads) - 3
    refused = asyncio.run(attachments.stage(uploads[:1], store=store, pending=pending, max_bytes=10_000, attached=room))
    assert [refusal.code for refusal in refused] == [attachments.TOO_MANY]


def test_remove_and_discard_delete_the_files(tmp_path):
    store = FileStore(tmp_path / "files")
    pending: list[dict] = []
    asyncio.run(
        attachments.stage(
            [Upload("a.pdf", PDF), Upload("b.pdf", PDF + b" ")], store=store, pending=pending, max_bytes=10_000
        )
    )
    assert len(stored(tmp_path)) == 2
    for forged in ("x", None, "7", -9):
        assert attachments.remove(store, pending, forged) is False
    assert attachments.remove(store, pending, "0") is True
    assert [data["filename"] for data in pending] == ["b.pdf"] and len(stored(tmp_path)) == 1
    attachments.discard(store, pending)
    assert stored(tmp_path) == []
