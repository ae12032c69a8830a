"""An Apple Health export (``export.zip`` or its ``export.xml``) read as a stream of records.

The Health app's export is one XML document of millions of elements. It is
read with lxml's ``iterparse``, each top-level element handed on and then
cleared, so memory does not grow with the file. The document's own inline
DTD (which iOS 16 and later write broken) is cut out before the parser
sees it: nothing is ever declared, loaded or expanded (DESIGN.md principle
8). A DTD that declares an entity is refused: no export needs one, and it
is how "billion laughs" payloads arrive.

The main file is found by what it holds (a ``HealthData`` root), not by its
name, which the app translates.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import IO, NamedTuple, Protocol

from django.utils.translation import gettext as _
from lxml import etree

from myhealthhub.errors import Refused
from myhealthhub.imports.base import Upload
from myhealthhub.lib.safe_zip import UnsafeZip, checked_zip, is_zip


class AttributeMap(Protocol):
    """An element's attributes as lxml gives them: read like a dict."""

    def get(self, key: str, default: str = ..., /) -> str: ...
    def keys(self) -> Iterable[str]: ...
    def __getitem__(self, key: str, /) -> str: ...


ROOT = b"<HealthData"
# The DTD comes first and is about 10 KB; the root element follows it.
HEAD_BYTES = 256 * 1024
# Every element handed on; ``Record``s inside a ``Correlation`` come with it.
TOP_LEVEL = ("Record", "Correlation", "Workout", "ActivitySummary", "Me")
_DOCTYPE = re.compile(rb"<!DOCTYPE\b[^\[>]*(?:\[(.*?)\]\s*)?>", re.DOTALL)
_ENTITY = re.compile(rb"<!\s*ENTITY", re.IGNORECASE)


class Element(NamedTuple):
    """One top-level element of the export and the line it starts on.

    ``attributes`` are lxml's own, read in place: they are good until the
    next element is read, so a mapper takes what it needs and keeps nothing.
    A record is read millions of times; a copy of each would be the largest
    part of reading it.
    """

    tag: str
    attributes: AttributeMap
    line: int
    # What a Correlation or a Workout holds, each element as (tag, attributes),
    # in the order of the file (a WorkoutRoute, then its FileReference).
    children: tuple[tuple[str, dict[str, str]], ...] = ()


def is_export(head: bytes) -> bool:
    return ROOT in head and b"<ClinicalDocument" not in head


@contextmanager
def opened(upload: Upload) -> Iterator[tuple[str, IO[bytes], int]]:
    """The export's main XML file: its name, a stream of it, and its size."""
    if not is_zip(upload.head(8)):
        upload.file.seek(0)
        yield upload.name, upload.file, upload.size
        return
    try:
        with checked_zip(upload.file) as archive:
            for member in archive.members:
                if not member.name.lower().endswith(".xml"):
                    continue
                with archive.open(member) as stream:
                    if not is_export(stream.read(HEAD_BYTES)):
                        continue
                with archive.open(member) as stream:
                    yield f"{upload.name}/{member.name}", stream, max(member.size, 1)
                    return
    except UnsafeZip as error:
        raise Refused(str(error), upload.name) from None
    raise Refused(_("This zip archive holds no Apple Health export (export.xml)."), upload.name)


def elements(stream: IO[bytes], name: str) -> Iterator[Element]:
    """Every top-level element of the export, in the order of the file."""
    source = _WithoutDoctype(stream, name)
    parsed = etree.iterparse(
        source,
        events=("end",),
        tag=TOP_LEVEL,
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )
    try:
        for _event, element in parsed:
            parent = element.getparent()
            if parent is not None and parent.tag != "HealthData":
                continue  # a Correlation's record: handed on with the Correlation
            tag = element.tag
            children = (
                ()
                if tag == "Record"
                else tuple((child.tag, dict(child.attrib)) for child in element.iterdescendants())
            )
            yield Element(tag, element.attrib, element.sourceline or 0, children)
            element.clear(keep_tail=False)
            while element.getprevious() is not None:
                del parent[0]
    except etree.XMLSyntaxError as error:
        line = error.lineno or 0
        raise Refused(
            _("This file is not well-formed XML (%(reason)s).")
            % {"reason": str(error.msg or "").strip()},
            f"{name}, " + _("line %(number)s") % {"number": line} if line else name,
        ) from None


class _WithoutDoctype:
    """A stream of the export with its document type declaration cut out of the prolog."""

    def __init__(self, stream: IO[bytes], name: str) -> None:
        self.stream = stream
        head = stream.read(HEAD_BYTES)
        root = head.find(ROOT)
        found = _DOCTYPE.search(head, 0, root if root >= 0 else len(head))
        if found is not None:
            if found.group(1) and _ENTITY.search(found.group(1)):
                raise Refused(
                    _(
                        "This file declares entities in its document type. Apple Health "
                        "exports never do, and such declarations can make a file expand "
                        "without end or read other files; it was not read."
                    ),
                    name,
                )
            cut = found.group(0)
            # Kept as blank lines, so the parser's line numbers stay the file's.
            head = head[: found.start()] + b"\n" * cut.count(b"\n") + head[found.end() :]
        self.pending = head

    def read(self, size: int = -1) -> bytes:
        if self.pending:
            if size < 0 or size >= len(self.pending):
                piece, self.pending = self.pending, b""
            else:
                piece, self.pending = self.pending[:size], self.pending[size:]
            return piece
        return self.stream.read(size)
