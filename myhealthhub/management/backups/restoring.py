"""``myhealthhub restore``: a whole backup into an empty instance, checked before and after.

First every byte is read and checked against the manifest, and the instance
against the backup: the same database engine, a database with no tables, a
storage without these files, migrations this version knows, and a master key
that opens the files (the backup's own, or the one configured here). Only then
is anything written: the stored files, the keys, and the database last, so a
database never names a file that is not there. A failure on the way removes
what was written. Afterwards the restored instance is read back: every
table's rows counted, every stored file's SHA-256 and every file key opened.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tarfile
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, cast

from django.conf import settings
from django.core.files import File
from django.core.management import call_command
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.utils.translation import gettext as _

from myhealthhub.documents.storage import default_storage
from myhealthhub.lib import crypto, keyfiles, keyring
from myhealthhub.lib.env import env_secret
from myhealthhub.management.backups import databases, passphrase
from myhealthhub.management.backups.manifest import (
    ENGINES,
    FILES,
    MANIFEST,
    MASTER_KEY,
    SECRET_KEY,
    HashingReader,
    Manifest,
    NotABackup,
    stored_name_is_safe,
)

READ_BYTES = 1024 * 1024
# A manifest lists every file; even a million of them is far below this.
MANIFEST_BYTES = 512 * 1024 * 1024
KEY_BYTES = 1024


class RestoreRefused(Exception):
    """The backup cannot be restored here; the message says why, and nothing was written."""


@dataclass
class Restored:
    files: int
    rows: int
    migrated: bool
    missing: list[str] = field(default_factory=list)


def needs_passphrase(path: Path) -> bool:
    return passphrase.is_sealed(path)


def restore(path: Path, *, passphrase_text: str | None = None) -> Restored:
    with tempfile.TemporaryDirectory(dir=_private_data_dir(), prefix=".restore-") as staging:
        manifest, staged = _check(path, passphrase_text, Path(staging))
        _check_instance(manifest, staged)
        written = _write(path, passphrase_text, manifest, staged)
    _verify(manifest)
    migrated = _migrate_if_older(manifest)
    return Restored(
        files=written, rows=sum(manifest.rows.values()), migrated=migrated, missing=manifest.missing
    )


def _private_data_dir() -> Path:
    folder = Path(settings.DATA_DIR)
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder


@contextmanager
def _members(path: Path, passphrase_text: str | None) -> Iterator[Iterator[tuple[str, IO[bytes]]]]:
    """Each member of the backup's tar, in order, as its name and its content."""
    with path.open("rb") as raw:
        source: Any = raw
        if passphrase.is_sealed(path):
            if passphrase_text is None:
                raise RestoreRefused(_("This backup is sealed with a passphrase; give it."))
            source = passphrase.opened(raw, passphrase_text)
        try:
            # Closed by the `with` below, once it is known to have opened.
            tar = tarfile.open(fileobj=source, mode="r|")  # noqa: SIM115
        except tarfile.TarError:
            raise NotABackup(_("The file is not a MyHealthHub backup.")) from None
        with tar:
            yield _regular_members(tar)


def _regular_members(tar: tarfile.TarFile) -> Iterator[tuple[str, IO[bytes]]]:
    try:
        for member in tar:
            if not member.isfile():
                raise NotABackup(
                    _("The backup holds something other than files: %(name)s")
                    % {"name": member.name}
                )
            content = tar.extractfile(member)
            assert content is not None
            yield member.name, content
    except tarfile.TarError:
        raise NotABackup(_("The backup is damaged or cut short.")) from None


