"""Profile and contact forms.

Plain forms built from the model fields, not ModelForms: a ModelForm writes
the cleaned values onto the instance during validation, before the action
has seen what changed.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from myhealthhub.accounts.forms import time_zone_choices
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
    time_zone = forms.ChoiceField(
        label=_("Time zone"),
        required=False,
        help_text=_(
            "Where this person lives, if not where you do. Calendar files and exports of "
            "this profile use it; pages show times in each reader's own zone."
        ),
    )
    deceased = PartialDateField(
        label=_("Date of death"),
        required=False,
        help_text=_("Only if this person has died. A year alone, or a month and a year, is fine."),
    )
    # The version the person started editing from: saving over a newer one is refused.
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, data: Any = None, *, initial: dict[str, Any] | None = None) -> None:
        super().__init__(data, initial=initial)
        field = self.fields["time_zone"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = time_zone_choices(
            gettext("Each reader's own"), (initial or {}).get("time_zone", "")
        )

    @classmethod
    def for_profile(cls, profile: Profile, data: Any = None) -> ProfileForm:
        initial = {
            name: getattr(profile, name)
            for name in ("given_name", "family_name", "sex", "language", "time_zone")
        }
        initial["birth"] = profile.birth
        initial["deceased"] = profile.deceased
        initial["version"] = profile.version
        return cls(data, initial=initial)

    def clean_birth(self) -> PartialDate | None:
        birth: PartialDate | None = self.cleaned_data["birth"]
        if birth and birth.earliest > timezone.localdate():
            raise forms.ValidationError(_("A birth date cannot be in the future."))
        return birth

    def clean_deceased(self) -> PartialDate | None:
        deceased: PartialDate | None = self.cleaned_data["deceased"]
        if deceased and deceased.earliest > timezone.localdate():
            raise forms.ValidationError(_("A date of death cannot be in the future."))
        return deceased

    def clean(self) -> dict[str, Any] | None:
        cleaned = super().clean()
        birth = self.cleaned_data.get("birth")
        deceased = self.cleaned_data.get("deceased")
        if birth and deceased and _surely_before(deceased, birth):
            self.add_error("deceased", _("The date of death is before the birth date."))
        return cleaned

    def profile_values(self) -> dict[str, Any]:
        """The cleaned values in the shape the profile actions take."""
        data = self.cleaned_data
        birth: PartialDate | None = data["birth"]
        deceased: PartialDate | None = data["deceased"]
        return {
            "given_name": data["given_name"],
            "family_name": data["family_name"],
            "sex": data["sex"],
            "language": data["language"],
            "birth_date": birth.earliest if birth else None,
            "birth_date_precision": birth.precision.value if birth else "day",
            "time_zone": data["time_zone"],
            "deceased_date": deceased.earliest if deceased else None,
            "deceased_date_precision": deceased.precision.value if deceased else "day",
        }


def _surely_before(first: PartialDate, second: PartialDate) -> bool:
    """Whether ``first`` is before ``second`` whatever the parts not known.

    Compared only as far as both are known: born 14 March 2015 and died
    "2015" may both be right.
    """
    parts = min(_known_parts(first), _known_parts(second))
    return _parts(first)[:parts] < _parts(second)[:parts]


def _parts(value: PartialDate) -> tuple[int, int, int]:
    return (value.year, value.month or 0, value.day or 0)


def _known_parts(value: PartialDate) -> int:
    return 1 + (value.month is not None) + (value.day is not None)


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
