"""What a MyHealthHub archive holds, described once from the models' own ``_meta``.

An archive is a zip::

    manifest.json                  format, version, whose (and its keeper's email),
                                   when, and the SHA-256 and size of every other file
    fhir/bundle.json               the FHIR R4 export, readable by anything else
    documents/<uuid>/<name>        every kept document, decrypted
    myhealthhub/<family>.jsonl     one JSON object per row of our own models

The JSON Lines files carry what FHIR cannot: every concrete column of every
row (UUIDs, date precisions, versions, history, device samples, days of
activity), deleted entries and documents included: they are still the
person's, and restorable.
Each row is an object whose keys are the model's field names; the row's
profile is implied, an account is named by its email, another row by its UUID,
and a document's sealed file by where its plaintext sits in the archive. A
change to a model that an older reader could not take raises ``VERSION``.

What an archive never carries, and why:

- How this instance keeps things: sealed files' names and keys (a document
  is carried as its plaintext and sealed again under the restoring instance's
  key), what is read from a document's bytes (its thumbnail, text and page
  count: read again on restore, as on upload), and an import's worker,
  heartbeat and pending folder (a worker's name and a storage path mean
  nothing in another instance, and on a restore would let an archive name
  another profile's files to the worker's sweep: ``NOT_CARRIED``).
- An import that was not finished when the archive was made is restored as
  failed: the worker that held it is not this instance's (``UNFINISHED_JOB``).
  Refusing such archives instead would make every export taken while an
  import waited for review unrestorable.
- Accounts. An archive names accounts by email, and an email says nothing
  about who holds that address in the restoring instance. The account that
  owned the profile when it was exported (the manifest's ``keeper``) becomes
  the restoring owner; every other attribution (a caregiver's edit, another
  account's upload) is left empty, and the restore says how many were.
  Linking by email would let an archive attribute rows to any account there,
  an administrator's included.
- The caregivers' grants: whom a person shares their record with is decided
  again in the new instance, by its owner, not carried in a file: an archive
  must never hand access to anyone. An archive restored over the profile it
  was made of (``--replace``) replaces the record and leaves the grants, the
  share links and the audit log as they are.
- The audit log: it records what accounts of the exporting instance did; an
  instance keeps its own (a restore is audited as one), and a file cannot be
  trusted to say what happened elsewhere.
- Invitations and share links, like grants: access is never carried.
- Search rows, export jobs and their results: derived or transient, rebuilt
  or made again (``EXCLUDED``; ``test_archive`` checks that every model that
  belongs to a profile is either archived or listed there).
"""

from __future__ import annotations

import datetime as dt
import enum
import functools
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import models
from django.db.models import QuerySet

from myhealthhub.accounts.models import User
from myhealthhub.audit.models import AuditEvent
from myhealthhub.documents.models import Document, DocumentLink, SealedFile
from myhealthhub.exports.models import ExportJob
from myhealthhub.imports.models import ImportedRecord, ImportJob, ImportOriginal, JobState
from myhealthhub.profiles.models import EmergencyContact, Grant, Profile
from myhealthhub.reconcile.models import Group, Member, Review
from myhealthhub.records.kinds import KINDS
from myhealthhub.records.models import (
    ActivityDay,
    ChosenMeasurement,
    DailySummary,
    DeviceOrder,
    EntryVersion,
    Sample,
    Source,
)
from myhealthhub.search.models import SearchItem

FORMAT = "myhealthhub-archive"
VERSION = 1
SUPPORTED_VERSIONS = frozenset({1})
MANIFEST = "manifest.json"
# One JSON line. Parsed, a line's objects and lists cost some twenty-five
# times their text (2 MiB of "{}," take 52 MB): lines are kept short, and
# nothing long is carried in a row (a document's text is read again).
MAX_LINE = 2 * 1024**2
FHIR_BUNDLE = "fhir/bundle.json"
FAMILY_FOLDER = "myhealthhub"


class Ref(enum.Enum):
    """How a column is written."""

    VALUE = "value"  # as itself (dates and times in ISO 8601, UUIDs as text)
    ACCOUNT = "account"  # a user account, by its email
    ROW = "row"  # another row of the archive, by its UUID
    FILE = "file"  # a sealed file, by the path of its plaintext in the archive


@dataclass(frozen=True)
class Column:
    field: models.Field[Any, Any]
    ref: Ref

    @property
    def name(self) -> str:
        return self.field.name

    @property
    def lookup(self) -> str:
        """What ``QuerySet.values`` asks for to write this column."""
        if self.ref is Ref.ACCOUNT:
            return f"{self.name}__email"
        if self.ref is Ref.ROW:
            return f"{self.name}__uuid"
        return self.field.attname

    @property
    def required(self) -> bool:
        """Whether every row must give it: nothing else could stand in for it on restore."""
        field = self.field
        if field.name == "uuid":
            return True  # how rows are named, and how a second restore is recognised
        if self.ref is Ref.ACCOUNT:
            return False  # left empty when not linked
        stamped = getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)
        return not (field.null or field.blank or field.has_default() or stamped)

    @property
    def target(self) -> type[models.Model] | None:
        related = self.field.related_model
        return related if isinstance(related, type) else None


