"""The keeper's form for a new SMART Health Link: what it carries, until when, behind what.

The form reads and checks what a person typed; ``create_link`` checks the
choices again and is the one that decides (a label too long, a document of
another profile, the plan's limit): its refusal is shown as a form error.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django import forms
from django.conf import settings
from django.utils import formats, timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from myhealthhub.documents.models import Document
from myhealthhub.profiles.models import Profile
from myhealthhub.sharing.links.actions import (
    DEFAULT_LIFETIME,
    LABEL_MOST,
    PASSCODE_ATTEMPTS,
    PASSCODE_LEAST,
    LinkChoices,
)

# A passcode is typed by the recipient: long enough to be safe, short enough to say aloud.
PASSCODE_MOST = 128
NO_END = "never"
ON_A_DAY = "date"
LIFETIMES = {
    "1d": dt.timedelta(days=1),
    "7d": DEFAULT_LIFETIME,
    "30d": dt.timedelta(days=30),
}
ENDS = [
    ("1d", _("In 1 day")),
    ("7d", _("In 7 days")),
    ("30d", _("In 30 days")),
    (ON_A_DAY, _("On a day I choose")),
    (NO_END, _("No end: it works until I revoke it")),
]
DEFAULT_ENDS = "7d"
# A link chosen to end "on a day" works until that day's last minute, on the keeper's clock.
END_OF_DAY = dt.time(23, 59, 59)


if TYPE_CHECKING:
    _DocumentsField = forms.ModelMultipleChoiceField[Document]
else:  # Django's form fields take no type arguments at run time.
    _DocumentsField = forms.ModelMultipleChoiceField


class DocumentChoice(_DocumentsField):
    """The profile's documents by title and date; one of another profile is not a choice."""

    def label_from_instance(self, obj: Document) -> str:
        day = obj.date or timezone.localdate(obj.uploaded_at)
        return f"{obj.title} · {formats.date_format(day, 'DATE_FORMAT')}"


class NewLinkForm(forms.Form):
    # Always on: a SMART Health Link viewer shows the IPS; shown so the keeper sees it goes.
    with_summary_ips = forms.BooleanField(
        label=_("The summary, as an International Patient Summary (IPS)"),
        help_text=_("Always included: it is what the recipient's viewer shows."),
        initial=True,
        disabled=True,
        required=False,
    )
    with_summary_pdf = forms.BooleanField(
        label=_("The summary as a PDF, to read or print"), initial=True, required=False
    )
    documents = DocumentChoice(
        label=_("Documents"),
        queryset=Document.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Only the documents you tick go with the link."),
    )
    long_term = forms.BooleanField(
        label=_("Keep it up to date"),
        required=False,
        help_text=_(
            "The recipient sees the record as it is each time they open the link, not as it "
            "is today. Its key is kept, sealed, so you can show the link here again."
        ),
    )
    ends = forms.ChoiceField(
        label=_("When it ends"), choices=ENDS, initial=DEFAULT_ENDS, widget=forms.RadioSelect
    )
    end_date = forms.DateField(
        label=_("The day it ends"),
        required=False,
        # An HTML date input reads and sends ISO dates, whatever the page's language.
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("For “On a day I choose”: the link works until the end of that day."),
    )
    no_end_confirmed = forms.BooleanField(
        label=_("Yes, I want a link with no end. I will revoke it when it is no longer needed."),
        required=False,
        help_text=_("For “No end”: please confirm."),
    )
    passcode = forms.CharField(
        label=_("Passcode (optional)"),
        required=False,
        strip=False,
        min_length=PASSCODE_LEAST,
        max_length=PASSCODE_MOST,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    passcode_again = forms.CharField(
        label=_("The passcode again"),
        required=False,
        strip=False,
        max_length=PASSCODE_MOST,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    label = forms.CharField(
        label=_("Label (optional)"),
        required=False,
        max_length=LABEL_MOST,
    )
    language = forms.ChoiceField(
        label=_("Language of the summary"),
        choices=settings.LANGUAGES,
        help_text=_("The summary and the wallet card are written in this language."),
    )

    def __init__(self, profile: Profile, data: Any = None) -> None:
        super().__init__(data, initial={"language": profile.language})
        field = self.fields["documents"]
        assert isinstance(field, DocumentChoice)
        field.queryset = Document.objects.filter(
            profile_id=profile.pk, deleted_at__isnull=True
        ).order_by("-date", "-uploaded_at", "title")
        self.expires_at: dt.datetime | None = None
        # Help with numbers in it, written in the language of this request.
        self.fields["passcode"].help_text = gettext(
            "At least %(count)d characters. The recipient types it to open the link; after "
            "%(tries)d wrong tries the link stops working."
        ) % {"count": PASSCODE_LEAST, "tries": PASSCODE_ATTEMPTS}
        self.fields["label"].help_text = gettext(
            "The recipient sees it before opening the link, for example “For Dr. Sol, "
            "cardiology”. At most %(count)d characters."
        ) % {"count": LABEL_MOST}
        # For share.js, which counts the label's characters as they are typed.
        self.label_counter = gettext("%(count)s of %(most)s characters")

    def clean(self) -> dict[str, Any] | None:
        cleaned = super().clean()
        assert cleaned is not None
        self._clean_end(cleaned)
        passcode = cleaned.get("passcode")
        again = cleaned.get("passcode_again", "")
        # A passcode refused for its length has no value here: its own error says why.
        if passcode is not None and "passcode" not in self.errors and passcode != again:
            self.add_error(
                "passcode_again", _("The two passcodes differ. Type the same one twice.")
            )
        return cleaned

    def _clean_end(self, cleaned: dict[str, Any]) -> None:
        ends = cleaned.get("ends")
        if ends in LIFETIMES:
            self.expires_at = timezone.now() + LIFETIMES[ends]
        elif ends == ON_A_DAY:
            day = cleaned.get("end_date")
            if day is None:
                if "end_date" not in self.errors:
                    self.add_error("end_date", _("Choose the day the link ends."))
            elif day < timezone.localdate():
                self.add_error("end_date", _("Choose today or a day after it."))
            else:
                # On the keeper's clock: the zone the request activated for their account.
                self.expires_at = timezone.make_aware(dt.datetime.combine(day, END_OF_DAY))
        elif ends == NO_END and not cleaned.get("no_end_confirmed"):
            self.add_error(
                "no_end_confirmed",
                _("A link with no end works until you revoke it. Tick the box to confirm."),
            )

    def choices(self) -> LinkChoices:
        """What was chosen, for ``create_link``; only after ``is_valid()``."""
        data = self.cleaned_data
        return LinkChoices(
            expires_at=self.expires_at,
            label=data["label"],
            passcode=data["passcode"],
            long_term=data["long_term"],
            with_summary_ips=True,
            with_summary_pdf=data["with_summary_pdf"],
            documents=list(data["documents"]),
            language=data["language"],
        )
