"""Zip archives checked before anything inside is read (DESIGN.md principle 8).

``checked_zip`` looks at the whole central directory first: how many
members, how much they declare to unpack to, how well they claim to be
compressed, their names, their types and flags. Any one bad member refuses
the whole archive with ``UnsafeZip``, whose message is for the person.

Headers can lie, so the streams ``CheckedZip.open`` hands out also count
what really comes out and refuse a member that unpacks to more than it
declared. Nothing is ever written to disk here: callers read members as
streams.
"""

from __future__ import annotations

import copy
import io
import re
import stat
import struct
import unicodedata
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING

from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

if TYPE_CHECKING:
    from _typeshed import WriteableBuffer

# A member must unpack to more than this before its ratio counts: a small
# text file full of repeats compresses a thousand to one and is harmless.
RATIO_FLOOR = 1024**2
# Headroom given to zipfile past the declared size, so a member that lies
# comes out far enough for our own count to catch it (rather than only a CRC error).
_SLACK = 64 * 1024

_LOCAL_HEADER = b"PK\x03\x04"
_EMPTY_ARCHIVE = b"PK\x05\x06"
_EOCD = struct.Struct("<4s4H2LH")
_ZIP64_EOCD = struct.Struct("<4sQ2H2L4Q")
_ZIP64_LOCATOR_SIZE = 20
_CENTRAL = struct.Struct("<4s4B4HL2L5H2L")
_CENTRAL_SIGNATURE = b"PK\x01\x02"
_ZIP64_EOCD_SIGNATURE = b"PK\x06\x06"

_ENCRYPTED = 0x1
_STRONG_ENCRYPTION = 0x40
_UTF8_NAME = 0x800
_AES_METHOD = 99  # WinZip AES: the method field says "encrypted"
# bzip2 and LZMA members are decompressed by zipfile without an output
# bound per read, so a few kilobytes could unpack to gigabytes in one call.
_READABLE_METHODS = frozenset({zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED})
_DRIVE = re.compile(r"^[A-Za-z]:")


class UnsafeZip(ValueError):
    """The archive is refused; ``str(error)`` says why, in the person's language."""


@dataclass(frozen=True)
class Member:
    name: str  # "/"-separated, as the archive names it
    size: int  # declared uncompressed bytes
    compressed_size: int


class CheckedZip:
    """A checked archive: its regular files, and a bounded stream for each."""

    def __init__(self, archive: zipfile.ZipFile, infos: dict[str, zipfile.ZipInfo]) -> None:
        self._archive = archive
        self._infos = infos
        self.members: list[Member] = [
            Member(name, info.file_size, info.compress_size) for name, info in infos.items()
        ]

    def open(self, member: Member) -> IO[bytes]:
        info = self._infos[member.name]
        # zipfile stops at the declared size; let it run a little past so our count sees a lie.
        roomy = copy.copy(info)
        roomy.file_size = info.file_size + _SLACK
        try:
            inner = self._archive.open(roomy)
        except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError, RuntimeError):
            raise UnsafeZip(_damaged(member.name)) from None
        return io.BufferedReader(_Counted(inner, member))


def is_zip(head: bytes) -> bool:
    """Whether ``head`` starts like a zip archive (a first member, or an empty archive)."""
    return head.startswith((_LOCAL_HEADER, _EMPTY_ARCHIVE))


@contextmanager
def checked_zip(
    file: IO[bytes],
    *,
    max_members: int = 10_000,
    max_total: int = 4 * 1024**3,
    max_ratio: int = 200,
) -> Iterator[CheckedZip]:
    """``file`` as a checked archive, or UnsafeZip before anything inside is read."""
    if _count_members(file, max_members) > max_members:
        raise UnsafeZip(_too_many(max_members))
    try:
        archive = zipfile.ZipFile(file)
    except UnicodeDecodeError:
        raise UnsafeZip(_("A file name in this archive is not valid text.")) from None
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, struct.error, NotImplementedError):
        raise UnsafeZip(_("This file is not a zip archive, or the archive is damaged.")) from None
    with archive:
        infos = _check(archive, file, max_members, max_total, max_ratio)
        yield CheckedZip(archive, infos)


