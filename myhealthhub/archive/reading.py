"""Opening an archive: nothing in it is trusted until it has been checked whole.

``opened`` checks the zip itself (lib/safe_zip), then the manifest (format,
version), then every file against the manifest's SHA-256 and size, all
before the first row is read. Rows then come out one JSON line at a time,
each value converted to what its model field holds and checked against
what the database could store; anything off is ``BadArchive``, whose
message names the file and line.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import IO, Any

import orjson
from django.core.exceptions import ValidationError
from django.db import models
from django.db.backends.base.operations import BaseDatabaseOperations
from django.utils.translation import gettext as _

from myhealthhub.archive import layout
from myhealthhub.archive.shapes import fits, shape_of
from myhealthhub.errors import ActionRefused
from myhealthhub.imports.base import Upload
from myhealthhub.lib.safe_zip import CheckedZip, Member, UnsafeZip, checked_zip, is_zip

# An archive holds a whole record: far more files and bytes than an import.
MAX_MEMBERS = 200_000
MAX_TOTAL = 64 * 1024**3
MAX_MANIFEST = 64 * 1024**2
CHUNK = 1024 * 1024
# Rows handed over at once: as many, or as many bytes of their lines.
BATCH_ROWS = 1000
BATCH_BYTES = 16 * 1024**2


class BadArchive(ActionRefused):
    """The archive cannot be restored; nothing was written. The message says why and where."""


@dataclass(frozen=True)
class Manifest:
    version: int
    profile_uuid: str
    profile_name: str
    created_at: str
    created_by: str
    files: dict[str, tuple[str, int]]  # name: (SHA-256, size)
    # The email of the account that owned the profile when it was exported.
    keeper: str


class Archive:
    """A checked archive: its manifest, its rows, and its documents' bytes."""

    def __init__(self, zip_: CheckedZip, manifest: Manifest) -> None:
        self.zip = zip_
        self.manifest = manifest
        self._members = {member.name: member for member in zip_.members}
        # Bytes of rows read so far, for a restore's progress.
        self.bytes_read = 0

    def has(self, name: str) -> bool:
        return name in self._members

    def open(self, name: str) -> IO[bytes]:
        return self.zip.open(self._members[name])

    def size(self, name: str) -> int:
        return self._members[name].size

    def rows(self, family: layout.Family) -> Iterator[tuple[int, dict[str, Any]]]:
        """``(line number, row)`` with every value converted to its field's type."""
        for number, row, _size in self._sized_rows(family):
            yield number, row

    def batches(self, family: layout.Family) -> Iterator[list[tuple[int, dict[str, Any]]]]:
        """The rows in lists of at most BATCH_ROWS rows or about BATCH_BYTES of lines."""
        batch: list[tuple[int, dict[str, Any]]] = []
        held = 0
        for number, row, size in self._sized_rows(family):
            batch.append((number, row))
            held += size
            if len(batch) >= BATCH_ROWS or held >= BATCH_BYTES:
                yield batch
                batch, held = [], 0
        if batch:
            yield batch

    def _sized_rows(self, family: layout.Family) -> Iterator[tuple[int, dict[str, Any], int]]:
        if not self.has(family.path):
            return
        columns = family.columns
        converters = {column.name: _Converter(family.model, column) for column in columns}
        required = [column.name for column in columns if column.required]
        limit = layout.MAX_LINE
        with self.open(family.path) as stream:
            number = 0
            while raw := stream.readline(limit + 1):
                number += 1
                if len(raw) > limit:
                    raise BadArchive(
                        _refused(_("a line is far too long"), place(family.path, number))
                    )
                self.bytes_read += len(raw)
                if not raw.strip():
                    continue
                try:
                    yield number, _row(_parsed(raw), converters, required), len(raw)
                except _Bad as bad:
                    where = place(family.path, number) + (f", {bad.name}" if bad.name else "")
                    raise BadArchive(_refused(bad.problem, where)) from None


def restored_not_imported(upload: Upload) -> str | None:
    """Why an archive is turned away by the import page, which adds to the profile it is on."""
    if not is_archive(upload.file):
        return None
    return _(
        "This is a MyHealthHub archive, which is restored as a new profile rather than "
        "imported into this one. Restore it on the command line with: "
        "myhealthhub import ARCHIVE.zip --owner EMAIL"
    )


def is_archive(file: IO[bytes]) -> bool:
    """Whether ``file`` looks like a MyHealthHub archive (a zip with our manifest)."""
    file.seek(0)
    head = file.read(8)
    file.seek(0)
    if not is_zip(head):
        return False
    try:
        with checked_zip(file, max_members=MAX_MEMBERS, max_total=MAX_TOTAL) as zip_:
            names = {member.name for member in zip_.members}
    except UnsafeZip:
        return False
    finally:
        file.seek(0)
    return layout.MANIFEST in names and any(
        name.startswith(layout.FAMILY_FOLDER + "/") for name in names
    )


