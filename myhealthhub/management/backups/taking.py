"""``myhealthhub backup``: one consistent file of the whole instance, taken while it serves.

The database is copied first, at one moment; then every stored file that copy
names is read from the storage as it is, still sealed. A file created after
that moment is not in the backup, and neither is any row naming it, so the
two agree. The tar is written under a name that says it is unfinished and
renamed only once the manifest is in and the bytes are on disk: a backup cut
short leaves no file that passes for a whole one.
"""

from __future__ import annotations

import base64
import datetime as dt
import os
import tarfile
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from typing import IO, Any, BinaryIO

from django.conf import settings
from django.core.files.storage import Storage
from django.utils.translation import gettext as _

from myhealthhub.documents.storage import default_storage
from myhealthhub.lib import keyring
from myhealthhub.lib.workers import holder_is_dead, this_worker
from myhealthhub.management.backups import databases, passphrase
from myhealthhub.management.backups.manifest import (
    ENGINES,
    FILES,
    MANIFEST,
    MASTER_KEY,
    SECRET_KEY,
    HashingReader,
    Manifest,
    Part,
)

# What `--output FOLDER` names its backups, newest last when sorted by name.
NAME_PREFIX = "myhealthhub-"
PLAIN_SUFFIX = ".tar"
SEALED_SUFFIX = ".tar.sealed"
PARTIAL_SUFFIX = ".partial"
READ_BYTES = 1024 * 1024


class BackupRefused(Exception):
    """The backup cannot be taken as asked; the message says why."""


@dataclass(frozen=True)
class Taken:
    path: Path
    files: int
    size: int
    missing: list[str]
    removed: list[Path]


def take(output: Path, *, passphrase_text: str | None = None, keep: int | None = None) -> Taken:
    """Back the instance up to ``output`` (a file, or a folder to name one in).

    With ``passphrase_text``, the master key and the secret key go in too and
    the whole file is sealed with the passphrase.
    """
    sealed = passphrase_text is not None
    if output.is_dir():
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
        path = output / f"{NAME_PREFIX}{stamp}{SEALED_SUFFIX if sealed else PLAIN_SUFFIX}"
    elif keep is not None:
        raise BackupRefused(
            _("--keep needs --output to be a folder: %(path)s is not one.") % {"path": output}
        )
    else:
        path = output
    if path.exists():
        raise BackupRefused(
            _("%(path)s exists already: a backup never replaces a file.") % {"path": path}
        )
    if not path.parent.is_dir():
        raise BackupRefused(_("%(path)s is not a folder.") % {"path": path.parent})
    keys = _keys() if sealed else {}
    _sweep_partials(path.parent)
    partial = path.with_name(f".{path.name}.{_this_host()}-{os.getpid()}{PARTIAL_SUFFIX}")
    try:
        with _private_file(partial) as out:
            manifest = _write(out, keys, passphrase_text)
            out.flush()
            os.fsync(out.fileno())
        os.replace(partial, path)
        _sync_folder(path.parent)
    finally:
        partial.unlink(missing_ok=True)
    removed = _rotate(path.parent, keep) if keep is not None else []
    return Taken(
        path=path,
        files=len(manifest.files),
        size=path.stat().st_size,
        missing=manifest.missing,
        removed=removed,
    )


def _write(out: BinaryIO, keys: dict[str, bytes], passphrase_text: str | None) -> Manifest:
    sink: Any = out if passphrase_text is None else passphrase.sealing_writer(out, passphrase_text)
    # PAX: names of any length, sizes past 8 GiB.
    with tarfile.open(fileobj=sink, mode="w|", format=tarfile.PAX_FORMAT) as tar:
        manifest = _write_parts(tar, keys)
        _add(tar, MANIFEST, manifest.to_json())
    if passphrase_text is not None:
        sink.close()
    return manifest


