"""The export formats, registered in one dict: adding a format means adding one line.

Each format is one module here with one class behind the ``Exporter``
protocol below. The web page, the background job and ``myhealthhub export``
all reach a format through :func:`exporters`; none of them knows a format by
itself. Whether an account may use a format is the plan's feature
``export.<slug>`` (``accounts/plans.py``), and who may start it is the
exporter's ``role``; both are checked by ``exports/jobs.py``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import BinaryIO, Protocol, runtime_checkable

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


@runtime_checkable
class NamesItsFiles(Protocol):
    """An exporter whose files are not named ``<whose>-<slug>-<date>``."""

    def filename(self, profile: Profile, on: dt.date) -> str: ...


# Formats written by apps above exports (the archive), added from their ready().
_added: list[Exporter] = []


def add(exporter: Exporter) -> None:
    """Offer a format that an app above exports writes; it comes after the formats here."""
    if all(known.slug != exporter.slug for known in _added):
        _added.append(exporter)


def exporters() -> dict[str, Exporter]:
    from myhealthhub.exports.csv import CsvExport
    from myhealthhub.exports.fhir import FhirExport
    from myhealthhub.exports.ics import CalendarExport
    from myhealthhub.exports.ips import IpsExport
    from myhealthhub.exports.pdf import SummaryPdf

    ours: list[Exporter] = [SummaryPdf(), IpsExport(), FhirExport(), CsvExport(), CalendarExport()]
    return {exporter.slug: exporter for exporter in [*ours, *_added]}


def filename(profile: Profile, exporter: Exporter, on: dt.date) -> str:
    """``ana-garcia-csv-2026-11-26.zip``: whose, what and when, in ASCII.

    A format that names its files otherwise says so with a ``filename`` method
    (the summary PDF: ``summary-ana-garcia-2026-11-26.pdf``).
    """
    from django.utils.text import slugify

    if isinstance(exporter, NamesItsFiles):
        return exporter.filename(profile, on)
    who = slugify(profile.name) or "profile"
    return f"{who}-{exporter.slug}-{on.isoformat()}.{exporter.extension}"
