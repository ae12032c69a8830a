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
import uuid
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import metadata
from typing import IO, Any, BinaryIO

from django.db import connection, transaction
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
        self.zip = zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True)
        self.written: dict[str, Written] = {}
        # The documents the rows list, by UUID: exactly their files follow.
        self.documents: dict[uuid.UUID, str] = {}
        self.references = References()
        self.stamp = timezone.now().astimezone(dt.UTC).timetuple()[:6]

    @contextmanager
    def member(
        self, name: str, *, compression: int = zipfile.ZIP_DEFLATED, size: int | None = None
    ) -> Iterator[_Hashing]:
        info = zipfile.ZipInfo(name, date_time=self.stamp)
        info.compress_type = compression
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
    lookups = [column.lookup for column in columns]
    shaped = [
        (column.name, shape)
        for column in columns
        if (shape := shape_of(family.model, column.name)) is not None
    ]
    rows = family.rows(profile).order_by("pk").values(*lookups)
    with writer.member(family.path) as sink:
        for values in rows.iterator(chunk_size=ROW_CHUNK):
            row = {column.name: values[column.lookup] for column in columns}
            if not all(fits(shape, row[name]) for name, shape in shaped):
                raise ActionRefused(_cannot_archive(family))
            writer.references.add(family, dict(row), family.path)
            for column in columns:
                if column.ref is layout.Ref.FILE:  # a document's file: where it is in the zip
                    path = document_path(Document(uuid=values["uuid"], title=values["title"]))
                    row[column.name] = path
                    writer.documents[values["uuid"]] = path
            try:
                line = json.dumps(
                    row,
                    default=layout.encode,
                    ensure_ascii=False,
                    separators=(",", ":"),
                    allow_nan=False,
                ).encode()
            except ValueError:
                raise ActionRefused(_cannot_archive(family)) from None
            if len(line) + 1 > layout.MAX_LINE:
                raise ActionRefused(_cannot_archive(family))
            sink.write(line + b"\n")


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
        if document.uuid in listed
    ]
    if len(documents) != len(listed):
        # Removed for good (purged) since its row was written: the archive would be unrestorable.
        raise ActionRefused(_(_CHANGED))
    total = sum(document.file.size for document in documents) or 1
    share = 1.0 - FHIR_SHARE - ROWS_SHARE
    done = 0
    for document in documents:
        with writer.member(
            listed[document.uuid], compression=DOCUMENT_COMPRESSION, size=document.file.size
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
