"""A profile's groups read whole: their statements, sources and conflicts.

What pages, the summary, the command line and the tests all read. A fixed
number of queries whatever the number of groups: the members, one query per
kind for their entries, the reviews, and the "no known allergies" statements.
"""

from __future__ import annotations

import uuid
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from myhealthhub.profiles.models import Profile
from myhealthhub.reconcile.differences import Conflict, conflicts
from myhealthhub.reconcile.keys import RECONCILED
from myhealthhub.reconcile.models import Group, Member, Review
from myhealthhub.records.kinds import KINDS
from myhealthhub.records.models import Entry, Source
from myhealthhub.records.models.base import NEWEST_FIRST
from myhealthhub.search.text import fold


@dataclass
class GroupView:
    group: Group
    # Its statements, newest first: the first is the one lists show.
    entries: list[Entry]
    members: dict[uuid.UUID, Member]
    conflicts: list[Conflict] = field(default_factory=list)

    @property
    def kind(self) -> str:
        return self.group.kind

    @property
    def latest(self) -> Entry:
        return self.entries[0]

    @property
    def label(self) -> str:
        """The name most of its sources give it (the newest's among equals)."""
        counts = Counter(_words(entry.display) for entry in self.entries)
        best = max(counts.values())
        return next(
            entry.display for entry in self.entries if counts[_words(entry.display)] == best
        )

    @property
    def sources(self) -> list[Source]:
        seen: dict[int, Source] = {}
        for entry in self.entries:
            seen.setdefault(entry.source_id, entry.source)
        return list(seen.values())

    @property
    def codes(self) -> list[str]:
        return sorted(
            {
                f"{coding.get('system', '')}|{coding.get('code', '')}"
                for entry in self.entries
                for coding in entry.codings or []
                if isinstance(coding, dict) and coding.get("code")
            }
        )

    @property
    def open_conflicts(self) -> list[Conflict]:
        return [conflict for conflict in self.conflicts if conflict.open]

    def member(self, entry: Entry) -> Member:
        return self.members[entry.uuid]


def groups_of(
    profile: Profile,
    kinds: Iterable[str] = RECONCILED,
    *,
    entry_uuids: Iterable[uuid.UUID] | None = None,
    group_uuids: Iterable[uuid.UUID] | None = None,
) -> list[GroupView]:
    """The profile's groups of ``kinds``; only those of some entries, or some groups, if given."""
    kinds = list(kinds)
    members = Member.objects.filter(profile_id=profile.pk, kind__in=kinds).select_related("group")
    if entry_uuids is not None:
        theirs = Member.objects.filter(profile_id=profile.pk, entry_uuid__in=list(entry_uuids))
        members = members.filter(group_id__in=theirs.values("group_id"))
    if group_uuids is not None:
        members = members.filter(group__uuid__in=list(group_uuids))
    by_group: dict[int, list[Member]] = defaultdict(list)
    for member in members:
        by_group[member.group_id].append(member)
    wanted = {member.kind for grouped in by_group.values() for member in grouped}
    entries: dict[uuid.UUID, Entry] = {}
    for slug in wanted:
        # A subquery, not a list of UUIDs: a long record's list would be too many parameters.
        chosen = members.filter(kind=slug).values("entry_uuid")
        rows = KINDS[slug].queryset(profile).alive().filter(uuid__in=chosen)
        entries.update(
            (entry.uuid, entry) for entry in rows.select_related("source").order_by(*NEWEST_FIRST)
        )
    reviews: dict[int, list[Review]] = defaultdict(list)
    in_groups = Review.objects.filter(group_id__in=members.values("group_id"))
    for review in in_groups.select_related("reviewed_by"):
        reviews[review.group_id].append(review)
    nothing_known = _nothing_known(profile) if "allergies" in wanted else []
    order = {entry_uuid: at for at, entry_uuid in enumerate(entries)}
    views = []
    for group_id, grouped in by_group.items():
        alive = sorted(
            (m for m in grouped if m.entry_uuid in entries), key=lambda m: order[m.entry_uuid]
        )
        if not alive:
            continue
        group = grouped[0].group
        statements = [entries[m.entry_uuid] for m in alive]
        view = GroupView(group, statements, {m.entry_uuid: m for m in alive})
        view.conflicts = conflicts(group.kind, statements, reviews.get(group_id, []), nothing_known)
        views.append(view)
    views.sort(key=lambda view: (RECONCILED.index(view.kind), order[view.latest.uuid]))
    return views


def _words(text: str) -> str:
    return " ".join(fold(text).split())


def _nothing_known(profile: Profile) -> list[Entry]:
    return list(KINDS["no-known-allergies"].queryset(profile).alive().select_related("source"))
