"""The full archive: everything of a profile, to keep, move or restore with nothing lost.

The zip's layout is described in ``archive/layout.py``; it is
restored by ``myhealthhub import ARCHIVE.zip --owner EMAIL``.
"""

from __future__ import annotations

from typing import BinaryIO

from django.utils.translation import gettext as _

from myhealthhub.archive.writing import write_archive
from myhealthhub.exports.formats import Progress
from myhealthhub.profiles.models import Profile, Role
from myhealthhub.summary.options import ExportOptions


class ArchiveExport:
    slug = "archive"
    # Everything, every document included: only an owner takes it all away.
    role = Role.OWNER
    background = True
    media_type = "application/zip"
    extension = "zip"

    @property
    def label(self) -> str:
        return _("Full archive")

    @property
    def description(self) -> str:
        return _(
            "Everything in this profile in one zip: the record as FHIR, every document as "
            "it was kept, and MyHealthHub's own data, so that it can be restored without "
            "losing anything."
        )

    def write(
        self, profile: Profile, out: BinaryIO, options: ExportOptions, progress: Progress
    ) -> None:
        write_archive(profile, out, options, progress)
