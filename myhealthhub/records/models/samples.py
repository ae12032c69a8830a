"""Device and wearable readings: a thin append-only table and its daily summaries.

DESIGN.md principle 6: heart rate every few minutes for years is not a list
of clinical entries. Samples carry only what a chart needs, go in by bulk
insert, and are read by range; pages read the daily summaries.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from myhealthhub.profiles.models import Profile
from myhealthhub.records.models.base import Source


class Metric(models.TextChoices):
    HEART_RATE = "heart_rate", _("Heart rate")
    STEPS = "steps", _("Steps")
    SLEEP = "sleep_minutes", _("Sleep")
    WEIGHT = "weight", _("Weight")
    GLUCOSE = "glucose", _("Glucose")
    SYSTOLIC = "systolic", _("Systolic blood pressure")
    DIASTOLIC = "diastolic", _("Diastolic blood pressure")
    OXYGEN = "oxygen_saturation", _("Oxygen saturation")


# The UCUM unit each metric is stored in, and whether a day adds its values up.
METRIC_UNITS: dict[str, str] = {
    Metric.HEART_RATE: "/min",
    Metric.STEPS: "{steps}",
    Metric.SLEEP: "min",
    Metric.WEIGHT: "kg",
    Metric.GLUCOSE: "mg/dL",
    Metric.SYSTOLIC: "mm[Hg]",
    Metric.DIASTOLIC: "mm[Hg]",
    Metric.OXYGEN: "%",
}
SUMMED = frozenset({Metric.STEPS, Metric.SLEEP})


class Sample(models.Model):
    profile = models.ForeignKey(Profile, on_delete=models.CASCADE, related_name="+")
    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="+")
    metric = models.CharField(max_length=20, choices=Metric.choices)
    at = models.DateTimeField()
    value = models.FloatField()

    class Meta:
        constraints = (
            # The same reading from the same source twice is one reading: re-imports add nothing.
            models.UniqueConstraint(
                fields=("profile", "metric", "at", "source"), name="one_sample_per_moment"
            ),
        )

    def __str__(self) -> str:
        return f"{self.metric} {self.at:%Y-%m-%d %H:%M} {self.value:g}"


class DailySummary(models.Model):
    profile = models.ForeignKey(Profile, on_delete=models.CASCADE, related_name="+")
    metric = models.CharField(max_length=20, choices=Metric.choices)
    day = models.DateField()
    count = models.PositiveIntegerField()
    minimum = models.FloatField()
    maximum = models.FloatField()
    mean = models.FloatField()
    total = models.FloatField()

    class Meta:
        ordering = ("day",)
        constraints = (
            models.UniqueConstraint(
                fields=("profile", "metric", "day"), name="one_summary_per_day"
            ),
        )

    def __str__(self) -> str:
        return f"{self.metric} {self.day} n={self.count}"

    @property
    def value(self) -> float:
        """The day in one number: the total for steps and sleep, the mean otherwise."""
        return self.total if self.metric in SUMMED else self.mean