def _check(
    archive: zipfile.ZipFile, file: IO[bytes], max_members: int, max_total: int, max_ratio: int
) -> dict[str, zipfile.ZipInfo]:
    entries = archive.infolist()
    if len(entries) > max_members:
        raise UnsafeZip(_too_many(max_members))
    regular: dict[str, zipfile.ZipInfo] = {}
    total = compressed = 0
    for info in entries:
        raw = _decoded_name(info)
        shown = _shown(raw)
        if not raw or any(unicodedata.category(char) in ("Cc", "Cs") for char in raw):
            raise UnsafeZip(
                _("“%(name)s” in this archive has a name that is not valid text.") % {"name": shown}
            )
        name = _inside_name(raw)
        if name is None:
            raise UnsafeZip(
                _("“%(name)s” in this archive has a path that points outside the archive.")
                % {"name": shown}
            )
        if info.flag_bits & (_ENCRYPTED | _STRONG_ENCRYPTION) or info.compress_type == _AES_METHOD:
            raise UnsafeZip(
                _(
                    "“%(name)s” in this archive is protected by a password; export the "
                    "archive again without one."
                )
                % {"name": shown}
            )
        kind = stat.S_IFMT(info.external_attr >> 16)
        if kind not in (0, stat.S_IFREG, stat.S_IFDIR):
            raise UnsafeZip(
                _(
                    "“%(name)s” in this archive is a link or a special file; only plain "
                    "files are read."
                )
                % {"name": shown}
            )
        if raw.endswith(("/", "\\")) or kind == stat.S_IFDIR:
            continue
        if info.compress_type not in _READABLE_METHODS:
            raise UnsafeZip(
                _(
                    "“%(name)s” in this archive is compressed with a method MyHealthHub "
                    "does not read; only stored and deflated files are read."
                )
                % {"name": shown}
            )
        if name in regular:
            raise UnsafeZip(
                _("“%(name)s” appears more than once in this archive.") % {"name": shown}
            )
        if info.file_size > RATIO_FLOOR and info.file_size > max_ratio * info.compress_size:
            raise UnsafeZip(
                _(
                    "“%(name)s” in this archive claims to be compressed more than %(ratio)s "
                    "to 1, as zip bombs are; the archive was not opened."
                )
                % {"name": shown, "ratio": max_ratio}
            )
        total += info.file_size
        compressed += info.compress_size
        if total > max_total:
            raise UnsafeZip(
                _(
                    "This archive would unpack to more than %(limit)s (at “%(name)s”); "
                    "MyHealthHub reads at most that much from one archive."
                )
                % {"limit": filesizeformat(max_total), "name": shown}
            )
        regular[name] = info
    if total > RATIO_FLOOR and total > max_ratio * compressed:
        raise UnsafeZip(
            _(
                "This archive claims to be compressed more than %(ratio)s to 1, as zip "
                "bombs are; it was not opened."
            )
            % {"ratio": max_ratio}
        )
    file.seek(0, io.SEEK_END)
    if compressed > file.tell():
        # Members that share their compressed bytes: the overlapping zip bomb.
        raise UnsafeZip(_("This archive is damaged: its files overlap."))
    return regular


def _decoded_name(info: zipfile.ZipInfo) -> str:
    raw = info.orig_filename
    if info.flag_bits & _UTF8_NAME:
        return raw
    # Archivers that write UTF-8 names without saying so (macOS, many Windows tools):
    # zipfile read them as cp437, which maps every byte, so the bytes come back exactly.
    try:
        return raw.encode("cp437").decode("utf-8")
    except UnicodeError:
        return raw


