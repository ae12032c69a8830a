"""The forms of the document pages: upload, context, and the list's filters."""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from myhealthhub.documents.actions import Details
from myhealthhub.documents.models import Document, DocumentKind, DocumentLink
from myhealthhub.fields import PartialDateField, SearchableCheckboxes
from myhealthhub.lib.dates import PartialDate
from myhealthhub.profiles.models import Profile
from myhealthhub.records.kinds import KINDS
from myhealthhub.records.models.base import NEWEST_FIRST

# What a document is most often about: the visit it summarises, the
# medicines and problems it mentions, the procedure or vaccine it records.
LINKABLE_KINDS = (
    "visits",
    "appointments",
    "medications",
    "conditions",
    "procedures",
    "immunizations",
)
LINK_CHOICES_PER_KIND = 200


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        files = data if isinstance(data, list | tuple) else [data]
        return [super(MultipleFileField, self).clean(item, initial) for item in files if item]


def link_choices(
    profile: Profile, linked: list[DocumentLink] | None = None
) -> list[tuple[str, list[tuple[str, str]]]]:
    """The newest entries of each linkable kind, and whatever is already linked."""
    linked = linked or []
    groups = []
    for slug in LINKABLE_KINDS:
        kind = KINDS[slug]
        alive = kind.queryset(profile).alive()
        entries = list(alive.order_by(*NEWEST_FIRST)[:LINK_CHOICES_PER_KIND])
        shown = {entry.uuid for entry in entries}
        # An older linked entry stays a choice, or saving the form would drop it.
        entries += alive.filter(
            uuid__in=[link.entry_uuid for link in linked if link.kind == slug]
        ).exclude(uuid__in=shown)
        options = [
            (f"{slug}:{entry.uuid}", f"{entry.display}{f' ({entry.when})' if entry.when else ''}")
            for entry in entries
        ]
        if options:
            groups.append((str(kind.plural).capitalize(), options))
    return groups


class DetailsForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=DocumentKind.choices, initial="other")
    when = PartialDateField(label=_("Date of the document"), required=False)
    facility = forms.CharField(label=_("Facility"), max_length=200, required=False)
    why = forms.CharField(
        label=_("Why it is kept"),
        help_text=_("The question it answered, or what it is for."),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=5000,
    )
    description = forms.CharField(
        label=_("Description"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=20000,
    )
    links = forms.MultipleChoiceField(
        label=_("Linked entries"),
        help_text=_("The visit it summarises, the medicines it mentions…"),
        required=False,
        widget=SearchableCheckboxes,
    )

    def __init__(
        self,
        profile: Profile,
        *args: Any,
        linked: list[DocumentLink] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["links"].choices = link_choices(profile, linked)  # type: ignore[attr-defined]

    @classmethod
    def for_document(cls, document: Document, data: Any = None) -> DetailsForm:
        linked = list(document.links.all())
        initial = {
            "version": document.version,
            "title": document.title,
            "kind": document.kind,
            "when": document.when,
            "facility": document.facility,
            "why": document.why,
            "description": document.description,
            "links": [f"{link.kind}:{link.entry_uuid}" for link in linked],
        }
        return cls(document.profile, data, initial=initial, linked=linked)

    def details(self) -> Details:
        data = self.cleaned_data
        when: PartialDate | None = data.get("when")
        links = []
        for value in data.get("links", []):
            slug, _sep, entry_uuid = value.partition(":")
            links.append((slug, uuid.UUID(entry_uuid)))
        return Details(
            kind=data["kind"],
            when=when,
            facility=data.get("facility", ""),
            why=data.get("why", ""),
            description=data.get("description", ""),
            title=data.get("title", ""),
            links=links,
        )


class UploadForm(DetailsForm):
    # A declared field: the form metaclass moves it into .fields, so it does
    # not hide the form's own .files (the uploads).
    files = MultipleFileField(  # type: ignore[assignment]
        label=_("Files"), help_text=_("PDF, JPEG, PNG, HEIC or plain text.")
    )

    field_order = ("files",)


class EditForm(DetailsForm):
    title = forms.CharField(label=_("Title"), max_length=255)
    # The version the person started editing from: saving over a newer one is refused.
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    field_order = ("title",)


class FilterForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("All kinds")), *DocumentKind.choices]
    )
    facility = forms.CharField(label=_("Facility"), required=False, max_length=200)
    start = forms.DateField(
        label=pgettext_lazy("start of a date range", "From"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    end = forms.DateField(
        label=pgettext_lazy("end of a date range", "To"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    linked = forms.ChoiceField(label=_("Linked to"), required=False)

    def __init__(self, profile: Profile, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["linked"].choices = [("", _("Any entry")), *link_choices(profile)]  # type: ignore[attr-defined]
