from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from myhealthhub.records.models.base import Entry, PartialDateAttribute, precision_field


class ClinicalStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    RECURRENCE = "recurrence", _("Came back")
    INACTIVE = "inactive", _("Inactive")
    REMISSION = "remission", _("In remission")
    RESOLVED = "resolved", _("Resolved")


class Verification(models.TextChoices):
    CONFIRMED = "confirmed", _("Confirmed")
    PROVISIONAL = "provisional", _("Provisional")
    # One of several diagnoses still being told apart: less certain than provisional.
    DIFFERENTIAL = "differential", _("One of several possible diagnoses")
    UNCONFIRMED = "unconfirmed", _("Unconfirmed")
    REFUTED = "refuted", _("Ruled out")


class Severity(models.TextChoices):
    MILD = "mild", _("Mild")
    MODERATE = "moderate", _("Moderate")
    SEVERE = "severe", _("Severe")


class Condition(Entry):
    """A problem or diagnosis; ``date`` is the onset."""

    clinical_status = models.CharField(
        _("status"), max_length=12, choices=ClinicalStatus.choices, default=ClinicalStatus.ACTIVE
    )
    verification = models.CharField(
        _("verification"),
        max_length=12,
        choices=Verification.choices,
        default=Verification.CONFIRMED,
    )
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices, blank=True)
    resolved_date = models.DateField(_("resolved"), null=True, blank=True)
    resolved_date_precision = precision_field()

    resolved = PartialDateAttribute("resolved_date")

    class Meta(Entry.Meta):
        verbose_name = _("condition")
        verbose_name_plural = _("conditions")


class FamilyHistory(Entry):
    """A condition of a relative; ``display`` is the condition."""

    relative = models.CharField(_("relative"), max_length=100)
    onset_age = models.PositiveSmallIntegerField(_("age at onset"), null=True, blank=True)
    deceased = models.BooleanField(_("the relative died of it"), default=False)

    class Meta(Entry.Meta):
        verbose_name = _("family history")
        verbose_name_plural = _("family history")
