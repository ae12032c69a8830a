"""The reconciled medication list as a one-page PDF, offered beside the other exports."""

from __future__ import annotations

import datetime as dt
from typing import BinaryIO

from django.template.loader import render_to_string
from django.utils.text import slugify
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from myhealthhub.exports.formats import Progress
from myhealthhub.profiles.models import Profile, Role
from myhealthhub.reconcile.medication_list import medication_list
from myhealthhub.summary.options import ExportOptions


def list_document(profile: Profile) -> str:
    """The list's ``<article>`` in the active language, zone and units: the page and the PDF."""
    return render_to_string(
        "reconcile/medication_list.html",
        {"list": medication_list(profile), "language": get_language()},
    )


class MedicationListPdf:
    slug = "medication-list"
    role = Role.VIEWER
    background = False
    media_type = "application/pdf"
    extension = "pdf"

    @property
    def label(self) -> str:
        return _("Medication list to review (PDF)")

    @property
    def description(self) -> str:
        return _(
            "One line per medicine, gathered from every source, with where they disagree, "
            "to go through with a pharmacist or clinician at a medication review."
        )

    def filename(self, profile: Profile, on: dt.date) -> str:
        return f"medication-list-{slugify(profile.name) or 'profile'}-{on.isoformat()}.pdf"

    def write(
        self, profile: Profile, out: BinaryIO, options: ExportOptions, progress: Progress
    ) -> None:
        # Imported here: WeasyPrint loads only when a PDF is drawn.
        from myhealthhub.summary.pdf import printed

        progress(0.0)
        html = render_to_string(
            "summary/standalone.html",
            {
                "document": list_document(profile),
                "language": options.language,
                "profile": profile,
                "title": _("Medication list · %(name)s") % {"name": profile.name},
            },
        )
        out.write(printed(html, options.paper))
        progress(1.0)
