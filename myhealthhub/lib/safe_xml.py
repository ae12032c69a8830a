"""XML from outside, read from nothing but its bytes: no entity, no DTD, no file, no network.

The parser expands no entity, loads no DTD, opens no URL, and every external
reference resolves to nothing. A document type declaration is refused
outright before parsing, wherever it sits in the prolog: the clinical XML we
read never has one, and it is how XXE and "billion laughs" payloads arrive.
Used by the C-CDA importer and by a kept document's page alike.
"""

from __future__ import annotations

import re
from typing import Any

from django.utils.translation import gettext as _
from lxml import etree

from myhealthhub.errors import Refused

_BOM = b"\xef\xbb\xbf"
# A DTD must come before the root element, so the prolog is enough.
_DOCTYPE = re.compile(r"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
_UTF16 = (b"\xff\xfe", b"\xfe\xff")


def safe_parse(data: bytes) -> etree._Element:
    """The root element of XML ``data``, read from nothing but ``data``; Refused if it cannot be."""
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
