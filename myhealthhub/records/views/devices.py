"""The order of the devices that count a metric: which one a day's total takes first."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from myhealthhub.accounts.current import account_of
from myhealthhub.errors import ActionRefused
from myhealthhub.profiles.access import Access, profile_view
from myhealthhub.profiles.models import Role
from myhealthhub.records.actions import order_devices
from myhealthhub.records.models.samples import SUMMED


class MoveForm(forms.Form):
    label = forms.CharField(max_length=200)
    direction = forms.ChoiceField(choices=(("earlier", "earlier"), ("later", "later")))


@profile_view(read=Role.EDITOR, write=Role.EDITOR)
def move(request: HttpRequest, access: Access, metric: str) -> HttpResponse:
    """Move one device a place earlier or later for a metric whose days add up."""
    if metric not in SUMMED:
        raise Http404
    back = redirect("records:readings", profile_uuid=access.profile.uuid)
    form = MoveForm(request.POST or None)
    if request.method != "POST" or not form.is_valid():
        return back
    try:
        order_devices(
            access.profile,
            metric,
            form.cleaned_data["label"],
            earlier=form.cleaned_data["direction"] == "earlier",
            actor=account_of(request),
            request=request,
        )
    except ActionRefused as refusal:
        messages.error(request, refusal.message)
        return back
    messages.success(
        request,
        _("The days are now totalled in the new order of devices; every reading is kept."),
    )
    return redirect(f"{back['Location']}#metric-{metric}")
