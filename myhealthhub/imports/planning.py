"""What an import would do: new, already present, changed, skipped (DESIGN.md principle 3).

An importer's ``Mapping`` is compared with what earlier imports brought into
the profile, through the keys they recorded (``ImportedRecord``): a key seen
before with the same content hash is present; with another hash, the source
now says something else. Nothing here writes; the preview shown to the
person and the commit both start from the same ``ImportPlan``.

Only what the same system said counts (DESIGN.md principle 5): an id means
something only to the system that gave it, and EHRs that started from the
same sample data reuse each other's statement ids for what they say
differently. So a key is looked up among the records of the file's own
system (``Mapping.system``: a C-CDA's custodian, a FHIR server); another
system's record under the same key is left alone, and the statement is a
new entry, which the reconcile app sets beside the other one.

The system is a column beside the key, not part of its hash: a record keeps
the hash of its key whatever system it is filed under, so records made
before systems were known (whose system is "", unknown) are still found.
One of them is taken as the importing system's own (as every record was
before), and the commit files it under that system (``writing.adopt_records``):
from then on another system no longer finds it. A file that names no system
finds only records of no known system, as before, and never another
system's. Our own export is a copy of a record, not a source: its entries
carry what their sources called them, and are looked up in every system
(``EVERY_SYSTEM``); what it adds is filed under no system. A file may carry
another source's items (an Apple Health export, the person's hospitals'
clinical records): each of those is looked up, and filed, under its own
system (``MappedEntry.system``), as a file of that source would be.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import uuid
from collections import Counter, defaultdict, deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import partial
from itertools import islice
from typing import Any, NamedTuple, Protocol, TypeVar

import orjson
from django.conf import settings
from django.db import connections
from django.db.models import QuerySet
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from myhealthhub.documents.sniff import sniff
from myhealthhub.errors import ActionRefused
from myhealthhub.imports.base import (
    EVERY_SYSTEM,
    MappedDocument,
    MappedEntry,
    Mapping,
    PatientFound,
    Problem,
    Reading,
    Skipped,
)
from myhealthhub.imports.fitting import content_hash, fit
from myhealthhub.imports.models import ImportedRecord
from myhealthhub.lib.spill import SpillList
from myhealthhub.profiles.models import Profile
from myhealthhub.records.kinds import KINDS
from myhealthhub.records.models import Entry, Sample

LOOKUP_BATCH = 900
# Repeated readings listed one by one, of each origin; the rest are counted.
LISTED_REPEATS = 3
READINGS_AT_ONCE = 10_000
DOCUMENT = "document"

T = TypeVar("T")


class Keyed(Protocol):
    """What planning reads of a mapped entry or document alike."""

    key: str
    key_is_local: bool
    origin: str
    where: str
    patients: frozenset[str]
    system: str | None


K = TypeVar("K", bound=Keyed)


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class Known(NamedTuple):
    """What an earlier import recorded under a key (read as plain values: a
    re-import of a large file looks up thousands). What the source said is
    read only for the keys whose content changed (``_load_changed``)."""

    pk: int
    system: str
    kind: str
    object_uuid: uuid.UUID
    content_hash: str


@dataclass
class Change:
    """An entry a source said before, which it now says differently."""

    item: MappedEntry
    record: Known
    entry: Entry | None = None  # None when the person deleted it since
    # Fields the source changed, which the entry still holds as the source had them.
    fields: list[str] = field(default_factory=list)
    # Fields the source changed but the person has edited since: theirs stay.
    kept_edits: list[str] = field(default_factory=list)

    @property
    def shown(self) -> bool:
        """Whether anything changes that the person should see."""
        return self.entry is not None and bool(self.fields or self.kept_edits)


@dataclass
class ImportPlan:
    # A large file's entries wait on disk (lib/spill.py).
    new: SpillList[MappedEntry] = field(default_factory=SpillList)
    # Entries already present, by kind and origin: only counted, as nothing is done with them.
    present: Counter[tuple[str, str]] = field(default_factory=Counter)
    changed: list[Change] = field(default_factory=list)
    new_documents: list[MappedDocument] = field(default_factory=list)
    present_documents: list[MappedDocument] = field(default_factory=list)
    # Documents the source sends again with other content: kept as new ones.
    changed_documents: list[MappedDocument] = field(default_factory=list)
    # Readings not yet stored, by metric and by device ("" when the file names
    # none), and the first and last moment of them: counted as ``new_readings``
    # hands them on.
    new_readings: Counter[str] = field(default_factory=Counter)
    new_readings_by_device: Counter[str] = field(default_factory=Counter)
    new_readings_span: list[dt.datetime] = field(default_factory=list)
    present_readings: int = 0
    # Readings the file says twice: left out, each counted among the skipped.
    repeated_readings: int = 0
    skipped: list[Skipped] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    # Content hash of every entry and document kept, by key.
    hashes: dict[str, str] = field(default_factory=dict)
    # What earlier imports of the same system (or of none known) recorded under this file's keys.
    known: dict[str, Known] = field(default_factory=dict)
    # The system the file comes from (``Mapping.system``); "" when it does not say.
    system: str = ""
    # The keys of items of another system than the file's (``MappedEntry.system``), and it.
    systems: dict[str, str] = field(default_factory=dict)

    @property
    def files_under(self) -> str:
        """The system the keys this import records are filed under."""
        return "" if self.system == EVERY_SYSTEM else self.system

    def filed_under(self, key: str) -> str:
        """The system ``key`` is filed under: its item's own, else the file's."""
        system = self.systems.get(key, self.system)
        return "" if system == EVERY_SYSTEM else system

    @property
    def documents_to_keep(self) -> list[MappedDocument]:
        return [*self.new_documents, *self.changed_documents]


def plan_import(
    profile: Profile, mapping: Mapping, patient: str, *, lock: bool = False
) -> ImportPlan:
    """Compare the mapping with the profile; ``lock`` the entries it would change."""
    plan = ImportPlan(warnings=list(mapping.warnings), system=mapping.system)
    others = _other_people(mapping.patients, patient)
    plan.skipped = _skipped_of_this_person(mapping.skipped, patient, others)
    # Entries are taken one at a time (a large file's wait on disk), documents at once.
    about_this_person = _keep_this_person(mapping.entries, patient, others, plan)
    documents = [
        document
        for document in _keep_this_person(mapping.documents, patient, others, plan)
        if _keepable(document, plan)
    ]
    documented = frozenset(key for document in documents for key in document.entry_keys)
    fitting = (
        item for item in about_this_person if fit(item, plan.skipped, plan.warnings, documented)
    )
    # Looked up as they come, a batch at a time: each entry is read once.
    for batch in batches(_first_of_each_key(fitting, plan, _entry_hash), LOOKUP_BATCH):
        _look_up(profile, batch, plan)
        for item in batch:
            record = plan.known.get(item.key)
            if record is None or record.kind != item.kind:
                plan.new.append(item)  # a new entry, or one now of another kind
            elif record.content_hash == plan.hashes[item.key]:
                plan.present[item.kind, item.origin] += 1
            else:
                plan.changed.append(Change(item, record))
    documents = list(_first_of_each_key(documents, plan, _document_hash))
    _look_up(profile, documents, plan)
    for document in documents:
        record = plan.known.get(document.key)
        if record is None:
            plan.new_documents.append(document)
        elif record.content_hash == plan.hashes[document.key]:
            plan.present_documents.append(document)
        else:
            plan.changed_documents.append(document)
    _load_changed(profile, plan, lock)
    return plan


def _other_people(patients: list[PatientFound], chosen: str) -> dict[str, str]:
    return {person.key: person.name for person in patients if person.key != chosen}


def _skipped_of_this_person(
    skipped: list[Skipped], patient: str, others: dict[str, str]
) -> list[Skipped]:
    """What was skipped, with what belongs to other people in the file said only as such."""
    if not others:
        return list(skipped)
    return [
        item
        if not item.patients or patient in item.patients
        else Skipped(
            item.origin, _("about another person in the file"), item.where, count=item.count
        )
        for item in skipped
    ]


def _keep_this_person(
    items: Iterable[K], patient: str, others: dict[str, str], plan: ImportPlan
) -> Iterator[K]:
    """Items about the chosen person (or about no one in particular); the rest skipped."""
    for item in items:
        people = item.patients
        if not others or not people or patient in people:
            yield item
            continue
        name = next((others[key] for key in people if key in others), "")
        plan.skipped.append(
            Skipped(
                item.origin,
                _("about another person in the file") + (f" ({name})" if name else ""),
                item.where,
            )
        )


def _entry_hash(item: MappedEntry) -> str:
    return content_hash(item.kind, item.values)


def _document_hash(document: MappedDocument) -> str:
    return hashlib.sha256(document.content).hexdigest()


def _first_of_each_key(
    items: Iterable[K], plan: ImportPlan, digest_of: Callable[[K], str]
) -> Iterator[K]:
    """Items with their final keys and hashes, each statement once.

    A key that is only an id local to its export gets the content's hash
    appended (once: the mapping may be planned again), so another source
    reusing the id is a new entry, never a change to this one.

    Only the same key with the same content is the same statement said twice.
    Two statements that share an identifier but say different things (a
    system that numbers a panel's results alike, two values under one
    accession number) are both kept, the second under its key and its
    content's hash, and the preview says so: dropping one would lose a fact.
    """
    for item in items:
        digest = digest_of(item)
        if item.key_is_local:
            item.key = f"{item.key}#{digest[:32]}"
            item.key_is_local = False
        if item.key in plan.hashes and plan.hashes[item.key] != digest:
            item.key = f"{item.key}#{digest[:32]}"
            if item.key not in plan.hashes:
                plan.warnings.append(
                    Problem(
                        _(
                            "This record has the same identifier as another one in the file "
                            "but says something else; both are kept."
                        ),
                        item.where,
                    )
                )
        if item.key in plan.hashes:
            plan.skipped.append(
                Skipped(item.origin, _("appears twice in the file; the first is kept"), item.where)
            )
            continue
        plan.hashes[item.key] = digest
        yield item


def _look_up(profile: Profile, items: list[K], plan: ImportPlan) -> None:
    """What earlier imports recorded under the items' keys, each in its item's system."""
    said: dict[str, dict[str, str]] = defaultdict(dict)
    for item in items:
        system = plan.system if item.system is None else item.system
        if system != plan.system:
            plan.systems[item.key] = system
        said[system][item.key] = plan.hashes[item.key]
    for system, hashes in said.items():
        plan.known.update(_records(profile, hashes, system))


def _records(profile: Profile, hashes: dict[str, str], system: str) -> dict[str, Known]:
    """What ``system`` recorded under the keys of ``hashes``, else a record of no known system.

    For ``EVERY_SYSTEM``, what any system recorded: the record of the same
    content if there is one, else the oldest.
    """
    by_hash = {key_hash(key): key for key in hashes}
    candidates: dict[str, list[Known]] = defaultdict(list)
    for batch in batches(list(by_hash), LOOKUP_BATCH):
        rows = ImportedRecord.objects.filter(profile_id=profile.pk, key_hash__in=batch)
        if system != EVERY_SYSTEM:
            rows = rows.filter(system__in={system, ""})
        for hashed, pk, named, kind, object_uuid, digest in rows.values_list(
            "key_hash", "pk", "system", "kind", "object_uuid", "content_hash"
        ):
            candidates[by_hash[hashed]].append(Known(pk, named, kind, object_uuid, digest))
    return {
        key: min(known, key=partial(_rank, system=system, digest=hashes[key]))
        for key, known in candidates.items()
    }


def _rank(known: Known, system: str, digest: str) -> tuple[bool, int]:
    """Which of several records under one key an import takes: the lowest."""
    if system == EVERY_SYSTEM:
        return known.content_hash != digest, known.pk
    return known.system != system, known.pk  # its own system's, else one of none


def _load_changed(profile: Profile, plan: ImportPlan, lock: bool) -> None:
    """The entries behind changed keys, and which of their fields the source changed.

    A field the source changed is applied only while the entry still holds
    what the source said before: a person's own correction is never
    overwritten by a later export.
    """
    by_kind: dict[str, list[Change]] = defaultdict(list)
    for change in plan.changed:
        by_kind[change.item.kind].append(change)
    said_before: dict[int, dict[str, Any]] = {}
    for batch in batches([change.record.pk for change in plan.changed], LOOKUP_BATCH):
        records = ImportedRecord.objects.filter(profile_id=profile.pk, pk__in=batch)
        said_before.update(records.values_list("pk", "values"))
    for slug, changes in by_kind.items():
        entries = (
            KINDS[slug]
            .queryset(profile)
            .filter(uuid__in=[change.record.object_uuid for change in changes])
        )
        if lock:  # so that an edit saved meanwhile is seen, not overwritten
            entries = entries.select_for_update().order_by("pk")
        by_uuid = {entry.uuid: entry for entry in entries}
        for change in changes:
            entry = by_uuid.get(change.record.object_uuid)
            if entry is None or entry.deleted_at is not None:
                continue  # deleted by the person: the source's news does not bring it back
            change.entry = entry
            before = said_before[change.record.pk]
            for name, value in change.item.values.items():
                if name in before and plain(value) == before[name]:
                    continue
                edited = name in before and plain(getattr(entry, name)) != before[name]
                (change.kept_edits if edited else change.fields).append(name)


def source_values(values: dict[str, Any]) -> dict[str, Any]:
    """What a source said, as JSON values, to compare with the next export."""
    return {name: plain(value) for name, value in values.items()}


def plain(value: Any) -> Any:
    """A value as JSON holds it: numbers as floats, dates as ISO text."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, str):
        return value
    # orjson, told to hand dates and dataclasses to ``str`` as json.dumps's
    # default did, so what earlier imports recorded compares equal.
    return orjson.loads(orjson.dumps(value, default=str, option=_AS_JSON_DUMPS_DID))


