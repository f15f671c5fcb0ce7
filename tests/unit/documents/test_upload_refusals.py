"""Refused uploads are named, with the reason, in the user's language (issue 14 item 2), and the
input corners: names with path parts, control characters, 300 characters; content that lies."""

from __future__ import annotations

import asyncio
import errno
import io

import pytest

from portal_app.core.services import i18n
from portal_app.documents.api import PartCounter, _BadRequest, _TooLarge
from portal_app.documents.services import storage
from portal_app.documents.services.storage import DiskFull, FileStore
from portal_app.documents.services.uploads import sanitize_filename
from portal_app.messages.services import attachments

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


class Upload:
    def __init__(self, name: str, data: bytes):
        self.name = name
        self._data = io.BytesIO(data)

    def read(self, size: int = -1) -> bytes:
        return self._data.read(size)


def _stage(store, uploads) -> tuple[list[dict], list[attachments.Refusal]]:
    pending: list[dict] = []
    refused = asyncio.run(attachments.stage(uploads, store=store, pending=pending, max_bytes=10**6))
    return pending, refused


# ---- what the drop zone refused in the browser -------------------------------------------------


def test_browser_refusals_as_the_dialog_sends_them():
    rejections = [
        {"name": "virus.exe", "codes": ["file-invalid-type"]},
        {"name": "../../groot.pdf", "codes": ["file-too-large", "file-invalid-type"]},
        {"name": "x\u0000y.pdf", "codes": "not-a-list"},
    ]
    assert attachments.browser_refusals(rejections) == [
        ("virus.exe", "upload.type_not_allowed"),
        ("groot.pdf", "upload.too_large"),
        ("xy.pdf", "upload.refused"),
    ]


def test_browser_refusals_are_named_with_their_reason():
    rejections = [
        {"file": {"path": "./virus.exe"}, "errors": [{"code": "file-invalid-type", "message": "File type must be"}]},
        {"file": {"path": "groot.pdf"}, "errors": [{"code": "file-too-large", "message": "File is larger than"}]},
        {"file": {"path": "c:\\temp\\veel.pdf"}, "errors": [{"code": "too-many-files"}]},
        {"file": {}, "errors": [{"code": "something-new"}]},
    ]
    assert attachments.browser_refusals(rejections) == [
        ("virus.exe", "upload.type_not_allowed"),
        ("groot.pdf", "upload.too_large"),
        ("veel.pdf", "upload.too_many_at_once"),
        ("bestand", "upload.refused"),
    ]


@pytest.mark.parametrize("junk", [None, "x", [1, "a", None], [{"file": "x", "errors": "y"}]])
def test_browser_refusals_survive_forged_payloads(junk):
    for name, code in attachments.browser_refusals(junk):
        assert name and code.startswith("upload.")


def test_browser_refusals_are_bounded():
    many = [{"file": {"path": f"{i}.exe"}, "errors": [{"code": "file-invalid-type"}]} for i in range(500)]
    assert len(attachments.browser_refusals(many)) == attachments.MAX_BROWSER_REFUSALS


@pytest.mark.parametrize(
    "key",
    [
        "upload.type_not_allowed",
        "upload.too_large",
        "upload.too_many_at_once",
        "upload.refused",
        "upload.message_too_large",
        "upload.quota_exceeded",
        "upload.disk_full",
        "upload.failed",
        "upload.limits",
    ],
)
def test_every_refusal_reads_in_dutch_and_english(key):
    params = {"max_mb": 25, "message_mb": 50, "quota_mb": 200}
    dutch, english = i18n.t(key, "nl", **params), i18n.t(key, "en", **params)
    assert dutch != key and english != key and dutch != english
    assert "{" not in dutch and "{" not in english


def test_limits_text_names_file_and_message_limit():
    assert i18n.t("upload.limits", "nl", max_mb=25, message_mb=50) == (
        "Maximaal 25 MB per bestand en 50 MB per bericht, 10 bestanden tegelijk."
    )


# ---- a full disk ---------------------------------------------------------------------------------


class _FullDisk(io.FileIO):
    """A file on a disk that fills up after `room` bytes (the OS answers ENOSPC)."""

    room = 1000

    def write(self, data) -> int:  # type: ignore[override]
        if self.tell() + len(data) > self.room:
            raise OSError(errno.ENOSPC, "No space left on device")
        return super().write(data)


