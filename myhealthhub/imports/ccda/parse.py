"""C-CDA bytes to an element tree, refusing what a clinical document never holds.

The XML is read by ``lib/safe_xml.py``: nothing but the file, and never a
document type declaration. What is refused here is XML that is not a whole
clinical document.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from django.utils.translation import gettext as _
from lxml import etree

from myhealthhub.errors import Refused
from myhealthhub.imports.base import Upload
from myhealthhub.imports.ccda.xml import V3, Element, kid, local
from myhealthhub.imports.fhir.from_xml import is_fhir_xml
from myhealthhub.lib import safe_xml

# Hospital documents run to several MB; anything near this is not a summary.
MAX_BYTES = 64 * 1024 * 1024
SNIFF_BYTES = 4096
SUFFIXES = (".xml", ".cda", ".ccda", ".ccd")
_BOM = b"\xef\xbb\xbf"
_UTF16 = (b"\xff\xfe", b"\xfe\xff")


@dataclass(frozen=True)
class Parsed:
    root: Element
    # Elements by their ID attribute: narrative targets of <reference value="#id"/>.
    by_id: dict[str, Element]
    # How many statements carry each id (``root|extension``): one that several
    # carry names none of them.
    id_owners: Counter[str]


def recognizes(upload: Upload) -> bool:
    """XML that is not another XML format we read: a C-CDA, or something to refuse as one."""
    head = upload.head(SNIFF_BYTES)
    if is_fhir_xml(head):
        return False  # FHIR XML: the FHIR importer reads it
    stripped = head.removeprefix(_BOM).lstrip()
    if stripped.startswith(_UTF16):
        return True
    if not stripped.startswith(b"<"):
        return False
    return b"ClinicalDocument" in head or upload.name.lower().endswith(SUFFIXES)


def read(upload: Upload) -> Parsed:
    upload.file.seek(0)
    data = upload.file.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise Refused(
            _("This document is larger than %(size)d MB, more than any clinical summary.")
            % {"size": MAX_BYTES // (1024 * 1024)}
        )
    root = safe_xml.safe_parse(data)
    _check_is_document(root)
    by_id: dict[str, Element] = {}
    id_owners: Counter[str] = Counter()
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        if ident := element.get("ID"):
            by_id.setdefault(ident, element)
        if local(element) == "id" and (id_root := (element.get("root") or "").strip()):
            extension = (element.get("extension") or "").strip()
            id_owners[f"{id_root}|{extension}" if extension else id_root] += 1
    return Parsed(root, by_id, id_owners)


def _check_is_document(root: Element) -> None:
    name = local(root)
    namespace = etree.QName(root).namespace
    if name == "ClinicalDocument" and namespace in (V3, None):
        if kid(root, "component") is None:
            raise Refused(_("This clinical document has no body: there is nothing in it to read."))
        return
    if name == "section":
        raise Refused(
            _(
                "This file is one section of a clinical document, not a whole document: it "
                "does not say whom it is about. Import the whole document it came from."
            )
        )
    raise Refused(
        _(
            "This XML file is not a clinical document (C-CDA): it holds <%(element)s> where a "
            "<ClinicalDocument> was expected."
        )
        % {"element": name[:60]}
    )
