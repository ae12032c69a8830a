"""The export formats, registered in one dict: adding a format means adding one line.

Each format is one module here with one class behind the ``Exporter``
protocol below. The web page, the background job and ``myhealthhub export``
all reach a format through :func:`exporters`; none of them knows a format by
itself. Whether an account may use a format is the plan's feature
``export.<slug>`` (``accounts/plans.py``), and who may start it is the
exporter's ``role``; both are checked by ``interop/exporting.py``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import BinaryIO, Protocol

from myhealthhub.profiles.models import Profile, Role
from myhealthhub.summary.options import ExportOptions

# Called with the fraction done, 0.0 to 1.0, as an export goes.
Progress = Callable[[float], None]


class Exporter(Protocol):
    # Stored on export jobs and used in URLs and on the command line:
    # never change a format's slug once released.
    slug: str
    # Who may start it: exporting is reading, but a full export is everything.
    role: Role
    # Long exports run as background jobs with progress; short ones answer at once.
    background: bool
    media_type: str
    extension: str

    @property
    def label(self) -> str:
        """The format's name, in the active language."""
        ...

    @property
    def description(self) -> str:
        """One sentence on what the file holds and what it is for."""
        ...

    def write(
        self, profile: Profile, out: BinaryIO, options: ExportOptions, progress: Progress
    ) -> None:
        """Write the whole export of ``profile`` to ``out``."""
        ...


def exporters() -> dict[str, Exporter]:
    from myhealthhub.interop.exporters.archive import ArchiveExport
    from myhealthhub.interop.exporters.csv import CsvExport
    from myhealthhub.interop.exporters.fhir import FhirExport
    from myhealthhub.interop.exporters.ics import CalendarExport
    from myhealthhub.interop.exporters.ips import IpsExport
    from myhealthhub.interop.exporters.pdf import SummaryPdf

    return {
        exporter.slug: exporter
        for exporter in (
            SummaryPdf(),
            IpsExport(),
            FhirExport(),
            CsvExport(),
            CalendarExport(),
            ArchiveExport(),
        )
    }


def filename(profile: Profile, exporter: Exporter, on: dt.date) -> str:
    """``ana-garcia-summary-2026-11-26.pdf``: whose, what and when, in ASCII."""
    from django.utils.text import slugify

    who = slugify(profile.name) or "profile"
    return f"{who}-{exporter.slug}-{on.isoformat()}.{exporter.extension}"
