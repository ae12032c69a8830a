"""A day of activity rings as a watch sums it up: move, exercise and stand, each against its goal.

Not a clinical entry and not a device sample: one row a day and device,
as Apple's ``ActivitySummary`` gives it, kept beside the samples.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from myhealthhub.profiles.models import Profile
from myhealthhub.records.models.base import Source


class ActivityDay(models.Model):
    profile = models.ForeignKey(Profile, on_delete=models.CASCADE, related_name="+")
    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="+")
    day = models.DateField(_("day"))
    # Active energy burned, in kcal.
    move = models.FloatField(_("move"), null=True, blank=True)
    move_goal = models.FloatField(_("move goal"), null=True, blank=True)
    exercise_minutes = models.PositiveIntegerField(_("exercise"), null=True, blank=True)
    exercise_goal = models.PositiveIntegerField(_("exercise goal"), null=True, blank=True)
    stand_hours = models.PositiveSmallIntegerField(_("stand"), null=True, blank=True)
    stand_goal = models.PositiveSmallIntegerField(_("stand goal"), null=True, blank=True)

    class Meta:
        ordering = ("day",)
        constraints = (
            # The same day from the same device twice is one day: re-imports add nothing.
            models.UniqueConstraint(
                fields=("profile", "day", "source"), name="one_activity_day_per_source"
            ),
        )

    def __str__(self) -> str:
        return f"activity {self.day}"
