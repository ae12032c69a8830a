"""Writing an archive: streamed into any writable stream, every file hashed on its way in.

Nothing is held whole: the zip is written member by member (zipfile needs no
seeking), documents are decrypted chunk by chunk straight into their member,
and rows are read from the database in chunks. The manifest comes last, once
every other file's SHA-256 is known.

An archive that could not be restored must never be handed over as done.
The rows are read in one transaction: on PostgreSQL a REPEATABLE READ one,
a consistent snapshot of the whole profile. SQLite is left out of it on
purpose: this project opens its transactions IMMEDIATE, which would hold
the database's only write lock for as long as the rows take to read. Either
way, every row's references are then checked as the restore checks them
(``checking.References``), and a document removed since its row was
written is noticed: the export fails, saying to export again, rather than
finish as an archive that no restore would take.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import io
import json
import math
import uuid
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import metadata
from typing import IO, Any, BinaryIO

import orjson
from django.db import connection, connections, models, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from myhealthhub.archive import layout
from myhealthhub.archive.checking import References
from myhealthhub.archive.reading import BadArchive
from myhealthhub.archive.shapes import fits, shape_of
from myhealthhub.documents import keys
from myhealthhub.documents.models import Document
from myhealthhub.errors import ActionRefused
from myhealthhub.exports.formats import Progress
from myhealthhub.exports.paths import document_path
from myhealthhub.profiles.models import Grant, Profile, Role
from myhealthhub.summary.options import ExportOptions

ROW_CHUNK = 2000
# Kept documents go in as they are: most are compressed already (PDF, JPEG,
# PNG, zip), and a stored member cannot look like a zip bomb to the reader.
DOCUMENT_COMPRESSION = zipfile.ZIP_STORED
# JSON compressed at zlib's fastest: at its default (6) compressing took a
# fifth of a large export's time, for a file a third smaller.
COMPRESS_LEVEL = 1
# The share of the progress bar each part takes, roughly what each costs.
FHIR_SHARE, ROWS_SHARE = 0.3, 0.2


@dataclass(frozen=True)
class Written:
    sha256: str
    size: int


class _Hashing(io.RawIOBase):
    """A writable member that hashes and counts what goes through it."""

    def __init__(self, inner: IO[bytes]) -> None:
        super().__init__()
        self.inner = inner
        self.digest = hashlib.sha256()
        self.size = 0

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        view = memoryview(data).cast("B")
        self.digest.update(view)
        self.size += len(view)
        self.inner.write(view)
        return len(view)


class _Writer:
    def __init__(self, out: BinaryIO) -> None:
        self.zip = zipfile.ZipFile(
            out,
            "w",
            compression=zipfile.ZIP_DEFLATED,
            compresslevel=COMPRESS_LEVEL,
            allowZip64=True,
        )
        self.written: dict[str, Written] = {}
        # The documents the rows list, by UUID (as text): exactly their files follow.
        self.documents: dict[str, str] = {}
        # UUIDs are compared as the text the archive holds.
        self.references = References(as_text=True)
        self.stamp = timezone.now().astimezone(dt.UTC).timetuple()[:6]

    @contextmanager
    def member(
        self, name: str, *, compression: int = zipfile.ZIP_DEFLATED, size: int | None = None
    ) -> Iterator[_Hashing]:
        info = zipfile.ZipInfo(name, date_time=self.stamp)
        info.compress_type = compression
        # The level a ZipInfo of one's own is written at (Python 3.13 names it compress_level).
        setattr(info, "_compresslevel", COMPRESS_LEVEL)  # noqa: B010  (not in the stubs)
        info.external_attr = 0o600 << 16  # a plain file, readable by its owner only
        if size is not None:
            info.file_size = size
        # Without a known size, room for any size: a FHIR bundle may pass 4 GiB.
        with self.zip.open(info, "w", force_zip64=size is None) as inner:
            sink = _Hashing(inner)
            yield sink
        self.written[name] = Written(sink.digest.hexdigest(), sink.size)

    def close(self, manifest: dict[str, Any]) -> None:
        self.zip.writestr(
            zipfile.ZipInfo(layout.MANIFEST, date_time=self.stamp),
            json.dumps(manifest, indent=2, ensure_ascii=False).encode(),
            compress_type=zipfile.ZIP_DEFLATED,
        )
        self.zip.close()


def write_archive(
    profile: Profile, out: BinaryIO, options: ExportOptions, progress: Progress
) -> None:
    writer = _Writer(out)
    try:
        _write_fhir(writer, profile, options, lambda done: progress(done * FHIR_SHARE))
        # Rows that point to others are written before the rows they point to:
        # where there is no snapshot, what is added meanwhile may be missing,
        # but no row written points to one that is not (checked below).
        with _snapshot():
            keeper = _keeper(profile)
            for family in reversed(layout.families()):
                _write_family(writer, profile, family)
        # Progress is written by the caller to the database: not from inside the snapshot.
        progress(FHIR_SHARE + ROWS_SHARE)
        _check_references(writer)
        _write_documents(writer, profile, lambda done: progress(FHIR_SHARE + ROWS_SHARE + done))
        writer.close(_manifest(profile, keeper, writer.written))
    except BaseException:
        # What was written is to be thrown away by the caller; the first error is the one to see.
        with contextlib.suppress(Exception):
            writer.zip.close()
        raise
    progress(1.0)


def _write_fhir(
    writer: _Writer, profile: Profile, options: ExportOptions, progress: Progress
) -> None:
    from myhealthhub.exports.fhir import FhirExport

    with writer.member(layout.FHIR_BUNDLE) as sink:
        # A buffer in front: an exporter may write many small pieces.
        buffered = io.BufferedWriter(sink, buffer_size=256 * 1024)
        FhirExport().write(profile, buffered, options, progress)
        buffered.flush()


@contextmanager
def _snapshot() -> Iterator[None]:
    """One consistent view of the profile's rows where the database gives one cheaply."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        # SQLite: see the module's docstring. Inside a caller's transaction
        # the isolation level is the caller's to choose.
        yield
        return
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        yield


