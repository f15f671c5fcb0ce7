"""Encryption of backup archives with a key file (AES-256-GCM, streamed in chunks).

A backup can be larger than memory, so the archive is sealed in chunks of at most 1 MiB.
Layout: MAGIC, an 8-byte random nonce prefix, then records of
`flag (1 byte) | length (4 bytes, big-endian) | ciphertext+tag`. The nonce of record n is
the prefix followed by n (4 bytes); the flag (1 on the last record) and n are in the
associated data, so records cannot be reordered, dropped or cut off without the check
failing. A wrong key fails on the first record.
"""

from __future__ import annotations

import base64
import binascii
import os
import secrets
import struct
from pathlib import Path
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

MAGIC = b"KPBACKUP-AESGCM1"
CHUNK = 1024 * 1024
_HEADER = struct.Struct(">BI")
_TAG = 16


class KeyFileError(ValueError):
    """The key file is missing or does not hold a 256-bit key."""


class DecryptionFailed(ValueError):
    """Wrong key, or the encrypted archive was changed or cut off."""


def new_key_file(path: Path) -> None:
    """Write a new random key (base64 text, readable only by the owner); never overwrites."""
    key = base64.urlsafe_b64encode(secrets.token_bytes(32)).decode("ascii")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(key + "\n")


def read_key_file(path: Path) -> bytes:
    """The 32-byte key of a key file: base64 (as written by new_key_file), 64 hex digits or 32 raw bytes."""
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise KeyFileError(f"cannot read key file {path}: {error.strerror}") from None
    text = raw.strip()
    candidates: list[bytes] = []
    if len(text) == 64:
        try:
            candidates.append(binascii.unhexlify(text))
        except (binascii.Error, ValueError):
            pass
    try:
        candidates.append(base64.urlsafe_b64decode(text))
    except (binascii.Error, ValueError):
        pass
    candidates.append(raw)
    for key in candidates:
        if len(key) == 32:
            return key
    raise KeyFileError(f"key file {path} does not hold a 256-bit key (make one with: cli backup-key FILE)")


def is_encrypted(path: Path) -> bool:
    with open(path, "rb") as handle:
        return handle.read(len(MAGIC)) == MAGIC


def _nonce(prefix: bytes, counter: int) -> bytes:
    return prefix + struct.pack(">I", counter)


def _aad(prefix: bytes, counter: int, last: bool) -> bytes:
    return MAGIC + prefix + struct.pack(">IB", counter, 1 if last else 0)


class EncryptingWriter:
    """A write-only binary stream that seals what is written into `target`."""

    def __init__(self, target: BinaryIO, key: bytes):
        self._target = target
        self._aead = AESGCM(key)
        self._prefix = secrets.token_bytes(8)
        self._counter = 0
        self._buffer = bytearray()
        self._closed = False
        target.write(MAGIC + self._prefix)

    def _seal(self, data: bytes, last: bool) -> None:
        if self._counter >= 2**32 - 1:  # pragma: no cover - 4 PiB
            raise ValueError("archive too large")
        sealed = self._aead.encrypt(_nonce(self._prefix, self._counter), data, _aad(self._prefix, self._counter, last))
        self._target.write(_HEADER.pack(1 if last else 0, len(sealed)) + sealed)
        self._counter += 1

    def write(self, data: bytes) -> int:
        if self._closed:
            raise ValueError("write to a closed archive")
        self._buffer.extend(data)
        while len(self._buffer) > CHUNK:
            self._seal(bytes(self._buffer[:CHUNK]), last=False)
            del self._buffer[:CHUNK]
        return len(data)

    def close(self) -> None:
        """Seal the last record (always present, so a cut-off archive is noticed)."""
        if not self._closed:
            self._seal(bytes(self._buffer), last=True)
            self._buffer.clear()
            self._closed = True


class DecryptingReader:
    """A read-only binary stream of the plain archive inside an encrypted one."""

    def __init__(self, source: BinaryIO, key: bytes):
        self._source = source
        self._aead = AESGCM(key)
        header = source.read(len(MAGIC) + 8)
        if header[: len(MAGIC)] != MAGIC or len(header) != len(MAGIC) + 8:
            raise DecryptionFailed("not an encrypted portal backup")
        self._prefix = header[len(MAGIC) :]
        self._counter = 0
        self._buffer = b""
        self._done = False

    def _next_record(self) -> None:
        head = self._source.read(_HEADER.size)
        if len(head) != _HEADER.size:
            raise DecryptionFailed("the encrypted archive is cut off")
        flag, length = _HEADER.unpack(head)
        if flag not in (0, 1) or length < _TAG or length > CHUNK + _TAG:
            raise DecryptionFailed("the encrypted archive is damaged")
        sealed = self._source.read(length)
        if len(sealed) != length:
            raise DecryptionFailed("the encrypted archive is cut off")
        last = flag == 1
        try:
            plain = self._aead.decrypt(
                _nonce(self._prefix, self._counter), sealed, _aad(self._prefix, self._counter, last)
            )
        except InvalidTag:
            raise DecryptionFailed("wrong key, or the encrypted archive was changed") from None
        self._counter += 1
        if last:
            if self._source.read(1):
                raise DecryptionFailed("the encrypted archive has data after its end")
            self._done = True
        self._buffer += plain

    def read(self, size: int = -1) -> bytes:
        while not self._done and (size < 0 or len(self._buffer) < size):
            self._next_record()
        if size < 0:
            data, self._buffer = self._buffer, b""
        else:
            data, self._buffer = self._buffer[:size], self._buffer[size:]
        return data
