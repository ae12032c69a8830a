from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from myhealthhub.records.models.base import Entry, PartialDateAttribute, precision_field


class Procedure(Entry):
    """Something done to the person (surgery, imaging, therapy); ``date`` is when."""

    performer = models.CharField(_("performed by"), max_length=200, blank=True)
    location = models.CharField(_("where"), max_length=200, blank=True)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    outcome = models.CharField(_("outcome"), max_length=300, blank=True)

    class Meta(Entry.Meta):
        verbose_name = _("procedure")
        verbose_name_plural = _("procedures")


class Encounter(Entry):
    """A visit that happened; ``display`` says what kind, ``date`` when it began."""

    clinician = models.CharField(_("clinician"), max_length=200, blank=True)
    facility = models.CharField(_("facility"), max_length=200, blank=True)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    end_date = models.DateField(_("end"), null=True, blank=True)
    end_date_precision = precision_field()

    end = PartialDateAttribute("end_date")

    class Meta(Entry.Meta):
        verbose_name = _("visit")
        verbose_name_plural = _("visits")


class AppointmentStatus(models.TextChoices):
    BOOKED = "booked", _("Booked")
    PROPOSED = "proposed", _("To be booked")
    FULFILLED = "fulfilled", _("Attended")
    CANCELLED = "cancelled", _("Cancelled")
    NOSHOW = "noshow", _("Missed")


class Appointment(Entry):
    """A visit to come (or one that was planned); ``date`` follows ``starts_at``."""

    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"), null=True, blank=True)
    clinician = models.CharField(_("clinician"), max_length=200, blank=True)
    facility = models.CharField(_("facility"), max_length=200, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=AppointmentStatus.choices,
        default=AppointmentStatus.BOOKED,
    )
    questions = models.TextField(_("questions to ask"), blank=True)
    bring = models.TextField(_("what to bring"), blank=True)

    class Meta(Entry.Meta):
        verbose_name = _("appointment")
        verbose_name_plural = _("appointments")
        ordering = ("-starts_at", "-id")
