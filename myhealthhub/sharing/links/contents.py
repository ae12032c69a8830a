"""What a link carries, written from the record: the summary as IPS and PDF, chosen documents.

Written as the exports write them (exports/jobs.py ``write_export``): in the
language chosen for the link, in the profile's zone (else its maker's), in
its maker's units.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from myhealthhub.accounts.models import User
from myhealthhub.documents import keys
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
    body: bytes


def contents_of(link: ShareLink) -> list[Content]:
    """The link's files in plaintext, in the order the manifest lists them."""
    maker = link.created_by
    options = ExportOptions(language=link.language)
    found = []
    if link.with_summary_ips:
        found.append(Content(IPS_TYPE, _written(IpsExport(), link, options, maker)))
    if link.with_summary_pdf:
        found.append(Content("application/pdf", _written(SummaryPdf(), link, options, maker)))
    for document in link.documents.filter(deleted_at__isnull=True).select_related("file"):
        found.append(Content(document.content_type, b"".join(keys.read(document.file))))
    return found


def _written(
    exporter: Exporter, link: ShareLink, options: ExportOptions, maker: User | None
) -> bytes:
    out = io.BytesIO()
    zone = zone_for(link.profile, maker)
    write_export(exporter, link.profile, options, out, lambda _done: None, zone=zone, reader=maker)
    return out.getvalue()
