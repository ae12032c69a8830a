"""Where other pages say "to verify with your clinician": the summary and the overview.

Both read what each group keeps of itself (grouping.refresh): its name, its
number of sources and its unsettled disagreements, never every statement.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import QuerySet

from myhealthhub.profiles.models import Profile
from myhealthhub.profiles.overview import Section, overview_section
from myhealthhub.reconcile.differences import label_of
from myhealthhub.reconcile.listing import FOLDED
from myhealthhub.reconcile.models import Group, Member
from myhealthhub.records.grouped import Grouping


def disputed(profile: Profile, kinds: frozenset[str] | tuple[str, ...] = FOLDED) -> QuerySet[Group]:
    """The groups whose sources disagree on something no review has settled."""
    return (
        Group.objects.filter(profile_id=profile.pk, kind__in=list(kinds))
        .exclude(open_fields=[])
        .order_by("kind", "label")
    )


def fill_grouping(profile: Profile, grouping: Grouping) -> None:
    """The records' hook: each entry's group, its name and sources, and what is to verify."""
    members = Member.objects.filter(kind__in=FOLDED)
    if grouping.only is None:
        members = members.filter(profile_id=profile.pk)
    else:
        # A page's few rows: their groups alone, not the whole record's. Found
        # by kind and entry, the one index that finds each; named with the
        # profile too, SQLite (without statistics) would walk every member of
        # the profile instead. The profile is checked on each row.
        members = members.filter(entry_uuid__in=list(grouping.only))
    # One query: each member with what its group keeps of itself (standing.py).
    rows = members.values_list(
        "profile_id",
        "entry_uuid",
        "group_id",
        "group__label",
        "group__sources",
        "group__open_fields",
    )
    for profile_id, entry_uuid, group_id, label, sources, fields in rows:
        if profile_id != profile.pk:
            continue
        grouping.group_of[entry_uuid] = group_id
        if sources > 1:
            grouping.names[group_id] = label
            grouping.sources[group_id] = sources
        if fields:
            grouping.disputed.add(group_id)


@dataclass(frozen=True)
class Disputed:
    group: Group
    # What its sources disagree on, in the reader's words: "how often, status".
    fields: list[str]


def to_verify_in(profile: Profile, kinds: Iterable[str] = FOLDED) -> list[Disputed]:
    return [
        Disputed(group, [label_of(field) for field in group.open_fields])
        for group in disputed(profile, tuple(kinds))
    ]


@overview_section(5)
def to_verify(profile: Profile) -> Section:
    return Section("reconcile/overview.html", {"disputed": to_verify_in(profile)})