def _check(
    path: Path, passphrase_text: str | None, staging: Path
) -> tuple[Manifest, dict[str, Path]]:
    """Read the whole backup once: every part's digest, and the parts needed later staged."""
    digests: dict[str, tuple[str, int]] = {}
    staged: dict[str, Path] = {}
    manifest_bytes = b""
    try:
        with _members(path, passphrase_text) as members:
            for name, content in members:
                if name in digests or (name == MANIFEST and manifest_bytes):
                    raise NotABackup(_("The backup holds %(name)s twice.") % {"name": name})
                if name == MANIFEST:
                    manifest_bytes = content.read(MANIFEST_BYTES + 1)
                    continue
                keep = name in ENGINES.values() or name in (MASTER_KEY, SECRET_KEY)
                if not keep and not (
                    name.startswith(FILES) and stored_name_is_safe(name.removeprefix(FILES))
                ):
                    raise NotABackup(
                        _("The backup names a file it may not: %(name)s") % {"name": name}
                    )
                target = staging / name.replace("/", "_") if keep else None
                digests[name] = _copy(content, target)
                if target is not None:
                    staged[name] = target
    except passphrase.WrongPassphrase:
        raise RestoreRefused(
            _("The passphrase does not open this backup, or the backup was altered.")
        ) from None
    except tarfile.TarError:
        raise NotABackup(_("The backup is damaged or cut short.")) from None
    except OSError as error:
        raise RestoreRefused(
            _("The backup could not be read: %(error)s") % {"error": error}
        ) from None
    if not manifest_bytes or len(manifest_bytes) > MANIFEST_BYTES:
        raise NotABackup(_("The backup has no manifest: it is not whole."))
    manifest = Manifest.from_json(manifest_bytes)
    expected = {part.name: (part.sha256, part.size) for part in manifest.parts}
    for name, (sha256, size) in expected.items():
        if name not in digests:
            raise NotABackup(_("The backup lacks %(name)s: it is not whole.") % {"name": name})
        if digests[name] != (sha256, size):
            raise NotABackup(_("%(name)s in the backup was altered or damaged.") % {"name": name})
    if set(digests) - set(expected):
        raise NotABackup(_("The backup holds parts its manifest does not list."))
    return manifest, staged


def _copy(content: IO[bytes], target: Path | None) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    with (target or Path(os.devnull)).open("wb") as sink:
        while chunk := content.read(READ_BYTES):
            digest.update(chunk)
            size += len(chunk)
            sink.write(chunk)
    return digest.hexdigest(), size


def _check_instance(manifest: Manifest, staged: dict[str, Path]) -> None:
    """Whether this instance can take the backup; raises RestoreRefused before any write."""
    here = databases.engine()
    if manifest.engine != here:
        raise RestoreRefused(
            _(
                "This backup is of a %(backup)s database and this instance uses %(here)s: "
                "restore it into an instance on %(backup)s."
            )
            % {"backup": _engine_name(manifest.engine), "here": _engine_name(here)}
        )
    if not databases.is_empty():
        raise RestoreRefused(
            _(
                "The database already holds tables: a backup is restored only into an empty "
                "one (a new data folder, or a new PostgreSQL database)."
            )
        )
    storage = default_storage()
    present = next(
        (part.name for part in manifest.files if storage.exists(part.name.removeprefix(FILES))),
        None,
    )
    if present is not None:
        raise RestoreRefused(
            _("The storage already holds %(name)s: restore into an empty storage.")
            % {"name": present.removeprefix(FILES)}
        )
    known = MigrationLoader(None, ignore_no_migrations=True).disk_migrations
    unknown = [
        f"{app}.{name}"
        for app, names in manifest.migrations.items()
        for name in names
        if (app, name) not in known
    ]
    if unknown:
        raise RestoreRefused(
            _(
                "This backup was made by a newer MyHealthHub (it has %(migration)s): "
                "upgrade this one first."
            )
            % {"migration": unknown[0]}
        )
    ring = set(keyring.keyring())
    if MASTER_KEY in staged:
        ring.add(keyring.key_id(_staged_master_key(staged)))
    if lacking := set(manifest.key_ids) - ring:
        raise RestoreRefused(
            _(
                "The master key here does not open this backup's files. Put the master key "
                "kept with the backup in %(path)s (or in MYHEALTHHUB_MASTER_KEY), or restore "
                "a backup made with --include-master-key. (Missing key: %(key)s.)"
            )
            % {
                "path": settings.MASTER_KEY_FILE or "MYHEALTHHUB_MASTER_KEY",
                "key": sorted(lacking)[0],
            }
        )
    if (
        MASTER_KEY in staged
        and settings.MASTER_KEY_FILE is None
        and keyring.key_id(_staged_master_key(staged)) != keyring.key_id(keyring.current())
    ):
        raise RestoreRefused(
            _(
                "This instance takes its master key from MYHEALTHHUB_MASTER_KEY, and the "
                "backup's key is another: unset the variable so that the backup's key is "
                "kept in the data folder."
            )
        )


