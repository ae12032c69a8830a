from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from myhealthhub.records.models.base import Entry


class ObservationCategory(models.TextChoices):
    LABORATORY = "laboratory", _("Laboratory")
    VITAL_SIGNS = "vital-signs", _("Vital sign")
    OTHER = "other", _("Other")


class Comparator(models.TextChoices):
    LT = "<", "<"
    LE = "<=", "≤"
    GE = ">=", "≥"
    GT = ">", ">"


class Observation(Entry):
    """A lab result or a clinical measurement; ``code`` is its LOINC code, ``date`` when.

    The value is a number with its unit (UCUM beside the original text), a text,
    or a code. Panels such as blood pressure keep their parts in ``components``:
    [{"code": "8480-6", "display": "Systolic", "value": 120, "unit": "mm[Hg]"}].
    """

    category = models.CharField(
        _("category"),
        max_length=12,
        choices=ObservationCategory.choices,
        default=ObservationCategory.LABORATORY,
    )
    value_number = models.FloatField(_("value"), null=True, blank=True)
    comparator = models.CharField(
        _("comparator"), max_length=2, choices=Comparator.choices, blank=True
    )
    unit = models.CharField(_("unit (UCUM)"), max_length=50, blank=True)
    unit_text = models.CharField(_("unit"), max_length=50, blank=True)
    value_text = models.CharField(_("text value"), max_length=500, blank=True)
    reference_low = models.FloatField(_("reference low"), null=True, blank=True)
    reference_high = models.FloatField(_("reference high"), null=True, blank=True)
    reference_text = models.CharField(_("reference range"), max_length=200, blank=True)
    interpretation = models.CharField(_("interpretation"), max_length=50, blank=True)
    effective_time = models.TimeField(_("time"), null=True, blank=True)
    components = models.JSONField(default=list, blank=True)

    class Meta(Entry.Meta):
        verbose_name = _("result")
        verbose_name_plural = _("results")
        # A test's latest values (summary, trends) walk (profile, code, date)
        # backwards instead of sorting every value of that test.
        indexes = (
            models.Index(fields=("profile", "date"), name="records_observation_date"),
            models.Index(fields=("profile", "code", "date"), name="records_observation_code_date"),
        )

    @property
    def value_display(self) -> str:
        if self.value_number is not None:
            number = f"{self.value_number:g}"
            return " ".join(
                part for part in (self.comparator + number, self.unit_text or self.unit) if part
            )
        if self.components:
            return " / ".join(f"{part.get('value', '')}" for part in self.components) + (
                f" {self.components[0].get('unit', '')}" if self.components[0].get("unit") else ""
            )
        return self.value_text
