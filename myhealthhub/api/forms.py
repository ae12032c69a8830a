"""The form that makes a personal access token on the account's page."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from myhealthhub.accounts.models import User
from myhealthhub.api import tokens
from myhealthhub.api.models import Scope
from myhealthhub.profiles.access import live_grants


class NewTokenForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        help_text=_("What will use it, such as “Bathroom scale” or “Home server”."),
    )
    scopes = forms.MultipleChoiceField(
        label=_("What it may do"),
        choices=Scope.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose what the token may do.")},
    )
    profiles = forms.MultipleChoiceField(
        label=_("Profiles it reaches"),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one profile.")},
    )
    days = forms.IntegerField(
        label=_("Expires after, in days"),
        min_value=1,
        max_value=tokens.LONGEST_LIFETIME.days,
        initial=tokens.DEFAULT_LIFETIME.days,
        help_text=_("From 1 to 366 days."),
    )

    def __init__(self, account: User, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Only the profiles the account may see now: a token never reaches more.
        grants = live_grants(account).order_by("profile__given_name", "profile__family_name")
        profiles = self.fields["profiles"]
        assert isinstance(profiles, forms.MultipleChoiceField)
        profiles.choices = [
            (str(grant.profile.uuid), f"{grant.profile.name} ({grant.get_role_display()})")
            for grant in grants
        ]

    def profile_uuids(self) -> list[uuid.UUID]:
        return [uuid.UUID(value) for value in self.cleaned_data["profiles"]]

    def lifetime(self) -> dt.timedelta:
        return dt.timedelta(days=self.cleaned_data["days"])
