"""Import jobs, the files they came in, and what each source called each entry.

An ImportJob goes: reading (a worker parses and maps its files) → ready (a
preview waits for the person) → committing → committed; or it ends refused
(the file cannot be imported; nothing was written), discarded, or failed (a
worker died or the commit broke; nothing of it was written).
"""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from myhealthhub.documents.models import Document
from myhealthhub.imports.base import SYSTEM_LENGTH
from myhealthhub.lib import progress
from myhealthhub.lib.workers import WORKER_ID_LENGTH
from myhealthhub.profiles.models import Profile
from myhealthhub.records.models import Source


class JobState(models.TextChoices):
    READING = "reading", _("Reading the file")
    CHOOSING = "choosing", _("Waiting for you to choose the person")
    READY = "ready", _("Waiting for you to review")
    COMMITTING = "committing", _("Adding to the record")
    COMMITTED = "committed", _("Imported")
    DISCARDED = "discarded", _("Discarded")
    REFUSED = "refused", _("Refused")
    FAILED = "failed", _("Failed")


ACTIVE_STATES = (JobState.READING, JobState.COMMITTING)
FINAL_STATES = (JobState.COMMITTED, JobState.DISCARDED, JobState.REFUSED, JobState.FAILED)


class ImportJob(models.Model):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    profile = models.ForeignKey(Profile, on_delete=models.CASCADE, related_name="+")
    format = models.CharField(max_length=40)
    label = models.CharField(_("files"), max_length=500)
    state = models.CharField(
        _("state"), max_length=12, choices=JobState.choices, default=JobState.READING
    )
    # How far reading has got, 0 to 1, for the progress bar; how many records
    # that is, when the format counts them, and since when: the rate and the time left.
    progress = models.FloatField(default=0)
    progress_items = models.PositiveBigIntegerField(default=0)
    progress_since = models.DateTimeField(null=True, blank=True)
    # Why it was refused or failed, in the uploader's language, and where in the file.
    message = models.TextField(blank=True)
    where = models.CharField(max_length=300, blank=True)
    # What the commit would do, per kind, with examples (plan.preview).
    preview = models.JSONField(default=dict, blank=True)
    # Kept beside the preview so that the list of imports need not load it.
    warning_count = models.PositiveIntegerField(default=0)
    # The people the file is about, and the one chosen when there are several.
    patients = models.JSONField(default=list, blank=True)
    patient = models.TextField(blank=True)
    # What the commit did: added, updated, present, documents, readings, skipped.
    counts = models.JSONField(default=dict, blank=True)
    language = models.CharField(max_length=8, default="en")
    source = models.OneToOneField(
        Source, null=True, blank=True, on_delete=models.SET_NULL, related_name="import_job"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Which process works on it ("host:pid") and when it last said so: a
    # worker that starts again fails the jobs its dead predecessor held.
    worker = models.CharField(max_length=200, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    # Where the files carried in the import are sealed ahead of the commit's
    # transaction: what no row names is removed if the commit never lands.
    pending_folder = models.CharField(max_length=200, blank=True)
    # The import that started again from this failed one's files, which went to it.
    retried_as = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ("-created_at", "-id")
        indexes = (models.Index(fields=("profile", "created_at")),)

    def __str__(self) -> str:
        return f"{self.label} ({self.state})"

    @property
    def pace(self) -> str:
        """How fast it goes and how long is left, in words, while it works."""
        if not self.is_active or self.progress_since is None or self.heartbeat_at is None:
            return ""
        elapsed = (self.heartbeat_at - self.progress_since).total_seconds()
        return progress.pace(self.progress, self.progress_items, elapsed)

    @property
    def is_active(self) -> bool:
        return self.state in ACTIVE_STATES

    @property
    def is_final(self) -> bool:
        return self.state in FINAL_STATES

    @property
    def may_try_again(self) -> bool:
        """Failed, and not started again yet: its kept files can be read anew."""
        return self.state == JobState.FAILED and self.retried_as_id is None

    def patient_named(self, key: str) -> dict[str, Any] | None:
        return next((patient for patient in self.patients if patient["key"] == key), None)


class ImportOriginal(models.Model):
    """A file an import came in, kept as an encrypted document."""

    profile = models.ForeignKey(Profile, on_delete=models.CASCADE, related_name="+")
    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="originals")
    # Cleared when a refused or discarded import lets go of its file.
    document = models.ForeignKey(
        Document, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    name = models.CharField(max_length=255)
    size = models.BigIntegerField()
    position = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ("position",)

    def __str__(self) -> str:
        return self.name


class ImportedRecord(models.Model):
    """What a source called an entry, and a hash of what it said about it.

    A re-import looks keys up here, among the records of its own system: the
    same key with the same hash is already present; with another hash, the
    source has changed what it says. Another system's record under the same
    key is never touched (imports/planning.py).
    """

    profile = models.ForeignKey(Profile, on_delete=models.CASCADE, related_name="+")
    # SHA-256 of the key, so any key fits one indexed column.
    key_hash = models.CharField(max_length=64)
    key = models.TextField()
    # The system the source comes from (``Mapping.system``); "" for one not
    # known: a file that does not say, or an import made before systems were.
    system = models.CharField(max_length=SYSTEM_LENGTH, blank=True, default="")
    # A records kind slug, "document" or a sample metric.
    kind = models.CharField(max_length=40)
    object_uuid = models.UUIDField()
    content_hash = models.CharField(max_length=64)
    # What the source said, field by field, when it was last imported: a newer
    # export changes only the fields the source changed, never the person's edits.
    values = models.JSONField(default=dict)
    job = models.ForeignKey(ImportJob, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        constraints = (
            # Its index serves planning: a profile's keys by their hashes, in one or two systems.
            models.UniqueConstraint(
                fields=("profile", "key_hash", "system"), name="one_record_per_key_and_system"
            ),
        )

    def __str__(self) -> str:
        return self.key


class WorkerHeartbeat(models.Model):
    """A task worker's last sign of life: how a worker on another machine knows it is gone.

    Each worker writes its own every round of its recovery thread
    (``management/recovery.py``), in a row no job's transaction holds, so a
    long commit does not silence it. Kept here, beside the jobs it vouches
    for; it belongs to no profile.
    """

    worker = models.CharField(max_length=WORKER_ID_LENGTH, unique=True)
    beat_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.worker} ({self.beat_at:%Y-%m-%d %H:%M:%S})"
