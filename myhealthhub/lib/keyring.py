"""The master keys: which one seals now, and every one that may still open something.

A master key wraps the key of each stored file (documents) and seals each
second-factor secret (accounts). It is read from the key file each time, so
a process started before a rotation seals with the new key after it. During
a rotation the new key waits beside the key file (``.next``), and after it
the old one stays (``.previous``) until the next: both remain in the ring.
"""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path

from django.conf import settings

from myhealthhub.lib import keyfiles


class MissingKey(Exception):
    """Something was sealed under a master key that is not configured."""


def key_id(master_key: bytes) -> str:
    # A fingerprint, not the key: safe to keep beside what it sealed.
    return hashlib.sha256(b"myhealthhub master key id\0" + master_key).hexdigest()[:16]


def _beside_key_file(suffix: str) -> Path | None:
    key_file: Path | None = settings.MASTER_KEY_FILE
    return key_file.with_name(key_file.name + suffix) if key_file else None


def next_key_path() -> Path | None:
    """Where a file-based rotation keeps the new key until everything uses it."""
    return _beside_key_file(".next")


def previous_key_path() -> Path | None:
    """The key before the last rotation: it opens whatever a process that had not
    yet seen the new key sealed in the moment of the switch."""
    return _beside_key_file(".previous")


def read_key(path: Path | None) -> bytes | None:
    try:
        return keyfiles.decode_master_key(path.read_text().strip()) if path else None
    except FileNotFoundError:
        return None


def write_key(path: Path, key: bytes) -> None:
    """Write ``key`` to ``path`` whole or not at all, readable by its owner only."""
    keyfiles.replace(path, base64.urlsafe_b64encode(key).decode())


def current() -> bytes:
    """The key new things are sealed with."""
    return read_key(settings.MASTER_KEY_FILE) or bytes(settings.MASTER_KEY)


def keyring() -> dict[str, bytes]:
    """Every configured master key, by its id."""
    keys = [
        current(),
        bytes(settings.MASTER_KEY),
        settings.MASTER_KEY_PREVIOUS,
        read_key(next_key_path()),
        read_key(previous_key_path()),
    ]
    return {key_id(key): key for key in keys if key}
