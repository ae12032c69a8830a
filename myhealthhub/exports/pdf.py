"""The personal health summary as a PDF: one page to hand to a new clinician."""

from __future__ import annotations

import datetime as dt
from typing import BinaryIO

from django.utils.text import slugify
from django.utils.translation import gettext as _

from myhealthhub.exports.formats import Progress
from myhealthhub.profiles.models import Profile, Role
from myhealthhub.summary.options import ExportOptions


class SummaryPdf:
    slug = "pdf"
    role = Role.VIEWER
    background = False
    media_type = "application/pdf"
    extension = "pdf"

    @property
    def label(self) -> str:
        return _("Health summary (PDF)")

    @property
    def description(self) -> str:
        return _(
            "A dated summary of allergies, medications, conditions, recent results and "
            "vaccinations, to print or hand to a clinician."
        )

    def filename(self, profile: Profile, on: dt.date) -> str:
        """``summary-ana-garcia-2026-11-26.pdf``: what it is first, as people look for it.

        ``on`` is the day in the export's zone (profiles/zones.py: ``zone_for``).
        """
        return f"summary-{slugify(profile.name) or 'profile'}-{on.isoformat()}.{self.extension}"

    def write(
        self, profile: Profile, out: BinaryIO, options: ExportOptions, progress: Progress
    ) -> None:
        # Imported here: the registry is imported by code that never draws a PDF.
        from myhealthhub.summary.pdf import summary_pdf

        progress(0.0)
        out.write(summary_pdf(profile, options))
        progress(1.0)
