"""FHIR JSON to plain resources: bundles, single resources, NDJSON bulk files, zips of them.

FHIR XML is read too: ``from_xml.py`` turns it into the JSON it stands for,
which is then read as any JSON file is.

Nothing here trusts the file (DESIGN.md principle 8). A JSON document is
bounded (128 MiB); NDJSON is read a line at a time, each line bounded
(16 MiB); zips go through ``lib.safe_zip`` before anything inside is read.
Every refusal names where the file is broken: "line 3, column 7", a JSON
pointer ("/entry/12/resource"), or "Patient.ndjson, line 3".

Memory does not grow with a large import (over ``SHELVE_ABOVE`` in all): a
JSON bundle is read an entry at a time from a window of its text
(``_Window``), never whole, and every resource waits on a temporary file
(``lib.spill.Shelf``) until it is mapped. A bundle that only a whole read
handles (escapes to scrub, DSTU2 comments, a broken file, whose refusal
must say exactly where) is read whole instead, within the same bound.

A file in another FHIR version (DSTU2, STU3, R5) is refused rather than
half-read: the same names mean different things there.
"""

from __future__ import annotations

import codecs
import io
import json
import re
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import IO, Any, Protocol, TypeGuard

import orjson
from django.utils.translation import gettext as _

from myhealthhub.errors import Refused
from myhealthhub.imports.base import Problem, Progress, Upload
from myhealthhub.imports.fhir import from_xml
from myhealthhub.lib.safe_zip import CheckedZip, Member, UnsafeZip, checked_zip, is_zip
from myhealthhub.lib.spill import Shelf

# JSON objects are untyped until each field is checked where it is used.
Json = dict[str, Any]

MAX_DOCUMENT = 128 * 1024**2
MAX_LINE = 16 * 1024**2
# Only used to point at the line once json has given up on a deep file.
DEPTH_SHOWN = 500
# Bundles inside bundles (a searchset of documents) are opened this deep.
MAX_BUNDLE_NESTING = 3
PROGRESS_EVERY = 500

NDJSON_SUFFIXES = (".ndjson", ".jsonl")
JSON_SUFFIXES = (".json", *NDJSON_SUFFIXES)
XML_SUFFIX = ".xml"
BOM = b"\xef\xbb\xbf"
_UTF16 = (b"\xff\xfe", b"\xfe\xff")
_RESOURCE_TYPE_KEY = b'"resourceType"'
# A JSON file is searched for "resourceType" in pieces of this size.
SCAN_PIECE = 1024**2
_RESOURCE_TYPE = re.compile(r"[A-Z][A-Za-z]{1,63}")
_FHIR_COMMENTS = re.compile(r'"fhir_comments"\s*:')
# Escapes that decode to text a database refuses: NUL and lone surrogates.
_BAD_ESCAPE = re.compile(r"\\u(?:0000|[dD][89a-fA-F][0-9a-fA-F]{2})")
_TOKEN = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]')


@dataclass(slots=True)
class Found:
    """One resource as read, and where it is in the files.

    Its content is ``resource``; in a large import it is kept on a ``Shelf``
    rather than in memory (``shelve``), and read back whenever asked for.
    """

    content: Json | None
    type: str
    name: str  # the upload (or zip member) it came from
    label: str  # how ``where`` names the file: "", "bundle.json", "x.ndjson, line 3"
    pointer: str = ""  # "/entry/12/resource"; "" for a resource that is the whole file or line
    full_url: str = ""
    # References resolve inside the same document first: one per JSON file, one for all NDJSON.
    scope: str = ""
    # A resource inside another's "contained": read for its content, never counted itself.
    contained: bool = False
    # Where the content is while it is not in memory: the shelf, its place and length.
    shelved: tuple[Shelf, int, int] | None = None

    @property
    def resource(self) -> Json:
        if self.content is not None:
            return self.content
        assert self.shelved is not None
        shelf, place, length = self.shelved
        resource: Json = shelf.get(place, length)
        return resource

    @contextmanager
    def opened(self) -> Iterator[None]:
        """The content held in memory meanwhile: read from the shelf once, not at each use."""
        if self.content is not None or self.shelved is None:
            yield
            return
        self.content = self.resource
        try:
            yield
        finally:
            self.content = None

    def shelve(self, shelf: Shelf) -> None:
        """Keep the content on ``shelf`` instead of in memory, if it can be written there."""
        if self.content is None:
            return
        try:
            self.shelved = (shelf, *shelf.put(self.content))
        except (TypeError, orjson.JSONEncodeError):
            return  # a number longer than 64 bits: kept in memory, as read
        self.content = None

    def where(self, path: str = "") -> str:
        parts = [part for part in (self.label, self.pointer + path) if part]
        return ", ".join(parts) or self.name


