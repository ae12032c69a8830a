"""Restoring an archive: a new profile, owned by one account, with nothing lost.

The archive is checked whole first (``reading.opened``: the zip, the
manifest, every file's SHA-256), then what must be known ahead
(``checking.look_ahead``: the profile, new here, and the documents' files).
The documents are then sealed again (new keys, the same bytes) ahead of the
one transaction that reads, checks and writes every row in one pass, in
batches, with the dates the archive holds; the restored entries are indexed
for search as they are written. If any row is refused (a reference that
leads nowhere, a UUID already here, a value the database refuses) the
transaction rolls back and the sealed blobs are removed, so a failed
restore leaves nothing behind.

A restore killed between sealing and its commit leaves sealed blobs in
``documents/<profile uuid>/`` that no row names. No committed row can record
that folder (an import records its own on its job; a restore has no row
before its transaction), so the next restore of that profile removes such
leftovers before sealing, once they are old enough not to be another
restore's of the same archive running at the same time.

Accounts: the archive's keeper (the account that owned the profile when it
was exported) becomes the restoring owner; every other attribution is left
empty and counted (see ``layout``).
"""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import IO, Any

from django.db import DatabaseError, connection, models, transaction
from django.db.models.base import ModelState
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from myhealthhub.accounts.models import User
from myhealthhub.accounts.plans import allowance
from myhealthhub.archive import layout
from myhealthhub.archive.checking import Checked, Checker, look_ahead
from myhealthhub.archive.reading import Archive, BadArchive, opened, place
from myhealthhub.audit.log import log_action
from myhealthhub.audit.models import Action
from myhealthhub.documents import storage
from myhealthhub.documents.actions import SealedUpload, check_quota, seal_upload
from myhealthhub.documents.models import Document, SealedFile
from myhealthhub.documents.sniff import (
    CCDA,
    CSV,
    EXTENSIONS,
    FHIR_JSON,
    FHIR_NDJSON,
    FHIR_XML,
    ZIP,
    FileType,
    RefusedFile,
    sniff,
)
from myhealthhub.documents.tasks import SPOOL_BYTES
from myhealthhub.imports.models import FINAL_STATES, ImportJob
from myhealthhub.lib import bulk
from myhealthhub.profiles.models import Grant, Profile, Role
from myhealthhub.reconcile.grouping import place_missing
from myhealthhub.reconcile.keys import RECONCILED
from myhealthhub.reconcile.models import Member
from myhealthhub.records import overview_cache
from myhealthhub.records.kinds import KINDS
from myhealthhub.records.models import Entry
from myhealthhub.search.index import index_documents, index_entries
from myhealthhub.search.models import SearchItem

BATCH = 1000
# Blobs of a killed restore are removed by a later one once this old.
STRAYS_AFTER = dt.timedelta(hours=24)
CHUNK = 1024 * 1024
# Each kind's slug, by its model.
_SLUGS: dict[type[models.Model], str] = {kind.model: slug for slug, kind in KINDS.items()}
# The share of the progress bar the documents' sealing takes; the rows take the rest.
SEALING_SHARE = 0.1
DATA_TYPES = frozenset(
    kind.content_type for kind in (FHIR_JSON, FHIR_NDJSON, FHIR_XML, ZIP, CSV, CCDA)
)


@dataclass
class Restored:
    profile: Profile
    counts: Counter[str] = field(default_factory=Counter)
    unlinked: int = 0

    def summary(self) -> str:
        counts = self.counts
        said = _(
            "Restored %(name)s (%(uuid)s): %(entries)d entries, %(versions)d earlier versions, "
            "%(documents)d documents, %(sources)d sources, %(contacts)d emergency contacts, "
            "%(samples)d device readings."
        ) % {
            "name": self.profile.name,
            "uuid": self.profile.uuid,
            "entries": counts["entries"],
            "versions": counts["entry-versions"],
            "documents": counts["documents"],
            "sources": counts["sources"],
            "contacts": counts["emergency-contacts"],
            "samples": counts["samples"],
        }
        if self.unlinked:
            said += " " + ngettext(
                "%(count)d change or upload made by another account was not linked to "
                "any account here.",
                "%(count)d changes or uploads made by other accounts were not linked to "
                "any account here.",
                self.unlinked,
            ) % {"count": self.unlinked}
        return said


