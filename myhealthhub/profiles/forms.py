"""Profile and contact forms.

Plain forms built from the model fields, not ModelForms: a ModelForm writes
the cleaned values onto the instance during validation, before the action
has seen what changed.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from myhealthhub.fields import PartialDateField, model_field
from myhealthhub.lib.dates import PartialDate
from myhealthhub.profiles.models import EmergencyContact, Profile


class ProfileForm(forms.Form):
    given_name = model_field(
        Profile, "given_name", widget=forms.TextInput(attrs={"autocomplete": "given-name"})
    )
    family_name = model_field(
        Profile, "family_name", widget=forms.TextInput(attrs={"autocomplete": "family-name"})
    )
    birth = PartialDateField(
        label=_("Birth date"),
        required=False,
        help_text=_("A year alone, or a month and a year, is fine."),
    )
    sex = model_field(Profile, "sex")
    language = model_field(
        Profile, "language", help_text=_("Summaries for this person are written in this language.")
    )
    # The version the person started editing from: saving over a newer one is refused.
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    @classmethod
    def for_profile(cls, profile: Profile, data: Any = None) -> ProfileForm:
        initial = {
            name: getattr(profile, name)
            for name in ("given_name", "family_name", "sex", "language")
        }
        initial["birth"] = profile.birth
        initial["version"] = profile.version
        return cls(data, initial=initial)

    def clean_birth(self) -> PartialDate | None:
        birth: PartialDate | None = self.cleaned_data["birth"]
        if birth and birth.earliest > timezone.localdate():
            raise forms.ValidationError(_("A birth date cannot be in the future."))
        return birth

    def profile_values(self) -> dict[str, Any]:
        """The cleaned values in the shape the profile actions take."""
        data = self.cleaned_data
        birth: PartialDate | None = data["birth"]
        return {
            "given_name": data["given_name"],
            "family_name": data["family_name"],
            "sex": data["sex"],
            "language": data["language"],
            "birth_date": birth.earliest if birth else None,
            "birth_date_precision": birth.precision.value if birth else "day",
        }


class EmergencyContactForm(forms.Form):
    name = model_field(EmergencyContact, "name")
    relationship = model_field(EmergencyContact, "relationship")
    phone = model_field(
        EmergencyContact,
        "phone",
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )
    email = model_field(EmergencyContact, "email")
    notes = model_field(EmergencyContact, "notes")
    # The version the person started editing from: saving over a newer one is refused.
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    @classmethod
    def for_contact(cls, contact: EmergencyContact, data: Any = None) -> EmergencyContactForm:
        return cls(data, initial={name: getattr(contact, name) for name in cls.base_fields})

    def contact_values(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.base_fields if name != "version"}
