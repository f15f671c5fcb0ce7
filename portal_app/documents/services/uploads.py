"""Upload validation: safe display names and an allowlist checked on magic bytes.

`sanitize_filename` makes a client-supplied name safe to show and to offer on
download (it is never used as a path: files are stored under random keys).
`check_content` accepts a file only when its extension is on the allowlist AND
its first bytes match that type; it returns the MIME type to store.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from collections.abc import AsyncIterator, Iterator
from typing import Any

from portal_app.core.services.errors import ValidationFailed

# How many bytes of a file `check_content` wants to see (callers peek this much).
HEAD_BYTES = 4096
FALLBACK_NAME = "bestand"
MAX_NAME_BYTES = 200
MAX_EXTENSION_CHARS = 10


class UploadRefused(ValidationFailed):
    """An upload is refused; `code` is the i18n key of the message for the user."""

    code = "upload.refused"

    def __init__(self, code: str = "upload.refused", **params: Any):
        super().__init__(code, code=code, field="file", **params)


PDF = "application/pdf"
JPEG = "image/jpeg"
PNG = "image/png"
HEIC = "image/heic"
DOC = "application/msword"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLS = "application/vnd.ms-excel"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ODT = "application/vnd.oasis.opendocument.text"
TXT = "text/plain"

# extension -> MIME type stored and served. SVG (and HTML) are never allowed.
ALLOWED: dict[str, str] = {
    "pdf": PDF,
    "jpg": JPEG,
    "jpeg": JPEG,
    "png": PNG,
    "heic": HEIC,
    "doc": DOC,
    "docx": DOCX,
    "xls": XLS,
    "xlsx": XLSX,
    "odt": ODT,
    "txt": TXT,
}

# For the `accept` of an upload widget: MIME -> extensions (a hint only; the server decides).
ACCEPT: dict[str, list[str]] = {}
for _ext, _mime in ALLOWED.items():
    ACCEPT.setdefault(_mime, []).append(f".{_ext}")
ACCEPT_EXTENSIONS = ",".join(f".{ext}" for ext in ALLOWED)

# MIME types a browser may show inline (downloads use `attachment` for all others).
INLINE_OK = frozenset({PDF, PNG, JPEG})

# --------------------------------------------------------------------------
# file names
# --------------------------------------------------------------------------

_BIDI = {chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x200E, 0x200F, 0x061C)}
_WINDOWS_FORBIDDEN = re.compile(r'[<>:"|?*]')
_RESERVED = (
    {"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"}
    | {f"COM{i}" for i in "123456789¹²³"}
    | {f"LPT{i}" for i in "123456789¹²³"}
)


def _drop_char(ch: str) -> bool:
    if ch in _BIDI:
        return True
    # Cc: control (NUL, CR, LF, ...), Cf: format (bidi marks, zero-width),
    # Cs: lone surrogates, Zl/Zp: line and paragraph separators.
    return unicodedata.category(ch) in {"Cc", "Cf", "Cs", "Zl", "Zp"}


def _split_extension(name: str) -> tuple[str, str]:
    stem, dot, ext = name.rpartition(".")
    if dot and stem and ext and len(ext) <= MAX_EXTENSION_CHARS and ext.isalnum():
        return stem, "." + ext
    return name, ""


def _truncate_utf8(text: str, max_bytes: int) -> str:
    encoded = text.encode("utf-8")
    if len(encoded) <= max_bytes:
        return text
    return encoded[:max_bytes].decode("utf-8", errors="ignore")


def sanitize_filename(name: Any) -> str:
    """A safe display name for a client-supplied file name (never a path)."""
    if not isinstance(name, str):
        return FALLBACK_NAME
    name = unicodedata.normalize("NFC", name)
    name = "".join(ch for ch in name if not _drop_char(ch))
    # Only the last path component, for both / and \ separators.
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = _WINDOWS_FORBIDDEN.sub("_", name)
    name = " ".join(name.split())  # collapse whitespace (tabs, NBSP, ...)
    name = name.lstrip(". ").rstrip(". ")
    stem, ext = _split_extension(name)
    if stem.split(".", 1)[0].rstrip(" ").upper() in _RESERVED:
        stem = "_" + stem
    ext = ext.lower() if ext.lower().lstrip(".") in ALLOWED else ext
    stem = _truncate_utf8(stem, MAX_NAME_BYTES - len(ext.encode("utf-8"))).rstrip(". ")
    name = unicodedata.normalize("NFC", stem + ext if stem else ext.lstrip("."))
    name = _truncate_utf8(name, MAX_NAME_BYTES).rstrip(". ")
    return name or FALLBACK_NAME


def extension_of(filename: str) -> str:
    _, ext = _split_extension(filename or "")
    return ext[1:].lower()


# --------------------------------------------------------------------------
# content
# --------------------------------------------------------------------------

OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP = b"PK\x03\x04"
_HEIC_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"hevm", b"hevs"}
_HEIF_GENERIC = {b"mif1", b"msf1"}
_AVIF = {b"avif", b"avis"}
# Markup that makes a file dangerous when a browser sniffs it as HTML/SVG.
_MARKUP = (b"<script", b"<svg", b"<html", b"<!doctype html", b"<iframe", b"<body", b"<object", b"<embed")


def _has_markup(data: bytes) -> bool:
    lowered = data.lower()
    return any(marker in lowered for marker in _MARKUP)


def _first_zip_entry(head: bytes) -> tuple[str, bytes] | None:
    """Name and (if stored uncompressed) data of the first zip entry in `head`."""
    if len(head) < 30 or head[:4] != ZIP:
        return None
    method = int.from_bytes(head[8:10], "little")
    comp_size = int.from_bytes(head[18:22], "little")
    name_len = int.from_bytes(head[26:28], "little")
    extra_len = int.from_bytes(head[28:30], "little")
    name = head[30 : 30 + name_len].decode("cp437", errors="replace")
    start = 30 + name_len + extra_len
    data = head[start : start + comp_size] if method == 0 else b""
    return name, data


def _is_heic(head: bytes) -> bool:
    if len(head) < 16 or head[4:8] != b"ftyp":
        return False
    box_size = int.from_bytes(head[0:4], "big")
    if box_size < 16:
        return False
    major = head[8:12]
    compatible = {head[i : i + 4] for i in range(16, min(box_size, len(head)) - 3, 4)}
    brands = {major} | compatible
    if brands & _HEIC_BRANDS:
        return True
    return major in _HEIF_GENERIC and not (brands & _AVIF)


def _check_zip(ext: str, head: bytes) -> bool:
    if head[:4] != ZIP:
        return False
    entry = _first_zip_entry(head)
    is_odf = entry is not None and entry[0] == "mimetype"
    if ext == "odt":
        if is_odf:
            assert entry is not None  # is_odf says there is one
            return entry[1].strip() == ODT.encode()
        # No leading mimetype entry: refuse what is clearly an OOXML file.
        return b"[Content_Types].xml" not in head
    # docx / xlsx: an OpenDocument file renamed is a mismatch
    return not is_odf


def _check_text(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    data = head[3:] if head.startswith(codecs.BOM_UTF8) else head
    try:
        # final=False: the head may end in the middle of a multi-byte character
        text = codecs.getincrementaldecoder("utf-8")().decode(data, final=False)
    except UnicodeDecodeError:
        if any(b < 0x20 and b not in (0x09, 0x0A, 0x0C, 0x0D) for b in data):
            return False
        text = data.decode("latin-1")
    if any(ord(ch) < 0x20 and ch not in "\t\n\f\r" for ch in text):
        return False
    if text.lstrip().startswith("<"):
        return False
    return not _has_markup(text.encode("utf-8", errors="ignore"))


def check_content(filename: str, head: bytes) -> str:
    """The MIME type for an upload, or UploadRefused.

    `head` is the start of the file (at least HEAD_BYTES when the file is that
    long). Extension and magic bytes must both say the same allowed type.
    """
    ext = extension_of(filename)
    if ext not in ALLOWED:
        raise UploadRefused("upload.type_not_allowed", allowed=ACCEPT_EXTENSIONS)
    head = bytes(head or b"")
    if not head:
        raise UploadRefused("upload.empty")
    mime = ALLOWED[ext]
    if ext == "pdf":
        ok = head.startswith(b"%PDF-") and not _has_markup(head[:1024])
    elif ext in ("jpg", "jpeg"):
        ok = head.startswith(b"\xff\xd8\xff")
    elif ext == "png":
        ok = head.startswith(b"\x89PNG\r\n\x1a\n")
    elif ext == "heic":
        ok = _is_heic(head)
    elif ext in ("doc", "xls"):
        ok = head.startswith(OLE2)
    elif ext in ("docx", "xlsx"):
        # password-protected OOXML files are OLE2 containers
        ok = head.startswith(OLE2) or _check_zip(ext, head)
    elif ext == "odt":
        ok = _check_zip(ext, head)
    elif ext == "txt":
        ok = _check_text(head)
    else:  # pragma: no cover - ALLOWED and the branches above agree
        ok = False
    if not ok:
        raise UploadRefused("upload.content_mismatch")
    return mime


async def aiter_file(file: Any, chunk_size: int = 64 * 1024) -> AsyncIterator[bytes]:
    """Async chunks of an uploaded file object (`read` may be sync or async)."""
    import inspect

    while True:
        chunk = file.read(chunk_size)
        if inspect.isawaitable(chunk):
            chunk = await chunk
        if not chunk:
            return
        yield chunk


def iter_file(file: Any, chunk_size: int = 64 * 1024) -> Iterator[bytes]:
    """Chunks of a binary file object with a synchronous `read`."""
    while True:
        chunk = file.read(chunk_size)
        if not chunk:
            return
        yield chunk
