from __future__ import annotations

import uuid
from typing import Any, ClassVar

from django.conf import settings
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.utils.translation import gettext_lazy as _

from myhealthhub.lib.dates import validate_time_zone


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.update(is_staff=True, is_superuser=True)
        return self.create_user(email, password, **extra)


class UnitSystem(models.TextChoices):
    CONVENTIONAL = "conventional", _("Conventional (mg/dL)")
    SI = "si", _("International (mmol/L)")


class BodyUnits(models.TextChoices):
    METRIC = "metric", _("Metric (kg, cm, °C)")
    US = "us", _("US customary (lb, in, °F)")


class User(AbstractUser):
    """A person who signs in. Their health data lives in profiles, never here."""

    username = None  # type: ignore[assignment]
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    email = models.EmailField(_("email address"), unique=True)
    language = models.CharField(
        _("language"), max_length=8, choices=settings.LANGUAGES, default="", blank=True
    )
    plan = models.CharField(_("plan"), max_length=40, default="", blank=True)
    unit_system = models.CharField(
        _("laboratory units"),
        max_length=12,
        choices=UnitSystem.choices,
        default=UnitSystem.CONVENTIONAL,
    )
    # Weight, height and temperature, apart from laboratory units: an American
    # who reads mmol/L at work may still weigh themselves in pounds.
    body_units = models.CharField(
        _("weight, height and temperature"),
        max_length=8,
        choices=BodyUnits.choices,
        default=BodyUnits.METRIC,
    )
    # An IANA name; "" means the site's (settings.TIME_ZONE) until one is chosen.
    time_zone = models.CharField(
        _("time zone"), max_length=64, blank=True, default="", validators=[validate_time_zone]
    )

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    objects: ClassVar[UserManager] = UserManager()  # type: ignore[assignment]

    def __str__(self) -> str:
        return self.email
