"""Encryption at rest (DESIGN.md principle 7): AES-256-GCM in chunks, keys wrapped by a master key.

Every stored file has its own random key. The file is cut into chunks of
64 KiB, each sealed with AES-256-GCM, so a 200 MB file streams through
bounded memory in both directions. Each chunk's nonce is the file's random
prefix plus the chunk's number, and its associated data says whether it is
the last chunk: a flipped byte, a reordered, dropped, repeated or appended
chunk, or a truncated file all fail loudly with IntegrityError.

The file key is stored only wrapped (AES-256-GCM) by the master key, which
lives outside the database; rotating the master key rewraps file keys
without touching the files.

Layout: MAGIC (4) · chunk size (4, big-endian) · nonce prefix (8) · chunks,
each ciphertext + 16-byte tag.
"""

from __future__ import annotations

import hashlib
import os
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

MAGIC = b"MHH\x01"
CHUNK_SIZE = 64 * 1024
KEY_BYTES = 32
TAG_BYTES = 16
PREFIX_BYTES = 8
HEADER = struct.Struct(">4sI8s")
WRAP_CONTEXT = b"myhealthhub file key v1"
# Small secrets kept in the database (TOTP keys): sealed by the master key
# too, under their own context so they can never pass for a file key.
SECRET_CONTEXT = b"myhealthhub secret v1"


class Readable(Protocol):
    def read(self, size: int = ..., /) -> bytes: ...


class Writable(Protocol):
    def write(self, data: bytes, /) -> Any: ...


class IntegrityError(Exception):
    """The ciphertext or its key was altered, truncated or does not belong together."""


@dataclass(frozen=True)
class Sealed:
    sha256: str  # of the plaintext
    size: int  # plaintext bytes


def new_file_key() -> bytes:
    return os.urandom(KEY_BYTES)


def wrap_key(master_key: bytes, file_key: bytes) -> bytes:
    nonce = os.urandom(12)
    return nonce + AESGCM(master_key).encrypt(nonce, file_key, WRAP_CONTEXT)


def seal_secret(master_key: bytes, secret: bytes) -> bytes:
    nonce = os.urandom(12)
    return nonce + AESGCM(master_key).encrypt(nonce, secret, SECRET_CONTEXT)


def open_secret(master_key: bytes, sealed: bytes) -> bytes:
    try:
        return AESGCM(master_key).decrypt(sealed[:12], sealed[12:], SECRET_CONTEXT)
    except InvalidTag:
        raise IntegrityError("the secret does not open with this master key") from None


def unwrap_key(master_key: bytes, wrapped: bytes) -> bytes:
    try:
        return AESGCM(master_key).decrypt(wrapped[:12], wrapped[12:], WRAP_CONTEXT)
    except InvalidTag:
        raise IntegrityError("the file key does not open with this master key") from None


def encrypt_stream(
    file_key: bytes, source: Readable, sink: Writable, chunk_size: int = CHUNK_SIZE
) -> Sealed:
    """Read ``source`` to its end and write its sealed form to ``sink``."""
    writer = SealingWriter(file_key, sink, chunk_size)
    while chunk := source.read(chunk_size):
        writer.write(chunk)
    return writer.close()


class SealingWriter:
    """Seal what is written to it, for a producer that writes (tarfile) rather than
    a source to be read; ``close()`` seals the last chunk and must be called.

    The output is byte for byte the layout ``encrypt_stream`` writes: a chunk is
    sealed only once the next byte arrives, or at close, because its associated
    data says whether it is the last.
    """

    def __init__(self, file_key: bytes, sink: Writable, chunk_size: int = CHUNK_SIZE) -> None:
        self._prefix = os.urandom(PREFIX_BYTES)
        self._header = HEADER.pack(MAGIC, chunk_size, self._prefix)
        self._aes = AESGCM(file_key)
        self._sink = sink
        self._chunk_size = chunk_size
        self._pending = bytearray()
        self._index = 0
        self._digest = hashlib.sha256()
        self._size = 0
        sink.write(self._header)

    def write(self, data: bytes) -> int:
        self._digest.update(data)
        self._size += len(data)
        self._pending += data
        # Keep at least one byte back: the chunk it belongs to may be the last.
        while len(self._pending) > self._chunk_size:
            self._seal(bytes(self._pending[: self._chunk_size]), last=False)
            del self._pending[: self._chunk_size]
        return len(data)

    def close(self) -> Sealed:
        self._seal(bytes(self._pending), last=True)
        self._pending.clear()
        return Sealed(sha256=self._digest.hexdigest(), size=self._size)

    def _seal(self, chunk: bytes, *, last: bool) -> None:
        nonce = _nonce(self._prefix, self._index)
        self._sink.write(self._aes.encrypt(nonce, chunk, _associated(self._header, last)))
        self._index += 1


def decrypt_chunks(file_key: bytes, source: Readable) -> Iterator[bytes]:
    """Yield the plaintext chunk by chunk; raises IntegrityError on any tampering.

    A chunk is yielded only after its tag checked, but an error can still come
    after earlier chunks were yielded: callers that must not act on a partial
    file (restore, export) check the whole stream before using it.
    """
    header = source.read(HEADER.size)
    if len(header) != HEADER.size:
        raise IntegrityError("the file is shorter than its header")
    magic, chunk_size, prefix = HEADER.unpack(header)
    if magic != MAGIC or not 0 < chunk_size <= 16 * 1024 * 1024:
        raise IntegrityError("not a MyHealthHub encrypted file")
    aes = AESGCM(file_key)
    sealed_size = chunk_size + TAG_BYTES
    index = 0
    sealed = _read_exactly(source, sealed_size)
    while True:
        following = _read_exactly(source, sealed_size) if len(sealed) == sealed_size else b""
        last = not following
        if len(sealed) < TAG_BYTES:
            raise IntegrityError("the file is truncated")
        try:
            yield aes.decrypt(_nonce(prefix, index), sealed, _associated(header, last))
        except InvalidTag:
            raise IntegrityError(f"chunk {index} does not authenticate") from None
        if last:
            return
        sealed = following
        index += 1


def decrypt_stream(file_key: bytes, source: Readable, sink: Writable) -> Sealed:
    digest = hashlib.sha256()
    size = 0
    for chunk in decrypt_chunks(file_key, source):
        digest.update(chunk)
        size += len(chunk)
        sink.write(chunk)
    return Sealed(sha256=digest.hexdigest(), size=size)


def _nonce(prefix: bytes, index: int) -> bytes:
    if index >= 2**32:
        raise ValueError("file too large for one key")
    return prefix + struct.pack(">I", index)


def _associated(header: bytes, last: bool) -> bytes:
    return header + (b"\x01" if last else b"\x00")


def _read_exactly(source: Readable, size: int) -> bytes:
    # A stream may return fewer bytes than asked before its end (pipes, sockets).
    parts = []
    remaining = size
    while remaining:
        part = source.read(remaining)
        if not part:
            break
        parts.append(part)
        remaining -= len(part)
    return b"".join(parts)
