"""Lists of medicines, allergies, problems and vaccines: one row per group, not per statement.

A list keeps its own order and filters; of each group it shows the first
statement that order reaches, with how many sources state it and whether a
disagreement waits to be verified.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TypeVar

from myhealthhub.profiles.models import Profile
from myhealthhub.reconcile.models import Group, Member
from myhealthhub.records.models import Entry

# Lists folded to one row per group.
FOLDED = frozenset({"medications", "allergies", "conditions", "immunizations"})
# Lists folded page by page: a device's hundred thousand results are paged by
# the database, not read whole to fold. Two sources' statements of one result
# are of the same moment, so they sort side by side and meet on one page.
FOLDED_BY_PAGE = frozenset({"results"})


@dataclass(frozen=True)
class GroupRow:
    group: Group
    sources: int
    to_verify: bool


def first_of_each_group(
    profile: Profile, kind: str, ordered: Iterable[uuid.UUID]
) -> list[uuid.UUID]:
    """The entries, in the list's order, without the later statements of a group already listed."""
    group_of = dict(
        Member.objects.filter(profile_id=profile.pk, kind=kind).values_list(
            "entry_uuid", "group_id"
        )
    )
    seen: set[int | uuid.UUID] = set()
    first = []
    for entry_uuid in ordered:
        group = group_of.get(entry_uuid, entry_uuid)
        if group not in seen:
            seen.add(group)
            first.append(entry_uuid)
    return first


def group_rows(
    profile: Profile, kind: str, entry_uuids: list[uuid.UUID]
) -> dict[uuid.UUID, GroupRow]:
    """Each listed entry's group, its number of sources and whether it has an open conflict."""
    # By kind and entry, the one index that finds each: named with the profile
    # too, SQLite (without statistics) would walk every member of the profile.
    members = Member.objects.filter(kind=kind, entry_uuid__in=entry_uuids).select_related("group")
    return {
        member.entry_uuid: GroupRow(
            member.group, member.group.sources, bool(member.group.open_fields)
        )
        for member in members
        if member.profile_id == profile.pk
    }


E = TypeVar("E", bound=Entry)


def one_row_per_group(rows: list[E], in_groups: dict[uuid.UUID, GroupRow]) -> list[E]:
    """A page's rows without the later statements of a group already on it."""
    seen: set[int] = set()
    kept = []
    for row in rows:
        grouped = in_groups.get(row.uuid)
        if grouped is None or grouped.group.pk not in seen:
            kept.append(row)
            if grouped is not None:
                seen.add(grouped.group.pk)
    return kept
