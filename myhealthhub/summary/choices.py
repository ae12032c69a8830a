"""The person's choices for the summary, read from a query string: hostile input, safe defaults.

Every parameter is optional. A value we cannot use is named in a message and
replaced by its default: the summary always renders, never a 500.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django import forms
from django.conf import settings
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from myhealthhub.profiles.models import Profile
from myhealthhub.summary.options import PAPER_SIZES, ExportOptions
from myhealthhub.summary.sections import DEFAULT_SECTIONS, SECTIONS, section_choices

PAPER_CHOICES = [("a4", "A4"), ("letter", gettext_lazy("Letter (US)"))]
# Longer values are not dates or section names: no need to echo them back whole.
ECHO_MAX = 40


@dataclass
class Choices:
    options: ExportOptions
    problems: list[str] = field(default_factory=list)


def default_language(profile: Profile) -> str:
    languages = {code for code, _name in settings.LANGUAGES}
    return profile.language if profile.language in languages else settings.LANGUAGE_CODE


def read_choices(params: QueryDict, profile: Profile) -> Choices:
    problems: list[str] = []
    languages = {code for code, _name in settings.LANGUAGES}

    language = params.get("language", "") or default_language(profile)
    if language not in languages:
        problems.append(
            _("Unknown language “%(value)s”: shown in the profile’s language.")
            % {"value": language[:ECHO_MAX]}
        )
        language = default_language(profile)

    paper = params.get("paper", "") or PAPER_SIZES[0]
    if paper not in PAPER_SIZES:
        problems.append(
            _("Unknown paper size “%(value)s”: A4 is used.") % {"value": paper[:ECHO_MAX]}
        )
        paper = PAPER_SIZES[0]

    sections: set[str] = set()
    for name in params.getlist("sections"):
        if name in SECTIONS:
            sections.add(name)
        else:
            problems.append(
                _("Unknown section “%(value)s”: left out.") % {"value": name[:ECHO_MAX]}
            )

    since = None
    typed = params.get("since", "").strip()
    if typed:
        try:
            since = dt.date.fromisoformat(typed) if len(typed) <= len("2000-01-01") else None
        except ValueError:
            since = None
        if since is None:
            problems.append(
                _("“%(value)s” is not a date (year-month-day): the default period is used.")
                % {"value": typed[:ECHO_MAX]}
            )
        elif since > timezone.localdate():
            problems.append(_("The period cannot start in the future: the default period is used."))
            since = None

    options = ExportOptions(
        language=language, paper=paper, sections=frozenset(sections), since=since
    )
    return Choices(options, problems)


class SummaryForm(forms.Form):
    """Only renders the choices (read_choices does the reading): a GET form, no CSRF needed."""

    sections = forms.MultipleChoiceField(
        label=gettext_lazy("Sections"),
        choices=section_choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    since = forms.DateField(
        label=pgettext_lazy("start of a date range", "From"),
        help_text=gettext_lazy(
            "Leave empty for results of the last two years and everything else in full."
        ),
        required=False,
        # The page prints the help text under this id (summary/page.html).
        widget=forms.DateInput(attrs={"type": "date", "aria-describedby": "since-help"}),
    )
    language = forms.ChoiceField(label=gettext_lazy("Language"), choices=settings.LANGUAGES)
    paper = forms.ChoiceField(label=gettext_lazy("Paper"), choices=PAPER_CHOICES)

    @classmethod
    def showing(cls, options: ExportOptions) -> SummaryForm:
        return cls(
            initial={
                "sections": sorted(options.sections or DEFAULT_SECTIONS),
                "since": options.since.isoformat() if options.since else "",
                "language": options.language,
                "paper": options.paper,
            }
        )
