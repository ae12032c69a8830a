"""Import jobs: keep the files, read them, show what would change, commit or discard.

DESIGN.md principles 3 and 8. Every file that arrives is first kept as an
encrypted document. A worker reads it (``read_job``) and stores a preview;
nothing reaches the record until the person commits, and the commit
(``commit_job``) is one transaction: a worker that dies halfway leaves none
of it behind. The commit reads the kept files again rather than trusting a
staged copy, so what lands is exactly what the original says.

The web pages enqueue ``read_job`` and ``commit_job`` as tasks; the command
line runs them in its own process.
"""

from __future__ import annotations

import io
import logging
import os
import socket
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from functools import partial
from typing import IO, Any

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from myhealthhub.accounts.models import User
from myhealthhub.audit.log import log_action
from myhealthhub.audit.models import Action
from myhealthhub.documents import keys, storage
from myhealthhub.documents.actions import (
    Details,
    KeptFile,
    SealedUpload,
    check_size,
    keep_sealed,
    keep_sealed_many,
    purge,
    seal_upload,
    size_of,
)
from myhealthhub.documents.models import Document, DocumentKind, SealedFile
from myhealthhub.documents.sniff import CSV, FHIR_JSON, FHIR_NDJSON, ZIP, FileType, sniff
from myhealthhub.errors import ActionRefused
from myhealthhub.interop import plan as plans
from myhealthhub.interop.importers import detect, formats
from myhealthhub.interop.importers.base import Mapping, Refused, Skipped, Upload
from myhealthhub.interop.models import ImportedRecord, ImportJob, ImportOriginal, JobState
from myhealthhub.lib.dates import PartialDate
from myhealthhub.lib.safe_zip import is_zip
from myhealthhub.profiles.actions import update_profile
from myhealthhub.profiles.models import Profile
from myhealthhub.records.actions import snapshot
from myhealthhub.records.kinds import KIND_OF_MODEL, KINDS
from myhealthhub.records.models import Entry, EntryVersion, Source, SourceKind
from myhealthhub.records.samples import add_samples
from myhealthhub.search.index import index_entries

log = logging.getLogger(__name__)

SPOOL_BYTES = 8 * 1024 * 1024
PROGRESS_EVERY = 0.5  # seconds between progress writes
ENTRY_BATCH = 500
FAILED = (
    "Something went wrong while importing this file, and nothing of it was added. "
    "The error has been logged."
)


# Starting: keep the files, create the job.


def start_import(
    profile: Profile,
    files: Sequence[tuple[str, IO[bytes]]],
    *,
    actor: User | None,
    request: HttpRequest | None,
    patient: str = "",
    enqueue: bool = True,
) -> ImportJob:
    """Keep the files as documents and queue the reading; Refused if no format reads them."""
    if not files:
        raise ActionRefused(_("Choose at least one file to import."))
    uploads = [Upload(name, handle, size_of(handle)) for name, handle in files]
    importer = detect(uploads)
    sealed: list[SealedUpload] = []
    try:
        for upload in uploads:
            sealed.append(
                seal_upload(profile, upload.file, file_type=_original_type(importer.name, upload))
            )
        with transaction.atomic():
            job = ImportJob.objects.create(
                profile=profile,
                format=importer.name,
                label=", ".join(upload.name for upload in uploads)[:500],
                language=translation.get_language() or "en",
                created_by=actor,
                patient=patient,
            )
            for position, (upload, kept) in enumerate(zip(uploads, sealed, strict=True)):
                document = keep_sealed(
                    profile,
                    kept,
                    filename=upload.name,
                    actor=actor,
                    request=request,
                    details=Details(
                        kind=DocumentKind.OTHER,
                        description=_("The original file of an import (%(format)s).")
                        % {"format": importer.label},
                    ),
                    links=[],
                )
                ImportOriginal.objects.create(
                    profile=profile,
                    job=job,
                    document=document,
                    name=upload.name[:255],
                    size=upload.size,
                    position=position,
                )
            log_action(
                Action.IMPORT_STARTED,
                request=request,
                actor=actor,
                profile=profile,
                object_type="import",
                object_uuid=job.uuid,
            )
            if enqueue:
                from myhealthhub.interop.tasks import read_import

                read_import.enqueue(job.pk)
    except BaseException:
        for kept in sealed:
            storage.delete(kept.stored)
        raise
    return job


