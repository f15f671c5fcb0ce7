"""A really full disk: a tiny tmpfs holds the file store (root only; skipped where mounting is not allowed)."""

from __future__ import annotations

import asyncio
import io
import os
import subprocess

import pytest

from portal_app.documents.services.storage import FileStore
from portal_app.messages.services import attachments

PDF = b"%PDF-1.4\n" + b"1 0 obj<<>>endobj\n" * 50 + b"%%EOF\n"


class Upload:
    def __init__(self, name: str, data: bytes):
        self.name = name
        self._data = io.BytesIO(data)

    def read(self, size: int = -1) -> bytes:
        return self._data.read(size)


@pytest.fixture
def tiny_disk(tmp_path):
    mount_point = tmp_path / "tiny"
    mount_point.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(mount_point)], capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode(errors='replace')[:200]}")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", str(mount_point)], check=False)


def test_upload_onto_a_full_disk_is_refused_and_leaves_nothing(tiny_disk):
    store = FileStore(tiny_disk / "files")
    pending: list[dict] = []
    refused = asyncio.run(
        attachments.stage(
            [Upload("klein.pdf", PDF), Upload("groot.pdf", PDF + b"x" * (1024 * 1024))],
            store=store,
            pending=pending,
            max_bytes=10 * 1024 * 1024,
        )
    )
    assert [d["filename"] for d in pending] == ["klein.pdf"]
    assert [(r.name, r.code) for r in refused] == [("groot.pdf", "upload.disk_full")]
    assert list(store.tmp_dir.iterdir()) == []  # the half-written temp file is gone
    assert [key for key, _ in store.iter_keys()] == [pending[0]["key"]]