def test_full_disk_refuses_with_a_clear_reason_and_leaves_no_half_file(tmp_path, monkeypatch):
    store = FileStore(tmp_path / "files")
    monkeypatch.setattr(storage.os, "fdopen", lambda fd, mode: _FullDisk(fd, "wb"))
    pending, refused = _stage(store, [Upload("akte.pdf", PDF + b"x" * 5000), Upload("klein.pdf", PDF)])
    assert [(r.name, r.code) for r in refused] == [("akte.pdf", "upload.disk_full")]
    assert [d["filename"] for d in pending] == ["klein.pdf"]  # what still fits is kept
    assert list(store.tmp_dir.iterdir()) == []  # no half-written temp file
    assert len(list(store.iter_keys())) == 1
    assert "geen ruimte" in i18n.t("upload.disk_full", "nl")
    assert "no space" in i18n.t("upload.disk_full", "en")


def test_other_os_errors_are_not_disguised_as_a_full_disk(tmp_path, monkeypatch):
    class _Broken(io.FileIO):
        def write(self, data) -> int:  # type: ignore[override]
            raise OSError(errno.EIO, "I/O error")

    store = FileStore(tmp_path / "files")
    monkeypatch.setattr(storage.os, "fdopen", lambda fd, mode: _Broken(fd, "wb"))
    with pytest.raises(OSError) as caught:
        store.save_bytes(PDF, max_bytes=10**6)
    assert not isinstance(caught.value, DiskFull) and caught.value.errno == errno.EIO
    assert list(store.tmp_dir.iterdir()) == []


# ---- input corners -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "shown"),
    [
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("C:\\Users\\jan\\akte.pdf", "akte.pdf"),
        ("/var/tmp/.hidden.pdf", "hidden.pdf"),
        ("ak\x00te\r\n.pdf", "akte.pdf"),
        ("akte\u202egnp.pdf", "aktegnp.pdf"),
    ],
)
def test_names_with_path_parts_and_control_characters_are_cleaned(tmp_path, given, shown):
    pending, refused = _stage(FileStore(tmp_path / "files"), [Upload(given, PDF)])
    assert refused == []
    assert pending[0]["filename"] == shown == sanitize_filename(given)


def test_a_300_character_name_is_cut_keeping_its_extension(tmp_path):
    pending, _ = _stage(FileStore(tmp_path / "files"), [Upload("é" * 300 + ".pdf", PDF)])
    name = pending[0]["filename"]
    assert name.endswith(".pdf") and len(name.encode()) <= 200


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("akte.pdf", b"MZ\x90\x00" + b"\x00" * 100),  # a Windows program named .pdf
        ("foto.jpg", PDF),  # a PDF named .jpg
        ("brief.txt", b"<html><script>alert(1)</script>"),  # HTML named .txt
        ("scan.png", b"<svg onload=alert(1)>"),
    ],
)
def test_content_that_does_not_match_its_extension_is_refused(tmp_path, name, data):
    store = FileStore(tmp_path / "files")
    pending, refused = _stage(store, [Upload(name, data)])
    assert pending == [] and [(r.name, r.code) for r in refused] == [(name, "upload.content_mismatch")]
    assert list(store.iter_keys()) == []


# ---- the guard's streaming counter -----------------------------------------------------------------


def _body(*parts: bytes) -> bytes:
    out = b""
    for i, data in enumerate(parts):
        out += f'--b\r\nContent-Disposition: form-data; name="files"; filename="{i}.pdf"\r\n\r\n'.encode()
        out += data + b"\r\n"
    return out + b"--b--\r\n"


def test_counter_stops_at_the_first_file_over_the_limit_in_small_chunks():
    counter = PartCounter("multipart/form-data; boundary=b", per_file=100, per_request=10_000)
    body = _body(b"x" * 100, b"y" * 101)
    with pytest.raises(_TooLarge):
        for start in range(0, len(body), 7):
            counter.feed(body[start : start + 7])
    assert counter.total < len(body)  # stopped before the end of the body


def test_counter_passes_files_at_the_limit():
    counter = PartCounter("multipart/form-data; boundary=b", per_file=100, per_request=10_000)
    counter.feed(_body(b"x" * 100, b"y" * 100))


def test_counter_stops_at_the_request_limit():
    counter = PartCounter("multipart/form-data; boundary=b", per_file=1000, per_request=500)
    with pytest.raises(_TooLarge):
        counter.feed(_body(b"x" * 300, b"y" * 300))


@pytest.mark.parametrize("content_type", [None, "text/plain", "multipart/form-data", "application/json; boundary=b"])
def test_counter_refuses_what_is_not_multipart(content_type):
    with pytest.raises(_BadRequest):
        PartCounter(content_type, per_file=10, per_request=10)