def _inside_name(raw: str) -> str | None:
    """The name with "/" separators, or None if it is absolute or climbs out."""
    name = raw.replace("\\", "/")
    if name.startswith("/") or _DRIVE.match(name):
        return None
    parts = [part for part in name.split("/") if part not in ("", ".")]
    # Windows drops trailing dots and spaces, so ". ." and "..." can also mean "..".
    if not parts or any(not part.strip(". ") for part in parts):
        return None
    return "/".join(parts)


def _shown(name: str) -> str:
    printable = "".join("�" if unicodedata.category(char) == "Cc" else char for char in name)
    return printable if len(printable) <= 120 else printable[:119] + "…"


def _too_many(limit: int) -> str:
    return _(
        "This archive holds more than %(limit)s files; MyHealthHub reads at most that many "
        "from one archive."
    ) % {"limit": limit}


def _damaged(name: str) -> str:
    return _("“%(name)s” in this archive is damaged.") % {"name": _shown(name)}


def _count_members(file: IO[bytes], limit: int) -> int:
    """How many entries the central directory holds, counting no further than ``limit + 1``.

    zipfile builds an object for every entry before we could count them; an
    archive of a million empty files would cost a gigabyte of memory first.
    Anything malformed counts 0 here and is left to zipfile to refuse.
    """
    found = _central_directory(file)
    if found is None:
        return 0
    start, size = found
    file.seek(start)
    count = consumed = 0
    while consumed < size and count <= limit:
        header = file.read(_CENTRAL.size)
        if len(header) < _CENTRAL.size or not header.startswith(_CENTRAL_SIGNATURE):
            break
        name_length, extra_length, comment_length = struct.unpack_from("<3H", header, 28)
        skip = name_length + extra_length + comment_length
        file.seek(skip, io.SEEK_CUR)
        consumed += _CENTRAL.size + skip
        count += 1
    return count


def _central_directory(file: IO[bytes]) -> tuple[int, int] | None:
    """Where the central directory starts and its size, found as zipfile finds them."""
    file.seek(0, io.SEEK_END)
    length = file.tell()
    tail_length = min(length, _EOCD.size + 0xFFFF)
    file.seek(length - tail_length)
    tail = file.read(tail_length)
    at = tail.rfind(_EMPTY_ARCHIVE)
    if at < 0 or len(tail) - at < _EOCD.size:
        return None
    eocd = length - tail_length + at
    fields = _EOCD.unpack_from(tail, at)
    entries, size = fields[4], fields[5]
    if entries != 0xFFFF and size != 0xFFFFFFFF:
        return eocd - size, size
    zip64_at = eocd - _ZIP64_LOCATOR_SIZE - _ZIP64_EOCD.size
    if zip64_at < 0:
        return None
    file.seek(zip64_at)
    record = file.read(_ZIP64_EOCD.size)
    if len(record) < _ZIP64_EOCD.size or not record.startswith(_ZIP64_EOCD_SIGNATURE):
        return None
    size = _ZIP64_EOCD.unpack(record)[8]
    return zip64_at - size, size


class _Counted(io.RawIOBase):
    """A member's bytes, refused as soon as more come out than its header declared."""

    def __init__(self, inner: IO[bytes], member: Member) -> None:
        super().__init__()
        self._inner = inner
        self._member = member
        self._produced = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: WriteableBuffer) -> int:
        view = memoryview(buffer).cast("B")
        wanted = len(view)
        try:
            data = self._inner.read(wanted)
        except (zipfile.BadZipFile, EOFError, OSError, zlib.error):
            raise UnsafeZip(_damaged(self._member.name)) from None
        self._produced += len(data)
        if self._produced > self._member.size:
            raise UnsafeZip(
                _(
                    "“%(name)s” in this archive holds more data than its header declares; "
                    "it was not read."
                )
                % {"name": _shown(self._member.name)}
            )
        if not data and wanted and self._produced < self._member.size:
            raise UnsafeZip(_damaged(self._member.name))
        view[: len(data)] = data
        return len(data)

    def close(self) -> None:
        if not self.closed:
            self._inner.close()
        super().close()