# Called with the fraction done, 0.0 to 1.0, as a restore goes.
Progress = Callable[[float], None]


def restore_archive(
    file: IO[bytes],
    *,
    owner: User,
    progress: Progress | None = None,
    replacing: Profile | None = None,
) -> Restored:
    """Restore the archive in ``file`` as a new profile owned by ``owner``; BadArchive if not.

    With ``replacing`` (a profile ``owner`` owns, the archive's own), the archive
    replaces that profile's record instead, in one transaction: see ``_clear``.
    """
    progress = progress or _nowhere
    with opened(file) as archive:
        checked = look_ahead(archive, replacing=replacing)
        _remove_strays(checked.profile["uuid"])
        sealed = _seal_documents(archive, checked)
        progress(SEALING_SHARE)
        try:
            with overview_cache.only_on_commit(), transaction.atomic():
                replaced = _clear(replacing) if replacing is not None else []
                restored = _write(archive, checked, sealed, owner, progress, replacing)
                # The files the replaced record had go once nothing can roll it back.
                transaction.on_commit(lambda: storage.delete_names(replaced))
        except BaseException:
            for kept in sealed.values():
                storage.delete(kept.stored)
            raise
    progress(1.0)
    return restored


def _clear(profile: Profile) -> list[str]:
    """Remove everything the archive carries of ``profile``, before its rows are written again.

    What the archive does not carry stays as it is: the profile's row (updated
    from the archive), who may see it (grants, invitations, share links), its
    audit trail and its exports. Returns the names of the sealed files the
    removed documents had, to delete once the transaction commits.
    """
    documents = Document.objects.filter(profile_id=profile.pk)
    files = set(documents.values_list("file_id", flat=True)) | set(
        documents.exclude(thumbnail_id=None).values_list("thumbnail_id", flat=True)
    )
    for family in reversed(layout.families()[1:]):
        family.rows(profile).delete()
    SearchItem.objects.filter(profile_id=profile.pk).delete()
    sealed = SealedFile.objects.filter(pk__in=files)
    names = list(sealed.values_list("name", flat=True))
    sealed.delete()
    return names


def _nowhere(done: float) -> None:
    pass


# Sealing the documents, ahead of the transaction.


def _remove_strays(profile_uuid: uuid.UUID) -> None:
    """Blobs a killed restore of this profile sealed and no row names (the module's docstring).

    The profile's UUID was checked to be new here, or to be the profile being
    replaced: what no row names in its folder and is old enough is left over.
    """
    folder = f"documents/{profile_uuid}"
    store = storage.default_storage()
    try:
        _folders, names = store.listdir(folder)
    except FileNotFoundError:
        return
    paths = [f"{folder}/{name}" for name in names if name.endswith(".sealed")]
    named = set(SealedFile.objects.filter(name__in=paths).values_list("name", flat=True))
    cutoff = timezone.now() - STRAYS_AFTER
    old = []
    for path in paths:
        try:
            if path not in named and store.get_modified_time(path) < cutoff:
                old.append(path)
        except (NotImplementedError, OSError):  # a backend that cannot say: left alone
            continue
    storage.delete_names(old)


def _seal_documents(archive: Archive, checked: Checked) -> dict[str, SealedUpload]:
    sealed: dict[str, SealedUpload] = {}
    # Where the sealed blobs go is all seal_upload needs of the profile, not yet saved.
    profile = Profile(uuid=checked.profile["uuid"])
    try:
        for path, content_type in checked.documents.items():
            # Spooled to a private temporary file beyond 8 MiB: sniffing needs to seek.
            with (
                archive.open(path) as member,
                tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES) as plaintext,
            ):
                shutil.copyfileobj(member, plaintext, CHUNK)
                plaintext.seek(0)
                file_type = _file_type(plaintext, content_type, path)
                sealed[path] = seal_upload(
                    profile,
                    plaintext,
                    file_type=file_type,
                    size_checked=True,
                )
    except BaseException:
        for kept in sealed.values():
            storage.delete(kept.stored)
        raise
    return sealed


