"""Exports: who may make which, the background job that writes one, its download and expiry.

Every export goes through :func:`write_export`, whoever asks: the web page
answers a short format at once; a long one becomes an ExportJob that a
worker runs (:func:`run_job`); ``myhealthhub export`` writes to a path.

The result of a job holds health data, so it is stored like every file
(DESIGN.md principle 7): written to an unnamed temporary file that vanishes
with the process, then sealed with its own key into storage, and kept for
:data:`EXPIRES_AFTER` only. A job that fails keeps nothing.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from functools import partial
from pathlib import Path
from typing import BinaryIO

from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django_tasks import task

from myhealthhub.accounts.models import User
from myhealthhub.audit.log import log_action
from myhealthhub.audit.models import Action
from myhealthhub.documents import keys, storage
from myhealthhub.documents.cleanup import remove_unnamed_files
from myhealthhub.documents.models import SealedFile
from myhealthhub.documents.usage import EXPORTS_FOLDER
from myhealthhub.errors import ActionRefused
from myhealthhub.exports.fhir import FhirExport
from myhealthhub.exports.formats import Exporter, Progress, exporters, filename
from myhealthhub.exports.models import ExportJob, ExportState
from myhealthhub.lib import formatting, keyring, workers
from myhealthhub.lib.workers import Liveness, this_worker
from myhealthhub.profiles.models import Profile, Role
from myhealthhub.profiles.usage import profile_allowance
from myhealthhub.profiles.zones import zone_for
from myhealthhub.summary.options import PAPER_SIZES, ExportOptions

log = logging.getLogger(__name__)

# Long enough to come back for it the next day; short enough that a copy of
# everything does not linger.
EXPIRES_AFTER = dt.timedelta(hours=24)
PROGRESS_EVERY = 0.5  # seconds between progress writes
# A job no worker claimed for this long never will be; one claimed is judged
# by its worker's process or heartbeat (lib/workers.py), which waits as long
# for a worker that never beats.
SILENT_FOR = workers.SILENT_FOR
FOLDER = EXPORTS_FOLDER  # results here are temporary copies: no quota counts them
LANGUAGES = ("en", "es")

FAILED = gettext_noop(
    "Something went wrong while writing this export, and nothing of it was kept. "
    "The error has been logged."
)
ABANDONED = gettext_noop(
    "The worker stopped while writing this export, and nothing of it was kept. Start it again."
)


class UnknownFormat(LookupError):
    """No such format, or not one the caller's role may use: the web answers 404."""


# Who may export what.


def exporter_for(slug: str) -> Exporter:
    exporter = exporters().get(slug)
    if exporter is None:
        raise UnknownFormat(slug)
    return exporter


def offered(role: Role) -> list[Exporter]:
    """The formats ``role`` may use, in the registry's order."""
    return [exporter for exporter in exporters().values() if role.includes(exporter.role)]


def plan_allows_profile(profile: Profile, exporter: Exporter) -> bool:
    """Whether the plan that pays for ``profile`` includes the format.

    That is the plan of the profile's owner (``billed_account``), whoever
    clicks: storage bills the owner, and so do exports, on the web and the
    command line alike. A profile nobody owns has no plan to ask.
    """
    return profile_allowance(profile, f"export.{exporter.slug}").allowed


def check_allowed(exporter: Exporter, *, role: Role | None, profile: Profile) -> None:
    """UnknownFormat for a role that does not reach the format, ActionRefused for the plan.

    ``role`` None is the command line, run by whoever runs the server.
    """
    if role is not None and not role.includes(exporter.role):
        raise UnknownFormat(exporter.slug)
    if not plan_allows_profile(profile, exporter):
        raise ActionRefused(
            _(
                "The plan of this profile does not include exports as %(format)s. "
                "Nothing was exported."
            )
            % {"format": exporter.label}
        )


def options_for(profile: Profile, *, language: str = "", paper: str = "") -> ExportOptions:
    """The person's choices, checked; the profile's language when none was chosen."""
    language = language or profile.language
    if language not in LANGUAGES:
        raise ActionRefused(_("Choose English or Spanish."))
    paper = paper or "a4"
    if paper not in PAPER_SIZES:
        raise ActionRefused(_("Choose A4 or Letter paper."))
    return ExportOptions(language=language, paper=paper)


# Writing: the one path every export takes.


