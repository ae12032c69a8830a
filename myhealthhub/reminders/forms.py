"""The reminders settings form: for each kind, in the app and by e-mail."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from myhealthhub.reminders.choices import Wants
from myhealthhub.reminders.models import Kind


def field_names(kind: Kind) -> tuple[str, str]:
    return f"{kind.value}_in_app", f"{kind.value}_by_email"


class ChoicesForm(forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for kind in Kind:
            in_app, by_email = field_names(kind)
            self.fields[in_app] = forms.BooleanField(label=_("In the app"), required=False)
            self.fields[by_email] = forms.BooleanField(label=_("By e-mail"), required=False)

    @staticmethod
    def initial_of(current: dict[Kind, Wants]) -> dict[str, bool]:
        initial: dict[str, bool] = {}
        for kind, wants in current.items():
            in_app, by_email = field_names(kind)
            initial[in_app], initial[by_email] = wants.in_app, wants.by_email
        return initial

    def rows(self) -> list[tuple[Kind, forms.BoundField, forms.BoundField]]:
        """Each kind with its two boxes, for the template."""
        rows = []
        for kind in Kind:
            in_app, by_email = field_names(kind)
            rows.append((kind, self[in_app], self[by_email]))
        return rows

    def wanted(self) -> dict[Kind, Wants]:
        data = self.cleaned_data
        return {
            kind: Wants(bool(data[field_names(kind)[0]]), bool(data[field_names(kind)[1]]))
            for kind in Kind
        }
