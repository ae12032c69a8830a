"""Sealed files opened with the master keys, and the keys' rotation (DESIGN.md principle 7).

Each SealedFile records which master key wrapped its file key (``key_id``),
so a rotation rewraps in batches and may stop and resume at any point: until
it ends, both the old and the new key stay in the key ring and every file
opens. Files themselves are never re-encrypted.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from myhealthhub.audit.log import log_action
from myhealthhub.audit.models import Action
from myhealthhub.documents import storage
from myhealthhub.documents.models import SealedFile
from myhealthhub.errors import ActionRefused
from myhealthhub.lib import crypto, keyfiles, keyring
from myhealthhub.lib.hooks import Hook

BATCH = 500


def master_for(sealed: SealedFile) -> bytes:
    try:
        return keyring.keyring()[sealed.key_id]
    except KeyError:
        raise keyring.MissingKey(
            f"{sealed.name} was sealed with master key {sealed.key_id}, which is not configured"
        ) from None


def read(sealed: SealedFile) -> Iterator[bytes]:
    """The plaintext of a sealed file; raises crypto.IntegrityError if it was altered."""
    return storage.read(sealed.stored, master_key=master_for(sealed))


# (the target master key): apps above documents reseal the secrets they keep (sharing's
# link keys) under it, in the same transaction as the second-factor secrets.
resealing: Hook[[bytes]] = Hook("documents.resealing")


def rewrap_all(target: bytes) -> int:
    """Rewrap every file key not yet under ``target``; returns how many were rewrapped.

    Second-factor secrets sealed by the master key are resealed under it too.
    """
    from myhealthhub.accounts import secrets

    with transaction.atomic():
        secrets.reseal_all(target)
        resealing(target)
    ring = keyring.keyring()
    target_id = keyring.key_id(target)
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
                    raise keyring.MissingKey(
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
    pending, previous = keyring.next_key_path(), keyring.previous_key_path()
    key_file: Path | None = settings.MASTER_KEY_FILE
    assert pending is not None and previous is not None and key_file is not None
    new_key = keyfiles.decode_master_key(
        keyfiles.read_or_create(pending, keyfiles.new_master_key())
    )
    old_key = keyring.current()
    count = rewrap_all(new_key)
    if old_key != new_key:
        keyring.write_key(previous, old_key)
    os.replace(pending, key_file)
    settings.MASTER_KEY = new_key
    # Anything a running process sealed with the old key while the files were
    # switched is rewrapped too; the old key stays as .previous until the next
    # rotation, in case a process sealed something after this very line.
    return count + rewrap_all(new_key)


@dataclass(frozen=True)
class Rotation:
    rewrapped: int
    # Where the new key is: the key file, or None when it came from MYHEALTHHUB_MASTER_KEY.
    key_file: Path | None


def rotate() -> Rotation:
    """Rotate as this instance keeps its key, and record it.

    With a key file, a new key is made (``rotate_key_file``). With the key
    in MYHEALTHHUB_MASTER_KEY, the person set the new one there and the old
    one in MYHEALTHHUB_MASTER_KEY_PREVIOUS; every file key moves to the new.
    """
    key_file: Path | None = settings.MASTER_KEY_FILE
    if key_file is not None:
        rotation = Rotation(rotate_key_file(), key_file)
    elif settings.MASTER_KEY_PREVIOUS is None:
        raise ActionRefused(
            _(
                "The master key comes from MYHEALTHHUB_MASTER_KEY. To rotate it, set "
                "MYHEALTHHUB_MASTER_KEY to the new key and MYHEALTHHUB_MASTER_KEY_PREVIOUS to "
                "the old one, then run this again."
            )
        )
    else:
        rotation = Rotation(rewrap_all(keyring.current()), None)
    log_action(Action.KEYS_ROTATED, request=None, actor_label="myhealthhub keys rotate")
    return rotation
