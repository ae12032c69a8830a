"""Checking an opened archive's rows before anything is written.

Every row is read and converted (``Archive.rows``), every reference from one
row to another must land inside the archive, every document's file must be
there, no two rows share a UUID (entries of different kinds included: a
link or a version names an entry by its UUID alone), and none of the
archive's UUIDs may already be in this instance: a second restore of the
same archive would otherwise mix two records.

``check_references`` is also what the writer runs on what it wrote, so that
an export never finishes as an archive that could not be restored.
"""

from __future__ import annotations

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
from myhealthhub.records.kinds import KIND_OF_MODEL

UUID_CHECK_BATCH = 500


@dataclass
class Checked:
    profile: dict[str, Any]
    # Per model that rows point to, the UUIDs the archive holds.
    declared: dict[type[models.Model], set[uuid.UUID]] = field(default_factory=dict)
    # Attributions to accounts other than the keeper's: left empty on restore.
    unlinked: int = 0
    documents: dict[str, str] = field(default_factory=dict)  # path in the archive: content type
    counts: Counter[str] = field(default_factory=Counter)


class References:
    """Which rows the rows read so far name, and which they point to."""

    def __init__(self) -> None:
        self.declared: dict[type[models.Model], set[uuid.UUID]] = {}
        self.pointed: dict[type[models.Model], set[uuid.UUID]] = {}
        self.where_pointed: dict[uuid.UUID, str] = {}
        self.entries: set[uuid.UUID] = set()

    def add(self, family: layout.Family, row: dict[str, Any], where: str) -> None:
        if family.keyed:
            own = row["uuid"]
            declared = self.declared.setdefault(family.model, set())
            entry = family.model in KIND_OF_MODEL
            # An entry's UUID must be unique across every kind, not just its own.
            if own in (self.entries if entry else declared):
                raise BadArchive(
                    _("This archive cannot be restored: two rows have the same UUID (%(where)s).")
                    % {"where": where}
                )
            declared.add(own)
            if entry:
                self.entries.add(own)
        for column in family.columns:
            value = row.get(column.name)
            if value is None or column.ref is not layout.Ref.ROW:
                continue
            target = value if isinstance(value, uuid.UUID) else _uuid(value, where)
            row[column.name] = target
            assert column.target is not None
            self.pointed.setdefault(column.target, set()).add(target)
            self.where_pointed.setdefault(target, where)

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
                    % {"where": self.where_pointed[next(iter(missing))]}
                )


def check(archive: Archive) -> Checked:
    everything = layout.families()
    profiles = list(archive.rows(everything[0]))
    if len(profiles) != 1:
        raise BadArchive(_("This archive does not hold exactly one profile."))
    checked = Checked(profile=profiles[0][1])
    references = References()
    keeper = archive.manifest.keeper
    for family in everything:
        columns = family.columns
        for number, row in archive.rows(family):
            where = place(family.path, number)
            references.add(family, row, where)
            for column in columns:
                value = row.get(column.name)
                if value is None:
                    continue
                if column.ref is layout.Ref.ACCOUNT:
                    if value.strip().lower() != keeper or not keeper:
                        checked.unlinked += 1
                elif column.ref is layout.Ref.FILE:
                    if not archive.has(value) or value in checked.documents:
                        raise BadArchive(
                            _(
                                "This archive cannot be restored: a document's file is missing "
                                "(%(where)s)."
                            )
                            % {"where": where}
                        )
                    checked.documents[value] = row["content_type"]
            checked.counts[_counted_as(family)] += 1
    references.check()
    checked.declared = references.declared
    _check_new_here(checked)
    return checked


def _counted_as(family: layout.Family) -> str:
    return "entries" if family.model in KIND_OF_MODEL else family.name


def _uuid(value: str, where: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        raise BadArchive(
            _("This archive cannot be restored: a reference is not valid (%(where)s).")
            % {"where": where}
        ) from None


def _check_new_here(checked: Checked) -> None:
    for model, uuids in checked.declared.items():
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
