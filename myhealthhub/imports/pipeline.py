"""Import jobs: keep the files, read them, show what would change, commit or discard;
try a failed one again from the files it kept.

DESIGN.md principles 3 and 8. Every file that arrives is first kept as an
encrypted document. A worker reads it (``read_job``) and stores a preview;
nothing reaches the record until the person commits, and the commit
(``commit_job``) is one transaction: a worker that dies halfway leaves none
of it behind. The commit works from the kept files, not from a staged copy
in the database or in memory: it reads them again and plans again under
the profile's lock, so what lands is what the original says against the
record as it is at that moment. Device readings are not read again when
the preview found none new (an export imported again): the commit adds
none, as the preview said.

The web pages enqueue ``read_job`` and ``commit_job`` as tasks; the command
line runs them in its own process.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import replace
from functools import partial
from typing import IO, Any, TypeVar

from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from myhealthhub.accounts.models import User
from myhealthhub.audit.log import log_action
from myhealthhub.audit.models import Action
from myhealthhub.documents import storage
from myhealthhub.documents.actions import (
    Details,
    SealedUpload,
    keep_sealed,
    purge,
    seal_upload,
    size_of,
)
from myhealthhub.documents.cleanup import remove_unnamed_files
from myhealthhub.documents.models import Document, DocumentKind
from myhealthhub.errors import ActionRefused, Refused
from myhealthhub.imports import live_progress, people, planning, writing
from myhealthhub.imports import preview as previews
from myhealthhub.imports.base import Mapping, Progress, Reading, Upload
from myhealthhub.imports.formats import detect
from myhealthhub.imports.kept_files import read_files
from myhealthhub.imports.models import ImportJob, ImportOriginal, JobState
from myhealthhub.lib.dates import PartialDate, Precision
from myhealthhub.lib.spill import SpillList
from myhealthhub.lib.workers import this_worker
from myhealthhub.profiles.actions import update_profile
from myhealthhub.profiles.models import Profile
from myhealthhub.profiles.zones import zone_for
from myhealthhub.records import overview_cache
from myhealthhub.records.activity import add_activity_days
from myhealthhub.records.models import Source, SourceKind
from myhealthhub.records.samples import add_measured

log = logging.getLogger(__name__)
T = TypeVar("T")

PROGRESS_EVERY = 0.5  # seconds between progress writes
# How many new entries, and readings, a commit writes between two reports of its progress.
ENTRIES_REPORTED_EVERY = 2000
READINGS_REPORTED_EVERY = 10_000
FAILED = gettext_noop(
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
                seal_upload(profile, upload.file, file_type=importer.original_type(upload))
            )
        with transaction.atomic():
            job = _new_job(
                profile,
                importer.name,
                ", ".join(upload.name for upload in uploads),
                actor=actor,
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
            _started(job, actor, request, enqueue=enqueue)
    except BaseException:
        for kept in sealed:
            storage.delete(kept.stored)
        raise
    return job


def try_again(
    job: ImportJob, *, actor: User | None, request: HttpRequest | None, enqueue: bool = True
) -> ImportJob:
    """A failed import started again from the files it kept: read anew, to be reviewed again.

    The same format, profile and person in the file; nothing is uploaded
    again. The files move to the new import, so that discarding the failed
    one later lets go of nothing the new one reads.
    """
    with transaction.atomic():
        current = _this(job).select_for_update().get()
        if not current.may_try_again:
            raise ActionRefused(_("Only an import that failed can be tried again, and only once."))
        originals = ImportOriginal.objects.filter(profile_id=current.profile_id, job=current)
        if not originals.exists() or originals.filter(document=None).exists():
            raise ActionRefused(_("The files of this import are no longer kept."))
        again = _new_job(
            current.profile, current.format, current.label, actor=actor, patient=current.patient
        )
        originals.update(job=again)
        current.retried_as = again
        current.save(update_fields=["retried_as"])
        _started(again, actor, request, enqueue=enqueue)
    job.refresh_from_db()
    return again


def _new_job(
    profile: Profile, format: str, label: str, *, actor: User | None, patient: str
) -> ImportJob:
    return ImportJob.objects.create(
        profile=profile,
        format=format,
        label=label[:500],
        language=translation.get_language() or "en",
        created_by=actor,
        patient=patient,
    )


def _started(
    job: ImportJob, actor: User | None, request: HttpRequest | None, *, enqueue: bool
) -> None:
    """Audited as started, and its reading queued (with enqueue=False, left to the caller)."""
    _log(Action.IMPORT_STARTED, job, actor, request)
    if enqueue:
        from myhealthhub.imports.tasks import read_import

        read_import.enqueue(job.pk)


# Reading: parse, map, plan, preview.


def read_job(job: ImportJob, *, progress_to: Progress | None = None) -> None:
    """Read the job's files and store its preview, or mark it refused or failed.

    ``progress_to`` is called with the fraction read as well (the command
    line's progress bar); the job's own progress is written every half second.
    """
    _claim(job)
    reporter = _Reporter(job, progress_to)
    # A device's times without an offset are read in the zone of the profile, else of
    # whoever imports: the worker has no request to take one from.
    zone = zone_for(job.profile, job.created_by)
    with translation.override(job.language), timezone.override(zone):
        try:
            _store_preview(job, read_files(job, reporter))
        except Refused as refusal:
            _refuse(job, refusal)
        except Exception:
            log.exception("import %s could not be read", job.uuid)
            _fail(job, _(FAILED))
        finally:
            live_progress.forget(job)


def _store_preview(job: ImportJob, mapping: Mapping) -> None:
    found = [people.patient_data(person) for person in mapping.patients]
    if len(found) == 1 and not job.patient:
        job.patient = found[0]["key"]
    elif job.patient:
        # Asked for by what the person sees (a name, a record number), not only by key.
        job.patient = people.chosen_by(found, job.patient) or job.patient
    if found and not any(person["key"] == job.patient for person in found):
        # Several people, or a person asked for who is not in the file.
        job.patients = found
        job.patient = ""
        _set_state(job, JobState.CHOOSING, ["patients", "patient"])
        return
    plan = planning.plan_import(job.profile, mapping, job.patient)
    planning.count_readings(job.profile, mapping.readings, plan)
    preview = previews.preview(plan, mapping)
    job.patients = found
    person = job.patient_named(job.patient)
    if person is not None:
        preview.unnamed = people.unnamed(person)
        preview.mismatch = preview.unnamed or people.differs_from(job.profile, person)
        preview.demographics = people.demographics(job.profile, person)
    job.preview = preview.as_json()
    job.warning_count = preview.warning_count
    job.progress = 1
    _set_state(job, JobState.READY, ["preview", "warning_count", "patients", "patient", "progress"])


def choose_patient(job: ImportJob, key: str, *, enqueue: bool = True) -> None:
    """Read the file again for the one person chosen among several."""
    with transaction.atomic():
        current = _this(job).select_for_update().get()
        if current.state != JobState.CHOOSING:
            raise ActionRefused(_("This import is not waiting for a choice any more."))
        if current.patient_named(key) is None:
            raise ActionRefused(_("Choose one of the people in the file."))
        current.patient = key
        current.progress = 0
        current.worker = ""  # queued again: no process holds it until one claims it
        _set_state(current, JobState.READING, ["patient", "progress", "worker"])
        if enqueue:
            from myhealthhub.imports.tasks import read_import

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
        current = _this(job).select_for_update().get()
        if current.state != JobState.READY:
            raise ActionRefused(_("This import is not waiting for review any more."))
        preview = previews.Preview.of(current)
        if preview.mismatch and not other_person_confirmed:
            raise ActionRefused(
                _(
                    "This file seems to be about someone else than %(name)s. Check the name "
                    "and birth date, and confirm that it belongs in this profile."
                )
                % {"name": current.profile.name}
            )
        preview.apply_demographics = bool(apply_demographics)
        preview.committed_by = actor.pk if actor else None
        current.preview = preview.as_json()
        current.progress = 0
        current.worker = ""  # queued again: no process holds it until one claims it
        _set_state(current, JobState.COMMITTING, ["preview", "progress", "worker"])
        if enqueue:
            from myhealthhub.imports.tasks import commit_import

            commit_import.enqueue(current.pk)
    job.refresh_from_db()


def commit_job(
    job: ImportJob, *, request: HttpRequest | None = None, progress_to: Progress | None = None
) -> None:
    """Write what the preview showed, in one transaction; or mark the job failed.

    The files are read again; reading is the first half of the progress
    reported, writing the readings the second.
    """
    _claim(job)
    reporter = _Reporter(job, progress_to)
    # A device's times without an offset are read in the zone of the profile, else of
    # whoever imports: the worker has no request to take one from.
    zone = zone_for(job.profile, job.created_by)
    with translation.override(job.language), timezone.override(zone):
        try:
            # A preview that found no new reading (a newer export's older part,
            # an export read again) adds none: they are not built again.
            readings = previews.Preview.of(job).readings.new > 0
            mapping = read_files(
                job, lambda fraction, items=0: reporter(fraction / 2, items), readings=readings
            )
            _commit(job, mapping, request, reporter)
        except Refused as refusal:
            _refuse(job, refusal)
        except ActionRefused as refusal:  # the plan's quota, a job no longer committing
            _fail(job, refusal.message)
        except Exception:
            log.exception("import %s could not be committed", job.uuid)
            _fail(job, _(FAILED))
        finally:
            live_progress.forget(job)


def _commit(
    job: ImportJob, mapping: Mapping, request: HttpRequest | None, reporter: Progress
) -> None:
    profile = job.profile
    preview = previews.Preview.of(job)
    actor = User.objects.filter(pk=preview.committed_by).first() if preview.committed_by else None
    # Only files carried inside need sealing ahead; a plan without them is made once.
    sealed = (
        writing.seal_documents(
            job, planning.plan_import(profile, mapping, job.patient).documents_to_keep
        )
        if mapping.documents
        else {}
    )
    committed = False
    try:
        with overview_cache.only_on_commit(), transaction.atomic():
            current = _this(job).select_for_update().get()
            if current.state != JobState.COMMITTING:
                raise ActionRefused(_("This import is not being added any more."))
            # One commit into a profile at a time, planned again under the
            # lock: an import that landed meanwhile is seen, not duplicated,
            # and an entry edited meanwhile is read as it is now.
            Profile.objects.select_for_update().filter(pk=profile.pk).first()
            plan = planning.plan_import(profile, mapping, job.patient, lock=True)
            writing.leave_out_unsealed(plan, sealed)
            writes = _Written(reporter, len(plan.new) + len(plan.changed) + preview.readings.new)
            # What the document says it is, as people name it: its title, who sent
            # it and when it was written. The file's name stays the job's label.
            written = mapping.written
            source = Source.objects.create(
                profile=profile,
                kind=SourceKind.IMPORT,
                label=mapping.title[:200],
                facility=mapping.sender[:200],
                written=written.earliest if written else None,
                written_precision=written.precision if written else Precision.DAY,
            )
            entries = _create_entries(job, plan, source, actor, writes)
            updated = writing.update_entries(job, plan, actor, request)
            writes.add(len(plan.changed))
            documents = writing.keep_documents(job, plan, sealed, entries, actor, request)
            writing.adopt_records(job, plan)
            if preview.readings.new:
                new = planning.new_readings(profile, mapping.readings, plan)
                readings = _add_readings(
                    profile, source, writes.counting(new, READINGS_REPORTED_EVERY), mapping.sender
                )
                repeats_not_read = 0
            else:  # not read again (``commit_job``): the preview counted their repeats
                readings, repeats_not_read = 0, preview.readings.repeated
            activity_days = add_activity_days(profile, source, mapping.activity_days)
            if preview.apply_demographics:
                _apply_demographics(job, preview, actor, request)
            _describe_original(current, mapping)
            _fold_repeated_originals(current)
            current.counts = {
                "added": len(entries),
                "updated": updated,
                "present": plan.present.total() + len(plan.present_documents),
                "documents": documents,
                "readings": readings,
                "skipped": sum(skipped.count for skipped in plan.skipped) + repeats_not_read,
            }
            if activity_days:  # only a watch's export has them
                current.counts["activity_days"] = activity_days
            current.source = source
            current.pending_folder = ""
            current.progress = 1
            current.finished_at = timezone.now()
            _set_state(
                current,
                JobState.COMMITTED,
                ["counts", "source", "pending_folder", "progress", "finished_at"],
            )
            _log(Action.IMPORT_COMMITTED, job, actor, request)
            kept = {document.key for document in plan.documents_to_keep}
            unused = [item.stored.name for key, item in sealed.items() if key not in kept]
            transaction.on_commit(partial(storage.delete_names, unused), robust=True)
        committed = True
    finally:
        if not committed:
            for item in sealed.values():
                storage.delete(item.stored)
            _this(job).update(pending_folder="")
    job.refresh_from_db()


def _fold_repeated_originals(job: ImportJob) -> None:
    """An original already kept by an earlier import is not kept twice."""
    for original in job.originals.filter(profile_id=job.profile_id).select_related(
        "document__file"
    ):
        document = original.document
        if document is None or document.duplicate_of_id is None:
            continue
        earlier = document.duplicate_of
        original.document = earlier
        original.save(update_fields=["document"])
        purge([document], actor_label=f"import {job.uuid}")


def _describe_original(job: ImportJob, mapping: Mapping) -> None:
    """A clinical document's own title, date, facility and kind on its kept original.

    Only for a one-file import, and only the copy this import kept (one the
    profile already had, about to be folded into it, is left as it is): the
    person cannot have described it yet. The import's audit event covers it.
    """
    about = mapping.about
    originals = list(job.originals.select_related("document"))
    if about is None or len(originals) != 1 or originals[0].document is None:
        return
    document = originals[0].document
    if document.duplicate_of_id is not None:
        return
    if about.title:
        document.title = about.title
    document.kind = about.kind
    document.when = about.when
    document.facility = about.facility
    document.version += 1
    document.save(update_fields=["title", "kind", "date", "date_precision", "facility", "version"])


def _add_readings(
    profile: Profile, source: Source, readings: Iterable[Reading], sender: str
) -> int:
    """The new readings as samples: of the import's source, or of each device the file names."""
    devices: dict[tuple[str, str], Source] = {}

    def measured_by(reading: Reading) -> Source:
        if not reading.device:
            return source
        key = (reading.device, reading.device_model)
        if key not in devices:
            devices[key] = Source.objects.create(
                profile=profile,
                kind=SourceKind.DEVICE,
                label=reading.device[:200],
                facility=(reading.device_model or sender)[:200],
            )
        return devices[key]

    return add_measured(profile, ((measured_by(r), r.metric, r.at, r.value) for r in readings))


def _create_entries(
    job: ImportJob,
    plan: planning.ImportPlan,
    source: Source,
    actor: User | None,
    writes: _Written,
) -> writing.EntryUuids:
    """The new entries, a slice of the plan at a time, so the page can follow them going in.

    ``writing.create_entries`` batches by kind what it is given: the same
    entries, in a few more batches.
    """
    made: writing.EntryUuids = {}
    for batch in planning.batches(plan.new, ENTRIES_REPORTED_EVERY):
        made.update(writing.create_entries(job, replace(plan, new=SpillList(batch)), source, actor))
        writes.add(len(batch))
    return made


def _apply_demographics(
    job: ImportJob, preview: previews.Preview, actor: User | None, request: HttpRequest | None
) -> None:
    offered: dict[str, Any] = dict(preview.demographics)
    for name, column in (("birth", "birth_date"), ("deceased", "deceased_date")):
        if name in offered:
            when = PartialDate.parse(offered.pop(name))
            offered[column] = when.earliest
            offered[f"{column}_precision"] = when.precision.value
    if offered:
        update_profile(job.profile, actor=actor, request=request, **offered)


# Discarding, refusing, failing.


def discard_job(job: ImportJob, *, actor: User | None, request: HttpRequest | None) -> None:
    """Let go of an import that was not committed, and of its files."""
    with transaction.atomic():
        current = _this(job).select_for_update().get()
        if current.state not in (JobState.READY, JobState.CHOOSING, JobState.FAILED):
            raise ActionRefused(_("This import can no longer be discarded."))
        _let_go_of_files(current)
        current.finished_at = timezone.now()
        _set_state(current, JobState.DISCARDED, ["finished_at"])
        _log(Action.IMPORT_DISCARDED, current, actor, request)
    job.refresh_from_db()


def _refuse(job: ImportJob, refusal: Refused) -> None:
    with transaction.atomic():
        current = _this(job).select_for_update().get()
        current.message = refusal.reason
        current.where = refusal.where[:300]
        current.finished_at = timezone.now()
        # Nothing of a refused file is kept: it is not a document of the record.
        _let_go_of_files(current)
        _set_state(current, JobState.REFUSED, ["message", "where", "finished_at"])
    job.refresh_from_db()


def _fail(job: ImportJob, message: str) -> None:
    fail_jobs(_this(job), message)
    job.refresh_from_db()


def fail_jobs(jobs: Iterable[ImportJob], message: str) -> int:
    """Mark jobs failed, removing any file sealed for a commit that never landed."""
    failed = 0
    for job in jobs:
        if job.pending_folder:
            # The folder is worked out again rather than taken from the row,
            # so a row that says otherwise can never name another's files.
            remove_unnamed_files(writing.pending_folder(job))
        failed += (
            _this(job)
            .filter(state__in=[*_UNFINISHED])
            .update(
                state=JobState.FAILED,
                message=message,
                pending_folder="",
                finished_at=timezone.now(),
            )
        )
        live_progress.forget(job)  # the worker's, if it ran on this machine
    return failed


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


def _log(action: Action, job: ImportJob, actor: User | None, request: HttpRequest | None) -> None:
    log_action(
        action,
        request=request,
        actor=actor,
        profile=job.profile,
        object_type="import",
        object_uuid=job.uuid,
    )


def _this(job: ImportJob) -> QuerySet[ImportJob]:
    """The job's row, found through its profile like every profile-owned row."""
    return ImportJob.objects.filter(profile_id=job.profile_id, pk=job.pk)


def _claim(job: ImportJob) -> None:
    job.worker = this_worker()
    job.heartbeat_at = timezone.now()
    _this(job).update(worker=job.worker, heartbeat_at=job.heartbeat_at)


def _set_state(job: ImportJob, state: str, fields: list[str]) -> None:
    job.state = state
    job.heartbeat_at = timezone.now()
    job.save(update_fields=[*fields, "state", "heartbeat_at"])


class _Reporter:
    """Writes a job's progress at most every half second, and passes it on."""

    def __init__(self, job: ImportJob, passed_to: Progress | None, *, share: float = 1.0) -> None:
        self.job = job
        self.passed_to = passed_to
        # The part of the whole that reading is: the rest of a commit is writing.
        self.share = share
        self.last = 0.0
        self.since = timezone.now()
        _this(job).update(progress_items=0, progress_since=self.since)

    def __call__(self, fraction: float, /, items: int = 0) -> None:
        fraction = min(max(fraction, 0.0), 1.0) * self.share
        if self.passed_to is not None:
            self.passed_to(fraction, items)
        now = time.monotonic()
        if now - self.last < PROGRESS_EVERY:
            return
        self.last = now
        at = timezone.now()
        _this(self.job).update(progress=fraction, progress_items=items, heartbeat_at=at)
        # Inside a commit's transaction the row's progress is seen only once it ends.
        live_progress.write(self.job, fraction, items, at)


class _Written:
    """The second half of a commit's progress: how much of what it writes is written."""

    def __init__(self, reporter: Progress, total: int) -> None:
        self.reporter = reporter
        self.total = max(total, 1)
        self.done = 0

    def add(self, count: int) -> None:
        self.done += count
        self.reporter(0.5 + min(self.done / self.total, 1.0) / 2, self.done)

    def counting(self, items: Iterable[T], every: int) -> Iterator[T]:
        """``items``, added to what is written ``every`` of them at a time as they go."""
        for count, item in enumerate(items, 1):
            if count % every == 0:
                self.add(every)
            yield item