@dataclass
class Parsed:
    resources: list[Found] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    # What each bundle that is a whole file (or line) says in ``meta.source``.
    bundle_sources: list[str] = field(default_factory=list)


def recognizes(upload: Upload) -> bool:
    head = upload.head()
    if is_zip(head):
        return _zip_holds_fhir(upload)
    text = head.removeprefix(BOM).lstrip()
    if text.startswith(b"<") or head.startswith(_UTF16):
        return from_xml.is_fhir_xml(head)
    if not text.startswith(b"{"):
        return False
    return (
        _RESOURCE_TYPE_KEY in head
        or upload.name.lower().endswith(NDJSON_SUFFIXES)
        or _mentions_resource_type(upload)
    )


def _mentions_resource_type(upload: Upload) -> bool:
    """Whether "resourceType" is anywhere in the file, read in pieces.

    A pretty-printed file may write it last in each object, far past the head:
    a bundle's entries first, then its own resourceType.
    """
    if upload.size > MAX_DOCUMENT:
        return True  # read() refuses it as too large, which says more than "not recognised"
    overlap = len(_RESOURCE_TYPE_KEY) - 1
    upload.file.seek(0)
    try:
        before = b""
        while piece := upload.file.read(SCAN_PIECE):
            if _RESOURCE_TYPE_KEY in before + piece[:overlap] or _RESOURCE_TYPE_KEY in piece:
                return True
            before = piece[-overlap:]
        return False
    finally:
        upload.file.seek(0)


class Watcher(Protocol):
    """Shown each resource as it is read, while its content is in memory."""

    def seen(self, found: Found) -> None: ...

    # Resources seen are taken back when their file is read again another way.
    def forget(self, founds: list[Found]) -> None: ...


def read(uploads: list[Upload], progress: Progress, on_each: Watcher | None = None) -> Parsed:
    """Every resource of the files; ``on_each`` is shown each one as it is read."""
    total = sum(max(upload.size, 1) for upload in uploads)
    reader = _Reader(progress, total, Shelf() if total > SHELVE_ABOVE else None, on_each)
    many = len(uploads) > 1
    for upload in uploads:
        if is_zip(upload.head(8)):
            reader.read_zip(upload)
        else:
            upload.file.seek(0)
            reader.read_file(upload.name, upload.file, upload.name if many else "")
            reader.advance_to_file_end(upload.size)
    if not reader.parsed.resources and reader.not_fhir:
        raise Refused(_("These files hold no FHIR resources."), reader.not_fhir[0])
    return reader.parsed


def _zip_holds_fhir(upload: Upload) -> bool:
    try:
        with checked_zip(upload.file) as archive:
            names = [member.name.lower() for member in archive.members]
            if any(name.rsplit("/", 1)[-1] == "export.xml" for name in names):
                return False  # an Apple Health export: its own importer reads it
            return any(name.endswith(JSON_SUFFIXES) for name in names) or any(
                _is_fhir_xml_member(archive, member) for member in archive.members
            )
    except UnsafeZip:
        # Let read() refuse it with the reason, rather than "format not recognised".
        return True
    finally:
        upload.file.seek(0)


def _is_fhir_xml_member(archive: CheckedZip, member: Member) -> bool:
    if not member.name.lower().endswith(XML_SUFFIX):
        return False
    with archive.open(member) as stream:
        return from_xml.is_fhir_xml(stream.read(4096))


class _Reader:
    def __init__(
        self,
        progress: Progress,
        total: int,
        shelf: Shelf | None,
        on_each: Watcher | None,
    ) -> None:
        self.parsed = Parsed()
        # Where resources are kept while a large import is mapped; None for a small one.
        self.shelf = shelf
        self.on_each = on_each
        self.progress = progress
        self.total = total
        self.done = 0
        self.file_start = 0
        self.not_fhir: list[str] = []

    # Progress --------------------------------------------------------------

    def advance(self, count: int) -> None:
        self.done += count

    def report(self) -> None:
        self.progress(min(self.done / self.total, 1.0))

    def advance_and_report(self, count: int) -> None:
        self.advance(count)
        self.report()

    def advance_to_file_end(self, size: int) -> None:
        self.file_start += max(size, 1)
        self.done = self.file_start
        self.report()

    # Files -----------------------------------------------------------------

    def read_zip(self, upload: Upload) -> None:
        upload.file.seek(0)
        try:
            with checked_zip(upload.file) as archive:
                members = [
                    m
                    for m in archive.members
                    if m.name.lower().endswith(JSON_SUFFIXES) or _is_fhir_xml_member(archive, m)
                ]
                if not members:
                    raise Refused(
                        _("This zip archive holds no FHIR files (.json, .ndjson or .xml)."),
                        upload.name,
                    )
                wanted = {member.name for member in members}
                for member in archive.members:
                    if member.name not in wanted:
                        self.parsed.warnings.append(
                            Problem(
                                _("This file in the archive is not FHIR JSON; it was left out."),
                                f"{upload.name}/{member.name}",
                            )
                        )
                # Progress counts the archive's own bytes, shared out by what members declare.
                declared = sum(max(member.size, 1) for member in members)
                for member in members:
                    with archive.open(member) as stream:
                        name = f"{upload.name}/{member.name}"
                        before = self.done
                        self.read_file(name, stream, name)
                        self.done = before + max(upload.size, 1) * max(member.size, 1) // declared
                        self.report()
        except UnsafeZip as error:
            raise Refused(str(error), upload.name) from None
        self.advance_to_file_end(upload.size)

    def read_file(self, name: str, stream: IO[bytes], label: str) -> None:
        if name.lower().endswith(NDJSON_SUFFIXES):
            self.read_ndjson(name, stream)
            return
        if self.shelf is not None and self.read_streamed_bundle(name, stream, label):
            return
        data = stream.read(MAX_DOCUMENT + 1)
        if len(data) > MAX_DOCUMENT:
            raise Refused(
                _(
                    "This JSON file is larger than %(size)d MiB. Export large records as "
                    "NDJSON (one resource per line), which MyHealthHub reads in pieces."
                )
                % {"size": MAX_DOCUMENT // 1024**2},
                label or name,
            )
        self.advance(len(data))
        if not data.removeprefix(BOM).strip():
            raise Refused(_("This file is empty."), label or name)
        if data.removeprefix(BOM).lstrip().startswith(b"<") or data.startswith(_UTF16):
            self.read_xml(data, name, label)
            return
        text = _decode(data, label)
        value = _loads(text, label, line_offset=None, allow_more=True)
        if value is _MORE:
            # One JSON value per line in a file named .json: it is NDJSON.
            self.read_ndjson(name, io.BytesIO(data))
            return
        if not isinstance(value, dict) or not _is_resource_type(value.get("resourceType")):
            raise Refused(
                _(
                    "This JSON file is not FHIR: it should hold a FHIR resource such as a "
                    "Bundle, with a “resourceType”."
                ),
                label or name,
            )
        _check_comments(text, label or name)
        self.take(value, name, label, pointer="", scope=label or name, nesting=0)

    def read_xml(self, data: bytes, name: str, label: str) -> None:
        if len(data) > from_xml.MAX_XML:
            raise Refused(
                _(
                    "This FHIR XML file is larger than %(size)d MiB, more than MyHealthHub "
                    "reads as XML. Export large records as NDJSON, which it reads in pieces."
                )
                % {"size": from_xml.MAX_XML // 1024**2},
                label or name,
            )
        try:
            value = from_xml.to_json(data)
        except Refused as refusal:
            where = _joined(label, refusal.where) if refusal.where else label or name
            raise Refused(refusal.reason, where) from None
        self.take(value, name, label, pointer="", scope=label or name, nesting=0)

    def read_ndjson(self, name: str, stream: IO[bytes]) -> None:
        found_before = len(self.parsed.resources)
        odd: list[Problem] = []
        line = _("line %(number)s")  # translated once: bulk files have many lines
        for number, raw in _lines(stream, name):
            self.advance(len(raw))
            if number % PROGRESS_EVERY == 0:
                self.report()
            if number == 1:
                raw = raw.removeprefix(BOM)
            if not raw.strip():
                continue
            where = f"{name}, {line % {'number': number}}"
            text = _decode(raw.rstrip(b"\r\n"), name, number)
            value = _loads(text, name, line_offset=number - 1)
            if isinstance(value, dict) and _is_resource_type(value.get("resourceType")):
                if "fhir_comments" in text:
                    _check_comments(text, where)
                self.take(value, name, where, pointer="", scope="", nesting=0)
            else:
                odd.append(Problem(_("This line is not a FHIR resource; it was left out."), where))
        if not odd:
            return
        if len(self.parsed.resources) == found_before:
            # An export's log.ndjson: a whole file of something else.
            self.not_fhir.append(name)
            self.parsed.warnings.append(
                Problem(
                    _("This file holds no FHIR resources (an export log?); it was left out."),
                    _joined(name, _place(1)),
                )
            )
        else:
            self.parsed.warnings.extend(odd)

    def read_streamed_bundle(self, name: str, stream: IO[bytes], label: str) -> bool:
        """A large JSON bundle read entry by entry, never whole; False to read it whole.

        Only a well-formed bundle with nothing that needs the whole text
        (escapes to scrub, DSTU2 comments) is read this way. Anything else
        is read whole, as before, which also says exactly where a broken
        file is broken.
        """
        if not stream.seekable():
            return False
        size = stream.seek(0, io.SEEK_END)
        stream.seek(0)
        if size > MAX_DOCUMENT:
            return False  # refused as too large by the whole read, as before
        resources_before = len(self.parsed.resources)
        warnings_before = len(self.parsed.warnings)
        window = _Window(stream, self.advance_and_report)
        bundle: Json = {}
        try:
            entries = _bundle_entries(window, bundle)
            self.take_entries(entries, bundle, name, label, "", label or name, 0)
            if bundle.get("resourceType") != "Bundle":
                raise _NotStreamable
            refuse_other_version(bundle, "Bundle", label or name)
            meta = bundle.get("meta")
            source = meta.get("source") if isinstance(meta, dict) else None
            if isinstance(source, str):
                self.parsed.bundle_sources.append(source)
        except _NotStreamable:
            if self.on_each is not None:
                self.on_each.forget(self.parsed.resources[resources_before:])
            del self.parsed.resources[resources_before:]
            del self.parsed.warnings[warnings_before:]
            self.done -= window.read
            stream.seek(0)
            return False
        return True

    # Resources -------------------------------------------------------------

    def take(
        self, value: Json, name: str, label: str, pointer: str, scope: str, nesting: int
    ) -> None:
        """A top-level resource (the whole file or line): a bundle is opened."""
        kind = value["resourceType"]
        refuse_other_version(value, kind, Found(value, kind, name, label, pointer).where())
        if kind == "Bundle":
            meta = value.get("meta")
            source = meta.get("source") if isinstance(meta, dict) else None
            if isinstance(source, str):
                self.parsed.bundle_sources.append(source)
            self.take_bundle(value, name, label, pointer, scope, nesting)
        else:
            self.keep(Found(value, kind, name, label, pointer, "", scope))

    def keep(self, found: Found) -> None:
        """A resource read: shown to ``on_each``, then put on the shelf if there is one."""
        self.parsed.resources.append(found)
        if self.on_each is not None:
            self.on_each.seen(found)
        if self.shelf is not None:
            found.shelve(self.shelf)

    def take_bundle(
        self, bundle: Json, name: str, label: str, pointer: str, scope: str, nesting: int
    ) -> None:
        entries = bundle.get("entry")
        if entries is None:
            return
        if not isinstance(entries, list):
            where = Found(bundle, "Bundle", name, label, pointer).where("/entry")
            raise Refused(_("This bundle's “entry” is not a list of entries."), where)
        self.take_entries(entries, bundle, name, label, pointer, scope, nesting)

    def take_entries(
        self,
        entries: Iterable[Any],
        bundle: Json,
        name: str,
        label: str,
        pointer: str,
        scope: str,
        nesting: int,
    ) -> None:
        for index, entry in enumerate(entries):
            at = f"{pointer}/entry/{index}"
            resource = entry.get("resource") if isinstance(entry, dict) else None
            if not isinstance(entry, dict) or not isinstance(resource, dict):
                where = Found(bundle, "Bundle", name, label, at).where()
                message = _("This bundle entry holds no resource; it was left out.")
                self.parsed.warnings.append(Problem(message, where))
                continue
            kind = resource.get("resourceType")
            if not _is_resource_type(kind):
                where = Found(bundle, "Bundle", name, label, f"{at}/resource").where()
                message = _("This resource has no “resourceType”; it was left out.")
                self.parsed.warnings.append(Problem(message, where))
                continue
            full_url = entry.get("fullUrl")
            found = Found(
                resource,
                kind,
                name,
                label,
                f"{at}/resource",
                full_url if isinstance(full_url, str) else "",
                scope,
            )
            refuse_other_version(resource, kind, found.where())
            self.keep(found)
            if kind == "Bundle" and nesting < MAX_BUNDLE_NESTING:
                # A bundle inside a bundle (a search of documents): its entries are read
                # too, and references resolve inside it.
                self.take_bundle(resource, name, label, found.pointer, found.where(), nesting + 1)


# JSON ----------------------------------------------------------------------

# Above this many bytes in all, resources wait on a shelf on disk while they
# are mapped, and a JSON bundle is read entry by entry.
SHELVE_ABOVE = 16 * 1024**2
# What only reading the whole text handles: escapes to scrub, DSTU2 comments.
_NEEDS_WHOLE_TEXT = re.compile(rb'\\u(?:0000|[dD][89a-fA-F][0-9a-fA-F]{2})|"fhir_comments"\s*:')
_NEEDS_WHOLE_TEXT_REACH = 64


class _NotStreamable(Exception):
    """The file is to be read whole instead."""


class _Window:
    """A stream's text, decoded a piece at a time, and how far values were read from it."""

    def __init__(self, stream: IO[bytes], advance: Callable[[int], None]) -> None:
        self.stream = stream
        self.advance = advance
        self.decoder = codecs.getincrementaldecoder("utf-8")()
        self.text = ""
        self.position = 0
        self.read = 0
        self.ended = False
        self.last_bytes = b""

    def more(self, size: int = SCAN_PIECE) -> bool:
        """Read on, dropping what was read from; False at the end of the stream."""
        if self.ended:
            return False
        piece = self.stream.read(size)
        if self.read == 0:
            if piece.startswith(_UTF16):
                raise _NotStreamable
            piece = piece.removeprefix(BOM)
        if _NEEDS_WHOLE_TEXT.search(self.last_bytes + piece):
            raise _NotStreamable
        self.last_bytes = piece[-_NEEDS_WHOLE_TEXT_REACH:]
        self.read += len(piece)
        self.advance(len(piece))
        try:
            decoded = self.decoder.decode(piece, final=not piece)
        except UnicodeDecodeError:
            raise _NotStreamable from None
        self.text = self.text[self.position :] + decoded
        self.position = 0
        self.ended = not piece
        return bool(piece)

    def next_char(self) -> str:
        """The next character that is not white space, not taken; "" at the end."""
        while True:
            self.position = _SPACE.match(self.text, self.position).end()  # type: ignore[union-attr]
            if self.position < len(self.text) or not self.more():
                return self.text[self.position : self.position + 1]

    def take(self, char: str) -> None:
        if self.next_char() != char:
            raise _NotStreamable
        self.position += 1

    def value(self) -> Any:
        """The next JSON value, reading on until it is whole."""
        self.next_char()
        size = SCAN_PIECE
        while True:
            try:
                value, end = _DECODER.raw_decode(self.text, self.position)
            except json.JSONDecodeError:
                # Cut off by the end of what was read so far, or broken: read on to see.
                if self.more(size):
                    size *= 2  # a long value is not parsed again for every piece
                    continue
                raise _NotStreamable from None
            except (RecursionError, ValueError):
                raise _NotStreamable from None
            # A number or literal at the end of what was read may go on.
            cut_short = end == len(self.text) and not isinstance(value, dict | list | str)
            if cut_short and self.more(size):
                continue
            self.position = end
            return value


_SPACE = re.compile(r"[ \t\n\r]*")


def _bundle_entries(window: _Window, fields: Json) -> Iterator[Any]:
    """The items of the top-level object's "entry" list, one at a time.

    Its other fields are put into ``fields`` as they are read: those written
    after the entries only once every entry has been given.
    """
    window.take("{")
    if window.next_char() == "}":
        return
    seen_entries = False
    while True:
        key = window.value()
        if not isinstance(key, str):
            raise _NotStreamable
        window.take(":")
        if key == "entry" and not seen_entries:
            seen_entries = True
            window.take("[")
            if window.next_char() == "]":
                window.position += 1
            else:
                while True:
                    yield window.value()
                    if window.next_char() == "]":
                        window.position += 1
                        break
                    window.take(",")
        elif key == "entry" or key in fields:
            raise _NotStreamable  # named twice: the whole read decides which counts
        else:
            fields[key] = window.value()
        if window.next_char() == "}":
            window.position += 1
            break
        window.take(",")
    if window.next_char() != "":
        raise _NotStreamable  # more after the object: NDJSON named .json, or broken


_MORE = object()


def _lines(stream: IO[bytes], name: str) -> Iterator[tuple[int, bytes]]:
    number = 0
    while True:
        raw = stream.readline(MAX_LINE + 1)
        if not raw:
            return
        number += 1
        if len(raw) > MAX_LINE and not (len(raw) == MAX_LINE + 1 and raw.endswith(b"\n")):
            raise Refused(
                _("This line is longer than %(size)d MiB; MyHealthHub reads no longer lines.")
                % {"size": MAX_LINE // 1024**2},
                _joined(name, _place(number)),
            )
        yield number, raw


def _decode(data: bytes, label: str, line: int = 0) -> str:
    """``data`` as text; ``line`` is the line it is, when it is one line of a file."""
    data = data.removeprefix(BOM)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        where = _joined(label, _place(line or data.count(b"\n", 0, error.start) + 1))
        raise Refused(
            _("This file is not UTF-8 text, as FHIR JSON must be; re-export it as UTF-8."),
            where,
        ) from None


def _loads(text: str, label: str, line_offset: int | None, allow_more: bool = False) -> Any:
    """The JSON value of ``text``; ``_MORE`` when ``allow_more`` and it is NDJSON.

    ``line_offset`` is the line of the file ``text`` starts after: None for a whole file.
    """
    offset = line_offset or 0
    try:
        value = _DECODER.decode(text)
    except RecursionError:
        line, column = _deep_place(text)
        raise Refused(
            _("This file nests values more than %(depth)d levels deep; no FHIR file does that.")
            % {"depth": DEPTH_SHOWN},
            _joined(label, _place(line + offset, column)) if line else label,
        ) from None
    except json.JSONDecodeError as error:
        if allow_more and error.msg == "Extra data" and "\n" not in text[: error.pos].strip():
            return _MORE
        raise Refused(
            _("This file is not valid JSON: %(problem)s.") % {"problem": _problem(error, text)},
            _joined(label, _place(error.lineno + offset, error.colno)),
        ) from None
    except ValueError:
        # A number longer than Python reads (over 4,300 digits), or NaN/Infinity.
        raise Refused(
            _("This file holds a number that is not valid JSON or is far too long."),
            label if line_offset is None else _joined(label, _place(offset + 1)),
        ) from None
    if _BAD_ESCAPE.search(text):
        value = _scrub(value)
    return value


def _no_constant(name: str) -> Any:
    raise ValueError(name)


# NaN and Infinity are not JSON, and no database column takes them.
_DECODER = json.JSONDecoder(parse_constant=_no_constant)


def _problem(error: json.JSONDecodeError, text: str) -> str:
    if not text[error.pos :].strip() or (
        len(text.rstrip()) - error.pos < 64 and _depth_at_end(text) > 0
    ):
        return _("the file ends too early, as if it had been cut off")
    message = error.msg
    if message.startswith("Expecting value"):
        return _("a value was expected")
    if message.startswith("Expecting ',' delimiter"):
        return _("a comma was expected")
    if message.startswith("Expecting ':' delimiter"):
        return _("a colon was expected")
    if message.startswith("Expecting property name"):
        return _("a name in double quotes was expected")
    if message.startswith("Unterminated string"):
        return _("a text has no closing double quote")
    if message.startswith("Invalid control character"):
        return _("a text holds a control character")
    if message.startswith("Invalid"):
        return _("a text holds an invalid escape")
    if message.startswith("Extra data"):
        return _("more follows after the end of the JSON")
    return message


def _deep_place(text: str) -> tuple[int, int]:
    """Where bracket depth first passes DEPTH_SHOWN, outside strings: (line, column)."""
    depth = 0
    for match in _TOKEN.finditer(text):
        bracket = match.group()
        if bracket in "[{":
            depth += 1
            if depth > DEPTH_SHOWN:
                start = match.start()
                line = text.count("\n", 0, start) + 1
                return line, start - text.rfind("\n", 0, start)
        elif bracket in "]}":
            depth -= 1
    return 0, 0


def _depth_at_end(text: str) -> int:
    depth = 0
    for match in _TOKEN.finditer(text):
        bracket = match.group()
        depth += 1 if bracket in "[{" else -1 if bracket in "]}" else 0
    return depth


def _scrub(value: Any) -> Any:
    """``value`` with NUL characters and lone surrogates replaced; iterative, as files nest deep."""

    def clean(text: str) -> str:
        return text.replace("\x00", "\ufffd").encode("utf-8", "replace").decode("utf-8")

    root: list[Any] = [value]
    stack: list[tuple[Any, Any]] = [(root, 0)]
    while stack:
        container, key = stack.pop()
        item = container[key]
        if isinstance(item, str):
            container[key] = clean(item)
        elif isinstance(item, list):
            stack.extend((item, index) for index in range(len(item)))
        elif isinstance(item, dict):
            cleaned = {clean(k): v for k, v in item.items()}
            container[key] = cleaned
            stack.extend((cleaned, k) for k in cleaned)
    return root[0]


def _place(line: int, column: int = 0) -> str:
    """A place in the file, for the person: "line 41" or "line 41, column 7"."""
    if column:
        return _("line %(number)s, column %(column)s") % {"number": line, "column": column}
    return _("line %(number)s") % {"number": line}


def _joined(label: str, place: str) -> str:
    return f"{label}, {place}" if label else place


def _is_resource_type(value: object) -> TypeGuard[str]:
    return isinstance(value, str) and _RESOURCE_TYPE.fullmatch(value) is not None


def _check_comments(text: str, where: str) -> None:
    if _FHIR_COMMENTS.search(text):
        raise Refused(_other_version_message("DSTU2"), where)


# FHIR versions ---------------------------------------------------------------

_OLD_TYPES = {
    "MedicationOrder": "DSTU2",
    "DiagnosticOrder": "DSTU2",
    "DeviceUseRequest": "DSTU2",
    "Order": "DSTU2",
    "OrderResponse": "DSTU2",
    "Conformance": "DSTU2",
    "ProcedureRequest": "STU3",
    "ReferralRequest": "STU3",
    "DeviceComponent": "STU3",
    "ImagingManifest": "STU3",
    "DataElement": "STU3",
    "ExpansionProfile": "STU3",
    "ServiceDefinition": "STU3",
    "Sequence": "STU3",
    "BodySite": "DSTU2/STU3",
    "ProcessRequest": "DSTU2/STU3",
    "ProcessResponse": "DSTU2/STU3",
    "EligibilityRequest": "DSTU2/STU3",
    "EligibilityResponse": "DSTU2/STU3",
}
_R5_TYPES = frozenset(
    {
        "ActorDefinition",
        "ArtifactAssessment",
        "BiologicallyDerivedProductDispense",
        "ConditionDefinition",
        "DeviceDispense",
        "DeviceUsage",
        "EncounterHistory",
        "FormularyItem",
        "GenomicStudy",
        "ImagingSelection",
        "InventoryItem",
        "InventoryReport",
        "MedicationUsage",
        "NutritionIntake",
        "Permission",
        "Requirements",
        "TestPlan",
        "Transport",
    }
)


def refuse_other_version(resource: Json, kind: str, where: str) -> None:
    """Refuse a resource that only exists, or only looks like this, in another FHIR version."""
    version = (
        _OLD_TYPES.get(kind)
        or ("R5" if kind in _R5_TYPES else "")
        or _version_by_shape(resource, kind)
    )
    if version:
        raise Refused(_other_version_message(version), where)


def _version_by_shape(resource: Json, kind: str) -> str:
    meta = resource.get("meta")
    declared = meta.get("fhirVersion") if isinstance(meta, dict) else None
    if isinstance(declared, str):
        if declared.startswith(("0.", "1.0")):
            return "DSTU2"
        if declared.startswith(("1.", "3.")):
            return "STU3"
        if declared.startswith(("5.", "4.2", "4.4", "4.5", "4.6")):
            return "R5"
    if "fhir_comments" in resource:
        return "DSTU2"
    if kind == "Condition":
        if isinstance(resource.get("clinicalStatus"), str) or isinstance(
            resource.get("verificationStatus"), str
        ):
            return "DSTU2" if "patient" in resource else "STU3"
    elif kind == "AllergyIntolerance":
        if "substance" in resource:
            return "DSTU2"
        if isinstance(resource.get("clinicalStatus"), str):
            return "STU3"
    elif kind == "Immunization":
        if "wasNotGiven" in resource:
            return "DSTU2"
        if "notGiven" in resource:
            return "STU3"
    elif kind in ("MedicationStatement", "MedicationRequest"):
        if "wasNotTaken" in resource:
            return "DSTU2"
        if "taken" in resource:
            return "STU3"
        if isinstance(resource.get("medication"), dict):
            return "R5"  # a CodeableReference
    elif kind == "Encounter":
        if isinstance(resource.get("class"), str):
            return "DSTU2"
        if isinstance(resource.get("class"), list) or "actualPeriod" in resource:
            return "R5"
    return ""


def _other_version_message(version: str) -> str:
    return _("This is a FHIR %(version)s file; MyHealthHub reads FHIR R4.") % {"version": version}