def write_export(
    exporter: Exporter,
    profile: Profile,
    options: ExportOptions,
    out: BinaryIO,
    progress: Progress,
    *,
    zone: dt.tzinfo,
    reader: User | None,
) -> None:
    """Write as :func:`written_as` says: the options' language, ``zone``, ``reader``'s units."""
    with written_as(options, zone=zone, reader=reader):
        exporter.write(profile, out, options, progress)


@contextmanager
def written_as(options: ExportOptions, *, zone: dt.tzinfo, reader: User | None) -> Iterator[None]:
    """Inside, what is written is in the options' language, in ``zone`` (profiles/zones.py:
    ``zone_for``) and in the units of ``reader``, whoever asked.

    The zone is the profile's own, else that of whoever asked: a worker or
    the command line has no request, and so no zone or units of its own, to
    go by. From the command line (no reader) values are in the owner's units.
    The FHIR API writes its resources inside it too, as the exports do.
    """
    units = formatting.using(reader) if reader is not None else nullcontext()
    with translation.override(options.language), timezone.override(zone), units:
        yield


def export_now(
    profile: Profile,
    exporter: Exporter,
    options: ExportOptions,
    out: BinaryIO,
    *,
    actor: User,
    role: Role,
    request: HttpRequest | None,
) -> None:
    """A short export (``background`` False) written straight to ``out`` for the web to answer."""
    check_allowed(exporter, role=role, profile=profile)
    write_export(
        exporter, profile, options, out, _ignore, zone=zone_for(profile, actor), reader=actor
    )
    _log(Action.EXPORT_STARTED, profile, exporter.slug, None, actor, request)
    _log(Action.EXPORT_DOWNLOADED, profile, exporter.slug, None, actor, request)


def stream_now(
    profile: Profile,
    exporter: FhirExport,
    options: ExportOptions,
    *,
    actor: User,
    role: Role,
    request: HttpRequest | None,
) -> Iterator[bytes]:
    """The FHIR export in the pieces it is written in, as the caller reads them ($everything).

    Checked and logged as :func:`export_now`, before anything is written; the
    bundle itself is written while the answer is sent.
    """
    check_allowed(exporter, role=role, profile=profile)
    _log(Action.EXPORT_STARTED, profile, exporter.slug, None, actor, request)
    _log(Action.EXPORT_DOWNLOADED, profile, exporter.slug, None, actor, request)
    return _pieces(exporter, profile, options, zone=zone_for(profile, actor), reader=actor)


def _pieces(
    exporter: FhirExport,
    profile: Profile,
    options: ExportOptions,
    *,
    zone: dt.tzinfo,
    reader: User,
) -> Iterator[bytes]:
    with written_as(options, zone=zone, reader=reader):
        yield from exporter.pieces(profile, options, _ignore)


def export_to_path(
    profile: Profile,
    exporter: Exporter,
    options: ExportOptions,
    path: Path,
    *,
    progress: Progress,
) -> None:
    """The command line's export: written beside ``path`` and renamed, so never half a file.

    The plan of the profile's owner applies, as on the web.
    """
    check_allowed(exporter, role=None, profile=profile)
    folder = path.parent
    if not folder.is_dir():
        raise ActionRefused(_("%(folder)s is not a folder.") % {"folder": folder})
    # mkstemp makes it readable by its owner only: it holds health data.
    descriptor, partial_name = tempfile.mkstemp(
        dir=folder, prefix=f".{path.name}.", suffix=".partial"
    )
    try:
        with os.fdopen(descriptor, "wb") as handle:
            write_export(
                exporter,
                profile,
                options,
                handle,
                progress,
                zone=zone_for(profile, None),
                reader=None,
            )
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(partial_name, path)
    except BaseException:
        Path(partial_name).unlink(missing_ok=True)
        raise
    log_action(
        Action.EXPORT_STARTED,
        request=None,
        actor=None,
        actor_label="command line",
        profile=profile,
        object_type=f"export.{exporter.slug}",
    )


# Background jobs.


def start_export(
    profile: Profile,
    exporter: Exporter,
    options: ExportOptions,
    *,
    actor: User,
    role: Role,
    request: HttpRequest | None,
    enqueue: bool = True,
) -> ExportJob:
    """Queue a long export; UnknownFormat or ActionRefused when it may not be made.

    While the same person's export of the same format is still queued or
    being written, that job is returned and nothing new is made.
    """
    check_allowed(exporter, role=role, profile=profile)
    running = _active(profile, exporter, actor)
    if running is not None:
        return running
    try:
        with transaction.atomic():
            job = ExportJob.objects.create(
                profile=profile,
                format=exporter.slug,
                options={"language": options.language, "paper": options.paper},
                created_by=actor,
            )
            _log(Action.EXPORT_STARTED, profile, exporter.slug, job, actor, request)
            if enqueue:
                run_export.enqueue(job.pk)
    except IntegrityError:
        # Two clicks at once: the constraint let one through, give the other that one.
        running = _active(profile, exporter, actor)
        if running is None:
            raise
        return running
    job.refresh_from_db()
    return job


