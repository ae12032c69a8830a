"""Form fields shared by every kind of entry."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db import models
from django.utils.dates import MONTHS
from django.utils.translation import gettext_lazy as _

from myhealthhub.lib import formatting
from myhealthhub.lib.dates import PartialDate


class PartialDateWidget(forms.MultiWidget):
    template_name = "widgets/partial_date.html"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        month_choices = [
            ("", _("Month (optional)")),
            *((str(n), name) for n, name in MONTHS.items()),
        ]
        super().__init__(
            {
                "year": forms.NumberInput(
                    attrs={
                        "aria-label": _("Year"),
                        "placeholder": _("Year"),
                        "min": 1,
                        "max": 9999,
                        "inputmode": "numeric",
                        "class": "date-year",
                    }
                ),
                "month": forms.Select(attrs={"aria-label": _("Month")}, choices=month_choices),
                "day": forms.NumberInput(
                    attrs={
                        "aria-label": _("Day (optional)"),
                        "placeholder": _("Day"),
                        "min": 1,
                        "max": 31,
                        "inputmode": "numeric",
                        "class": "date-day",
                    }
                ),
            },
            attrs,
        )

    def decompress(self, value: PartialDate | None) -> list[Any]:
        if value is None:
            return [None, None, None]
        return [value.year, value.month, value.day]


class PartialDateField(forms.MultiValueField):
    """A date known to the year, the month or the day: "2015", "March 2015"…"""

    widget = PartialDateWidget
    default_error_messages = {
        "invalid": _("This is not a real date."),
        "day_without_month": _("Choose a month for this day, or leave the day empty."),
    }

    def __init__(self, **kwargs: Any) -> None:
        fields = (
            forms.IntegerField(min_value=1, max_value=9999),
            forms.TypedChoiceField(coerce=int, choices=[(n, n) for n in MONTHS], empty_value=None),
            forms.IntegerField(min_value=1, max_value=31),
        )
        super().__init__(fields, require_all_fields=False, **kwargs)
        for field in self.fields:
            field.required = False

    def compress(self, data_list: list[Any]) -> PartialDate | None:
        if not data_list or all(part in (None, "") for part in data_list):
            return None
        year, month, day = (part if part not in ("", None) else None for part in data_list)
        if year is None:
            raise forms.ValidationError(_("Enter at least the year."), code="incomplete")
        if day is not None and month is None:
            raise forms.ValidationError(
                self.error_messages["day_without_month"], code="day_without_month"
            )
        try:
            return PartialDate(year, month, day)
        except ValueError:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None


def model_field(model: type[models.Model], name: str, **kwargs: Any) -> forms.Field:
    """The form field Django would make for a model field, for plain (non-model) forms."""
    field = model._meta.get_field(name).formfield(**kwargs)  # type: ignore[union-attr]
    assert field is not None
    return field


class DurationWidget(forms.MultiWidget):
    template_name = "widgets/duration.html"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        def part(label: Any, most: int) -> forms.NumberInput:
            return forms.NumberInput(
                attrs={"aria-label": label, "min": 0, "max": most, "inputmode": "numeric"}
            )

        super().__init__(
            {
                "hours": part(_("Hours"), 999),
                "minutes": part(_("Minutes"), 999),
                "seconds": part(_("Seconds"), 59),
            },
            attrs,
        )

    def decompress(self, value: int | None) -> list[Any]:
        if value is None:
            return [None, None, None]
        hours, rest = divmod(int(value), 3600)
        minutes, seconds = divmod(rest, 60)
        return [hours, minutes, seconds]


class DurationField(forms.MultiValueField):
    """How long something lasted, typed in hours, minutes and seconds; cleaned as seconds."""

    widget = DurationWidget
    default_error_messages = {"empty": _("Enter how long it lasted.")}

    def __init__(self, **kwargs: Any) -> None:
        fields = (
            forms.IntegerField(min_value=0, max_value=999),
            forms.IntegerField(min_value=0, max_value=999),
            forms.IntegerField(min_value=0, max_value=59),
        )
        super().__init__(fields, require_all_fields=False, **kwargs)
        for field in self.fields:
            field.required = False

    def compress(self, data_list: list[Any]) -> int | None:
        if not data_list or all(part in (None, "") for part in data_list):
            return None
        hours, minutes, seconds = (part or 0 for part in data_list)
        total = hours * 3600 + minutes * 60 + seconds
        if total <= 0:
            raise forms.ValidationError(self.error_messages["empty"], code="empty")
        return int(total)


class DistanceField(forms.FloatField):
    """A distance typed in kilometres or miles, as the reader counts them; stored in metres.

    ``use`` chooses the unit from the reader's preferences; ``shown`` turns a
    stored distance into what the field shows, ``stored`` what was typed back.
    """

    def __init__(self, **kwargs: Any) -> None:
        kwargs.update(min_value=0, max_value=100_000)
        super().__init__(**kwargs)
        self.unit = formatting.KILOMETRE
        self.label = _("Distance (km)")

    def use(self, account: formatting.HasUnits | formatting.Preferences | None) -> None:
        self.unit = formatting.distance_unit(account)
        self.label = _("Distance (mi)") if self.unit == formatting.MILE else _("Distance (km)")

    def shown(self, metres: float | None) -> float | None:
        if metres is None:
            return None
        return round(metres / formatting.METRES_IN[self.unit], 2)

    def stored(self, value: float | None) -> float | None:
        return None if value is None else value * formatting.METRES_IN[self.unit]


class SearchableCheckboxes(forms.CheckboxSelectMultiple):
    """Checkboxes in their groups with a box that narrows them as one types (choice-filter.js).

    A long <select multiple> needs Ctrl-click, which few people know; checkboxes need nothing.
    Without JavaScript the box stays hidden and every choice shows.
    """

    template_name = "widgets/searchable_checkboxes.html"