_AS_JSON_DUMPS_DID = (
    orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS | orjson.OPT_NON_STR_KEYS
)


def count_readings(profile: Profile, readings: Iterable[Reading], plan: ImportPlan) -> None:
    """Count the new readings and those already present, for the preview."""
    deque(new_readings(profile, readings, plan), maxlen=0)


def new_readings(
    profile: Profile, readings: Iterable[Reading], plan: ImportPlan
) -> Iterator[Reading]:
    """The readings not yet stored, a batch at a time as they come (a device's
    export brings millions, which are never all held at once); those already
    present and repeats are counted in the plan.

    A reading at the same moment of the same metric is already present,
    whichever import brought it; a named device's, when that device has one.
    A device writes its readings in order of time, so each batch is looked up
    over the few hours or days it spans.
    """
    # The moments seen in this batch and the one before. A device writes a
    # reading twice next to itself, in a file in order of time; remembering
    # every moment of millions would take more memory than the rest of the
    # import. A repeat further apart is still written once: the sample table
    # takes one reading per device and moment.
    seen: set[tuple[str, dt.datetime, str]] = set()
    before: set[tuple[str, dt.datetime, str]] = set()
    # A file that repeats itself says where a few times, and counts the rest.
    repeats: dict[str, list[str]] = {}
    more: Counter[str] = Counter()
    counted = plan.new_readings
    per_device = plan.new_readings_by_device
    span = plan.new_readings_span
    for batch in batches(readings, READINGS_AT_ONCE):
        before, seen = seen, set()
        by_device = _stored_moments(profile, batch)
        by_moment = {(metric, at, "") for metric, at, _device in by_device}
        for reading in batch:
            metric, at, _value, origin, where, device, _model = reading
            moment = (metric, at, device)
            if moment in seen or moment in before:
                plan.repeated_readings += 1
                listed = repeats.setdefault(origin, [])
                if len(listed) < LISTED_REPEATS:
                    listed.append(where)
                else:
                    more[origin] += 1
            else:
                seen.add(moment)  # its repeats are repeats, whether it is new or present
                if moment in (by_device if device else by_moment):
                    plan.present_readings += 1
                    continue
                counted[metric] += 1
                per_device[device] += 1
                if not span:
                    span[:] = [at, at]
                elif at < span[0]:
                    span[0] = at
                elif at > span[1]:
                    span[1] = at
                yield reading
    repeated = _("appears twice in the file; the first is kept")
    for origin, listed in repeats.items():
        plan.skipped.extend(Skipped(origin, repeated, where) for where in listed)
        if more[origin]:
            plan.skipped.append(Skipped(origin, repeated, listed[0], count=more[origin]))


