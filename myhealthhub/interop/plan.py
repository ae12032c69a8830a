"""What an import would do: new, already present, changed, skipped (DESIGN.md principle 3).

An importer's ``Mapping`` is compared with what earlier imports brought into
the profile, through the keys they recorded (``ImportedRecord``): a key seen
before with the same content hash is present; with another hash, the source
now says something else. Nothing here writes; the preview shown to the
person and the commit both start from the same ``Plan``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache
from itertools import islice
from typing import Any, NamedTuple, TypeVar

from django.db import models
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from myhealthhub.documents.sniff import sniff
from myhealthhub.errors import ActionRefused
from myhealthhub.interop.importers.base import (
    MappedDocument,
    MappedEntry,
    Mapping,
    PatientFound,
    Problem,
    Reading,
    Skipped,
)
from myhealthhub.interop.models import ImportedRecord
from myhealthhub.profiles.models import Profile
from myhealthhub.records.kinds import KINDS
from myhealthhub.records.models import Entry, Sample
from myhealthhub.search.text import fold

LOOKUP_BATCH = 900
EXAMPLES = 3
MAX_WARNINGS = 200
DOCUMENT = "document"

T = TypeVar("T")


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class Known(NamedTuple):
    """What an earlier import recorded under a key (read as plain values: a
    re-import of a large file looks up thousands)."""

    pk: int
    kind: str
    object_uuid: uuid.UUID
    content_hash: str


@dataclass
class Change:
    """An entry a source said before, which it now says differently."""

    item: MappedEntry
    record: Known
    entry: Entry | None = None  # None when the person deleted it since
    fields: list[str] = field(default_factory=list)


@dataclass
class Plan:
    new: list[MappedEntry] = field(default_factory=list)
    present: list[MappedEntry] = field(default_factory=list)
    changed: list[Change] = field(default_factory=list)
    new_documents: list[MappedDocument] = field(default_factory=list)
    present_documents: list[MappedDocument] = field(default_factory=list)
    new_readings: list[Reading] = field(default_factory=list)
    present_readings: int = 0
    skipped: list[Skipped] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    # Content hash of every entry and document kept, by key.
    hashes: dict[str, str] = field(default_factory=dict)
    # Keys of entries already in the profile, and their entries' UUIDs.
    known: dict[str, Known] = field(default_factory=dict)


def make_plan(profile: Profile, mapping: Mapping, patient: str) -> Plan:
    plan = Plan(skipped=list(mapping.skipped), warnings=list(mapping.warnings))
    others = _other_people(mapping.patients, patient)
    entries = _keep_this_person(mapping.entries, patient, others, plan)
    documents = _keep_this_person(mapping.documents, patient, others, plan)
    entries = [item for item in entries if _fit(item, plan)]
    documents = [document for document in documents if _keepable(document, plan)]
    for item in entries:
        plan.hashes[item.key] = _content_hash(item.kind, item.values)
    for document in documents:
        plan.hashes[document.key] = hashlib.sha256(document.content).hexdigest()
    entries = _first_of_each_key(entries, plan)
    documents = _first_of_each_key(documents, plan)
    plan.known = _records(profile, [*plan.hashes])
    for item in entries:
        record = plan.known.get(item.key)
        if record is None:
            plan.new.append(item)
        elif record.content_hash == plan.hashes[item.key]:
            plan.present.append(item)
        else:
            plan.changed.append(Change(item, record))
    for document in documents:
        if document.key in plan.known:
            plan.present_documents.append(document)
        else:
            plan.new_documents.append(document)
    _load_changed(profile, plan)
    _split_readings(profile, mapping.readings, plan)
    return plan


def _other_people(patients: list[PatientFound], chosen: str) -> dict[str, str]:
    return {person.key: person.name for person in patients if person.key != chosen}


def _keep_this_person(items: list[T], patient: str, others: dict[str, str], plan: Plan) -> list[T]:
    """Items about the chosen person (or about no one in particular); the rest skipped."""
    if not others:
        return items
    kept = []
    for item in items:
        people: frozenset[str] = item.patients  # type: ignore[attr-defined]
        if not people or patient in people:
            kept.append(item)
            continue
        name = next((others[key] for key in people if key in others), "")
        plan.skipped.append(
            Skipped(
                item.origin,  # type: ignore[attr-defined]
                _("about another person in the file") + (f" ({name})" if name else ""),
                item.where,  # type: ignore[attr-defined]
            )
        )
    return kept


def _first_of_each_key(items: list[T], plan: Plan) -> list[T]:
    seen: set[str] = set()
    kept = []
    for item in items:
        key: str = item.key  # type: ignore[attr-defined]
        if key in seen:
            plan.skipped.append(
                Skipped(
                    item.origin,  # type: ignore[attr-defined]
                    _("appears twice in the file; the first is kept"),
                    item.where,  # type: ignore[attr-defined]
                )
            )
            continue
        seen.add(key)
        kept.append(item)
    return kept


def _records(profile: Profile, keys: list[str]) -> dict[str, Known]:
    by_hash = {key_hash(key): key for key in keys}
    found: dict[str, Known] = {}
    for batch in _batches(list(by_hash), LOOKUP_BATCH):
        rows = ImportedRecord.objects.filter(profile_id=profile.pk, key_hash__in=batch)
        for hashed, pk, kind, object_uuid, content_hash in rows.values_list(
            "key_hash", "pk", "kind", "object_uuid", "content_hash"
        ):
            found[by_hash[hashed]] = Known(pk, kind, object_uuid, content_hash)
    return found


def _load_changed(profile: Profile, plan: Plan) -> None:
    """The entries behind changed keys, and which of their fields the source changed."""
    by_kind: dict[str, list[Change]] = defaultdict(list)
    for change in plan.changed:
        by_kind[change.item.kind].append(change)
    for slug, changes in by_kind.items():
        kind = KINDS[slug]
        entries = {
            entry.uuid: entry
            for entry in kind.queryset(profile).filter(
                uuid__in=[change.record.object_uuid for change in changes]
            )
        }
        for change in changes:
            entry = entries.get(change.record.object_uuid)
            if entry is None or entry.deleted_at is not None:
                continue  # deleted by the person: the source's news does not bring it back
            change.entry = entry
            change.fields = [
                name for name, value in change.item.values.items() if getattr(entry, name) != value
            ]


def _split_readings(profile: Profile, readings: list[Reading], plan: Plan) -> None:
    if not readings:
        return
    # A reading at the same moment of the same metric is already present,
    # whichever import brought it.
    metrics = {reading.metric for reading in readings}
    first = min(reading.at for reading in readings)
    last = max(reading.at for reading in readings)
    stored = set(
        Sample.objects.filter(
            profile_id=profile.pk, metric__in=metrics, at__gte=first, at__lte=last
        ).values_list("metric", "at")
    )
    seen: set[tuple[str, dt.datetime]] = set()
    for reading in readings:
        moment = (reading.metric, reading.at)
        if moment in stored or moment in seen:
            plan.present_readings += 1
        else:
            seen.add(moment)
            plan.new_readings.append(reading)


def _keepable(document: MappedDocument, plan: Plan) -> bool:
    """Whether a carried file is of a type documents keep (checked from its bytes)."""
    try:
        sniff(io.BytesIO(document.content))
    except ActionRefused as refusal:
        plan.skipped.append(Skipped(document.origin, refusal.message, document.where))
        return False
    return True


# Fitting values to the model: mappers say what the file says; the columns
# decide how much of it fits.


@dataclass(frozen=True)
class _Column:
    max_length: int | None
    choices: frozenset[str]
    default: Any
    is_text: bool


@cache
def _columns(slug: str) -> dict[str, _Column]:
    columns = {}
    for model_field in KINDS[slug].model._meta.concrete_fields:
        assert isinstance(model_field, models.Field)
        is_text = isinstance(model_field, models.CharField | models.TextField)
        columns[model_field.name] = _Column(
            max_length=model_field.max_length
            if isinstance(model_field, models.CharField)
            else None,
            choices=frozenset(str(value) for value, _label in model_field.choices or ()),
            default=model_field.get_default(),
            is_text=is_text,
        )
    return columns


NOT_FROM_IMPORTS = frozenset(
    {"id", "uuid", "profile", "source", "created_by", "updated_by", "version", "deleted_at"}
)


def _fit(item: MappedEntry, plan: Plan) -> bool:
    """Clip texts and check choices in place; False (and skipped) if the item is unusable."""
    if item.kind not in KINDS:
        plan.skipped.append(Skipped(item.origin, _("not a kind of entry MyHealthHub keeps")))
        return False
    columns = _columns(item.kind)
    values = item.values
    for name in list(values):
        column = columns.get(name)
        if column is None or name in NOT_FROM_IMPORTS:
            raise ValueError(f"{item.origin} mapped to unknown field {item.kind}.{name}")
        value = values[name]
        if column.is_text:
            value = "" if value is None else str(value).replace("\x00", "").strip()
            if column.max_length and len(value) > column.max_length:
                value = value[: column.max_length - 1] + "…"
            if column.choices and value and value not in column.choices:
                plan.warnings.append(
                    Problem(
                        _("“%(value)s” is not a known %(field)s; it was left out.")
                        % {"value": value[:50], "field": _field_label(item.kind, name)},
                        item.where,
                    )
                )
                value = column.default if isinstance(column.default, str) else ""
            values[name] = value
    if not values.get("display"):
        values["display"] = _("(no name)")
    if "codings" in values:
        codings = values["codings"] or []
        first = codings[0] if codings else {}
        values["code_system"] = str(first.get("system", ""))[:200]
        values["code"] = str(first.get("code", ""))[:100]
    return True


def _field_label(slug: str, name: str) -> str:
    return str(KINDS[slug].model_field(name).verbose_name)


def _content_hash(kind: str, values: dict[str, Any]) -> str:
    text = json.dumps([kind, values], sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def _batches(items: list[T], size: int) -> Iterator[list[T]]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


# The preview: what the page and the command line show before a commit.


def preview(plan: Plan, mapping: Mapping) -> dict[str, Any]:
    """The plan as plain data, stored on the job and shown to the person."""
    kinds: dict[str, dict[str, Any]] = {}

    def row(slug: str) -> dict[str, Any]:
        return kinds.setdefault(
            slug, {"kind": slug, "new": 0, "present": 0, "changed": 0, "examples": []}
        )

    for item in plan.new:
        _count(row(item.kind), "new", _example(item))
    for item in plan.present:
        row(item.kind)["present"] += 1
    for change in plan.changed:
        labels = ", ".join(capfirst(_field_label(change.item.kind, n)) for n in change.fields)
        _count(
            row(change.item.kind),
            "changed",
            f"{_example(change.item)} — {labels}" if labels else _example(change.item),
        )
    skipped: dict[tuple[str, str], dict[str, Any]] = {}
    for left_out in plan.skipped:
        group = skipped.setdefault(
            (left_out.origin, left_out.reason),
            {"origin": left_out.origin, "reason": left_out.reason, "count": 0, "examples": []},
        )
        group["count"] += 1
        if len(group["examples"]) < EXAMPLES:
            group["examples"].append(
                " — ".join(part for part in (left_out.example, left_out.where) if part)
            )
    return {
        "kinds": [kinds[slug] for slug in KINDS if slug in kinds],
        "documents": {
            "new": len(plan.new_documents),
            "present": len(plan.present_documents),
            "examples": [document.title or document.filename for document in plan.new_documents][
                :EXAMPLES
            ],
        },
        "readings": {
            "new": len(plan.new_readings),
            "present": plan.present_readings,
            "metrics": dict(Counter(reading.metric for reading in plan.new_readings)),
        },
        "skipped": sorted(skipped.values(), key=lambda group: -group["count"]),
        "skipped_count": len(plan.skipped),
        "warnings": [
            {"message": problem.message, "where": problem.where}
            for problem in plan.warnings[:MAX_WARNINGS]
        ],
        "warning_count": len(plan.warnings),
        "origins": accounting(plan, mapping),
        "sender": mapping.sender,
    }


def _count(row: dict[str, Any], column: str, example: str) -> None:
    row[column] += 1
    if len(row["examples"]) < EXAMPLES:
        row["examples"].append({"change": column, "text": example})


def _example(item: MappedEntry) -> str:
    date = item.values.get("date")
    return (
        f"{item.values.get('display', '')} ({date:%Y-%m-%d})"
        if date
        else str(item.values.get("display", ""))
    )


def accounting(plan: Plan, mapping: Mapping) -> dict[str, dict[str, int]]:
    """Per origin in the file: how many became entries, documents, were used or skipped."""
    origins: dict[str, dict[str, int]] = defaultdict(
        lambda: {"entries": 0, "documents": 0, "used": 0, "skipped": 0}
    )
    for item in _all_entries(plan):
        origins[item.origin]["entries"] += 1
    for document in [*plan.new_documents, *plan.present_documents]:
        origins[document.origin]["documents"] += 1
    for origin, count in mapping.used.items():
        origins[origin]["used"] += count
    for skipped in plan.skipped:
        origins[skipped.origin]["skipped"] += 1
    return dict(sorted(origins.items()))


def _all_entries(plan: Plan) -> Iterable[MappedEntry]:
    yield from plan.new
    yield from plan.present
    yield from (change.item for change in plan.changed)


# The person in the file and the person of the profile.


def patient_data(person: PatientFound) -> dict[str, Any]:
    return {
        "key": person.key,
        "given_name": person.given_name,
        "family_name": person.family_name,
        "birth": person.birth.isoformat() if person.birth else "",
        "sex": person.sex,
    }


def differs_from(profile: Profile, person: dict[str, Any]) -> bool:
    """Whether the file's person looks like someone other than the profile's.

    Names are compared folded (accents and case aside), the family name only
    when both have one; the birth date only when both have one.
    """
    given = fold(person["given_name"]).split()
    own_given = fold(profile.given_name).split()
    if given and own_given and given[0] != own_given[0]:
        return True
    family, own_family = fold(person["family_name"]), fold(profile.family_name)
    if family and own_family and family != own_family:
        return True
    birth, own_birth = person["birth"], profile.birth
    return bool(birth and own_birth and not own_birth.isoformat().startswith(birth[:10]))


def demographics(profile: Profile, person: dict[str, Any]) -> dict[str, Any]:
    """The profile fields the file would fill or change, with their new values."""
    offered: dict[str, Any] = {}
    for name in ("given_name", "family_name", "sex"):
        value = person.get(name) or ""
        if value and value != getattr(profile, name) and not (name == "sex" and value == "unknown"):
            offered[name] = value
    birth = person.get("birth") or ""
    if birth and (profile.birth is None or profile.birth.isoformat() != birth):
        offered["birth"] = birth
    return offered
