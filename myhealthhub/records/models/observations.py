"""Results and measurements: one value, a panel's parts, or a text, with its reference range."""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from myhealthhub.lib import formatting
from myhealthhub.records import taken
from myhealthhub.records.models.base import Entry, NewestFirstIndex


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
    effective_time = models.TimeField(pgettext_lazy("time of day", "time"), null=True, blank=True)
    # Minutes east of UTC of the clock ``effective_time`` was read on; None when
    # the source gave no zone (records/taken.py).
    effective_offset = models.SmallIntegerField(_("UTC offset (minutes)"), null=True, blank=True)
    components = models.JSONField(default=list, blank=True)

    class Meta(Entry.Meta):
        verbose_name = _("result")
        verbose_name_plural = _("results")
        # A test's latest values (summary, trends) walk (profile, code, date)
        # backwards instead of sorting every value of that test.
        indexes = (
            models.Index(fields=("profile", "date"), name="records_observation_date"),
            models.Index(fields=("profile", "code", "date"), name="records_observation_code_date"),
            NewestFirstIndex(name="records_observation_list"),
        )

    @property
    def taken_at(self) -> dt.datetime | None:
        """The moment it was taken, when its day, time and zone are all known."""
        return taken.taken_at(
            self.date, self.date_precision, self.effective_time, self.effective_offset
        )

    @property
    def value_display(self) -> str:
        """The value as recorded, readable: "120/80 mmHg", "< 5 %".

        Pages show it in the reader's units through records/presenting.py.
        """
        if self.value_number is not None:
            return formatting.quantity(
                self.value_number,
                self.unit or self.unit_text,
                account=formatting.AS_RECORDED,
                comparator=self.get_comparator_display() if self.comparator else "",
                written=self.unit_text,
            )
        if self.components:
            return formatting.parts_line(self.components, account=formatting.AS_RECORDED)
        return self.value_text
