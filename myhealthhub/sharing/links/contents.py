"""What a link carries, written from the record: the summary as IPS and PDF, chosen documents.

Written as the exports write them (exports/jobs.py ``write_export``): in the
language chosen for the link, in the profile's zone (else its maker's), in
its maker's units.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property, partial

from myhealthhub.accounts.models import User
from myhealthhub.documents import keys
from myhealthhub.documents.models import SealedFile
from myhealthhub.exports.formats import Exporter
from myhealthhub.exports.ips import IpsExport
from myhealthhub.exports.jobs import write_export
from myhealthhub.exports.pdf import SummaryPdf
from myhealthhub.profiles.zones import zone_for
from myhealthhub.sharing.models import ShareLink
from myhealthhub.summary.options import ExportOptions

# The FHIR version travels with the type, as the guide's examples write it.
IPS_TYPE = "application/fhir+json;fhirVersion=4.0.1"


@dataclass(frozen=True)
class Content:
    content_type: str
    # Written when first read: a location URL asks for one file, not all of them.
    write: Callable[[], bytes]

    @cached_property
    def body(self) -> bytes:
        return self.write()


def contents_of(link: ShareLink) -> list[Content]:
    """The link's files, in the order the manifest lists them; each written when read."""
    maker = link.created_by
    options = ExportOptions(language=link.language)
    found = []
    if link.with_summary_ips:
        found.append(Content(IPS_TYPE, partial(_written, IpsExport(), link, options, maker)))
    if link.with_summary_pdf:
        pdf = partial(_written, SummaryPdf(), link, options, maker)
        found.append(Content("application/pdf", pdf))
    for document in link.documents.filter(deleted_at__isnull=True).select_related("file"):
        found.append(Content(document.content_type, partial(_read, document.file)))
    return found


def _read(sealed: SealedFile) -> bytes:
    return b"".join(keys.read(sealed))


def _written(
    exporter: Exporter, link: ShareLink, options: ExportOptions, maker: User | None
) -> bytes:
    out = io.BytesIO()
    zone = zone_for(link.profile, maker)
    write_export(exporter, link.profile, options, out, lambda _done: None, zone=zone, reader=maker)
    return out.getvalue()
