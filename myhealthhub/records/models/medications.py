from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from myhealthhub.records.models.base import Entry, PartialDateAttribute, precision_field


class MedicationStatus(models.TextChoices):
    ACTIVE = "active", _("Taking")
    ON_HOLD = "on-hold", _("Paused")
    STOPPED = "stopped", _("Stopped")
    COMPLETED = "completed", _("Finished")
    INTENDED = "intended", _("Planned")
    UNKNOWN = "unknown", _("Unknown")


class Medication(Entry):
    """A statement of what the person takes (FHIR MedicationStatement); ``date`` is the start."""

    strength = models.CharField(_("strength"), max_length=100, blank=True)
    dose = models.CharField(_("dose"), max_length=100, blank=True)
    route = models.CharField(_("route"), max_length=100, blank=True)
    frequency = models.CharField(_("how often"), max_length=200, blank=True)
    as_needed = models.BooleanField(_("as needed"), default=False)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    prescriber = models.CharField(_("prescriber"), max_length=200, blank=True)
    pharmacy = models.CharField(_("pharmacy"), max_length=200, blank=True)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=MedicationStatus.choices,
        default=MedicationStatus.ACTIVE,
    )
    end_date = models.DateField(_("end"), null=True, blank=True)
    end_date_precision = precision_field()

    end = PartialDateAttribute("end_date")

    class Meta(Entry.Meta):
        verbose_name = _("medication")
        verbose_name_plural = _("medications")


class ReviewedWith(models.TextChoices):
    PHARMACIST = "pharmacist", _("Pharmacist")
    PHYSICIAN = "physician", _("Physician")
    NURSE = "nurse", _("Nurse")
    OTHER = "other", _("Other")


class MedicationReview(Entry):
    """A review of the whole medication list with a professional; ``date`` is when."""

    with_whom = models.CharField(_("with whom"), max_length=12, choices=ReviewedWith.choices)
    reviewer = models.CharField(_("reviewer's name"), max_length=200, blank=True)
    outcome = models.TextField(_("outcome"), blank=True)
    next_due = models.DateField(_("next review due"), null=True, blank=True)

    class Meta(Entry.Meta):
        verbose_name = _("medication review")
        verbose_name_plural = _("medication reviews")
