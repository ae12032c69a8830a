"""Checking an archive's rows: what the restore checks as it writes, and the writer as it reads.

Every row is read and converted (``Archive.rows``), every reference from one
row to another must land inside the archive, every document's file must be
there, no two rows share a UUID (entries of different kinds included: a
link or a version names an entry by its UUID alone), and none of the
archive's UUIDs may already be in this instance: a second restore of the
same archive would otherwise mix two records.

``look_ahead`` reads what must be known before the restore's transaction
(the profile, and which files are documents, to seal them ahead of it);
``Checker`` checks every row as the restore writes it, in the same pass,
inside its transaction, so that anything wrong rolls everything back.
``References`` is also what the writer runs on what it wrote, so that an
export never finishes as an archive that could not be restored.
"""

from __future__ import annotations

import functools
import uuid
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

from django.db import models
from django.utils.translation import gettext as _

from myhealthhub.archive import layout
from myhealthhub.archive.reading import Archive, BadArchive, place
from myhealthhub.profiles.models import Profile
from myhealthhub.records.kinds import KIND_OF_MODEL

UUID_CHECK_BATCH = 1000
# A row's UUID: a UUID, or its canonical text (References.as_text).
Key = uuid.UUID | str


@dataclass
class Checked:
    profile: dict[str, Any]
    # Attributions to accounts other than the keeper's: left empty on restore.
    unlinked: int = 0
    documents: dict[str, str] = field(default_factory=dict)  # path in the archive: content type
    counts: Counter[str] = field(default_factory=Counter)


@dataclass(frozen=True)
class _Plan:
    """What checking a model's rows needs to know, worked out once per model."""

    keyed: bool
    entry: bool
    pointing: tuple[tuple[str, type[models.Model]], ...]  # (column, model pointed to)


@functools.cache
def _plan(model: type[models.Model]) -> _Plan:
    return _Plan(
        keyed=any(field.name == "uuid" for field in model._meta.concrete_fields),
        entry=model in KIND_OF_MODEL,
        pointing=tuple(
            (column.name, column.target)
            for column in layout.columns_of(model)
            if column.ref is layout.Ref.ROW and column.target is not None
        ),
    )


def _where(path: str, line: int) -> str:
    return place(path, line) if line else path


class References:
    """Which rows the rows read so far name, and which they point to."""

    def __init__(self, *, as_text: bool = False) -> None:
        # UUIDs as UUID objects (a restore, which looks rows up by them), or
        # ``as_text`` as the canonical text they were given in (the writer's).
        self.as_text = as_text
        self.declared: dict[type[models.Model], set[Key]] = {}
        self.pointed: dict[type[models.Model], set[Key]] = {}
        # Where each target was first named: (file, line), made text only if it is missing.
        self.where_pointed: dict[Key, tuple[str, int]] = {}
        self.entries: set[Key] = set()
        self.parsed: dict[str, uuid.UUID] = {}

    def add(self, family: layout.Family, row: dict[str, Any], path: str, line: int = 0) -> None:
        """Note the row's UUID and references; ``row``'s references become UUIDs (not as_text)."""
        plan = _plan(family.model)
        if plan.keyed:
            own = row["uuid"]
            declared = self.declared.setdefault(family.model, set())
            # An entry's UUID must be unique across every kind, not just its own.
            if own in (self.entries if plan.entry else declared):
                raise BadArchive(
                    _("This archive cannot be restored: two rows have the same UUID (%(where)s).")
                    % {"where": _where(path, line)}
                )
            declared.add(own)
            if plan.entry:
                self.entries.add(own)
        for name, model in plan.pointing:
            value = row.get(name)
            if value is None:
                continue
            target: Key = value
            if not (self.as_text or isinstance(value, uuid.UUID)):
                # Many rows name the same few (their source, their group): parsed once each.
                parsed = self.parsed.get(value)
                if parsed is None:
                    parsed = self.parsed[value] = _uuid(value, path, line)
                target = row[name] = parsed
            pointed = self.pointed.get(model)
            if pointed is None:
                pointed = self.pointed[model] = set()
            if target not in pointed:
                pointed.add(target)
                self.where_pointed.setdefault(target, (path, line))

    def check(self) -> None:
        """BadArchive if a row points to one that is not there."""
        for model, targets in self.pointed.items():
            missing = targets - self.declared.get(model, set())
            if missing:
                raise BadArchive(
                    _(
                        "This archive cannot be restored: a row points to another that is "
                        "not in the archive (%(where)s)."
                    )
                    % {"where": _where(*self.where_pointed[next(iter(missing))])}
                )