def _keeper(profile: Profile) -> str:
    """The email of the profile's owner: who the restore gives the owner's attributions to."""
    grant = (
        Grant.objects.in_force()
        .filter(profile_id=profile.pk, role=Role.OWNER)
        .select_related("account")
        .order_by("pk")
        .first()
    )
    return grant.account.email.lower() if grant is not None else ""


def _write_family(writer: _Writer, profile: Profile, family: layout.Family) -> None:
    columns = family.columns
    names = [column.name for column in columns]
    # Each JSON column's shape; the many empty lists need no walk when the shape takes one.
    shaped = [
        (index, shape, fits(shape, []))
        for index, column in enumerate(columns)
        if (shape := shape_of(family.model, column.name)) is not None
    ]
    numbers = [
        index for index, column in enumerate(columns) if isinstance(column.field, models.FloatField)
    ]
    files = [column.name for column in columns if column.ref is layout.Ref.FILE]
    rows = family.rows(profile).order_by("pk").values_list(*(column.lookup for column in columns))
    references = writer.references
    path = family.path
    with writer.member(path) as sink:
        lines: list[bytes] = []
        for values in _read(rows, columns):
            for index, shape, empty_fits in shaped:
                value = values[index]
                if not (empty_fits and value == []) and not fits(shape, value):
                    raise ActionRefused(_cannot_archive(family))
            for index in numbers:
                if values[index] is not None and not math.isfinite(values[index]):
                    raise ActionRefused(_cannot_archive(family))
            row = dict(zip(names, values, strict=True))
            references.add(family, row, path)
            for name in files:  # a document's file: where it is in the zip
                row[name] = where = document_path(Document(uuid=row["uuid"], title=row["title"]))
                writer.documents[row["uuid"]] = where
            line = _line(row, family)
            if len(line) + 1 > layout.MAX_LINE:
                raise ActionRefused(_cannot_archive(family))
            lines.append(line)
            if len(lines) >= ROW_CHUNK:
                sink.write(b"\n".join(lines) + b"\n")
                lines = []
        if lines:
            sink.write(b"\n".join(lines) + b"\n")


# How a column's values come from the database, made what the archive writes.
Convert = Callable[[Any], Any]


def _read(rows: QuerySet[Any], columns: list[layout.Column]) -> Iterator[list[Any]]:
    """The rows' values by a plain cursor, each converted as the archive writes it.

    The ORM's own converters would make every date and time a ``datetime``
    and every UUID a ``UUID`` only for them to be written as text again, and
    cost more than the rest of the export together. UUIDs come out as their
    canonical text (so the references are checked as text), the rest as the
    ORM would give them (JSON parsed, booleans as such).
    """
    converters = [_converter(column) for column in columns]
    sql, params = rows.query.sql_with_params()
    with connections[rows.db].cursor() as cursor:
        cursor.execute(sql, params)
        while chunk := cursor.fetchmany(ROW_CHUNK):
            for raw in chunk:
                yield [
                    value if convert is None or value is None else convert(value)
                    for convert, value in zip(converters, raw, strict=True)
                ]


