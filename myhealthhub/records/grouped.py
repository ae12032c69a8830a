"""Which entries state the same thing, as an app above records tells: one line per thing.

Records keeps one row per statement. The overview and the summary list one
line per medicine, allergy or problem however many sources state it, named
as most of them name it and marked when they disagree. Which entries are one
thing is reconcile's to say, an app above this one: it fills a
:class:`Grouping` through the :data:`grouping` hook. Without it every entry
is a thing of its own.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TypeVar

from myhealthhub.lib.hooks import Hook
from myhealthhub.profiles.models import Profile
from myhealthhub.records.models import Entry

E = TypeVar("E", bound=Entry)


@dataclass
class Grouping:
    """Which entries state the same thing, as the :data:`grouping` hook filled it in."""

    # Only these entries are asked about (a page's few rows); None for all of the profile's.
    only: frozenset[uuid.UUID] | None = None
    # Each grouped entry's group, and how many sources state that group.
    group_of: dict[uuid.UUID, int] = field(default_factory=dict)
    sources: dict[int, int] = field(default_factory=dict)
    # The groups whose sources disagree, unreviewed.
    disputed: set[int] = field(default_factory=set)
    # Each group stated more than once by the name most of its sources give it.
    names: dict[int, str] = field(default_factory=dict)

    def name_of(self, entry: Entry) -> str:
        group = self.group_of.get(entry.uuid)
        return self.names.get(group, entry.display) if group is not None else entry.display

    def to_verify(self, entry: Entry) -> bool:
        return self.group_of.get(entry.uuid) in self.disputed

    def sources_of(self, entry: Entry) -> int:
        group = self.group_of.get(entry.uuid)
        return self.sources.get(group, 1) if group is not None else 1

    def one_per_group(self, entries: list[E]) -> list[E]:
        """The first of each group's entries, in order."""
        seen: set[object] = set()
        kept = []
        for entry in entries:
            group = self.group_of.get(entry.uuid, entry.uuid)
            if group not in seen:
                seen.add(group)
                kept.append(entry)
        return kept


@dataclass(frozen=True)
class Listed:
    """One line of a folded list: the statement shown, and the thing it is one of."""

    entry: Entry
    name: str
    sources: int
    to_verify: bool


def folded(profile: Profile, entries: list[E], most: int) -> list[Listed]:
    """``entries`` one line per thing, in their order, at most ``most`` lines."""
    return lines_of(grouping_of(profile, entries), entries, most)


def lines_of(found: Grouping, entries: list[E], most: int) -> list[Listed]:
    """``entries`` one line per thing as ``found`` groups them (one grouping for several lists)."""
    return [
        Listed(entry, found.name_of(entry), found.sources_of(entry), found.to_verify(entry))
        for entry in found.one_per_group(entries)[:most]
    ]


# (profile, grouping to fill): reconcile answers it in its ready().
grouping: Hook[[Profile, Grouping]] = Hook("records.grouping")


def grouping_of(profile: Profile, entries: Iterable[Entry] | None = None) -> Grouping:
    """The groups of ``entries`` (of all the profile's grouped entries if None)."""
    found = Grouping(only=None if entries is None else frozenset(e.uuid for e in entries))
    grouping(profile, found)
    return found
