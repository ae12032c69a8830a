"""The master keys that open sealed files, and their rotation (DESIGN.md principle 7).

Each SealedFile records which master key wrapped its file key (``key_id``),
so a rotation rewraps in batches and may stop and resume at any point: until
it ends, both the old and the new key stay in the key ring and every file
opens. Files themselves are never re-encrypted.
"""

from __future__ import annotations

import base64
import hashlib
import os
from collections.abc import Iterator
from pathlib import Path

from django.conf import settings
from django.db import transaction

from myhealthhub.documents import storage
from myhealthhub.documents.models import SealedFile
from myhealthhub.lib import crypto, keyfiles

BATCH = 500


class MissingKey(Exception):
    """A file was sealed under a master key that is not configured."""


def key_id(master_key: bytes) -> str:
    # A fingerprint, not the key: safe to keep beside the wrapped keys.
    return hashlib.sha256(b"myhealthhub master key id\0" + master_key).hexdigest()[:16]


def _beside_key_file(suffix: str) -> Path | None:
    key_file: Path | None = settings.MASTER_KEY_FILE
    return key_file.with_name(key_file.name + suffix) if key_file else None


def next_key_path() -> Path | None:
    """Where a file-based rotation keeps the new key until every file key uses it."""
    return _beside_key_file(".next")


def previous_key_path() -> Path | None:
    """The key before the last rotation: it opens whatever a process that had not
    yet seen the new key sealed in the moment of the switch."""
    return _beside_key_file(".previous")


def _read_key(path: Path | None) -> bytes | None:
    try:
        return keyfiles.decode_master_key(path.read_text().strip()) if path else None
    except FileNotFoundError:
        return None


def current() -> bytes:
    """The key new files are sealed with: read from the key file each time, so a
    process started before a rotation seals with the new key after it."""
    return _read_key(settings.MASTER_KEY_FILE) or bytes(settings.MASTER_KEY)


def keyring() -> dict[str, bytes]:
    keys = [
        current(),
        bytes(settings.MASTER_KEY),
        settings.MASTER_KEY_PREVIOUS,
        _read_key(next_key_path()),
        _read_key(previous_key_path()),
    ]
    return {key_id(key): key for key in keys if key}


def master_for(sealed: SealedFile) -> bytes:
    try:
        return keyring()[sealed.key_id]
    except KeyError:
        raise MissingKey(
            f"{sealed.name} was sealed with master key {sealed.key_id}, which is not configured"
        ) from None


def read(sealed: SealedFile) -> Iterator[bytes]:
    """The plaintext of a sealed file; raises crypto.IntegrityError if it was altered."""
    return storage.read(sealed.stored, master_key=master_for(sealed))


def rewrap_all(target: bytes) -> int:
    """Rewrap every file key not yet under ``target``; returns how many were rewrapped.

    Second-factor secrets sealed by the master key are resealed under it too.
    """
    from myhealthhub.accounts import secrets

    with transaction.atomic():
        secrets.reseal_all(target)
    ring = keyring()
    target_id = key_id(target)
    done = 0
    while True:
        with transaction.atomic():
            batch = list(
                SealedFile.objects.select_for_update()
                .exclude(key_id=target_id)
                .order_by("pk")[:BATCH]
            )
            if not batch:
                return done
            for sealed in batch:
                if sealed.key_id not in ring:
                    raise MissingKey(
                        f"{sealed.name} was sealed with master key {sealed.key_id}, "
                        "which is not configured; set MYHEALTHHUB_MASTER_KEY_PREVIOUS to it"
                    )
                sealed.wrapped_key = crypto.wrap_key(
                    target, crypto.unwrap_key(ring[sealed.key_id], bytes(sealed.wrapped_key))
                )
                sealed.key_id = target_id
            SealedFile.objects.bulk_update(batch, ["wrapped_key", "key_id"])
            done += len(batch)


def rotate_key_file() -> int:
    """Make a new master key, rewrap every file key under it, then make it the key file.

    The new key is written beside the old one first, so a rotation that is
    interrupted leaves both readable and running it again finishes it.
    """
    pending, previous = next_key_path(), previous_key_path()
    key_file: Path | None = settings.MASTER_KEY_FILE
    assert pending is not None and previous is not None and key_file is not None
    new_key = keyfiles.decode_master_key(
        keyfiles.read_or_create(pending, keyfiles.new_master_key())
    )
    old_key = current()
    count = rewrap_all(new_key)
    if old_key != new_key:
        _write_key(previous, old_key)
    os.replace(pending, key_file)
    settings.MASTER_KEY = new_key
    # Anything a running process sealed with the old key while the files were
    # switched is rewrapped too; the old key stays as .previous until the next
    # rotation, in case a process sealed something after this very line.
    return count + rewrap_all(new_key)


def _write_key(path: Path, key: bytes) -> None:
    partial = path.with_name(path.name + ".partial")
    partial.unlink(missing_ok=True)
    keyfiles.read_or_create(partial, base64.urlsafe_b64encode(key).decode())
    os.replace(partial, path)
