"""The keeper's forms: an invitation, and a caregiver's role and end of access.

Both ask for a second confirmation before anyone becomes an owner: the box
to tick appears only once "owner" has been chosen and sent.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from myhealthhub.profiles.models import Role

# A browser's date input sends and shows ISO dates, whatever the page's language.
ISO_DATE = "%Y-%m-%d"


class AccessTermsForm(forms.Form):
    """A role and an optional last day, as an invitation offers them and a grant keeps them."""

    role = forms.ChoiceField(
        label=_("Role"),
        choices=Role.choices,
        initial=Role.VIEWER,
        help_text=_(
            "A viewer can read the record. An editor can also add and change entries and "
            "documents. An owner can do everything you can."
        ),
    )
    access_ends = forms.DateField(
        label=_("Access ends"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format=ISO_DATE),
        help_text=_("The last day of their access. Leave it empty for access until revoked."),
    )
    confirm_owner = forms.BooleanField(
        label=_("Yes, make them an owner"),
        required=False,
        help_text=_(
            "An owner can do everything you can: invite others, change or end anyone's "
            "access, yours too, and delete the profile."
        ),
    )

    def __init__(self, data: Any = None, *, was: Role | None = None, **kwargs: Any) -> None:
        super().__init__(data, **kwargs)
        self.was = was
        # The confirmation is asked only after "owner" was chosen, and of someone not one yet.
        if not (self.is_bound and self.data.get("role") == Role.OWNER and was != Role.OWNER):
            del self.fields["confirm_owner"]

    @property
    def asks_owner_confirmation(self) -> bool:
        return "confirm_owner" in self.fields

    def clean_access_ends(self) -> dt.date | None:
        day: dt.date | None = self.cleaned_data["access_ends"]
        if day is not None and day < timezone.localdate() and not self._unchanged_end(day):
            raise forms.ValidationError(_("The last day of access cannot be in the past."))
        return day

    def clean(self) -> dict[str, Any] | None:
        cleaned = super().clean()
        role = self.cleaned_data.get("role")
        if role == Role.OWNER and self.cleaned_data.get("access_ends"):
            self.add_error(
                "access_ends",
                _("An owner's access has no end date: revoke it when it should end."),
            )
        if self.asks_owner_confirmation and not self.cleaned_data.get("confirm_owner"):
            self.add_error("confirm_owner", _("Tick the box to confirm, or choose another role."))
        return cleaned

    @property
    def role_value(self) -> Role:
        return Role(self.cleaned_data["role"])

    @property
    def owner_confirmed(self) -> bool:
        return bool(self.cleaned_data.get("confirm_owner"))

    def access_ends_at(self) -> dt.datetime | None:
        """The end of the chosen last day, in the keeper's time zone."""
        day: dt.date | None = self.cleaned_data["access_ends"]
        if day is None:
            return None
        return dt.datetime.combine(day, dt.time.max, tzinfo=timezone.get_current_timezone())

    def _unchanged_end(self, day: dt.date) -> bool:
        # A grant that already ended may keep its day while only its role changes.
        return day == self.initial.get("access_ends")


class InvitationForm(AccessTermsForm):
    email = forms.EmailField(
        label=_("E-mail address"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
        help_text=_(
            "The invitation is sent there, and only an account with this address can accept it."
        ),
    )
    consent_note = forms.CharField(
        label=_("Consent note"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={
            "required": _("Write what they may see or do, and why: they read it first.")
        },
        help_text=_(
            "What they may see or do, and why. They read it before accepting, and it stays "
            "with their access."
        ),
    )

    field_order = ("email", "role", "consent_note", "access_ends", "confirm_owner")


class GrantForm(AccessTermsForm):
    """A caregiver's role and last day, filled in with what they have now."""

    field_order = ("role", "access_ends", "confirm_owner")

    def __init__(self, data: Any = None, *, role: Role, expires_at: dt.datetime | None) -> None:
        initial = {
            "role": role,
            "access_ends": timezone.localdate(expires_at) if expires_at else None,
        }
        super().__init__(data, was=role, initial=initial)
        self.expires_at = expires_at

    def access_ends_at(self) -> dt.datetime | None:
        # The day shown unchanged keeps its moment: nothing to save, nothing to refuse.
        if self.cleaned_data["access_ends"] == self.initial["access_ends"]:
            return self.expires_at
        return super().access_ends_at()
