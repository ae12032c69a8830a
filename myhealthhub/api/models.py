"""Personal access tokens: how a person's own programs reach their records.

Only a token's SHA-256 is kept: the token itself is shown once, when made.
A token reaches at most the profiles its account may see, and each only for
as long as the account's grant lives (api/gate.py checks both on every call).
"""

from __future__ import annotations

import datetime as dt
import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from myhealthhub.profiles.models import Profile


class Scope(models.TextChoices):
    READ = "read", _("Read the record")
    READINGS = "readings", _("Add readings from devices")
    ENTRIES = "entries", _("Add, change and delete entries and documents")
    EXPORT = "export", _("Export the record")


class AccessTokenQuerySet(models.QuerySet["AccessToken"]):
    def live(self, at: dt.datetime | None = None) -> AccessTokenQuerySet:
        at = at or timezone.now()
        return self.filter(revoked_at__isnull=True, expires_at__gt=at)


class AccessToken(models.Model):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    account = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="access_tokens"
    )
    name = models.CharField(_("name"), max_length=100)
    # The token's first characters, to tell tokens apart in a list; never enough to use.
    prefix = models.CharField(max_length=16)
    digest = models.CharField(max_length=64, unique=True)
    scopes = models.JSONField(default=list)
    profiles = models.ManyToManyField(Profile, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(_("expires"))
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    last_used_from = models.GenericIPAddressField(null=True, blank=True)

    objects = AccessTokenQuerySet.as_manager()

    class Meta:
        ordering = ("-created_at",)

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    def allows(self, scope: Scope) -> bool:
        return scope.value in self.scopes