def _active(profile: Profile, exporter: Exporter, actor: User) -> ExportJob | None:
    return (
        ExportJob.objects.filter(
            profile_id=profile.pk,
            created_by_id=actor.pk,
            format=exporter.slug,
            state__in=(ExportState.QUEUED, ExportState.RUNNING),
        )
        .select_related("profile")
        .first()
    )


@task()
def run_export(job_id: int) -> None:
    job = ExportJob.objects.select_related("profile", "created_by").filter(pk=job_id).first()
    if job is not None:
        run_job(job)


def run_job(job: ExportJob) -> None:
    """Write the job's export and seal it; or mark the job failed, keeping nothing."""
    try:
        # Besides each result's own scheduled removal: tidy what others left.
        # This process is busy, not dead: its other jobs (threads) are left alone.
        clean_up(at_worker_start=False)
    except Exception:  # tidying must never stop the export asked for
        log.exception("could not clean up old exports")
    now = timezone.now()
    if (
        not _this(job)
        .filter(state=ExportState.QUEUED)
        .update(state=ExportState.RUNNING, heartbeat_at=now, worker=this_worker())
    ):
        return  # another worker took it, or it is gone
    try:
        exporter = exporter_for(job.format)
        options = options_for(
            job.profile,
            language=str(job.options.get("language", "")),
            paper=str(job.options.get("paper", "")),
        )
        zone = zone_for(job.profile, job.created_by)
        # Unnamed: the plaintext vanishes with the process, whatever happens.
        with tempfile.TemporaryFile() as plaintext, timezone.override(zone):
            write_export(
                exporter,
                job.profile,
                options,
                plaintext,
                _Reporter(job),
                zone=zone,
                reader=job.created_by,
            )
            plaintext.seek(0)
            _seal(job, exporter, plaintext)  # dates its file name in the zone too
    except ActionRefused as refusal:
        _fail(job, refusal.message)
    except Exception:
        log.exception("export %s could not be written", job.uuid)
        _fail(job, FAILED)
    job.refresh_from_db()


def _seal(job: ExportJob, exporter: Exporter, plaintext: BinaryIO) -> None:
    master = keyring.current()
    stored = storage.put(plaintext, master_key=master, folder=_folder(job))
    try:
        with transaction.atomic():
            sealed = SealedFile.objects.create(
                profile_id=job.profile_id,
                name=stored.name,
                wrapped_key=stored.wrapped_key,
                key_id=keyring.key_id(master),
                sha256=stored.sha256,
                size=stored.size,
            )
            finished = timezone.now()
            done = (
                _this(job)
                .filter(state=ExportState.RUNNING)
                .update(
                    state=ExportState.DONE,
                    file=sealed,
                    filename=filename(job.profile, exporter, timezone.localdate(finished)),
                    progress=1.0,
                    finished_at=finished,
                    expires_at=finished + EXPIRES_AFTER,
                    heartbeat_at=finished,
                )
            )
            if not done:  # failed meanwhile as abandoned: its result is not wanted
                raise ActionRefused(_(ABANDONED))
            _schedule_removal(finished + EXPIRES_AFTER)
    except BaseException:
        storage.delete(stored)
        raise


def _schedule_removal(expires_at: dt.datetime) -> None:
    """Remove the result when it expires, as the page promises, not at the next worker start.

    Enqueued in the transaction that marks the job done (the database backend
    stores both or neither). A backend that cannot wait (the tests' immediate
    one) is not asked: running it now would find nothing due.
    """
    if remove_expired_exports.get_backend().supports_defer:
        remove_expired_exports.using(run_after=expires_at).enqueue()


def _fail(job: ExportJob, message: str) -> None:
    _this(job).filter(state__in=(ExportState.QUEUED, ExportState.RUNNING)).update(
        state=ExportState.FAILED, message=message, finished_at=timezone.now()
    )


# Downloading.


def check_download(job: ExportJob, *, role: Role) -> None:
    """UnknownFormat, or ActionRefused when the plan no longer has it or it has expired."""
    check_allowed(exporter_for(job.format), role=role, profile=job.profile)
    if not is_available(job):
        raise ActionRefused(_("This export is no longer available. Start a new one."))


