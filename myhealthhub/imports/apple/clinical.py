"""The clinical records in an Apple Health export: FHIR resources from the person's hospitals.

With Health Records, the Health app keeps what hospitals send as FHIR
resources and exports each one as a JSON file of its own, in
``clinical-records/`` ("Condition-4A7E….json"), in the FHIR version the
hospital wrote (R4, or DSTU2). Every JSON file of the export zip is read by
the FHIR importer's own reader and mapping, as a direct import of the same
files reads them: the entries get the same keys, looked up and filed under
the same system as a direct import's (``MappedEntry.system``; the export's
own items stay Apple Health's), so importing the files directly and then
the export, or the other way round, adds nothing twice.

Each file is read on its own, so that one the FHIR importer refuses (a
DSTU2 record, a file that is not JSON, one larger than ``MAX_RECORD``) is
skipped with the FHIR importer's reason and the rest of the export is
read. The files read are then mapped together, as one import of them all
is: a reference from one file to another resolves.

The records are about the person whose phone exported them. Hospitals name
that person in their own way (a "Patient/…" each), and the files rarely
hold the Patient itself; none of that makes another person of the export,
so the preview never asks which person the file is about because of them.
"""

from __future__ import annotations

import dataclasses
import io
import re

from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from myhealthhub.errors import Refused
from myhealthhub.imports.base import Mapping, Problem, Skipped, Upload, no_progress
from myhealthhub.imports.fhir import map as fhir_map
from myhealthhub.imports.fhir import parse as fhir_parse
from myhealthhub.lib.safe_zip import CheckedZip, Member, UnsafeZip, checked_zip, is_zip
from myhealthhub.lib.spill import Shelf

# One record is one resource: as much as the FHIR reader takes on one line of NDJSON.
MAX_RECORD = fhir_parse.MAX_LINE
# What the preview calls a record whose file is not named after its resource type.
ORIGIN = "ClinicalRecord"
# Files skipped listed one by one, of each kind and reason; the rest are counted.
LISTED = 3
# "Condition-4A7E….json": the resource type, as the Health app names the file.
_TYPE_IN_NAME = re.compile(r"([A-Z][A-Za-z]{1,63})-")


def read_records(upload: Upload, mapping: Mapping) -> None:
    """Every clinical record of an export zip, into ``mapping``; a bare export.xml has none."""
    if not is_zip(upload.head(8)):
        return
    reader = _Records(upload.name)
    try:
        with checked_zip(upload.file) as archive:
            # In the order of their names, as a person would pick the same files to import.
            for member in sorted(archive.members, key=lambda member: member.name):
                if member.name.lower().endswith(".json") and not left_behind_by_macos(member):
                    reader.read(archive, member)
    except UnsafeZip as error:
        raise Refused(str(error), upload.name) from None
    finally:
        upload.file.seek(0)
    reader.finish(mapping)


class _Records:
    """The records of one export, read one file at a time, then mapped together."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.found = False
        self.parsed = fhir_parse.Parsed()
        self.skipped = _Skips()
        self.size = 0
        # Where resources wait while mapped, once there are many (as a large FHIR import's do).
        self.shelf: Shelf | None = None

    def read(self, archive: CheckedZip, member: Member) -> None:
        self.found = True
        name = f"{self.name}/{member.name}"
        origin = origin_of(member.name)
        # What it declares is what comes out, or the archive is refused (lib/safe_zip.py).
        if member.size > MAX_RECORD:
            self.skipped.add(origin, _too_large(), name)
            return
        with archive.open(member) as stream:
            data = stream.read(MAX_RECORD + 1)
        try:
            one = fhir_parse.read([Upload(name, io.BytesIO(data), len(data))], no_progress)
        except Refused as refusal:
            self.skipped.add(origin, refusal.reason, _named(name, refusal.where))
            return
        for found in one.resources:
            # Read alone, a JSON file is not named in what it says where; read with others,
            # as a direct import of the records reads it, it is (NDJSON names its lines).
            found.label = found.label or name
        self.parsed.resources.extend(one.resources)
        self.parsed.warnings.extend(
            Problem(warning.message, _named(name, warning.where)) for warning in one.warnings
        )
        self.parsed.bundle_sources.extend(one.bundle_sources)
        self.size += len(data)
        if self.size > fhir_parse.SHELVE_ABOVE:
            self.shelf = self.shelf or Shelf()
            for found in one.resources:
                found.shelve(self.shelf)

    def finish(self, mapping: Mapping) -> None:
        if not self.found:
            return
        mapping.merge(_the_export_s_person_s(fhir_map.to_mapping(self.parsed)))
        mapping.skipped.extend(self.skipped.all())


def _the_export_s_person_s(records: Mapping) -> Mapping:
    """The records as the export's, about its person, and of the system they come from.

    The FHIR mapping names each hospital's patient as a person of the file;
    here they are all the person of the export (``Me`` in export.xml). Their
    keys stay in the system a direct import of the files names
    (``MappedEntry.system``): the export's own items are in Apple Health's.
    """
    absent = (
        _("This refers to a patient who is not in the file."),
        _(
            "This refers to a patient who is not in the file; it was read as "
            "belonging to the file's only patient."
        ),
    )
    system = records.system
    theirs = Mapping(
        documents=[
            dataclasses.replace(each, patients=frozenset(), system=system)
            for each in records.documents
        ],
        skipped=[dataclasses.replace(each, patients=frozenset()) for each in records.skipped],
        # Clinical records never hold their patient: saying so for each hospital says nothing.
        warnings=[w for w in records.warnings if not w.message.endswith(absent)],
        used=dict(records.used),
    )
    for entry in records.entries:
        # A copy if it waited on disk: appended as it is now.
        entry.patients, entry.system = frozenset(), system
        theirs.entries.append(entry)
    return theirs


class _Skips:
    """Files left out, each kind and reason listed a few times, then counted."""

    def __init__(self) -> None:
        self.listed: list[Skipped] = []
        self.counted: dict[tuple[str, str], int] = {}
        self.more: dict[tuple[str, str], tuple[int, str]] = {}

    def add(self, origin: str, reason: str, where: str) -> None:
        key = (origin, reason)
        self.counted[key] = self.counted.get(key, 0) + 1
        if self.counted[key] <= LISTED:
            self.listed.append(Skipped(origin, reason, where))
        else:
            count, first = self.more.get(key, (0, where))
            self.more[key] = (count + 1, first)

    def all(self) -> list[Skipped]:
        return self.listed + [
            Skipped(origin, reason, first, count=count)
            for (origin, reason), (count, first) in self.more.items()
        ]


def origin_of(member_name: str) -> str:
    """The resource type the Health app names the file after, as the preview counts it."""
    match = _TYPE_IN_NAME.match(member_name.rsplit("/", 1)[-1])
    return match.group(1) if match else ORIGIN


def left_behind_by_macos(member: Member) -> bool:
    """The "._" files and ``__MACOSX/`` folder that macOS adds to a zip it makes: no records."""
    return member.name.startswith("__MACOSX/") or member.name.rsplit("/", 1)[-1].startswith("._")


def _named(name: str, where: str) -> str:
    """``where`` in a file read alone ("line 3"), naming the file as a read of several does."""
    if not where or where == name:
        return name
    return where if where.startswith(f"{name}, ") else f"{name}, {where}"


def _too_large() -> str:
    return _(
        "This clinical record is larger than %(size)s; one record is never that large, "
        "so it was not read."
    ) % {"size": filesizeformat(MAX_RECORD)}