@contextmanager
def opened(file: IO[bytes]) -> Iterator[Archive]:
    """``file`` as a checked archive; BadArchive before anything is used if it is not one."""
    try:
        with checked_zip(file, max_members=MAX_MEMBERS, max_total=MAX_TOTAL) as zip_:
            manifest = _manifest(zip_)
            _check_files(zip_, manifest)
            yield Archive(zip_, manifest)
    except UnsafeZip as unsafe:
        raise BadArchive(str(unsafe)) from None


def _manifest(zip_: CheckedZip) -> Manifest:
    member = next((item for item in zip_.members if item.name == layout.MANIFEST), None)
    if member is None:
        raise BadArchive(
            _("This zip has no manifest.json: it is not a MyHealthHub archive, or it is damaged.")
        )
    if member.size > MAX_MANIFEST:
        raise BadArchive(_refused(_("the manifest is far too large"), layout.MANIFEST))
    with zip_.open(member) as stream:
        try:
            data = _parsed(stream.read(MAX_MANIFEST + 1))
        except _Bad as bad:
            raise BadArchive(_refused(bad.problem, layout.MANIFEST)) from None
    if not isinstance(data, dict) or data.get("format") != layout.FORMAT:
        raise BadArchive(_("This zip is not a MyHealthHub archive (its manifest says otherwise)."))
    version = data.get("version")
    if not isinstance(version, int) or version not in layout.SUPPORTED_VERSIONS:
        raise BadArchive(
            _(
                "This archive is in version %(version)s of the format, which this MyHealthHub "
                "does not read (it reads version %(supported)s). Restore it with the version "
                "of MyHealthHub that made it, or a newer one."
            )
            % {
                "version": str(version)[:20],
                "supported": ", ".join(str(item) for item in sorted(layout.SUPPORTED_VERSIONS)),
            }
        )
    profile, files = data.get("profile"), data.get("files")
    if not isinstance(profile, dict) or not isinstance(files, dict):
        raise BadArchive(_refused(_("the manifest lacks the profile or the files"), "manifest"))
    listed: dict[str, tuple[str, int]] = {}
    for name, item in files.items():
        if not (
            isinstance(item, dict)
            and isinstance(item.get("sha256"), str)
            and isinstance(item.get("size"), int)
        ):
            raise BadArchive(_refused(_("a file's entry is malformed"), f"manifest: {name}"))
        listed[name] = (item["sha256"].lower(), item["size"])
    return Manifest(
        version=version,
        profile_uuid=str(profile.get("uuid", "")),
        profile_name=str(profile.get("name", "")),
        created_at=str(data.get("created_at", "")),
        created_by=str(data.get("created_by", "")),
        files=listed,
        keeper=data["keeper"].strip().lower() if isinstance(data.get("keeper"), str) else "",
    )


def _check_files(zip_: CheckedZip, manifest: Manifest) -> None:
    present = {member.name: member for member in zip_.members if member.name != layout.MANIFEST}
    for name in sorted(set(present) - set(manifest.files)):
        raise BadArchive(
            _(
                "“%(name)s” is in this archive but not in its manifest: the archive was "
                "changed after it was made."
            )
            % {"name": name[:200]}
        )
    for name in sorted(set(manifest.files) - set(present)):
        raise BadArchive(
            _("“%(name)s” is in this archive's manifest but missing from the archive.")
            % {"name": name[:200]}
        )
    for name, member in present.items():
        expected_sha, expected_size = manifest.files[name]
        sha, size = _digest(zip_, member)
        if sha != expected_sha or size != expected_size:
            raise BadArchive(
                _(
                    "“%(name)s” does not match the SHA-256 its manifest gives: the archive "
                    "is damaged or was changed after it was made."
                )
                % {"name": name[:200]}
            )


def _digest(zip_: CheckedZip, member: Member) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    with zip_.open(member) as stream:
        while chunk := stream.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def _parsed(raw: bytes) -> Any:
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        # What orjson refuses (numbers past 64 bits, nesting past its limit, lone
        # surrogates) the standard parser reads or names precisely: a value too
        # large is then refused with its column, as any other invalid value.
        return _parsed_slowly(raw)


def _parsed_slowly(raw: bytes) -> Any:
    try:
        return json.loads(raw.decode("utf-8"), parse_constant=_no_constant)
    except RecursionError:
        raise _Bad(_("values nest far too deep")) from None
    except UnicodeDecodeError:
        raise _Bad(_("it is not UTF-8 text")) from None
    except ValueError:  # JSONDecodeError, NaN, numbers too long
        raise _Bad(_("it is not valid JSON")) from None


def _no_constant(name: str) -> Any:
    raise ValueError(name)


class _Bad(Exception):
    """A row's problem, given its place in the archive by ``Archive.rows``."""

    def __init__(self, problem: str, name: str = "") -> None:
        super().__init__(problem)
        self.problem = problem
        self.name = name


def _row(data: Any, converters: dict[str, _Converter], required: list[str]) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise _Bad(_("a row is not a JSON object"))
    for name in required:
        if name not in data:
            raise _Bad(_("a required value is missing"), name)
    row = {}
    for name, value in data.items():
        converter = converters.get(name)
        if converter is None:
            raise _Bad(
                _("it has a field this MyHealthHub does not know (%(name)s)")
                % {"name": str(name)[:100]}
            )
        row[name] = converter(value)
    return row