def _original_type(format_name: str, upload: Upload) -> FileType:
    head = upload.head(8)
    if is_zip(head):
        return ZIP
    if format_name == "csv-readings":
        return CSV
    if upload.name.lower().endswith(".ndjson"):
        return FHIR_NDJSON
    return FHIR_JSON


# Reading: parse, map, plan, preview.


def read_job(job: ImportJob, *, progress_to: Any = None) -> None:
    """Read the job's files and store its preview, or mark it refused or failed.

    ``progress_to`` is called with the fraction read as well (the command
    line's progress bar); the job's own progress is written every half second.
    """
    _claim(job)
    reporter = _Reporter(job, progress_to)
    try:
        with translation.override(job.language):
            mapping = read_files(job, reporter)
            _store_preview(job, mapping)
    except Refused as refusal:
        _refuse(job, refusal)
    except Exception:
        log.exception("import %s could not be read", job.uuid)
        _fail(job, _(FAILED))


def read_files(job: ImportJob, progress: Any = None) -> Mapping:
    """Decrypt the job's kept files and run the format's importer over them."""
    importer = formats()[job.format]
    with _decrypted(job) as uploads:
        mapping = importer.read(uploads, progress or (lambda fraction: None))
    _last_read.keep(job, mapping)
    return mapping


class _LastRead:
    """The mapping this process read last, for the commit of the same job.

    The command line, and a worker that reads a job and then commits it,
    would otherwise parse the same kept file twice. What is kept is what this
    process itself read from that file; another process reads the file again.
    Large imports are not kept: their mapping would sit in memory while the
    person reviews.
    """

    MAX_BYTES = 16 * 1024 * 1024

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._job: int | None = None
        self._mapping: Mapping | None = None

    def keep(self, job: ImportJob, mapping: Mapping) -> None:
        small = sum(original.size for original in job.originals.all()) <= self.MAX_BYTES
        with self._lock:
            self._job, self._mapping = (job.pk, mapping) if small else (None, None)

    def take(self, job: ImportJob) -> Mapping | None:
        with self._lock:
            mapping = self._mapping if self._job == job.pk else None
            self._job, self._mapping = None, None
        return mapping


_last_read = _LastRead()


@contextmanager
def _decrypted(job: ImportJob) -> Iterator[list[Upload]]:
    originals = list(job.originals.select_related("document__file"))
    with ExitStack() as stack:
        uploads = []
        for original in originals:
            if original.document is None:
                raise Refused(_("The files of this import are no longer kept."))
            # A private temporary file beyond 8 MiB: a large export must not
            # sit in memory as bytes and as parsed objects at once.
            plaintext = stack.enter_context(tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES))
            for chunk in keys.read(original.document.file):
                plaintext.write(chunk)
            plaintext.seek(0)
            uploads.append(Upload(original.name, plaintext, original.size))
        yield uploads


def _store_preview(job: ImportJob, mapping: Mapping) -> None:
    people = [plans.patient_data(person) for person in mapping.patients]
    if len(people) == 1 and not job.patient:
        job.patient = people[0]["key"]
    if len(people) > 1 and not any(person["key"] == job.patient for person in people):
        job.patients = people
        job.patient = ""
        _set_state(job, JobState.CHOOSING, ["patients", "patient"])
        return
    plan = plans.make_plan(job.profile, mapping, job.patient)
    job.preview = plans.preview(plan, mapping)
    job.patients = people
    person = job.patient_named(job.patient)
    if person is not None:
        job.preview["mismatch"] = plans.differs_from(job.profile, person)
        job.preview["demographics"] = plans.demographics(job.profile, person)
    job.progress = 1
    _set_state(job, JobState.READY, ["preview", "patients", "patient", "progress"])


