"""Secrets that MyHealthHub makes for itself on first run.

A fresh install needs a Django secret key and a master key for file
encryption. Both are generated into the data folder, readable by the owner
only, so the embedded default needs no configuration at all.
"""

from __future__ import annotations

import base64
import os
import secrets
import time
from pathlib import Path

MASTER_KEY_BYTES = 32  # AES-256

# Whether a secret not made yet is written down (a first run) or only made up
# for this process: a command asked only for its help leaves no file behind.
_first_run_writes = True


def leave_files_alone() -> None:
    """Make up missing secrets for this process alone, writing no file or folder."""
    global _first_run_writes
    _first_run_writes = False


def read_or_create(path: Path, make: str) -> str:
    """Return the secret stored at ``path``, creating it (mode 0600) if absent.

    ``O_EXCL`` makes the creation race-free when several gunicorn workers start
    together: exactly one writes the file and the others read what it wrote.
    The data folder it is in is made readable by its owner only.
    """
    if not _first_run_writes:
        return _read_complete(path) if path.exists() else make
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return _read_complete(path)
    with os.fdopen(fd, "w") as handle:
        handle.write(make + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    return make


def replace(path: Path, secret: str) -> None:
    """Write ``secret`` to ``path`` whole or not at all, readable by its owner only."""
    partial = path.with_name(path.name + ".partial")
    partial.unlink(missing_ok=True)
    read_or_create(partial, secret)
    os.replace(partial, path)


def _read_complete(path: Path) -> str:
    # A worker that lost the O_EXCL race may read before the winner has
    # written; wait briefly for the content instead of using an empty key.
    for _ in range(200):  # up to two seconds
        value = path.read_text().strip()
        if value:
            return value
        time.sleep(0.01)
    raise RuntimeError(f"{path} exists but is empty; remove it or restore it from a backup")


def new_secret_key() -> str:
    return secrets.token_urlsafe(64)


def new_master_key() -> str:
    return base64.urlsafe_b64encode(secrets.token_bytes(MASTER_KEY_BYTES)).decode()


def decode_master_key(text: str) -> bytes:
    try:
        key = base64.urlsafe_b64decode(text.encode())
    except ValueError:
        raise ValueError("the master key is not valid base64") from None
    if len(key) != MASTER_KEY_BYTES:
        raise ValueError(f"the master key must be {MASTER_KEY_BYTES} bytes, not {len(key)}")
    return key
