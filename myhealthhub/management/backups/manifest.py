"""What a backup holds, and the rules a backup read from disk must follow.

The manifest is the tar's last member, so its digests are of the parts as they
were written. A restore trusts nothing in the file until it has checked it
against the manifest, and nothing in the manifest until it has checked its shape:
a backup may come from anywhere.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import asdict, dataclass, field
from typing import IO, Any

from django.utils.translation import gettext as _

FORMAT = "myhealthhub-backup"
VERSION = 1
MANIFEST = "manifest.json"
FILES = "files/"
MASTER_KEY = "keys/master.key"
SECRET_KEY = "keys/secret_key"  # noqa: S105 - where it goes in the tar, not a key
# Where a stored file's sealed bytes sit in the tar: the storage's own name
# (``documents/<profile>/<random>.sealed``) under FILES.
STORED_NAME = re.compile(r"[A-Za-z0-9_-]+(/[A-Za-z0-9_-][A-Za-z0-9_.-]*)*")
ENGINES = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}


class NotABackup(Exception):
    """The file is not a MyHealthHub backup, or not a whole and unaltered one."""


@dataclass(frozen=True)
class Part:
    name: str  # the member's name in the tar
    sha256: str
    size: int


@dataclass
class Manifest:
    engine: str
    created_at: str
    database: Part
    files: list[Part] = field(default_factory=list)
    keys: list[Part] = field(default_factory=list)
    # The applied migrations, by app: a restore refuses what this version cannot run.
    migrations: dict[str, list[str]] = field(default_factory=dict)
    # Rows per table, to verify the restored database against.
    rows: dict[str, int] = field(default_factory=dict)
    # The fingerprints of the master keys the stored files are wrapped with.
    key_ids: list[str] = field(default_factory=list)
    # Files the database names that were gone when the backup read them: deleted
    # for good between the database's snapshot and the copy.
    missing: list[str] = field(default_factory=list)

    @property
    def parts(self) -> list[Part]:
        return [self.database, *self.files, *self.keys]

    def to_json(self) -> bytes:
        return json.dumps(
            {"format": FORMAT, "version": VERSION, **asdict(self)}, indent=1, sort_keys=True
        ).encode()

    @classmethod
    def from_json(cls, data: bytes) -> Manifest:
        try:
            raw = json.loads(data)
            if raw.get("format") != FORMAT:
                raise NotABackup(_("The file is not a MyHealthHub backup."))
            if raw.get("version") != VERSION:
                raise NotABackup(
                    f"backup format {raw.get('version')} is not one this version reads"
                )
            manifest = cls(
                engine=_text(raw["engine"]),
                created_at=_text(raw["created_at"]),
                database=_part(raw["database"]),
                files=[_part(item) for item in raw["files"]],
                keys=[_part(item) for item in raw["keys"]],
                migrations={
                    _text(app): [_text(name) for name in names]
                    for app, names in raw["migrations"].items()
                },
                rows={_text(table): _count(count) for table, count in raw["rows"].items()},
                key_ids=[_text(key) for key in raw["key_ids"]],
                missing=[_text(name) for name in raw["missing"]],
            )
        except NotABackup:
            raise
        except (ValueError, KeyError, TypeError, AttributeError):
            raise NotABackup(_("The backup's manifest is damaged.")) from None
        manifest.check_names()
        return manifest

    def check_names(self) -> None:
        if ENGINES.get(self.engine) != self.database.name:
            raise NotABackup(_("The backup's manifest is damaged."))
        for part in self.files:
            if not part.name.startswith(FILES) or not stored_name_is_safe(
                part.name.removeprefix(FILES)
            ):
                raise NotABackup(
                    _("The backup names a file it may not: %(name)s") % {"name": part.name}
                )
        if any(part.name not in (MASTER_KEY, SECRET_KEY) for part in self.keys):
            raise NotABackup(_("The backup's manifest is damaged."))
        names = [part.name for part in self.parts]
        if len(names) != len(set(names)):
            raise NotABackup(_("The backup's manifest is damaged."))


def stored_name_is_safe(name: str) -> bool:
    """A storage name as MyHealthHub makes them: no absolute path, no "..", no oddities."""
    return len(name) <= 300 and STORED_NAME.fullmatch(name) is not None and ".." not in name


def _part(raw: Any) -> Part:
    sha256 = _text(raw["sha256"])
    if not re.fullmatch(r"[0-9a-f]{64}", sha256):
        raise ValueError(sha256)
    return Part(name=_text(raw["name"]), sha256=sha256, size=_count(raw["size"]))


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError(value)
    return value


def _count(value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ValueError(value)
    return value


class HashingReader:
    """A part read through on its way into or out of a backup, hashed as it goes."""

    def __init__(self, source: IO[bytes]) -> None:
        self.source = source
        self.digest = hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        data = self.source.read(size)
        self.digest.update(data)
        return data

    def seek(self, offset: int, whence: int = 0) -> int:
        # Storages rewind a file before they read it; this one is at its start already.
        if offset != 0 or whence != 0 or self.source.tell() != 0:
            raise OSError("a backup part is read once, from its start")
        return 0

    def tell(self) -> int:
        return self.source.tell()