def look_ahead(archive: Archive, *, replacing: Profile | None = None) -> Checked:
    """What the restore needs before its transaction: the profile, and the documents' files.

    The profile's UUID is checked to be new here, so that what its folder
    holds can only be left over from a killed restore (see ``restoring``);
    or, when the archive replaces a profile's record, to be that profile's.
    """
    everything = layout.families()
    profiles = list(archive.rows(everything[0]))
    if len(profiles) != 1:
        raise BadArchive(_("This archive does not hold exactly one profile."))
    checked = Checked(profile=profiles[0][1])
    if replacing is None:
        _check_new_here(everything[0].model, [checked.profile["uuid"]])
    elif str(checked.profile["uuid"]) != str(replacing.uuid):
        raise BadArchive(
            _("This archive is of another profile than %(name)s: nothing was replaced.")
            % {"name": replacing.name}
        )
    documents = next(family for family in everything if family.name == "documents")
    files = [column.name for column in documents.columns if column.ref is layout.Ref.FILE]
    for number, row in archive.rows(documents):
        for name in files:
            value = row.get(name)
            if value is None:
                continue
            if not archive.has(value) or value in checked.documents:
                raise BadArchive(
                    _("This archive cannot be restored: a document's file is missing (%(where)s).")
                    % {"where": place(documents.path, number)}
                )
            checked.documents[value] = row["content_type"]
    return checked


class Checker:
    """The checks of every row, as the restore writes them (see the module's docstring)."""

    def __init__(self, checked: Checked, keeper: str) -> None:
        self.checked = checked
        self.keeper = keeper
        self.references = References()

    def batch(self, family: layout.Family, rows: list[tuple[int, dict[str, Any]]]) -> None:
        """Check a batch of a family's rows before they are written."""
        for number, row in rows:
            self.references.add(family, row, family.path, number)
        if family.keyed:
            _check_new_here(family.model, [row["uuid"] for _number, row in rows])
        self.checked.counts[_counted_as(family)] += len(rows)

    def account(self, value: str | None) -> bool:
        """Whether an attribution goes to the keeper; counted as unlinked if not."""
        if value is None:
            return False
        if self.keeper and value.strip().lower() == self.keeper:
            return True
        self.checked.unlinked += 1
        return False

    def finish(self) -> None:
        """Once every row is written: BadArchive if one pointed to a row that is not there."""
        self.references.check()


def _counted_as(family: layout.Family) -> str:
    return "entries" if family.model in KIND_OF_MODEL else family.name


def _uuid(value: str, path: str, line: int) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        raise BadArchive(
            _("This archive cannot be restored: a reference is not valid (%(where)s).")
            % {"where": _where(path, line)}
        ) from None


def _check_new_here(model: type[models.Model], uuids: list[uuid.UUID]) -> None:
    for batch in batches(uuids, UUID_CHECK_BATCH):
        if model._default_manager.filter(uuid__in=batch).exists():
            raise BadArchive(
                _(
                    "This archive's profile is already in this MyHealthHub (some of its "
                    "records are here already), so nothing was restored. Delete that "
                    "profile first to restore the archive in its place."
                )
            )


def batches(rows: Iterable[Any], size: int) -> Iterator[list[Any]]:
    iterator = iter(rows)
    while batch := list(islice(iterator, size)):
        yield batch
