"""A backup that carries the master key, sealed with a passphrase.

With the master key inside, the backup alone opens every document, so the
whole file is sealed: scrypt turns the passphrase into a key (memory-hard, so
guessing costs), and lib/crypto seals the tar with it in authenticated chunks,
the way every stored file is sealed. A wrong passphrase and an altered byte
fail alike, before anything is restored.
"""

from __future__ import annotations

import os
import struct
from collections.abc import Iterator
from typing import BinaryIO

from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from myhealthhub.lib import crypto

MAGIC = b"MHH-BACKUP-SEALED\x01"
# scrypt's cost: 2**17 × 8 × 128 bytes is 128 MiB and about half a second, the
# strength OWASP names for scrypt; stored in the header so it can grow later.
COST_LOG2, BLOCK_SIZE, PARALLELISM = 17, 8, 1
HEADER = struct.Struct(f">{len(MAGIC)}s16sBBB")
MINIMUM_LENGTH = 12


class WrongPassphrase(Exception):
    """The passphrase does not open the backup, or the backup was altered."""


def is_sealed(path: os.PathLike[str] | str) -> bool:
    with open(path, "rb") as handle:
        return handle.read(len(MAGIC)) == MAGIC


def sealing_writer(sink: BinaryIO, passphrase: str) -> crypto.SealingWriter:
    salt = os.urandom(16)
    sink.write(HEADER.pack(MAGIC, salt, COST_LOG2, BLOCK_SIZE, PARALLELISM))
    return crypto.SealingWriter(_key(passphrase, salt, COST_LOG2, BLOCK_SIZE, PARALLELISM), sink)


def opened(source: BinaryIO, passphrase: str) -> _PlainReader:
    """The tar inside, as a stream; raises WrongPassphrase as soon as a chunk fails."""
    header = source.read(HEADER.size)
    if len(header) != HEADER.size:
        raise WrongPassphrase
    magic, salt, cost_log2, block_size, parallelism = HEADER.unpack(header)
    # A header asking for more than ten times today's cost is not one we wrote.
    if magic != MAGIC or not (10 <= cost_log2 <= 20 and block_size <= 16 and parallelism <= 4):
        raise WrongPassphrase
    key = _key(passphrase, salt, cost_log2, block_size, parallelism)
    return _PlainReader(crypto.decrypt_chunks(key, source))


def _key(passphrase: str, salt: bytes, cost_log2: int, block_size: int, parallelism: int) -> bytes:
    kdf = Scrypt(salt=salt, length=crypto.KEY_BYTES, n=2**cost_log2, r=block_size, p=parallelism)
    return kdf.derive(passphrase.encode())


class _PlainReader:
    """The decrypted chunks as a file tarfile can read in stream mode."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._chunks = chunks
        self._pending = bytearray()

    def read(self, size: int = -1) -> bytes:
        while size < 0 or len(self._pending) < size:
            try:
                chunk = next(self._chunks)
            except StopIteration:
                break
            except crypto.IntegrityError:
                raise WrongPassphrase from None
            self._pending += chunk
        if size < 0:
            size = len(self._pending)
        piece = bytes(self._pending[:size])
        del self._pending[:size]
        return piece
