"""Which measurements a profile's Measurements page and summary show, as the person chose them.

One row per chosen series, in the order they were ticked. No row at all is
the default: every series that has values (records/measurements.py).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from myhealthhub.profiles.models import Profile


class MeasurementSeries(models.TextChoices):
    BLOOD_PRESSURE = "blood_pressure", _("Blood pressure")
    WEIGHT = "weight", _("Weight")
    GLUCOSE = "glucose", _("Glucose")
    HBA1C = "hba1c", _("HbA1c")
    LDL = "ldl", _("LDL cholesterol")
    EGFR = "egfr", _("eGFR")
    HEART_RATE = "heart_rate", _("Heart rate")


class ChosenMeasurement(models.Model):
    profile = models.ForeignKey(Profile, on_delete=models.CASCADE, related_name="+")
    series = models.CharField(max_length=20, choices=MeasurementSeries.choices)
    position = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ("position",)
        constraints = (
            models.UniqueConstraint(fields=("profile", "series"), name="one_choice_per_series"),
        )

    def __str__(self) -> str:
        return f"{self.series} {self.position}"
