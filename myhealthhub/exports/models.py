"""Export jobs: one export of a profile made in the background, and its sealed result."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from myhealthhub.documents.models import SealedFile
from myhealthhub.profiles.models import Profile


class ExportState(models.TextChoices):
    QUEUED = "queued", _("Waiting to start")
    RUNNING = "running", _("Being written")
    DONE = "done", _("Ready to download")
    FAILED = "failed", _("Failed")
    EXPIRED = "expired", _("Expired")


class ExportJob(models.Model):
    """One export of a profile made in the background, and its sealed result.

    queued → running → done (the file waits, encrypted, until ``expires_at``,
    then the cleanup removes it: expired) or failed (nothing was kept).
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    profile = models.ForeignKey(Profile, on_delete=models.CASCADE, related_name="+")
    # An exporter's slug (interop/exporters): never changes once released.
    format = models.CharField(max_length=40)
    # The ExportOptions the person chose: {"language": "es", "paper": "a4"}.
    options = models.JSONField(default=dict, blank=True)
    state = models.CharField(
        _("state"), max_length=10, choices=ExportState.choices, default=ExportState.QUEUED
    )
    # How far writing has got, 0 to 1, for the progress bar.
    progress = models.FloatField(default=0)
    # Why it failed, in the language of the person who started it.
    message = models.TextField(blank=True)
    # The result, sealed like every stored file; None until done and after it expires.
    file = models.OneToOneField(
        SealedFile, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    filename = models.CharField(max_length=200, blank=True)
    # Exports are personal: only the account that started one sees and downloads it.
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    # Which process writes it ("host:pid") and when it last said so: a worker
    # that starts on the same host fails at once what a dead one held.
    worker = models.CharField(max_length=200, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-created_at", "-id")
        indexes = (
            models.Index(fields=("profile", "created_by", "created_at")),
            models.Index(fields=("state", "expires_at")),
        )
        constraints = (
            # Clicking again while one is written gives that one: no pile of copies.
            models.UniqueConstraint(
                fields=("profile", "created_by", "format"),
                condition=models.Q(state__in=("queued", "running")),
                name="one_active_export",
            ),
        )

    def __str__(self) -> str:
        return f"{self.format} ({self.state})"

    @property
    def is_active(self) -> bool:
        return self.state in (ExportState.QUEUED, ExportState.RUNNING)

    @property
    def percent(self) -> int:
        return round(min(max(self.progress, 0.0), 1.0) * 100)