def _file_type(plaintext: IO[bytes], content_type: str, path: str) -> FileType:
    """The type the archive gives, if the bytes agree: the archive is as hostile as an upload.

    Types an upload is sniffed for must be what sniffing says; the data files
    kept as the originals of imports, never shown inline, keep their type.
    """
    if content_type in DATA_TYPES:
        return FileType(content_type, EXTENSIONS[content_type])
    try:
        sniffed = sniff(plaintext)
    except RefusedFile:
        sniffed = None
    if sniffed is None or sniffed.content_type != content_type:
        raise BadArchive(
            _(
                "This archive cannot be restored: “%(path)s” is not the kind of file "
                "the archive says it is."
            )
            % {"path": path[:200]}
        )
    return sniffed


# Writing, in the caller's transaction.


class _Writer:
    def __init__(
        self, archive: Archive, checked: Checked, owner: User, sealed: dict[str, SealedUpload]
    ) -> None:
        self.archive = archive
        self.owner = owner
        self.sealed = sealed
        self.profile: Profile | None = None
        self.pks: dict[type[models.Model], dict[uuid.UUID, int]] = {}
        self.checker = Checker(checked, archive.manifest.keeper)
        self.sealed_pks: dict[str, int] = {}
        # The reconciled entries alive, and those the archive's groups hold, by kind:
        # only entries in no group are grouped once everything is written.
        self.alive: dict[str, set[uuid.UUID]] = {slug: set() for slug in RECONCILED}
        self.grouped: dict[str, set[uuid.UUID]] = {slug: set() for slug in RECONCILED}


def _write(
    archive: Archive,
    checked: Checked,
    sealed: dict[str, SealedUpload],
    owner: User,
    progress: Progress,
    replacing: Profile | None = None,
) -> Restored:
    quota = allowance(owner, "profiles")
    if replacing is None and not quota.allowed:
        raise BadArchive(
            ngettext(
                "Your plan allows %(limit)d profile.",
                "Your plan allows %(limit)d profiles.",
                quota.limit or 0,
            )
            % {"limit": quota.limit}
        )
    writer = _Writer(archive, checked, owner, sealed)
    everything = layout.families()
    profile = _write_profile(writer, everything[0], checked.profile, replacing)
    writer.profile = profile
    checked.counts[everything[0].name] += 1
    if replacing is None:
        Grant.objects.create(profile=profile, account=owner, role=Role.OWNER, granted_by=owner)
    check_quota(profile, sum(kept.stored.size for kept in sealed.values()))
    _write_sealed_files(writer, profile)
    total = sum(archive.size(family.path) for family in everything if archive.has(family.path))

    def rows_done() -> None:
        progress(SEALING_SHARE + (1 - SEALING_SHARE) * min(archive.bytes_read / (total or 1), 1.0))

    try:
        for family in everything[1:]:
            _write_family(writer, family, rows_done)
        writer.checker.finish()
    except DatabaseError as error:
        raise BadArchive(
            _("This archive cannot be restored: the database refused its rows (%(error)s).")
            % {"error": str(error)[:300]}
        ) from error
    _index_documents(profile)
    # An archive made before groups were has none: its entries are grouped now.
    if any(writer.alive[slug] - writer.grouped[slug] for slug in RECONCILED):
        place_missing(profile)
    actions = (
        [Action.IMPORT_COMMITTED]
        if replacing
        else [Action.PROFILE_CREATED, Action.IMPORT_COMMITTED]
    )
    for action in actions:
        log_action(
            action,
            request=None,
            actor=owner,
            profile=profile,
            object_type="archive" if action is Action.IMPORT_COMMITTED else "profile",
            object_uuid=profile.uuid,
        )
    _read_documents_again(profile)
    return Restored(profile, checked.counts, checked.unlinked)


def _write_profile(
    writer: _Writer, family: layout.Family, row: dict[str, Any], replacing: Profile | None
) -> Profile:
    profile = Profile(**_plain(family, row))
    if replacing is not None:
        profile.pk = replacing.pk  # the same row, as the archive has it
    profile.save()
    _keep_auto_dates(Profile, [profile], [row])
    return profile


