"""What every importer hands the pipeline: plain data, no database.

A format's ``parse.py`` turns bytes into plain data; its ``map.py`` turns
that into a ``Mapping``: unsaved entries (as field values of a records kind),
documents to keep, device readings, what was skipped and why, and warnings.
The pipeline (``imports/pipeline.py``) does the rest: deduplicate against
what earlier imports brought, preview, commit in one transaction.

Every message is already translated (importers run with the uploader's
language active) and every ``where`` points into the file: a JSON pointer
("/entry/12/resource"), "line 41", or "file.ndjson, line 3".
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field, fields
from operator import attrgetter
from typing import IO, Any, NamedTuple, Protocol

from myhealthhub.lib.dates import PartialDate
from myhealthhub.lib.spill import Codec, SpillList

# The longest ``Mapping.system`` (the length of ``ImportedRecord.system``).
SYSTEM_LENGTH = 300
# ``Mapping.system`` of a copy of a MyHealthHub record (our own export): not a
# source itself, its entries carry what their sources called them, so its
# keys are looked up among the records of every system (planning.py).
EVERY_SYSTEM = "*"


class Progress(Protocol):
    """Reports how far reading has got, from 0.0 to 1.0, and how many records that is
    when the format counts them (a device's export: for the rate and the time left)."""

    def __call__(self, fraction: float, /, items: int = 0) -> None: ...


def no_progress(fraction: float, /, items: int = 0) -> None:
    """A ``Progress`` for reading where nobody is watching."""


@dataclass(frozen=True)
class Problem:
    """A warning: something was tolerated or left out, and where."""

    message: str
    where: str = ""


@dataclass
class MappedEntry:
    """One unsaved clinical entry.

    ``kind`` is a records kind slug ("conditions", "results", ...); ``values``
    are field values of that kind's model (``display``, ``codings``, ``date``
    and ``date_precision``, ...), never ``profile`` or ``source``. ``key`` names
    the entry the same way in every export from the same source (for FHIR: an
    identifier, or the resource's full URL), so a re-import finds it again.
    ``origin`` is what in the file it came from (a FHIR resource type, a CSV
    layout), for the per-origin counts.
    """

    kind: str
    key: str
    values: dict[str, Any]
    origin: str
    where: str = ""
    identifiers: list[dict[str, str]] = field(default_factory=list)
    # The people in the file this entry belongs to (patient keys); empty when
    # it belongs to whoever is imported (a practitioner seen by everyone).
    patients: frozenset[str] = frozenset()
    # True when the key is only an id local to this export (no identifier,
    # no global URL, no identified patient): another source may reuse it for
    # something else, so such a key never marks an entry as changed.
    key_is_local: bool = False
    # The system the key belongs to when it is not the file's (``Mapping.system``):
    # a file of another source carried inside this one (an Apple Health export's
    # clinical records, from the person's hospitals). None: the file's.
    system: str | None = None

    def __reduce__(self) -> tuple[type[MappedEntry], tuple[Any, ...]]:
        # Pickled by its fields alone, as a large file's wait on disk (lib/spill.py).
        return MappedEntry, _entry_fields(self)


# A dataclass's field values in order, not copied (``dataclasses.astuple`` copies deep).
_entry_fields = attrgetter(*(each.name for each in fields(MappedEntry)))


@dataclass
class MappedDocument:
    """A file carried inside the imported one (a PDF report, a clinical note)."""

    key: str
    filename: str
    content: bytes
    origin: str
    where: str = ""
    title: str = ""
    kind: str = "other"  # a documents.DocumentKind value
    when: PartialDate | None = None
    facility: str = ""
    description: str = ""
    why: str = ""  # why it is kept, as our own export writes it
    # Keys of entries of the same file that this document belongs to.
    entry_keys: list[str] = field(default_factory=list)
    patients: frozenset[str] = frozenset()
    key_is_local: bool = False
    system: str | None = None  # as ``MappedEntry.system``


class Reading(NamedTuple):
    """A device reading for the sample table: metric, moment, value in the metric's unit.

    A tuple, not a dataclass: a watch's export brings millions, each made,
    written out to disk and read back (lib/spill.py).
    """

    metric: str
    at: dt.datetime
    value: float
    origin: str
    where: str = ""
    # The device or app that measured it, when the file names several (a
    # phone and a watch): each becomes a Source of its own, so their
    # readings are weighed against each other rather than added up.
    device: str = ""
    # What kind of device it is ("Apple Watch", "iPhone"), as the file says.
    device_model: str = ""


def _pack_readings(readings: list[Reading]) -> list[tuple[Any, ...]]:
    # The moment as seconds since the epoch: an aware datetime is what pickle
    # takes apart slowest. Read back it is the same instant, in UTC.
    return [(m, at.timestamp(), v, o, w, d, dm) for m, at, v, o, w, d, dm in readings]


def _unpack_readings(rows: list[tuple[Any, ...]]) -> list[Reading]:
    utc = dt.UTC
    moment = dt.datetime.fromtimestamp
    return [Reading(m, moment(t, utc), v, o, w, d, dm) for m, t, v, o, w, d, dm in rows]


READINGS = Codec(_pack_readings, _unpack_readings)


def reading_list() -> SpillList[Reading]:
    """A list of readings that moves the older ones to disk as it grows."""
    return SpillList(codec=READINGS)


@dataclass(frozen=True)
class ActivityRow:
    """One day of a watch's activity rings (Apple's ``ActivitySummary``): move in kcal,
    exercise in minutes and standing in hours, each beside its goal."""

    day: dt.date
    move: float | None = None
    move_goal: float | None = None
    exercise_minutes: int | None = None
    exercise_goal: int | None = None
    stand_hours: int | None = None
    stand_goal: int | None = None

    @property
    def empty(self) -> bool:
        values = (
            self.move,
            self.move_goal,
            self.exercise_minutes,
            self.exercise_goal,
            self.stand_hours,
            self.stand_goal,
        )
        return not any(values)


@dataclass(frozen=True)
class Skipped:
    origin: str
    reason: str
    where: str = ""
    example: str = ""  # a short display of what was skipped, if it has one
    patients: frozenset[str] = frozenset()
    # How many were skipped alike; ``where`` names the first. A device's export
    # leaves out millions of records of a few kinds: counted, not listed.
    count: int = 1


@dataclass(frozen=True)
class PatientFound:
    """A person the file is about, as the file says."""

    key: str
    given_name: str = ""
    family_name: str = ""
    birth: PartialDate | None = None
    sex: str = ""  # a profiles.Sex value, or ""
    where: str = ""
    # Record numbers as a person would read them ("MRN 12345"), to tell people apart.
    identifiers: tuple[str, ...] = ()
    # When the person died, if the file says; ``died`` also when it gives no date.
    deceased: PartialDate | None = None
    died: bool = False

    @property
    def name(self) -> str:
        return f"{self.given_name} {self.family_name}".strip()


@dataclass(frozen=True)
class AboutFile:
    """What a one-file document says about itself, for the details of its kept original."""

    title: str = ""
    when: PartialDate | None = None
    facility: str = ""
    kind: str = "other"  # a documents.DocumentKind value


@dataclass
class Mapping:
    """Everything one file brings, before anything is written."""

    # A large file's entries wait on disk until planned, written or shown (lib/spill.py).
    entries: SpillList[MappedEntry] = field(default_factory=SpillList)
    documents: list[MappedDocument] = field(default_factory=list)
    # A device's export brings millions: they wait on disk (lib/spill.py).
    readings: SpillList[Reading] = field(default_factory=reading_list)
    # A watch's days of activity rings: a few thousand at most.
    activity_days: list[ActivityRow] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    patients: list[PatientFound] = field(default_factory=list)
    # Origins whose content went into other entries (a Medication into its
    # MedicationStatement, a Location into a visit's facility) rather than
    # becoming entries themselves: origin -> count.
    used: dict[str, int] = field(default_factory=dict)
    # Who the file says it comes from (an organization, an app), if it says.
    sender: str = ""
    # A clinical document's own title, date and kind (C-CDA), for its original.
    about: AboutFile | None = None
    # What the file says it is, for the Source its entries name: a document's
    # title and the day it was written (a C-CDA header, a FHIR Composition).
    title: str = ""
    written: PartialDate | None = None
    # The system the file comes from (``source_system``), "" when it does not
    # say, or ``EVERY_SYSTEM``: an import updates, or finds already present,
    # only what an earlier import of the same system recorded (planning.py).
    system: str = ""

    def use(self, origin: str, count: int = 1) -> None:
        self.used[origin] = self.used.get(origin, 0) + count

    def skip(self, origin: str, reason: str, where: str = "", example: str = "") -> None:
        self.skipped.append(Skipped(origin, reason, where, example))

    def warn(self, message: str, where: str = "") -> None:
        self.warnings.append(Problem(message, where))

    def merge(self, other: Mapping) -> None:
        """Take in all ``other`` brings: a file read by another format inside this one.

        Entries, documents, readings, days of activity, skips, warnings, people and what was used
        are added to this mapping's own. What says what the file is (its sender,
        title, date, system, ``about``) stays this mapping's: the caller decides.
        """
        self.entries.extend(other.entries)
        self.documents.extend(other.documents)
        self.readings.extend(other.readings)
        self.activity_days.extend(other.activity_days)
        self.skipped.extend(other.skipped)
        self.warnings.extend(other.warnings)
        self.patients.extend(other.patients)
        for origin, count in other.used.items():
            self.use(origin, count)


@dataclass(frozen=True)
class Upload:
    """One file of an import: the name it came with, and its decrypted bytes.

    ``file`` is seekable (a private temporary file for large ones); read it
    in pieces where the format allows, never ``read()`` a whole large file
    without a bound.
    """

    name: str
    file: IO[bytes]
    size: int

    def head(self, length: int = 4096) -> bytes:
        self.file.seek(0)
        head = self.file.read(length)
        self.file.seek(0)
        return head


def source_system(format_name: str, *parts: str) -> str:
    """``format:part part``, naming the system a file comes from; "" without parts.

    It is compared, never shown: a name too long for ``ImportedRecord.system``
    is replaced by its digest, so two long names never become one.
    """
    named = " ".join(part for part in parts if part)
    if not named:
        return ""
    system = f"{format_name}:{named}"
    if len(system) > SYSTEM_LENGTH:
        system = f"{format_name}:sha256:{hashlib.sha256(system.encode()).hexdigest()}"
    return system


def date_values(column: str, when: PartialDate | None) -> dict[str, Any]:
    """``{"date": ..., "date_precision": ...}`` for a partial date column of a model."""
    if when is None:
        return {column: None}
    return {column: when.earliest, f"{column}_precision": when.precision.value}
