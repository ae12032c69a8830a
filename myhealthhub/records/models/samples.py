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
    RESTING_HEART_RATE = "resting_heart_rate", _("Resting heart rate")
    WALKING_HEART_RATE = "walking_heart_rate", _("Walking heart rate average")
    HRV_SDNN = "hrv_sdnn", _("Heart rate variability (SDNN)")
    RESPIRATORY_RATE = "respiratory_rate", _("Respiratory rate")
    ACTIVE_ENERGY = "active_energy", _("Active energy")
    BASAL_ENERGY = "basal_energy", _("Resting energy")
    DISTANCE = "distance", _("Walking and running distance")
    FLIGHTS = "flights", _("Flights climbed")
    BODY_TEMPERATURE = "body_temperature", _("Body temperature")
    BMI = "bmi", _("Body mass index")
    BODY_FAT = "body_fat", _("Body fat")
    HEIGHT = "height", _("Height")
    VO2_MAX = "vo2_max", _("VO2 max")
    WALKING_SPEED = "walking_speed", _("Walking speed")
    EXERCISE_MINUTES = "exercise_minutes", _("Exercise minutes")
    STAND_HOURS = "stand_hours", _("Stand hours")


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
    Metric.RESTING_HEART_RATE: "/min",
    Metric.WALKING_HEART_RATE: "/min",
    Metric.HRV_SDNN: "ms",
    Metric.RESPIRATORY_RATE: "/min",
    Metric.ACTIVE_ENERGY: "kcal",
    Metric.BASAL_ENERGY: "kcal",
    # Kilometres rather than metres, and km/h rather than m/s: the units people read
    # these in, so that only a reader of US units needs a conversion (lib/formatting.py).
    Metric.DISTANCE: "km",
    Metric.FLIGHTS: "{flights}",
    Metric.BODY_TEMPERATURE: "Cel",
    Metric.BMI: "kg/m2",
    Metric.BODY_FAT: "%",
    Metric.HEIGHT: "cm",
    Metric.VO2_MAX: "mL/(kg.min)",
    Metric.WALKING_SPEED: "km/h",
    Metric.EXERCISE_MINUTES: "min",
    Metric.STAND_HOURS: "h",
}
SUMMED = frozenset(
    {
        Metric.STEPS,
        Metric.SLEEP,
        Metric.ACTIVE_ENERGY,
        Metric.BASAL_ENERGY,
        Metric.DISTANCE,
        Metric.FLIGHTS,
        Metric.EXERCISE_MINUTES,
        Metric.STAND_HOURS,
    }
)


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
        """The day in one number: the total of what adds up (``SUMMED``), the mean otherwise."""
        return self.total if self.metric in SUMMED else self.mean


class DeviceOrder(models.Model):
    """The person's order of the devices that count a metric: which one a day's total
    takes each hour from, when several counted it (``records/samples.py``)."""

    profile = models.ForeignKey(Profile, on_delete=models.CASCADE, related_name="+")
    metric = models.CharField(max_length=20, choices=Metric.choices)
    # A device Source's label ("Anna's Apple Watch"): every import of the same
    # device makes a Source of that name, and all of them stand in this place.
    label = models.CharField(max_length=200)
    position = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ("position",)
        constraints = (
            models.UniqueConstraint(
                fields=("profile", "metric", "label"), name="one_place_per_device"
            ),
        )

    def __str__(self) -> str:
        return f"{self.metric} {self.position}: {self.label}"
