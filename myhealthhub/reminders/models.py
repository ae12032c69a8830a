"""Reminders: the notices an account is given, its choices of them, its private calendar feeds.

A ``Notice`` is one reminder for one account, made once: its ``key`` names
what it is about and when ("appointment:<uuid>:<start>"), and (account, key)
is unique, so two workers running the same round at once make it once. It
keeps what it says as plain values, not as text, so the page and the e-mail
word it in the reader's language and time zone when they are read.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from myhealthhub.profiles.models import Profile


class Kind(models.TextChoices):
    REVIEW = "review", _("Medication review due")
    APPOINTMENT = "appointment", _("Appointment tomorrow")
    SHARE_LINK = "share_link", _("Share link about to end")
    GRANT = "grant", _("Caregiver access about to end")
    IMPORT = "import", _("Import failed")


class NoticeQuerySet(models.QuerySet["Notice"]):
    def listed(self) -> NoticeQuerySet:
        """What the notices page shows: made to be seen in the app, and not dismissed."""
        return self.filter(in_app=True, dismissed_at__isnull=True)

    def unread(self) -> NoticeQuerySet:
        return self.listed().filter(read_at__isnull=True)


class Notice(models.Model):
    """One reminder for one account, about one thing of one profile."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    account = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    profile = models.ForeignKey(Profile, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    key = models.CharField(max_length=200)
    # What it is about: the appointment, review, link, grant or import.
    subject_uuid = models.UUIDField()
    # Its name as the record has it (the appointment's, the link's label, the
    # caregiver's address, the import's files), and who it is with.
    title = models.CharField(max_length=500, blank=True)
    person = models.CharField(max_length=200, blank=True)
    # The instant it is about (an appointment's start, an end, a failure)…
    at = models.DateTimeField(null=True, blank=True)
    # …or the day, for what has no time (a review's due date).
    on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    # Whether the account wanted it in the app and by e-mail when it was made.
    in_app = models.BooleanField(default=True)
    by_email = models.BooleanField(default=False)
    # Set when the e-mail is claimed for sending: whoever sets it sends it.
    emailed_at = models.DateTimeField(null=True, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)
    dismissed_at = models.DateTimeField(null=True, blank=True)

    objects = NoticeQuerySet.as_manager()

    class Meta:
        ordering = ("-created_at", "-id")
        constraints = (
            models.UniqueConstraint(fields=("account", "key"), name="one_notice_per_key"),
        )
        indexes = (models.Index(fields=("account", "dismissed_at", "-created_at")),)

    def __str__(self) -> str:
        return f"{self.account_id} {self.key}"


class Choice(models.Model):
    """An account's choice for one kind of reminder; no row means both on."""

    account = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(max_length=16, choices=Kind.choices)
    in_app = models.BooleanField(default=True)
    by_email = models.BooleanField(default=True)

    class Meta:
        constraints = (
            models.UniqueConstraint(fields=("account", "kind"), name="one_choice_per_kind"),
        )

    def __str__(self) -> str:
        return f"{self.account_id} {self.kind}: app {self.in_app}, e-mail {self.by_email}"


class CalendarFeed(models.Model):
    """One account's private calendar address for one profile, known by its token's hash."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    account = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    profile = models.ForeignKey(Profile, on_delete=models.CASCADE, related_name="+")
    # SHA-256 of the token in the address; the token itself is shown once and never stored.
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = (
            models.UniqueConstraint(fields=("account", "profile"), name="one_feed_per_reader"),
        )

    def __str__(self) -> str:
        return f"{self.account_id} → {self.profile_id}"