def _write_sealed_files(writer: _Writer, profile: Profile) -> None:
    paths = list(writer.sealed)
    rows = SealedFile.objects.bulk_create(
        (
            SealedFile(
                profile=profile,
                name=kept.stored.name,
                wrapped_key=kept.stored.wrapped_key,
                key_id=kept.key_id,
                sha256=kept.stored.sha256,
                size=kept.stored.size,
            )
            for kept in (writer.sealed[path] for path in paths)
        ),
        batch_size=BATCH,
    )
    writer.sealed_pks = {path: row.pk for path, row in zip(paths, rows, strict=True)}


def _write_family(writer: _Writer, family: layout.Family, progress: Callable[[], None]) -> None:
    """Every row of a family, checked and written in batches as the archive holds them."""
    model = family.model
    build = _Builder(writer, family)
    slug = _SLUGS.get(model, "")
    for batch in writer.archive.batches(family):
        writer.checker.batch(family, batch)
        objects = [build(row, number) for number, row in batch]
        # Keys taken first, so the rows that point to these can be written next;
        # the dates as the archive holds them.
        for obj, pk in zip(objects, bulk.reserve_ids(model, len(objects)), strict=True):
            obj.pk = pk
        bulk.insert_with_ids(model, objects, keep_dates=True)
        if family.keyed:
            known = writer.pks.setdefault(model, {})
            known.update((obj.uuid, obj.pk) for obj in objects)  # type: ignore[attr-defined]
        if slug:
            alive = [obj for obj in objects if isinstance(obj, Entry) and obj.deleted_at is None]
            # Bulk inserts bypass the actions, so the restore indexes what it inserted itself.
            index_entries(slug, alive)
            if slug in writer.alive:
                writer.alive[slug].update(entry.uuid for entry in alive)
        elif model is Member:
            for member in objects:
                if isinstance(member, Member) and member.kind in writer.grouped:
                    writer.grouped[member.kind].add(member.entry_uuid)
        progress()
    if build.pointing_home:
        _point_home(writer, family, build.pointing_home)


def _point_home(
    writer: _Writer, family: layout.Family, pointing: list[tuple[uuid.UUID, dict[str, uuid.UUID]]]
) -> None:
    """Rows that point to rows of their own family (a duplicate's original), once all exist."""
    known = writer.pks.get(family.model, {})
    updated = []
    for own, targets in pointing:
        values = {}
        for attname, target in targets.items():
            if target not in known:
                raise BadArchive(
                    _(
                        "This archive cannot be restored: a row points to another that is "
                        "not in the archive (%(where)s)."
                    )
                    % {"where": family.path}
                )
            values[attname] = known[target]
        updated.append(family.model(pk=known[own], **values))
    family.model._default_manager.bulk_update(updated, sorted(_attnames(family)))


def _attnames(family: layout.Family) -> set[str]:
    return {column.field.attname for column in family.columns if column.target is family.model}


def _plain(family: layout.Family, row: dict[str, Any]) -> dict[str, Any]:
    return {
        column.field.attname: row[column.name] for column in family.columns if column.name in row
    }


class _Builder:
    """A family's rows as unsaved model instances, every reference resolved to this instance's keys.

    Worked out once per family: a family may have a million rows.
    """

    def __init__(self, writer: _Writer, family: layout.Family) -> None:
        assert writer.profile is not None
        self.writer = writer
        self.family = family
        self.model = family.model
        concrete = family.model._meta.concrete_fields
        self.own_profile = (
            {"profile_id": writer.profile.pk}
            if any(column.related_model is Profile for column in concrete)
            else {}
        )
        # Values written as they are (most columns), and the references resolved below.
        self.plain = [
            (column.name, column.field.attname)
            for column in family.columns
            if column.ref is layout.Ref.VALUE
        ]
        self.columns = [
            (column.name, column.field.attname, column.ref, column.target)
            for column in family.columns
            if column.ref is not layout.Ref.VALUE
        ]
        self.fields = [(column.attname, column) for column in concrete]
        # (own UUID, {column: UUID of the row of this family it points to}), set once all exist.
        self.pointing_home: list[tuple[uuid.UUID, dict[str, uuid.UUID]]] = []

    def __call__(self, row: dict[str, Any], number: int) -> models.Model:
        writer = self.writer
        # A column an older version did not write is left out: the field's default.
        values: dict[str, Any] = {attname: row[name] for name, attname in self.plain if name in row}
        values.update(self.own_profile)
        home: dict[str, uuid.UUID] = {}
        for name, attname, ref, target in self.columns:
            if name not in row:
                continue
            value = row[name]
            if ref is layout.Ref.ACCOUNT:
                values[attname] = writer.owner.pk if writer.checker.account(value) else None
            elif ref is layout.Ref.FILE:
                values[attname] = writer.sealed_pks[value]
            elif value is None:
                values[attname] = None
            elif target is self.model:
                values[attname] = None  # set by _point_home once the whole family exists
                home[attname] = value
            else:
                assert target is not None
                pk = writer.pks.get(target, {}).get(value)
                if pk is None:
                    raise BadArchive(
                        _(
                            "This archive cannot be restored: a row points to another that is "
                            "not in the archive (%(where)s)."
                        )
                        % {"where": place(self.family.path, number)}
                    )
                values[attname] = pk
        if home:
            self.pointing_home.append((row["uuid"], home))
        if self.model is ImportJob:
            _settle_job(values)
        return _built(self.model, values, self.fields)