def _engine_name(engine: str) -> str:
    return {"sqlite": "SQLite", "postgresql": "PostgreSQL"}.get(engine, engine)


def _staged_master_key(staged: dict[str, Path]) -> bytes:
    text = staged[MASTER_KEY].read_bytes()[:KEY_BYTES].decode(errors="replace").strip()
    try:
        return keyfiles.decode_master_key(text)
    except ValueError:
        raise NotABackup(_("The backup's master key is damaged.")) from None


def _write(
    path: Path, passphrase_text: str | None, manifest: Manifest, staged: dict[str, Path]
) -> int:
    """Write the stored files, then the keys, then the database; undo the files on failure."""
    storage = default_storage()
    expected = {part.name: part for part in manifest.files}
    written: list[str] = []
    try:
        with _members(path, passphrase_text) as members:
            for name, content in members:
                part = expected.get(name)
                if part is None:
                    continue
                stored_name = name.removeprefix(FILES)
                checked = HashingReader(content)
                saved = storage.save(stored_name, File(cast(IO[bytes], checked), name=stored_name))
                written.append(saved)
                if saved != stored_name or checked.digest.hexdigest() != part.sha256:
                    raise RestoreRefused(
                        _("%(name)s changed while it was restored.") % {"name": name}
                    )
        _write_keys(staged)
        databases.restore(staged[manifest.database.name])
    except BaseException:
        for name in written:
            storage.delete(name)
        raise
    return len(written)


def _write_keys(staged: dict[str, Path]) -> None:
    if MASTER_KEY in staged and settings.MASTER_KEY_FILE is not None:
        master = _staged_master_key(staged)
        key_file = Path(settings.MASTER_KEY_FILE)
        if key_file.exists() and keyring.read_key(key_file) != master:
            # Made as this command started, for an empty database: kept aside all the same.
            shutil.move(key_file, key_file.with_name(key_file.name + ".before-restore"))
        keyring.write_key(key_file, master)
    # Share links' passcodes are checked with the secret key: the backup's must come along.
    if SECRET_KEY in staged and not env_secret("SECRET_KEY"):
        secret = staged[SECRET_KEY].read_bytes()[:KEY_BYTES].decode(errors="replace").strip()
        keyfiles.replace(_secret_key_file(), secret)


def _secret_key_file() -> Path:
    return Path(settings.DATA_DIR) / "secret_key"


def _migrate_if_older(manifest: Manifest) -> bool:
    known = MigrationLoader(None, ignore_no_migrations=True).disk_migrations
    applied = {(app, name) for app, names in manifest.migrations.items() for name in names}
    if set(known) <= applied:
        return False
    call_command("migrate", verbosity=0, interactive=False)
    return True


def _verify(manifest: Manifest) -> None:
    """Read the restored instance back: rows, files and keys as the backup says."""
    from myhealthhub.documents.models import SealedFile

    connection.close()
    counted = databases.counted_rows()
    for table, rows in manifest.rows.items():
        if counted.get(table) != rows:
            raise RestoreRefused(
                _("The restored table %(table)s has %(found)s rows, not %(rows)s.")
                % {"table": table, "found": counted.get(table), "rows": rows}
            )
    storage = default_storage()
    expected = {part.name.removeprefix(FILES): part.sha256 for part in manifest.files}
    ring = keyring.keyring()
    for sealed in SealedFile.objects.only("name", "key_id", "wrapped_key").iterator():
        if sealed.name in manifest.missing:
            continue
        if _stored_digest(storage.open, sealed.name) != expected.get(sealed.name):
            raise RestoreRefused(
                _("The restored file %(name)s differs from the backup's.") % {"name": sealed.name}
            )
        try:
            crypto.unwrap_key(ring[sealed.key_id], bytes(sealed.wrapped_key))
        except (KeyError, crypto.IntegrityError):
            raise RestoreRefused(
                _("The master key does not open the restored file %(name)s.")
                % {"name": sealed.name}
            ) from None


def _stored_digest(open_file: Callable[[str, str], Any], name: str) -> str:
    digest = hashlib.sha256()
    with open_file(name, "rb") as handle:
        while chunk := handle.read(READ_BYTES):
            digest.update(chunk)
    return digest.hexdigest()
