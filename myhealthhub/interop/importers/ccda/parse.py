"""C-CDA bytes to an element tree, refusing what a clinical document never holds.

The parser never reads anything but the file: entities are not expanded,
no DTD is loaded, the network is off, and every external reference resolves
to nothing. A document type declaration is refused outright before parsing,
wherever it sits in the prolog: clinical documents never have one, and it is
how XXE and "billion laughs" payloads arrive.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _
from lxml import etree

from myhealthhub.interop.importers.base import Refused, Upload
from myhealthhub.interop.importers.ccda.xml import V3, Element, kid, local

# Hospital documents run to several MB; anything near this is not a summary.
MAX_BYTES = 64 * 1024 * 1024
SNIFF_BYTES = 4096
SUFFIXES = (".xml", ".cda", ".ccda", ".ccd")
_BOM = b"\xef\xbb\xbf"
# A DTD must come before the root element, so the head of the file is enough.
_DOCTYPE = re.compile(r"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
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
    root = safe_parse(data)
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


def safe_parse(data: bytes) -> Element:
    """The root element of XML ``data``, read from nothing but ``data``; Refused otherwise.

    Also what a kept document's page draws its sections from.
    """
    if not data.strip():
        raise Refused(_("The file is empty."))
    if _DOCTYPE.search(_prolog(data)):
        raise _declares_a_dtd()
    parser = etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
        collect_ids=False,
    )
    parser.resolvers.add(_NothingOutside())
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as error:
        if "limit" in str(error.msg or "").lower() or "too long" in str(error.msg or ""):
            raise Refused(
                _(
                    "This document holds a text or an embedded file larger than 10 MB, more "
                    "than MyHealthHub reads inside a clinical document."
                )
            ) from None
        line = error.lineno or 0
        raise Refused(
            _("This file is not well-formed XML (%(reason)s).") % {"reason": _reason(error)},
            _("line %(line)d") % {"line": line} if line else "",
        ) from None
    # A declaration past the prolog scanned: the parser read none of it, as
    # configured, and the file is refused all the same. (libxml2 makes an
    # internal subset for any DOCTYPE; lxml-stubs lack ``docinfo.doctype``.)
    if root.getroottree().docinfo.internalDTD is not None:
        raise _declares_a_dtd()
    return root


class _NothingOutside(etree.Resolver):
    """Every external reference reads as empty: the parser opens no file and no URL."""

    # lxml passes a context the stubs leave out.
    def resolve(  # type: ignore[override]
        self, system_url: str | None, public_id: str | None, context: object
    ) -> Any:
        return self.resolve_string("", context, base_url=None)


def _declares_a_dtd() -> Refused:
    return Refused(
        _(
            "This file declares a document type (DTD). Clinical documents never do, and such "
            "declarations can make a file read other files; it was not read."
        )
    )


def _prolog(data: bytes) -> str:
    """What comes before the root element, as text: where a DTD would be."""
    if data.startswith(_UTF16):
        text = data.decode("utf-16", errors="replace")
        return text[: _root_start(text)]
    # Every other encoding a document may declare writes "<!DOCTYPE" in ASCII;
    # the scan has no cap, as a DTD after a long comment is a DTD all the same.
    data = data.removeprefix(_BOM)
    return data[: _root_start(data.decode("latin-1"))].decode("latin-1")


def _root_start(data: str) -> int:
    """Where the root element starts: past the XML declaration, comments and any DTD."""
    position = 0
    while True:
        start = data.find("<", position)
        if start < 0 or start + 1 >= len(data):
            return len(data)
        following = data[start + 1 : start + 2]
        if following not in ("?", "!"):
            return start
        end = data.find("-->" if data.startswith("<!--", start) else ">", start)
        if end < 0:
            return len(data)
        position = end + 1


def _reason(error: etree.XMLSyntaxError) -> str:
    # libxml2's message, without the "line N, column M" we give apart.
    message = str(error.msg or error).split(", line ")[0].strip()
    return message[:200]


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
