from __future__ import annotations

import uuid
from datetime import datetime
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from myhealthhub.lib.dates import PartialDate, Precision, validate_time_zone


class Sex(models.TextChoices):
    # FHIR's administrative gender, the value that clinics and portals exchange.
    FEMALE = "female", _("Female")
    MALE = "male", _("Male")
    OTHER = "other", _("Other")
    UNKNOWN = "unknown", _("Unknown")


class Profile(models.Model):
    """A person whose health record is kept: the keeper or someone they care for."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    given_name = models.CharField(_("given name"), max_length=100)
    family_name = models.CharField(_("family name"), max_length=100, blank=True)
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    birth_date_precision = models.CharField(
        max_length=5,
        choices=[(p.value, p.value) for p in Precision],
        default=Precision.DAY,
    )
    sex = models.CharField(_("sex"), max_length=10, choices=Sex.choices, default=Sex.UNKNOWN)
    language = models.CharField(
        _("preferred language"), max_length=8, choices=settings.LANGUAGES, default="en"
    )
    # Where this person lives, when not where the people who keep the record
    # do (a parent abroad); "" means each viewer's own time zone.
    time_zone = models.CharField(
        _("time zone"), max_length=64, blank=True, default="", validators=[validate_time_zone]
    )
    deceased_date = models.DateField(_("date of death"), null=True, blank=True)
    deceased_date_precision = models.CharField(
        max_length=5,
        choices=[(p.value, p.value) for p in Precision],
        default=Precision.DAY,
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Counts saves: an edit started from an older version is refused, not saved over.
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ("given_name", "family_name", "id")

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return f"{self.given_name} {self.family_name}".strip()

    @property
    def birth(self) -> PartialDate | None:
        if self.birth_date is None:
            return None
        return PartialDate.from_stored(self.birth_date, self.birth_date_precision)

    @birth.setter
    def birth(self, value: PartialDate | None) -> None:
        self.birth_date = value.earliest if value else None
        self.birth_date_precision = value.precision if value else Precision.DAY

    @property
    def deceased(self) -> PartialDate | None:
        if self.deceased_date is None:
            return None
        return PartialDate.from_stored(self.deceased_date, self.deceased_date_precision)


class EmergencyContact(models.Model):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    profile = models.ForeignKey(Profile, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(_("name"), max_length=200)
    relationship = models.CharField(_("relationship"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=50, blank=True)
    email = models.EmailField(_("email"), blank=True)
    notes = models.CharField(_("notes"), max_length=500, blank=True)
    # Counts saves: an edit started from an older version is refused, not saved over.
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ("id",)

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    VIEWER = "viewer", _("Viewer")
    EDITOR = "editor", _("Editor")
    OWNER = "owner", _("Owner")

    @property
    def rank(self) -> int:
        return _ROLE_RANK[self]

    def includes(self, needed: Role) -> bool:
        return self.rank >= needed.rank


_ROLE_RANK = {Role.VIEWER: 1, Role.EDITOR: 2, Role.OWNER: 3}


class GrantQuerySet(models.QuerySet["Grant"]):
    def in_force(self, at: datetime | None = None) -> GrantQuerySet:
        at = at or timezone.now()
        return self.filter(revoked_at__isnull=True).filter(
            Q(expires_at__isnull=True) | Q(expires_at__gt=at)
        )


class Grant(models.Model):
    """An account's recorded consent to see or edit a profile, until revoked or expired."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    profile = models.ForeignKey(Profile, on_delete=models.CASCADE, related_name="grants")
    account = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="grants"
    )
    role = models.CharField(_("role"), max_length=10, choices=Role.choices)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    consent_note = models.TextField(_("consent note"), blank=True)
    granted_at = models.DateTimeField(_("granted"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    objects: ClassVar[GrantQuerySet] = GrantQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        ordering = ("granted_at", "id")
        constraints = (
            # One live grant per account and profile; revoked ones stay as history.
            models.UniqueConstraint(
                fields=("profile", "account"),
                condition=Q(revoked_at__isnull=True),
                name="one_live_grant_per_account",
            ),
        )

    def __str__(self) -> str:
        return f"{self.account} → {self.profile} ({self.role})"

    def is_in_force(self, at: datetime | None = None) -> bool:
        at = at or timezone.now()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > at)

    @property
    def role_enum(self) -> Role:
        return Role(self.role)