def _write_parts(tar: tarfile.TarFile, keys: dict[str, bytes]) -> Manifest:
    engine = databases.engine()
    with tempfile.TemporaryDirectory(dir=settings.DATA_DIR, prefix=".backup-") as staging:
        dump = Path(staging) / ENGINES[engine]
        snapshot = databases.snapshot(dump)
        with dump.open("rb") as handle:
            database = _add_stream(tar, ENGINES[engine], handle, dump.stat().st_size)
    manifest = Manifest(
        engine=engine,
        created_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        database=database,
        migrations=snapshot.migrations,
        rows=snapshot.rows,
        key_ids=sorted(set(snapshot.files.values())),
    )
    storage = default_storage()
    for name in sorted(snapshot.files):
        copied = _add_stored(tar, storage, name)
        if copied is None:
            manifest.missing.append(name)
        else:
            manifest.files.append(copied)
    for member, value in keys.items():
        manifest.keys.append(_add(tar, member, value))
    return manifest


def _add_stored(tar: tarfile.TarFile, storage: Storage, name: str) -> Part | None:
    """Copy one stored file as it is; None if it is gone (deleted since the snapshot)."""
    try:
        size = storage.size(name)
        handle = storage.open(name, "rb")
    except FileNotFoundError:
        return None
    except Exception:
        # S3 answers a missing object with its own error, not FileNotFoundError.
        if storage.exists(name):
            raise
        return None
    with handle:
        return _add_stream(tar, FILES + name, handle, size)


def _add(tar: tarfile.TarFile, name: str, data: bytes) -> Part:
    return _add_stream(tar, name, BytesIO(data), len(data))


def _add_stream(tar: tarfile.TarFile, name: str, source: IO[bytes], size: int) -> Part:
    info = tarfile.TarInfo(name)
    info.size = size
    info.mode = 0o600
    info.mtime = int(time.time())
    hashing = HashingReader(source)
    # tarfile reads exactly `size` bytes and fails if the source ends sooner.
    tar.addfile(info, hashing)
    return Part(name=name, sha256=hashing.digest.hexdigest(), size=size)


def _keys() -> dict[str, bytes]:
    """The keys a sealed backup carries: without them its files open nowhere else."""
    master = keyring.current()
    ring = keyring.keyring()
    if len(ring) > 1 and _unfinished_rotation(set(ring) - {keyring.key_id(master)}):
        raise BackupRefused(
            _(
                "A master key rotation is unfinished: run `myhealthhub keys rotate` first, "
                "so that one key opens every file."
            )
        )
    return {
        MASTER_KEY: base64.urlsafe_b64encode(master) + b"\n",
        SECRET_KEY: settings.SECRET_KEY.encode() + b"\n",
    }


def _unfinished_rotation(other_ids: set[str]) -> bool:
    from myhealthhub.documents.models import SealedFile

    return SealedFile.objects.filter(key_id__in=other_ids).exists()


@contextmanager
def _private_file(path: Path) -> Iterator[BinaryIO]:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        yield handle


def _sync_folder(folder: Path) -> None:
    # The rename is durable only once the folder's entry is on disk.
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _sweep_partials(folder: Path) -> None:
    """Remove what a backup killed on this machine left, once its process is gone."""
    # Named ".<backup's name>.<host>-<pid>.partial": which process writes it.
    marker = f".{_this_host()}-"
    for leftover in folder.glob(f".*{PARTIAL_SUFFIX}"):
        head, found, pid = leftover.name.removesuffix(PARTIAL_SUFFIX).rpartition(marker)
        if found and head and holder_is_dead(f"{_this_host()}:{pid}", at_worker_start=False):
            leftover.unlink(missing_ok=True)


def _this_host() -> str:
    return this_worker().rpartition(":")[0]


def _rotate(folder: Path, keep: int) -> list[Path]:
    """Keep the newest ``keep`` backups this command named in ``folder``; remove the rest."""
    backups = sorted(
        path
        for path in folder.iterdir()
        if path.name.startswith(NAME_PREFIX)
        and path.name.endswith((PLAIN_SUFFIX, SEALED_SUFFIX))
        and path.is_file()
    )
    removed = backups[: max(len(backups) - keep, 0)]
    for path in removed:
        path.unlink()
    return removed
