"""The account page's preferences form, and the time zone choices other forms share."""

from __future__ import annotations

from functools import cache
from typing import Any
from zoneinfo import available_timezones

from django import forms
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from myhealthhub.accounts.models import BodyUnits, UnitSystem

ZoneChoices = list[tuple[str, Any]]


@cache
def _zone_groups() -> tuple[tuple[str, tuple[tuple[str, str], ...]], ...]:
    # Region/City names, grouped by region ("America", "Europe"). The old
    # single-word aliases ("EST", "Japan", "localtime") are left out of the
    # list, though any known name is still accepted when posted: a browser
    # may report one.
    groups: dict[str, list[tuple[str, str]]] = {}
    for name in sorted(available_timezones()):
        region, slash, place = name.partition("/")
        if slash:
            groups.setdefault(region, []).append((name, place.replace("_", " ")))
    groups["UTC"] = [("UTC", "UTC")]
    return tuple((region, tuple(zones)) for region, zones in sorted(groups.items()))


def time_zone_choices(blank: str | Promise, current: str = "") -> ZoneChoices:
    """Every zone, grouped by region, after ``blank`` (what "" means where it is asked).

    ``current`` is kept among the choices even when the list leaves it out,
    so saving a form unchanged never loses the zone a browser reported.
    """
    choices: ZoneChoices = [("", blank)]
    listed = {name for _region, zones in _zone_groups() for name, _label in zones}
    if current and current not in listed and current in available_timezones():
        choices.append((current, current))
    choices.extend((region, list(zones)) for region, zones in _zone_groups())
    return choices


class PreferencesForm(forms.Form):
    """Units and time zone. Each field left out of a post stays as it was."""

    unit_system = forms.ChoiceField(
        label=_("Show laboratory results in"),
        choices=UnitSystem.choices,
        widget=forms.RadioSelect,
        required=False,
    )
    body_units = forms.ChoiceField(
        label=_("Show weight, height and temperature in"),
        choices=BodyUnits.choices,
        widget=forms.RadioSelect,
        required=False,
    )
    time_zone = forms.ChoiceField(
        label=_("Time zone"),
        required=False,
        help_text=_("Times you type are read in this zone, and every time is shown in it."),
    )

    def __init__(self, data: Any = None, *, initial: dict[str, str], site_zone: str) -> None:
        super().__init__(data, initial=initial)
        field = self.fields["time_zone"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = time_zone_choices(
            gettext("The server's (%(zone)s)") % {"zone": site_zone}, initial.get("time_zone", "")
        )
        # The browser's zone is offered (static/myhealthhub/time-zone.js) while none is chosen.
        field.widget.attrs["data-browser-time-zone"] = "offer"

    def changes(self) -> dict[str, str]:
        """The values posted, in the shape ``actions.set_preferences`` takes.

        An empty time zone means the server's; an empty unit choice means none was made.
        """
        return {
            name: value
            for name, value in self.cleaned_data.items()
            if name in self.data and (value or name == "time_zone")
        }
