"""Groups kept in step with the entries, in the same transaction as every write.

Records call their hooks (records/changes.py) for every import commit,
manual add, edit, delete and restore; this module places each entry named
there, and only those, in a group (keys.py says which). A profile's members
of one kind are read once per call, as plain rows, so one import's update
costs a query or two whatever the profile's size. A member placed by hand
stays where the person put it.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import NamedTuple

from myhealthhub.lib import bulk
from myhealthhub.profiles.models import Profile
from myhealthhub.reconcile.keys import RECONCILED, Identity, identity
from myhealthhub.reconcile.models import Group, How, Member
from myhealthhub.reconcile.standing import refresh
from myhealthhub.records import overview_cache
from myhealthhub.records.kinds import KINDS
from myhealthhub.records.models import Entry

# Two statements of one vaccine this close are one dose: a clinic and a
# portal often date the same shot a few days apart.
SAME_DOSE_WITHIN = dt.timedelta(days=14)
BATCH = 2000
# Values in one IN (…): under the 999 parameters older SQLite builds allow.
LOOKUP = 900


def entries_saved(slug: str, entries: Iterable[Entry]) -> None:
    """Place entries just written (deleted ones leave their group); refresh their groups."""
    by_profile: dict[int, list[Entry]] = defaultdict(list)
    for entry in entries:
        by_profile[entry.profile_id].append(entry)
    if slug == "no-known-allergies":
        # Every allergy now stands against it, or no longer does.
        for profile_id in by_profile:
            refresh(profile_id, Group.objects.filter(profile_id=profile_id, kind="allergies"))
        return
    if slug not in RECONCILED:
        return
    for profile_id, written in by_profile.items():
        changed: set[int] = set()
        for start in range(0, len(written), BATCH):
            changed |= _place(profile_id, slug, written[start : start + BATCH])
        refresh(profile_id, Group.objects.filter(pk__in=changed))


def entry_removed(profile_id: int, entry_uuid: uuid.UUID) -> None:
    """An entry purged for good leaves its group."""
    left = list(
        Member.objects.filter(profile_id=profile_id, entry_uuid=entry_uuid).values_list(
            "group_id", flat=True
        )
    )
    Member.objects.filter(profile_id=profile_id, entry_uuid=entry_uuid).delete()
    _drop_empty(left)
    refresh(profile_id, Group.objects.filter(pk__in=left))


def rebuild(profile: Profile) -> int:
    """Every group of the profile made again from its entries; returns how many there are.

    Members a person placed by hand keep their place; everything else is
    matched afresh, as if every entry had just been imported.
    """
    Member.objects.filter(profile_id=profile.pk).exclude(how__in=(How.HAND, How.APART)).delete()
    Group.objects.filter(profile_id=profile.pk, members__isnull=True).delete()
    for slug in RECONCILED:
        alive = KINDS[slug].queryset(profile).alive().order_by("pk")
        batch: list[Entry] = []
        for entry in alive.iterator(chunk_size=BATCH):
            batch.append(entry)
            if len(batch) == BATCH:
                _place(profile.pk, slug, batch)
                batch = []
        if batch:
            _place(profile.pk, slug, batch)
    refresh(profile.pk, Group.objects.filter(profile_id=profile.pk))
    # Groups changed here without the records hooks: the overview's kept panels go too.
    overview_cache.forget([profile.pk])
    return Group.objects.filter(profile_id=profile.pk).count()


def place_missing(profile: Profile) -> None:
    """Place the entries that are in no group: a restored archive made before groups were."""
    for slug in RECONCILED:
        grouped = Member.objects.filter(profile_id=profile.pk, kind=slug).values("entry_uuid")
        alone = KINDS[slug].queryset(profile).alive().exclude(uuid__in=grouped).order_by("pk")
        entries_saved(slug, alone.iterator(chunk_size=BATCH))
    overview_cache.forget([profile.pk])


@dataclass
class _Index:
    """The groups of one profile and kind, by the keys and names of their members."""

    doses: bool
    by_key: dict[str, list[Group]] = field(default_factory=lambda: defaultdict(list))
    by_name: dict[str, list[Group]] = field(default_factory=lambda: defaultdict(list))
    # The code systems of each group's keys ("snomed", "icd10"), by id() of the group.
    systems: dict[int, set[str]] = field(default_factory=lambda: defaultdict(set))
    days: dict[int, list[dt.date]] = field(default_factory=lambda: defaultdict(list))
    undated: dict[int, int] = field(default_factory=lambda: defaultdict(int))

    def add(self, member: Member | _Known, group: Group) -> None:
        if member.key and group not in self.by_key[member.key]:
            self.by_key[member.key].append(group)
            self.systems[id(group)].add(_system(member.key))
        if group not in self.by_name[member.name_key]:
            self.by_name[member.name_key].append(group)
        if member.day is not None:
            self.days[id(group)].append(member.day)
        else:
            self.undated[id(group)] += 1

    def find(self, said: Identity) -> tuple[Group, How] | None:
        """The group the statement joins: by its key, else by its name; None for a new one.

        By name, a keyed statement joins only a group with no key of its own
        code system: two different SNOMED concepts are never one problem,
        whatever they are called.
        """
        if said.key:
            candidates = self._same_dose(said, self.by_key.get(said.key, []))
            if candidates:
                return candidates[0], How.CODE if said.coded else How.NAME
        system = _system(said.key) if said.key else ""
        named = [
            group
            for group in self.by_name.get(said.name_key, [])
            if not system or system not in self.systems[id(group)]
        ]
        candidates = self._same_dose(said, named)
        return (candidates[0], How.NAME) if candidates else None

    def _same_dose(self, said: Identity, groups: list[Group]) -> list[Group]:
        """The groups the statement may join: for a vaccine, those of the same dose.

        An undated statement of a vaccine cannot say which dose it is: it
        joins only other undated ones. A dated one joins a group whose every
        dated statement is within SAME_DOSE_WITHIN of it. Either way the
        groups come out the same whatever order the statements came in.
        """
        if not self.doses:
            return groups
        if said.day is None:
            return [group for group in groups if not self.days[id(group)]]
        return [
            group
            for group in groups
            if self.days[id(group)]
            and not self.undated[id(group)]
            and all(abs(day - said.day) <= SAME_DOSE_WITHIN for day in self.days[id(group)])
        ]


def _place(profile_id: int, slug: str, entries: list[Entry]) -> set[int]:
    """Put each entry in its group; the groups whose statements changed, to refresh."""
    said = {entry.uuid: identity(slug, entry) for entry in entries if entry.deleted_at is None}
    gone = {entry.uuid for entry in entries if entry.deleted_at is not None}
    own, others = _members_near(profile_id, slug, entries, said.values())
    groups: dict[int, Group] = {}
    current = {member.entry_uuid: member for member in own}
    index = _Index(doses=slug == "immunizations")
    statements: list[Member | _Known] = [*own, *others]
    for member in sorted(statements, key=lambda each: each.group_id):
        if member.entry_uuid in gone:
            continue
        now = said.get(member.entry_uuid)
        if now is None or member.by_hand or _same_keys(member, now):
            index.add(member, groups.setdefault(member.group_id, Group(pk=member.group_id)))

    leaving = [current[key] for key in gone if key in current]
    touched = {member.group_id for member in leaving}
    moved: list[Member] = []
    made: list[Member] = []
    new_groups: list[Group] = []
    for entry in entries:
        now = said.get(entry.uuid)
        placed = current.get(entry.uuid)
        if now is None or (placed is not None and _same_keys(placed, now)):
            continue
        if placed is not None and placed.by_hand:
            # Where the person put it; its keys follow the edit.
            placed.key, placed.name_key, placed.day = now.key, now.name_key, now.day
            moved.append(placed)
            continue
        found = index.find(now)
        if found is None:
            # Alone, it stands as its one statement says: named so, one source, no conflict.
            group = Group(
                profile_id=profile_id,
                kind=slug,
                key=now.key or now.name_key,
                label=entry.display[:500],
            )
            how = How.ALONE
            new_groups.append(group)
        else:
            group, how = found
        if placed is None:
            member = Member(profile_id=profile_id, kind=slug, entry_uuid=entry.uuid)
            made.append(member)
        else:
            member = placed
            touched.add(member.group_id)
            moved.append(member)
        member.group = group
        member.key, member.name_key, member.day = now.key, now.name_key, now.day
        member.how, member.detail = how, now.detail if how != How.ALONE else ""
        index.add(member, group)

    if new_groups:
        # Their keys are taken first, so the new members can point to them.
        for group, pk in zip(new_groups, bulk.reserve_ids(Group, len(new_groups)), strict=True):
            group.pk = pk
        bulk.insert_with_ids(Group, new_groups)
    if leaving:
        Member.objects.filter(pk__in=[member.pk for member in leaving]).delete()
    if moved:
        for member in moved:
            member.group_id = member.group.pk
        Member.objects.bulk_update(
            moved, ["group", "key", "name_key", "day", "how", "detail"], batch_size=BATCH
        )
    if made:
        for member in made:
            member.group_id = member.group.pk
        bulk.insert(Member, made)
    _drop_empty(touched)
    # Their own groups too: an edit that leaves an entry in place may change what it says.
    held = {current[key].group_id for key in said if key in current}
    joined = Counter(member.group_id for member in [*made, *moved])
    alone = {group.pk for group in new_groups if joined[group.pk] == 1}
    return touched | held | (set(joined) - alone)


class _Known(NamedTuple):
    """Another statement of a group the written entries may join, as the index needs it."""

    group_id: int
    entry_uuid: uuid.UUID
    key: str
    name_key: str
    day: dt.date | None
    how: str

    @property
    def by_hand(self) -> bool:
        return self.how in {How.HAND, How.APART}


def _members_near(
    profile_id: int, slug: str, entries: list[Entry], said: Iterable[Identity]
) -> tuple[list[Member], list[_Known]]:
    """The written entries' own members, and the statements of the groups they may meet.

    Only groups sharing a key or a name, not every member of the kind: an
    import into a record of 100,000 results reads a few rows per result it
    brings. The others as plain rows: a medicine stated 300 times is 300
    tuples, not 300 objects.
    """
    keys = sorted({each.key for each in said if each.key})
    names = sorted({each.name_key for each in said})
    uuids = [entry.uuid for entry in entries]
    near = Member.objects.filter(profile_id=profile_id, kind=slug)
    # By kind and entry, the one index that finds each (the entries are this
    # profile's): named with the profile too, SQLite (without statistics)
    # would walk every member of the profile through another index.
    mine = Member.objects.filter(kind=slug)
    own: list[Member] = []
    for start in range(0, len(uuids), LOOKUP):
        found = mine.filter(entry_uuid__in=uuids[start : start + LOOKUP])
        own.extend(member for member in found if member.profile_id == profile_id)
    # Whole groups: a group's other statements tell which dose or system it is.
    groups = {member.group_id for member in own}
    for column, values in (("key", keys), ("name_key", names)):
        for start in range(0, len(values), LOOKUP):
            chunk = values[start : start + LOOKUP]
            groups.update(
                near.filter(**{f"{column}__in": chunk}).values_list("group_id", flat=True)
            )
    written = set(uuids)
    others: list[_Known] = []
    ids = sorted(groups)
    columns = ("group_id", "entry_uuid", "key", "name_key", "day", "how")
    # By group alone, for the same reason: the groups are this profile's and kind's.
    every = Member.objects.all()
    for start in range(0, len(ids), LOOKUP):
        rows = every.filter(group_id__in=ids[start : start + LOOKUP]).values_list(*columns)
        others.extend(_Known(*row) for row in rows.order_by("group_id", "pk"))
    return own, [known for known in others if known.entry_uuid not in written]


def _system(key: str) -> str:
    return key.partition(":")[0]


def _same_keys(member: Member | _Known, now: Identity) -> bool:
    return (member.key, member.name_key, member.day) == (now.key, now.name_key, now.day)


def _drop_empty(group_ids: Iterable[int]) -> None:
    ids = set(group_ids)
    if ids:
        Group.objects.filter(pk__in=ids, members__isnull=True).delete()