def open_result(
    job: ExportJob, *, role: Role, actor: User, request: HttpRequest | None
) -> Iterator[bytes]:
    """The decrypted export, chunk by chunk; audited. ActionRefused once it has expired."""
    check_download(job, role=role)
    assert job.file is not None
    chunks = keys.read(job.file)
    _log(Action.EXPORT_DOWNLOADED, job.profile, job.format, job, actor, request)
    return chunks


def is_available(job: ExportJob) -> bool:
    return (
        job.state == ExportState.DONE
        and job.file_id is not None
        and job.expires_at is not None
        and job.expires_at > timezone.now()
    )


# Cleaning up.


def clean_up(now: dt.datetime | None = None, *, at_worker_start: bool = True) -> tuple[int, int]:
    """Remove expired results and fail jobs whose worker died: (expired, failed).

    Called as a worker starts (``myhealthhub worker``) and, with
    ``at_worker_start`` False, before each export.
    """
    return remove_expired(now), fail_abandoned(now, liveness=Liveness(at_worker_start))


@task()
def remove_expired_exports() -> int:
    """Scheduled for each result's expiry; removes whatever is due, nothing before its time."""
    return remove_expired()


def remove_expired(now: dt.datetime | None = None) -> int:
    """Delete the sealed results past their expiry; the jobs stay, marked expired."""
    now = now or timezone.now()
    removed = 0
    due = ExportJob.objects.filter(state=ExportState.DONE, expires_at__lte=now)
    for job in due.select_related("file"):
        with transaction.atomic():
            if (
                not _this(job)
                .filter(state=ExportState.DONE)
                .update(state=ExportState.EXPIRED, file=None)
            ):
                continue
            if job.file is not None:
                name = job.file.name
                SealedFile.objects.filter(profile_id=job.profile_id, pk=job.file.pk).delete()
                # Only once the row is gone for good: a rolled-back cleanup keeps its file.
                transaction.on_commit(partial(storage.delete_names, [name]))
            removed += 1
    return removed


def fail_abandoned(now: dt.datetime | None = None, *, liveness: Liveness | None = None) -> int:
    """Fail jobs whose worker died, removing anything sealed for them and not kept.

    Whose worker died is ``liveness``'s to judge, as for imports
    (``lib/workers.py``): by default as a worker starts, knowing only the
    processes of this host. A job no worker claimed is failed after
    :data:`SILENT_FOR`.
    """
    liveness = liveness or Liveness()
    silent_since = (now or timezone.now()) - SILENT_FOR
    candidates = ExportJob.objects.filter(
        Q(state=ExportState.RUNNING) | Q(state=ExportState.QUEUED, created_at__lt=silent_since)
    ).select_related("profile")
    failed = 0
    for job in candidates:
        if job.state == ExportState.RUNNING and not liveness.is_dead(job.worker, job.heartbeat_at):
            continue  # a queued one is here only once it waited SILENT_FOR
        before = job.state
        updated = (
            _this(job)
            .filter(state=before)
            .update(state=ExportState.FAILED, message=ABANDONED, finished_at=timezone.now())
        )
        if updated:
            remove_unnamed_files(_folder(job))
            failed += 1
    return failed


# Bookkeeping.


def _folder(job: ExportJob) -> str:
    # One folder per job, so what a dead worker sealed can be found and removed.
    return f"{FOLDER}/{job.profile.uuid}/{job.uuid}"


def _this(job: ExportJob) -> QuerySet[ExportJob]:
    """The job's row, found through its profile like every profile-owned row."""
    return ExportJob.objects.filter(profile_id=job.profile_id, pk=job.pk)


def _log(
    action: Action,
    profile: Profile,
    slug: str,
    job: ExportJob | None,
    actor: User | None,
    request: HttpRequest | None,
) -> None:
    log_action(
        action,
        request=request,
        actor=actor,
        profile=profile,
        object_type=f"export.{slug}",
        object_uuid=job.uuid if job else None,
    )


def _ignore(fraction: float) -> None:
    pass


class _Reporter:
    """Writes a job's progress at most every half second: a heartbeat as well."""

    def __init__(self, job: ExportJob) -> None:
        self.job = job
        self.last = 0.0

    def __call__(self, fraction: float) -> None:
        now = time.monotonic()
        if now - self.last < PROGRESS_EVERY:
            return
        self.last = now
        _this(self.job).update(progress=min(max(fraction, 0.0), 1.0), heartbeat_at=timezone.now())
