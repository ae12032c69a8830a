"""Encrypted file storage on any Django storage backend (local folder or S3-compatible).

Files are sealed by lib/crypto before they reach the backend, so the backend
only ever holds ciphertext under random names; a filename a person gave is
never part of a path. Plaintext streams through in bounded memory both ways:
the sealed form spools to a temporary file past 1 MiB, and reading yields
64 KiB chunks as each one authenticates.
"""

from __future__ import annotations

import logging
import secrets
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass

from django.core.files import File
from django.core.files.storage import Storage, storages

from myhealthhub.documents import spool
from myhealthhub.lib import crypto

log = logging.getLogger(__name__)

SPOOL_BYTES = 1024 * 1024


@dataclass(frozen=True)
class StoredFile:
    name: str  # where the ciphertext lives in the storage backend
    wrapped_key: bytes  # the file key, wrapped by the master key
    sha256: str  # of the plaintext
    size: int  # plaintext bytes


def default_storage() -> Storage:
    return storages["default"]


def put(
    source: crypto.Readable, *, master_key: bytes, folder: str, storage: Storage | None = None
) -> StoredFile:
    """Seal ``source`` (read to its end) and store it under a new random name in ``folder``."""
    storage = storage or default_storage()
    file_key = crypto.new_file_key()
    with tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES) as sealed_copy:
        sealed = crypto.encrypt_stream(file_key, source, sealed_copy)
        sealed_copy.seek(0)
        # A random name: nothing a person typed ever reaches a path.
        name = storage.save(f"{folder}/{secrets.token_hex(16)}.sealed", File(sealed_copy))
    return StoredFile(
        name=name,
        wrapped_key=crypto.wrap_key(master_key, file_key),
        sha256=sealed.sha256,
        size=sealed.size,
    )


def read(
    stored: StoredFile, *, master_key: bytes, storage: Storage | None = None
) -> Iterator[bytes]:
    """The plaintext, chunk by chunk; raises crypto.IntegrityError if anything was altered."""
    storage = storage or default_storage()
    file_key = crypto.unwrap_key(master_key, stored.wrapped_key)
    # django-storages spools an S3 download (ciphertext, unnamed) into the
    # upload folder, FILE_UPLOAD_TEMP_DIR, which is made when first needed.
    spool.make_private(spool.upload_folder())
    with storage.open(stored.name, "rb") as handle:
        yield from crypto.decrypt_chunks(file_key, handle)


def rewrap(wrapped_key: bytes, *, old_master: bytes, new_master: bytes) -> bytes:
    """The same file key wrapped by a new master key: rotation touches no file."""
    return crypto.wrap_key(new_master, crypto.unwrap_key(old_master, wrapped_key))


def delete(stored: StoredFile, *, storage: Storage | None = None) -> None:
    (storage or default_storage()).delete(stored.name)


def delete_names(names: list[str], *, storage: Storage | None = None) -> None:
    """Delete sealed blobs whose rows are already gone; one that cannot go is logged."""
    backend = storage or default_storage()
    for name in names:
        try:
            backend.delete(name)
        except OSError:  # an unreachable bucket must not undo the deletion
            log.warning("could not delete sealed file %s; remove it by hand", name)