def choose_patient(job: ImportJob, key: str, *, enqueue: bool = True) -> None:
    """Read the file again for the one person chosen among several."""
    with transaction.atomic():
        current = ImportJob.objects.select_for_update().get(pk=job.pk)
        if current.state != JobState.CHOOSING:
            raise ActionRefused(_("This import is not waiting for a choice any more."))
        if current.patient_named(key) is None:
            raise ActionRefused(_("Choose one of the people in the file."))
        current.patient = key
        current.progress = 0
        _set_state(current, JobState.READING, ["patient", "progress"])
        if enqueue:
            from myhealthhub.interop.tasks import read_import

            read_import.enqueue(current.pk)
    job.refresh_from_db()


# Committing.


def request_commit(
    job: ImportJob,
    *,
    actor: User | None,
    apply_demographics: bool,
    other_person_confirmed: bool,
    enqueue: bool = True,
) -> None:
    """Accept the preview: the commit is queued (or, with enqueue=False, left to the caller)."""
    with transaction.atomic():
        current = ImportJob.objects.select_for_update().get(pk=job.pk)
        if current.state != JobState.READY:
            raise ActionRefused(_("This import is not waiting for review any more."))
        if current.preview.get("mismatch") and not other_person_confirmed:
            raise ActionRefused(
                _(
                    "This file seems to be about someone else than %(name)s. Check the name "
                    "and birth date, and confirm that it belongs in this profile."
                )
                % {"name": current.profile.name}
            )
        current.preview["apply_demographics"] = bool(apply_demographics)
        current.preview["committed_by"] = actor.pk if actor else None
        current.progress = 0
        _set_state(current, JobState.COMMITTING, ["preview", "progress"])
        if enqueue:
            from myhealthhub.interop.tasks import commit_import

            commit_import.enqueue(current.pk)
    job.refresh_from_db()


def commit_job(job: ImportJob, *, request: HttpRequest | None = None) -> None:
    """Write what the preview showed, in one transaction; or mark the job failed."""
    _claim(job)
    try:
        with translation.override(job.language):
            _commit(job, _last_read.take(job) or read_files(job), request)
    except Refused as refusal:
        _refuse(job, refusal)
    except Exception:
        log.exception("import %s could not be committed", job.uuid)
        _fail(job, _(FAILED))


def _commit(job: ImportJob, mapping: Mapping, request: HttpRequest | None) -> None:
    profile = job.profile
    actor = User.objects.filter(pk=job.preview.get("committed_by")).first()
    # Only files carried inside need sealing ahead; a plan without them is made once.
    sealed, refused = (
        _seal_documents(job, plans.make_plan(profile, mapping, job.patient))
        if mapping.documents
        else ({}, {})
    )
    try:
        with transaction.atomic():
            current = ImportJob.objects.select_for_update().get(pk=job.pk)
            if current.state != JobState.COMMITTING:
                raise ActionRefused(_("This import is not being added any more."))
            # One commit into a profile at a time, planned again under the
            # lock: an import that landed meanwhile is seen, not duplicated.
            Profile.objects.select_for_update().filter(pk=profile.pk).first()
            plan = plans.make_plan(profile, mapping, job.patient)
            _leave_out_unsealed(plan, sealed, refused)
            source = Source.objects.create(
                profile=profile,
                kind=SourceKind.IMPORT,
                label=job.label[:200],
                facility=mapping.sender[:200],
            )
            uuids = _create_entries(job, plan, source, actor)
            updated = _update_entries(job, plan, actor)
            documents = _keep_documents(job, plan, sealed, uuids, actor, request)
            readings = add_samples(profile, source, _readings(plan)) if plan.new_readings else 0
            if job.preview.get("apply_demographics"):
                _apply_demographics(job, actor, request)
            current.counts = {
                "added": sum(len(keys) for keys in uuids.values()),
                "updated": updated,
                "present": len(plan.present) + len(plan.present_documents),
                "documents": documents,
                "readings": readings,
                "skipped": len(plan.skipped),
            }
            current.source = source
            current.pending_folder = ""
            current.progress = 1
            current.finished_at = timezone.now()
            _set_state(
                current,
                JobState.COMMITTED,
                ["counts", "source", "pending_folder", "progress", "finished_at"],
            )
            log_action(
                Action.IMPORT_COMMITTED,
                request=request,
                actor=actor,
                profile=profile,
                object_type="import",
                object_uuid=job.uuid,
            )
            kept = {document.key for document in plan.new_documents}
            unused = [item.stored.name for key, item in sealed.items() if key not in kept]
            transaction.on_commit(partial(storage.delete_names, unused))
    except BaseException:
        for item in sealed.values():
            storage.delete(item.stored)
        ImportJob.objects.filter(pk=job.pk).update(pending_folder="")
        raise
    job.refresh_from_db()


