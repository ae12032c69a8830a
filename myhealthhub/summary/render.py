"""The summary as HTML: one template for the web page and the PDF."""

from __future__ import annotations

from dataclasses import replace

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.safestring import SafeString, mark_safe

from myhealthhub.profiles.models import Profile
from myhealthhub.summary.options import ExportOptions
from myhealthhub.summary.sections import Summary, gather


def checked(options: ExportOptions) -> ExportOptions:
    """``options`` with a language we have: the exporter's callers may pass anything."""
    if options.language in {code for code, _name in settings.LANGUAGES}:
        return options
    return replace(options, language=settings.LANGUAGE_CODE)


def summary_document(profile: Profile, options: ExportOptions) -> SafeString:
    """The summary's ``<article>``, in ``options.language``, whatever language is active."""
    options = checked(options)
    with translation.override(options.language):
        summary = gather(profile, options)
        return render_summary(summary)


def render_summary(summary: Summary) -> SafeString:
    html = render_to_string("summary/document.html", {"summary": summary})
    return mark_safe(html)  # noqa: S308  (rendered by our template, which escapes every value)


def standalone_html(profile: Profile, options: ExportOptions) -> str:
    """A whole HTML document around the summary, for WeasyPrint: no link to fetch."""
    options = checked(options)
    document = summary_document(profile, options)
    with translation.override(options.language):
        return render_to_string(
            "summary/standalone.html",
            {"document": document, "language": options.language, "profile": profile},
        )
