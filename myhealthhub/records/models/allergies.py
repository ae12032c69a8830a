from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from myhealthhub.records.models.base import Entry, PartialDateAttribute, precision_field


class AllergyCategory(models.TextChoices):
    MEDICATION = "medication", _("Medication")
    FOOD = "food", _("Food")
    ENVIRONMENT = "environment", _("Environment")
    BIOLOGIC = "biologic", _("Biologic")


class Criticality(models.TextChoices):
    LOW = "low", _("Low risk")
    HIGH = "high", _("High risk")
    UNKNOWN = "unable-to-assess", _("Not assessed")


class AllergyStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    INACTIVE = "inactive", _("Inactive")
    RESOLVED = "resolved", _("Resolved")


class AllergyType(models.TextChoices):
    ALLERGY = "allergy", _("Allergy")
    INTOLERANCE = "intolerance", _("Intolerance")


class ReactionSeverity(models.TextChoices):
    MILD = "mild", _("Mild")
    MODERATE = "moderate", _("Moderate")
    SEVERE = "severe", _("Severe")


class Allergy(Entry):
    """An allergy or intolerance; ``display`` is the substance, ``date`` the onset."""

    allergy_type = models.CharField(
        _("type"), max_length=12, choices=AllergyType.choices, default=AllergyType.ALLERGY
    )
    category = models.CharField(
        _("category"), max_length=12, choices=AllergyCategory.choices, blank=True
    )
    criticality = models.CharField(
        _("criticality"), max_length=16, choices=Criticality.choices, blank=True
    )
    status = models.CharField(
        _("status"), max_length=10, choices=AllergyStatus.choices, default=AllergyStatus.ACTIVE
    )
    reaction = models.CharField(_("reaction"), max_length=300, blank=True)
    # FHIR's and C-CDA's three words; the importers map theirs to these.
    reaction_severity = models.CharField(
        _("reaction severity"), max_length=10, choices=ReactionSeverity.choices, blank=True
    )
    # Further reactions as a source gave them: [{"manifestation": "...", "severity": "..."}].
    reactions = models.JSONField(default=list, blank=True)
    # When a clinician first wrote it down, which may be years after the onset (``date``).
    recorded_date = models.DateField(_("recorded"), null=True, blank=True)
    recorded_date_precision = precision_field()

    recorded = PartialDateAttribute("recorded_date")

    class Meta(Entry.Meta):
        verbose_name = _("allergy or intolerance")
        verbose_name_plural = _("allergies and intolerances")


class NoKnownAllergies(Entry):
    """The statement "no known allergies", with its date and source.

    Distinct from an empty allergy list, which only means nothing was recorded.
    """

    display = models.CharField(_("name"), max_length=500, default="No known allergies")

    class Meta(Entry.Meta):
        verbose_name = _("no known allergies statement")
        verbose_name_plural = _("no known allergies statements")