class _Converter:
    """One column's values as its field holds them; _Bad if the database could not store one.

    Worked out once per column, since a family may have a million rows.
    """

    def __init__(self, model: type[models.Model], column: layout.Column) -> None:
        field = column.field
        self.name = column.name
        self.field = field
        self.reference = column.ref is not layout.Ref.VALUE
        # An account that is not in this instance is left empty, whatever the column says.
        self.nullable = field.null or column.ref is layout.Ref.ACCOUNT
        self.is_json = isinstance(field, models.JSONField)
        self.shape = shape_of(model, column.name)
        if self.is_json and self.shape is None:
            raise AssertionError(f"{model.__name__}.{column.name} has no shape in archive/shapes")
        self.range = (
            BaseDatabaseOperations.integer_field_ranges.get(field.get_internal_type())
            if isinstance(field, models.IntegerField)
            else None
        )
        self.is_float = isinstance(field, models.FloatField)
        self.json_type = _json_type(field)
        self.boolean = isinstance(field, models.BooleanField)
        self.max_length = field.max_length or 0
        self.moment = isinstance(field, models.DateTimeField)
        self.choices = {value for value, _label in field.flatchoices} if field.choices else None
        self.blank = field.blank
        # Text stored as the archive gives it (to_python leaves a str as it is),
        # and integers that need no conversion: the common case, checked quickly.
        self.plain_text = type(field).to_python in _TEXT_AS_IS and not self.reference
        # Most lists of codings, identifiers and parts are empty.
        self.empty_list_fits = self.shape is not None and fits(self.shape, [])
        self.plain_integer = self.range is not None and type(field).to_python in _INTEGER_AS_IS

    def __call__(self, value: Any) -> Any:
        if self.plain_text and type(value) is str:
            if (not self.max_length or len(value) <= self.max_length) and (
                self.choices is None or value in self.choices or (self.blank and not value)
            ):
                return value
        elif self.plain_integer and type(value) is int:
            assert self.range is not None
            if self.range[0] <= value <= self.range[1]:
                return value
        if value is None:
            if not self.nullable:
                raise _Bad(_("a required value is missing"), self.name)
            return None
        if self.reference:
            if not isinstance(value, str) or len(value) > 1000:
                raise _Bad(_("a reference is not valid"), self.name)
            return value
        if self.is_json:
            assert self.shape is not None
            if self.empty_list_fits and value == []:
                return value
            try:
                fitting = fits(self.shape, value)
            except RecursionError:  # nesting orjson reads, deeper than Python walks
                raise _Bad(_("values nest far too deep"), self.name) from None
            if not fitting:
                raise _Bad(_("a value is not of the shape MyHealthHub keeps"), self.name)
            return value
        converted = self._converted(value)
        if converted is _INVALID:
            raise _Bad(_("a value is not valid"), self.name)
        return converted

    def _converted(self, value: Any) -> Any:
        if not isinstance(value, self.json_type) or (isinstance(value, bool) and not self.boolean):
            return _INVALID
        number: Any = value  # narrowed to object by the check above
        if self.range is not None and not self.range[0] <= number <= self.range[1]:
            return _INVALID  # the database would refuse it, or worse, wrap it
        if self.is_float and not _finite(number):
            return _INVALID  # 1e400 reads as infinity: no measurement
        try:
            converted = self.field.to_python(value)
        except (ValidationError, TypeError, ValueError, OverflowError):
            return _INVALID
        if self.max_length and isinstance(converted, str) and len(converted) > self.max_length:
            return _INVALID
        if self.moment and converted.tzinfo is None:
            return _INVALID  # a moment without its offset could be any of 26 hours
        outside = self.choices is not None and converted not in self.choices
        if outside and not (self.blank and not converted):
            return _INVALID
        return converted


def _json_type(field: models.Field[Any, Any]) -> type | tuple[type, ...]:
    """What JSON type the archive writes a field's values as."""
    if isinstance(field, models.BooleanField):
        return bool
    if isinstance(field, models.IntegerField):
        return int
    if isinstance(field, models.FloatField):
        return (int, float)
    return str  # text, and dates, times and UUIDs in their ISO or canonical form


_INVALID = object()
_TEXT_AS_IS = frozenset({models.CharField.to_python, models.TextField.to_python})
_INTEGER_AS_IS = frozenset({models.IntegerField.to_python})


def _finite(value: float) -> bool:
    try:
        return math.isfinite(value)
    except OverflowError:  # an integer too large for any float
        return False


def place(path: str, line: int) -> str:
    """Where in the archive: ``myhealthhub/sources.jsonl, line 3``."""
    return _("%(file)s, line %(line)d") % {"file": path, "line": line}


def _refused(problem: str, where: str) -> str:
    return _("This archive cannot be restored: %(problem)s (%(where)s).") % {
        "problem": problem,
        "where": where,
    }