def _stored_moments(profile: Profile, batch: list[Reading]) -> set[tuple[str, dt.datetime, str]]:
    """The stored moments of the metrics and devices of a batch, over the time it spans.

    Each device's readings of each metric are in order of time, one device
    after another: a batch spans a short time of each.
    """
    spans: dict[tuple[str, str], list[dt.datetime]] = {}
    for metric, at, _value, _origin, _where, device, _model in batch:
        span = spans.get((metric, device))
        if span is None:
            spans[metric, device] = [at, at]
        elif at < span[0]:
            span[0] = at
        elif at > span[1]:
            span[1] = at
    stored: set[tuple[str, dt.datetime, str]] = set()
    for (metric, device), (first, last) in spans.items():
        rows = Sample.objects.filter(
            profile_id=profile.pk, metric=metric, at__gte=first, at__lte=last
        )
        if device:
            rows = rows.filter(source__label=device)
        stored.update(_plain_moments(rows.values_list("metric", "at", "source__label")))
    return stored


def _plain_moments(rows: QuerySet[Any]) -> Iterator[tuple[str, dt.datetime, str]]:
    """(metric, moment, device) rows by a plain cursor, each moment in UTC.

    A re-import looks up every reading it brings; the ORM's conversion of
    each moment took longer than the query.
    """
    sql, params = rows.query.sql_with_params()
    with connections[rows.db].cursor() as cursor:
        cursor.execute(sql, params)
        for metric, at, device in cursor:
            # Moments are kept in UTC; SQLite's driver gives them without their zone.
            yield metric, at if at.tzinfo is not None else at.replace(tzinfo=dt.UTC), device


def _keepable(document: MappedDocument, plan: ImportPlan) -> bool:
    """Whether a carried file is one documents keep: its type from its bytes, its size."""
    try:
        sniff(io.BytesIO(document.content))
        if len(document.content) > settings.MAX_UPLOAD_BYTES:
            raise ActionRefused(
                _("larger than %(limit)s, the most a document may be")
                % {"limit": filesizeformat(settings.MAX_UPLOAD_BYTES)}
            )
    except ActionRefused as refusal:
        plan.skipped.append(Skipped(document.origin, refusal.message, document.where))
        return False
    return True


def batches(items: Iterable[T], size: int) -> Iterator[list[T]]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch
