"""Read a SMART Health Link manifest: the list of encrypted files a link resolves to.

HL7 SMART Health Cards and Links IG v1.0.0, "SMART Health Link Manifest
File": ``{"files": [{"contentType": …, "embedded": "<compact JWE>"} or
{"contentType": …, "location": "<short-lived URL>"}], "list": …}``. The
browser viewer reads manifests by the same rules; this is the same reading in
Python, for tests of any server's answers (ours included).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from myhealthhub.errors import Refused

# A manifest lists a few files; an answer larger than this is not one.
MAX_MANIFEST_BYTES = 16 * 1024 * 1024


@dataclass(frozen=True)
class ManifestFile:
    # As the server wrote it, parameters included ("application/fhir+json;fhirVersion=4.0.1").
    content_type: str
    # One of the two at least: the compact JWE itself, or where to GET it.
    embedded: str = ""
    location: str = ""
    last_updated: str = ""
    status: str = ""
    fhir_version: str = ""

    @property
    def media_type(self) -> str:
        """The content type without its parameters, in lower case."""
        return self.content_type.split(";", 1)[0].strip().lower()


def read_manifest(answer: bytes | str) -> list[ManifestFile]:
    """The files of a manifest, in its order; ``Refused`` when it is not one."""
    not_one = _("The server's answer is not a SMART Health Link manifest.")
    if len(answer) > MAX_MANIFEST_BYTES:
        raise Refused(not_one)
    try:
        data = json.loads(answer)
    except (ValueError, RecursionError):
        raise Refused(not_one) from None
    if not isinstance(data, dict) or not isinstance(data.get("files"), list):
        raise Refused(not_one)
    return [_file(entry, index, not_one) for index, entry in enumerate(data["files"])]


def _file(entry: Any, index: int, not_one: str) -> ManifestFile:
    where = _("file %(number)s") % {"number": index + 1}
    if not isinstance(entry, dict) or not _text(entry.get("contentType")):
        raise Refused(not_one, where)
    embedded, location = _text(entry.get("embedded")), _text(entry.get("location"))
    if not embedded and not location:
        raise Refused(not_one, where)
    return ManifestFile(
        content_type=_text(entry["contentType"]),
        embedded=embedded,
        location=location,
        last_updated=_text(entry.get("lastUpdated")),
        status=_text(entry.get("status")),
        fhir_version=_text(entry.get("fhirVersion")),
    )


def _text(value: object) -> str:
    """The value when it is text that says something; "" for anything else."""
    return value if isinstance(value, str) and value.strip() else ""
