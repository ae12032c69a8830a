from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from myhealthhub.documents.forms import MultipleFileField


class ImportForm(forms.Form):
    files = MultipleFileField(  # type: ignore[assignment]
        label=_("Files"),
        help_text=_(
            "FHIR JSON (a bundle, a single resource, an IPS, NDJSON bulk files, or a zip of "
            "them), a C-CDA document, an Apple Health export (export.zip, as the Health app "
            "shares it) or a CSV of readings. Several NDJSON files can be chosen at once."
        ),
    )


class ChooseForm(forms.Form):
    patient = forms.CharField(max_length=500)


class CommitForm(forms.Form):
    apply_demographics = forms.BooleanField(
        label=_("Also update the profile's name, birth date, sex and date of death from the file"),
        required=False,
    )
    other_person = forms.BooleanField(
        label=_("I have checked: this file belongs in this profile"), required=False
    )
