"""The Measurements page: the series a person follows, side by side, and which ones they follow."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from myhealthhub.accounts.current import account_of
from myhealthhub.errors import ActionRefused
from myhealthhub.lib.formatting import Preferences
from myhealthhub.profiles.access import Access, profile_view
from myhealthhub.profiles.models import Role
from myhealthhub.records.actions import choose_measurements
from myhealthhub.records.measurements import board
from myhealthhub.records.models import MeasurementSeries


class ChooseForm(forms.Form):
    series = forms.MultipleChoiceField(
        label=gettext_lazy("Measurements to show"),
        choices=MeasurementSeries.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("With none ticked, every measurement that has values is shown."),
    )


@profile_view(read=Role.VIEWER, write=Role.EDITOR)
def measurements(request: HttpRequest, access: Access) -> HttpResponse:
    user = account_of(request)
    if request.method == "POST":
        form = ChooseForm(request.POST)
        if form.is_valid():
            try:
                choose_measurements(
                    access.profile,
                    form.cleaned_data["series"],
                    actor=user,
                    request=request,
                )
            except ActionRefused as refusal:
                messages.error(request, refusal.message)
            else:
                messages.success(request, _("Your choice of measurements is saved."))
                return redirect("records:measurements", profile_uuid=access.profile.uuid)
    shown = board(access.profile, Preferences.of(user))
    if request.method != "POST":
        # What is shown now is what is ticked: the choice, else every series with values.
        form = ChooseForm(initial={"series": shown.chosen or shown.with_values})
    return render(
        request,
        "records/measurements.html",
        {
            "access": access,
            "board": shown,
            "form": form,
            "measurements_current": True,
        },
        status=400 if request.method == "POST" else 200,
    )