def _converter(column: layout.Column) -> Convert | None:
    field = column.field
    if column.ref is layout.Ref.ROW or isinstance(field, models.UUIDField):
        return _uuid_text  # another row is named by its UUID
    if isinstance(field, models.DateTimeField):
        return _moment
    if isinstance(field, models.BooleanField):
        return bool
    if isinstance(field, models.JSONField):
        return _json
    return None


def _uuid_text(value: Any) -> str:
    if isinstance(value, str) and len(value) == 32:  # SQLite keeps a UUID as its 32 hex digits
        return f"{value[:8]}-{value[8:12]}-{value[12:16]}-{value[16:20]}-{value[20:]}"
    return str(value if isinstance(value, uuid.UUID) else uuid.UUID(value))


def _moment(value: Any) -> Any:
    # Moments are kept in UTC; SQLite's driver gives them without their zone.
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)
    # As text: "YYYY-MM-DD HH:MM:SS[.ffffff]", in UTC.
    if len(value) in (19, 26) and value[10] == " ":
        return f"{value[:10]}T{value[11:]}+00:00"
    moment = dt.datetime.fromisoformat(value)
    return (moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)).astimezone(dt.UTC)


def _json(value: Any) -> Any:
    if not isinstance(value, str | bytes):
        return value  # parsed by the driver already
    try:
        return orjson.loads(value)
    except orjson.JSONDecodeError:  # integers past 64 bits: as the standard library reads them
        return json.loads(value)


def _line(row: dict[str, Any], family: layout.Family) -> bytes:
    """One row as one JSON line: its dates and times in ISO 8601, its UUIDs as text."""
    try:
        return orjson.dumps(row, default=layout.encode)
    except orjson.JSONEncodeError:
        pass  # nesting past orjson's limit, integers past 64 bits: as the standard library says
    try:
        return json.dumps(
            row, default=layout.encode, ensure_ascii=False, separators=(",", ":"), allow_nan=False
        ).encode()
    except (ValueError, TypeError, RecursionError):
        raise ActionRefused(_cannot_archive(family)) from None


def _cannot_archive(family: layout.Family) -> str:
    # A value no archive may hold (infinity) or a row longer than a restore reads.
    return _(
        "This profile cannot be archived: a row of %(file)s holds a value no archive "
        "may hold. Nothing was kept."
    ) % {"file": family.path}


def _check_references(writer: _Writer) -> None:
    try:
        writer.references.check()
    except BadArchive:
        raise ActionRefused(_(_CHANGED)) from None


_CHANGED = gettext_noop(
    "The profile changed while the archive was being written; nothing was kept. Export again."
)


def _write_documents(writer: _Writer, profile: Profile, progress: Progress) -> None:
    listed = writer.documents
    documents = [
        document
        for document in Document.objects.filter(profile_id=profile.pk)
        .select_related("file")
        .order_by("pk")
        if str(document.uuid) in listed
    ]
    if len(documents) != len(listed):
        # Removed for good (purged) since its row was written: the archive would be unrestorable.
        raise ActionRefused(_(_CHANGED))
    total = sum(document.file.size for document in documents) or 1
    share = 1.0 - FHIR_SHARE - ROWS_SHARE
    done = 0
    for document in documents:
        with writer.member(
            listed[str(document.uuid)],
            compression=DOCUMENT_COMPRESSION,
            size=document.file.size,
        ) as sink:
            for chunk in keys.read(document.file):
                sink.write(chunk)
        done += document.file.size
        progress(share * done / total)


def _manifest(profile: Profile, keeper: str, written: dict[str, Written]) -> dict[str, Any]:
    return {
        "format": layout.FORMAT,
        "version": layout.VERSION,
        "profile": {"uuid": str(profile.uuid), "name": profile.name},
        "keeper": keeper,
        "created_at": timezone.now().astimezone(dt.UTC).isoformat(),
        "created_by": f"MyHealthHub {_our_version()}",
        "files": {
            name: {"sha256": item.sha256, "size": item.size}
            for name, item in sorted(written.items())
        },
    }


def _our_version() -> str:
    try:
        return metadata.version("myhealthhub")
    except metadata.PackageNotFoundError:  # run from a checkout that was never installed
        return "unknown"
