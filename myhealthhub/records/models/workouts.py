"""Workouts: an activity from a moment, for a while, with how far, how hard and at what pulse."""

from __future__ import annotations

from typing import ClassVar

from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from myhealthhub.records.models.base import Entry


class Activity(models.TextChoices):
    WALKING = "walking", _("Walking")
    RUNNING = "running", _("Running")
    CYCLING = "cycling", _("Cycling")
    SWIMMING = "swimming", _("Swimming")
    HIKING = "hiking", _("Hiking")
    YOGA = "yoga", _("Yoga")
    STRENGTH = "strength", _("Strength training")
    HIIT = "hiit", _("High-intensity interval training")
    ELLIPTICAL = "elliptical", _("Elliptical")
    ROWING = "rowing", _("Rowing")
    DANCE = "dance", _("Dance")
    OTHER = "other", _("Other")


class Workout(Entry):
    """One workout; ``date`` follows ``starts_at``, and ``display`` names it (the activity's name).

    Each quantity is kept in one unit (``STORED_UNITS``); pages show it in
    the reader's units (lib/formatting.py).
    """

    activity = models.CharField(
        _("activity"), max_length=12, choices=Activity.choices, default=Activity.OTHER
    )
    starts_at = models.DateTimeField(_("started"))
    duration = models.PositiveIntegerField(_("duration"))
    distance = models.FloatField(
        _("distance"), null=True, blank=True, validators=[MinValueValidator(0)]
    )
    active_energy = models.FloatField(
        _("active energy"), null=True, blank=True, validators=[MinValueValidator(0)]
    )
    average_heart_rate = models.FloatField(
        _("average heart rate"), null=True, blank=True, validators=[MinValueValidator(0)]
    )
    # The watch, phone or app that recorded it ("Apple Watch"), as its source names it.
    device = models.CharField(_("recorded by"), max_length=200, blank=True)

    # The UCUM unit each quantity is stored in.
    STORED_UNITS: ClassVar[dict[str, str]] = {
        "duration": "s",
        "distance": "m",
        "active_energy": "kcal",
        "average_heart_rate": "/min",
    }

    class Meta(Entry.Meta):
        verbose_name = _("workout")
        verbose_name_plural = _("workouts")