# Rows of one profile, as the archive takes them.
Rows = Callable[[Profile], QuerySet[Any]]


@dataclass(frozen=True)
class Family:
    """One model's rows of a profile: one JSON Lines file."""

    name: str
    model: type[models.Model]
    rows: Rows

    @property
    def path(self) -> str:
        return f"{FAMILY_FOLDER}/{self.name}.jsonl"

    @property
    def columns(self) -> list[Column]:
        return columns_of(self.model)

    @property
    def keyed(self) -> bool:
        """Whether rows carry a UUID of their own (which must be new to an instance)."""
        return _keyed(self.model)


# Columns never written, and refused in an archive: how this instance keeps
# what the archive carries otherwise, or what names this instance's workers
# and storage. A restored row takes the field's default (empty).
NOT_CARRIED = frozenset(
    {
        (Document, "thumbnail"),  # drawn again from the document on restore
        # Read again from the document's bytes on restore, as on upload: the
        # text may be two million characters, far more than a line may hold.
        (Document, "text"),
        (Document, "text_state"),
        (Document, "page_count"),
        (ImportJob, "worker"),  # "host:pid" of a process of the exporting instance
        (ImportJob, "heartbeat_at"),  # when that process last said so
        (ImportJob, "pending_folder"),  # a storage path, swept by the worker at start
    }
)
_LEFT_OUT = NOT_CARRIED

# What an unfinished import becomes on restore (see the module's docstring).
UNFINISHED_JOB = JobState.FAILED

# Models that belong to a profile but are deliberately not archived. Apps above
# the archive add theirs from their ready() through leave_out().
EXCLUDED: set[type[models.Model]] = {Grant, AuditEvent, SealedFile, SearchItem, ExportJob}


def leave_out(*found: type[models.Model]) -> None:
    """Models of an app above the archive that it must not carry."""
    EXCLUDED.update(found)


@functools.cache
def _keyed(model: type[models.Model]) -> bool:
    return any(field.name == "uuid" for field in model._meta.concrete_fields)


# Worked out once per model: a family's rows ask for them row by row. Not to be changed.
@functools.cache
def columns_of(model: type[models.Model]) -> list[Column]:
    found = []
    for field in model._meta.concrete_fields:
        if field.primary_key or (model, field.name) in _LEFT_OUT:
            continue
        related = field.related_model
        if related is None:
            found.append(Column(field, Ref.VALUE))
        elif related is Profile:
            continue  # the profile the archive is of
        elif related is User:
            found.append(Column(field, Ref.ACCOUNT))
        elif related is SealedFile:
            found.append(Column(field, Ref.FILE))
        else:
            assert isinstance(related, type) and any(
                other.name == "uuid" for other in related._meta.concrete_fields
            ), f"{model.__name__}.{field.name} points to rows the archive cannot name"
            found.append(Column(field, Ref.ROW))
    return found


def _of_profile(model: type[models.Model]) -> Rows:
    return lambda profile: model._default_manager.filter(profile_id=profile.pk)


def _entries_of(slug: str) -> Family:
    kind = KINDS[slug]
    return Family(f"entries-{slug}", kind.model, kind.queryset)


def families() -> list[Family]:
    """Every family, in the order a restore writes them: what is pointed to comes first."""
    return [
        Family("profile", Profile, lambda profile: Profile.objects.filter(pk=profile.pk)),
        Family("emergency-contacts", EmergencyContact, _of_profile(EmergencyContact)),
        Family("sources", Source, _of_profile(Source)),
        *(_entries_of(slug) for slug in KINDS),
        Family("entry-versions", EntryVersion, _of_profile(EntryVersion)),
        # What states the same thing, and the reviews of where sources disagree.
        Family("groups", Group, _of_profile(Group)),
        Family("group-members", Member, _of_profile(Member)),
        Family(
            "group-reviews", Review, lambda profile: Review.objects.filter(group__profile=profile)
        ),
        Family("documents", Document, _of_profile(Document)),
        Family(
            "document-links",
            DocumentLink,
            lambda profile: DocumentLink.objects.filter(profile_id=profile.pk),
        ),
        Family("import-jobs", ImportJob, _of_profile(ImportJob)),
        Family("import-originals", ImportOriginal, _of_profile(ImportOriginal)),
        Family("imported-records", ImportedRecord, _of_profile(ImportedRecord)),
        Family("samples", Sample, _of_profile(Sample)),
        Family("daily-summaries", DailySummary, _of_profile(DailySummary)),
        Family("activity-days", ActivityDay, _of_profile(ActivityDay)),
        Family("device-order", DeviceOrder, _of_profile(DeviceOrder)),
        Family("measurement-choices", ChosenMeasurement, _of_profile(ChosenMeasurement)),
    ]


def encode(value: Any) -> Any:
    """``json.dumps``'s ``default``: what JSON has no type for, as ISO 8601 or text."""
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not written into archives")