def _seal_documents(
    job: ImportJob, plan: plans.Plan
) -> tuple[dict[str, SealedUpload], dict[str, str]]:
    """Seal the files carried inside the import before the transaction opens.

    They go into a folder named on the job first, so a worker killed before
    the commit lands leaves nothing in storage that no row accounts for.
    Returns the sealed files by key, and why the others were refused.
    """
    sealed: dict[str, SealedUpload] = {}
    refused: dict[str, str] = {}
    if not plan.new_documents:
        return sealed, refused
    # The plan's quota is checked once for all of them, not file by file.
    check_size(job.profile, sum(len(document.content) for document in plan.new_documents))
    # A folder of the job's own, written down before the first file goes in:
    # whatever a dead worker leaves in it that no row names can be found.
    folder = pending_folder(job)
    ImportJob.objects.filter(pk=job.pk).update(pending_folder=folder)
    try:
        for document in plan.new_documents:
            content = io.BytesIO(document.content)
            try:
                file_type = sniff(content)
            except ActionRefused as refusal:
                refused[document.key] = refusal.message
                continue
            sealed[document.key] = seal_upload(
                job.profile, content, file_type=file_type, size_checked=True, folder=folder
            )
    except BaseException:
        for item in sealed.values():
            storage.delete(item.stored)
        raise
    return sealed, refused


def pending_folder(job: ImportJob) -> str:
    return f"documents/{job.profile.uuid}/import-{job.uuid}"


def _leave_out_unsealed(
    plan: plans.Plan, sealed: dict[str, SealedUpload], refused: dict[str, str]
) -> None:
    for document in list(plan.new_documents):
        if document.key in sealed:
            continue
        plan.new_documents.remove(document)
        reason = refused.get(document.key) or _("the file could not be kept")
        plan.skipped.append(Skipped(document.origin, reason, document.where))


def _create_entries(
    job: ImportJob, plan: plans.Plan, source: Source, actor: User | None
) -> dict[str, dict[str, Any]]:
    """Insert the new entries kind by kind; returns their UUIDs by kind and key."""
    by_kind: dict[str, list[Any]] = defaultdict(list)
    for item in plan.new:
        by_kind[item.kind].append(item)
    uuids: dict[str, dict[str, Any]] = {}
    records = []
    for slug, items in by_kind.items():
        model = KINDS[slug].model
        entries = []
        for item in items:
            entry = model(
                profile_id=job.profile_id,
                source=source,
                created_by=actor,
                updated_by=actor,
                source_identifiers=item.identifiers,
                **item.values,
            )
            entries.append(entry)
            records.append(_record(job, item.key, slug, entry.uuid, plan))
        model.objects.bulk_create(entries, batch_size=ENTRY_BATCH)
        index_entries(slug, entries)
        uuids[slug] = {item.key: entry.uuid for item, entry in zip(items, entries, strict=True)}
    ImportedRecord.objects.bulk_create(records, batch_size=ENTRY_BATCH)
    return uuids


def _record(
    job: ImportJob, key: str, kind: str, object_uuid: Any, plan: plans.Plan
) -> ImportedRecord:
    return ImportedRecord(
        profile_id=job.profile_id,
        key_hash=plans.key_hash(key),
        key=key,
        kind=kind,
        object_uuid=object_uuid,
        content_hash=plan.hashes[key],
        job=job,
    )


def _update_entries(job: ImportJob, plan: plans.Plan, actor: User | None) -> int:
    """Bring entries up to what their source says now, keeping what they said before."""
    updated = 0
    for change in plan.changed:
        entry = change.entry
        ImportedRecord.objects.filter(pk=change.record.pk).update(
            content_hash=plan.hashes[change.item.key], job=job
        )
        if entry is None or not change.fields:
            continue
        EntryVersion.objects.create(
            profile_id=entry.profile_id,
            kind=KIND_OF_MODEL[type(entry)].slug,
            entry_uuid=entry.uuid,
            version=entry.version,
            change=EntryVersion.Change.UPDATE,
            changed_fields=change.fields,
            data=snapshot(entry),
            changed_by=actor,
        )
        for name in change.fields:
            setattr(entry, name, change.item.values[name])
        entry.version += 1
        entry.updated_by = actor
        entry.save(update_fields=[*change.fields, "version", "updated_by", "updated_at"])
        updated += 1
    by_kind: dict[str, list[Entry]] = defaultdict(list)
    for change in plan.changed:
        if change.entry is not None and change.fields:
            by_kind[change.item.kind].append(change.entry)
    for slug, entries in by_kind.items():
        index_entries(slug, entries)
    return updated


def _keep_documents(
    job: ImportJob,
    plan: plans.Plan,
    sealed: dict[str, SealedUpload],
    uuids: dict[str, dict[str, Any]],
    actor: User | None,
    request: HttpRequest | None,
) -> int:
    entry_uuids = {
        key: (slug, value) for slug, by_key in uuids.items() for key, value in by_key.items()
    }
    for key, record in plan.known.items():
        if record.kind in KINDS:
            entry_uuids.setdefault(key, (record.kind, record.object_uuid))
    files = [
        KeptFile(
            sealed[document.key],
            document.filename,
            Details(
                kind=document.kind,
                when=document.when,
                facility=document.facility[:200],
                description=document.description,
                title=document.title,
            ),
            [entry_uuids[key] for key in document.entry_keys if key in entry_uuids],
        )
        for document in plan.new_documents
    ]
    made = keep_sealed_many(job.profile, files, actor=actor, request=request)
    ImportedRecord.objects.bulk_create(
        (
            _record(job, document.key, plans.DOCUMENT, kept.uuid, plan)
            for document, kept in zip(plan.new_documents, made, strict=True)
        ),
        batch_size=ENTRY_BATCH,
    )
    return len(made)


def _readings(plan: plans.Plan) -> Iterator[tuple[str, Any, float]]:
    for reading in plan.new_readings:
        yield reading.metric, reading.at, reading.value


def _apply_demographics(job: ImportJob, actor: User | None, request: HttpRequest | None) -> None:
    offered = dict(job.preview.get("demographics") or {})
    if "birth" in offered:
        birth = PartialDate.parse(offered.pop("birth"))
        offered["birth_date"] = birth.earliest
        offered["birth_date_precision"] = birth.precision.value
    if offered:
        update_profile(job.profile, actor=actor, request=request, **offered)


# Discarding, refusing, failing.