def _built(
    model: type[models.Model],
    values: dict[str, Any],
    fields: list[tuple[str, models.Field[Any, Any]]],
) -> models.Model:
    """An unsaved instance holding ``values``, every other field at its default.

    As ``Model.from_db`` makes one, without ``__init__``'s walk through every
    field's descriptor for each row: on 100,000 rows that cost more than the
    inserts. The values were converted and checked as their fields hold them.
    """
    for attname, column in fields:
        if attname not in values:
            values[attname] = None if column.primary_key else column.get_default()
    obj = model.__new__(model)
    obj._state = ModelState()
    obj.__dict__.update(values)
    return obj


def _settle_job(values: dict[str, Any]) -> None:
    """An import as this instance may hold it: finished, and naming no account of another."""
    if values.get("state") not in FINAL_STATES:
        values["state"] = layout.UNFINISHED_JOB
        values["message"] = _(
            "This import was not finished when the archive was made; nothing of it was added. "
            "Import the file again."
        )
        values["finished_at"] = values.get("finished_at") or timezone.now()
    preview = values.get("preview")
    if isinstance(preview, dict):
        preview.pop("committed_by", None)


def _keep_auto_dates(
    model: type[models.Model], objects: list[Any], rows: list[dict[str, Any]]
) -> None:
    """Saving stamps ``auto_now`` columns with the present; put the archive's dates back.

    One plain UPDATE per row, sent together: ``bulk_update`` would build a
    CASE expression per row and column, which cost more than the inserts.
    """
    stamped = [
        column
        for column in model._meta.concrete_fields
        if getattr(column, "auto_now", False) or getattr(column, "auto_now_add", False)
    ]
    stamped = [column for column in stamped if all(column.name in row for row in rows)]
    if not stamped or not objects:
        return
    quote = connection.ops.quote_name
    key = model._meta.pk
    assert key is not None
    # Table and column names come from the models, never from the archive.
    sql = "UPDATE {} SET {} WHERE {} = %s".format(  # noqa: S608
        quote(model._meta.db_table),
        ", ".join(f"{quote(str(column.column))} = %s" for column in stamped),
        quote(str(key.column)),
    )
    with connection.cursor() as cursor:
        cursor.executemany(
            sql,
            [
                [column.get_db_prep_save(row[column.name], connection) for column in stamped]
                + [obj.pk]
                for obj, row in zip(objects, rows, strict=True)
            ],
        )
    for obj, row in zip(objects, rows, strict=True):
        for column in stamped:
            setattr(obj, column.attname, row[column.name])


def _index_documents(profile: Profile) -> None:
    # Their text is read again after the commit, and indexed then; their titles now.
    index_documents(
        Document.objects.filter(profile_id=profile.pk).alive().iterator(chunk_size=BATCH)
    )


def _read_documents_again(profile: Profile) -> None:
    # Thumbnails are not carried: each document is read again to draw its own.
    from myhealthhub.documents.tasks import read_document

    for pk in Document.objects.filter(profile_id=profile.pk).values_list("pk", flat=True):
        read_document.enqueue(pk)