def discard_job(job: ImportJob, *, actor: User | None, request: HttpRequest | None) -> None:
    """Let go of an import that was not committed, and of its files."""
    with transaction.atomic():
        current = ImportJob.objects.select_for_update().get(pk=job.pk)
        if current.state not in (JobState.READY, JobState.CHOOSING, JobState.FAILED):
            raise ActionRefused(_("This import can no longer be discarded."))
        _let_go_of_files(current)
        current.finished_at = timezone.now()
        _set_state(current, JobState.DISCARDED, ["finished_at"])
        log_action(
            Action.IMPORT_DISCARDED,
            request=request,
            actor=actor,
            profile=current.profile,
            object_type="import",
            object_uuid=current.uuid,
        )
    job.refresh_from_db()


def _refuse(job: ImportJob, refusal: Refused) -> None:
    with transaction.atomic():
        current = ImportJob.objects.select_for_update().get(pk=job.pk)
        current.message = refusal.reason
        current.where = refusal.where[:300]
        current.finished_at = timezone.now()
        # Nothing of a refused file is kept: it is not a document of the record.
        _let_go_of_files(current)
        _set_state(current, JobState.REFUSED, ["message", "where", "finished_at"])
    job.refresh_from_db()


def _fail(job: ImportJob, message: str) -> None:
    fail_jobs(ImportJob.objects.filter(pk=job.pk), message)
    job.refresh_from_db()


def fail_jobs(jobs: Iterable[ImportJob], message: str) -> int:
    """Mark jobs failed, removing any file sealed for a commit that never landed."""
    failed = 0
    for job in jobs:
        if job.pending_folder:
            _remove_strays(job.pending_folder)
        failed += ImportJob.objects.filter(pk=job.pk, state__in=[*_UNFINISHED]).update(
            state=JobState.FAILED,
            message=message,
            pending_folder="",
            finished_at=timezone.now(),
        )
    return failed


def _remove_strays(folder: str) -> None:
    """Delete the files in ``folder`` that no sealed-file row names."""
    try:
        _folders, names = storage.default_storage().listdir(folder)
    except FileNotFoundError:
        return
    paths = [f"{folder}/{name}" for name in names]
    kept = set(SealedFile.objects.filter(name__in=paths).values_list("name", flat=True))
    storage.delete_names([path for path in paths if path not in kept])


_UNFINISHED = (JobState.READING, JobState.CHOOSING, JobState.READY, JobState.COMMITTING)


def _let_go_of_files(job: ImportJob) -> None:
    originals = list(job.originals.all())
    documents = list(
        Document.objects.filter(pk__in=[o.document_id for o in originals if o.document_id])
    )
    ImportOriginal.objects.filter(job=job).update(document=None)
    if documents:
        purge(documents, actor_label=f"import {job.uuid}")


# Bookkeeping.


def _claim(job: ImportJob) -> None:
    job.worker = f"{socket.gethostname()}:{os.getpid()}"
    job.heartbeat_at = timezone.now()
    ImportJob.objects.filter(pk=job.pk).update(worker=job.worker, heartbeat_at=job.heartbeat_at)


def _set_state(job: ImportJob, state: str, fields: list[str]) -> None:
    job.state = state
    job.heartbeat_at = timezone.now()
    job.save(update_fields=[*fields, "state", "heartbeat_at"])


class _Reporter:
    """Writes a job's progress at most every half second, and passes it on."""

    def __init__(self, job: ImportJob, passed_to: Any) -> None:
        self.job = job
        self.passed_to = passed_to
        self.last = 0.0

    def __call__(self, fraction: float) -> None:
        if self.passed_to is not None:
            self.passed_to(fraction)
        now = time.monotonic()
        if now - self.last < PROGRESS_EVERY:
            return
        self.last = now
        ImportJob.objects.filter(pk=self.job.pk).update(
            progress=min(max(fraction, 0.0), 1.0), heartbeat_at=timezone.now()
        )
