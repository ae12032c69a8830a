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
from myhealthhub.summary.sections import Grouping


def disputed(profile: Profile, kinds: frozenset[str] | tuple[str, ...] = FOLDED) -> QuerySet[Group]:
    """The groups whose sources disagree on something no review has settled."""
    return (
        Group.objects.filter(profile_id=profile.pk, kind__in=list(kinds))
        .exclude(open_fields=[])
        .order_by("kind", "label")
    )


def fill_grouping(profile: Profile, grouping: Grouping) -> None:
    """The summary's hook: every entry's group, its name and sources, and what is to verify."""
    members = Member.objects.filter(profile_id=profile.pk, kind__in=FOLDED)
    grouping.group_of.update(members.values_list("entry_uuid", "group_id"))
    shared = Group.objects.filter(profile_id=profile.pk, kind__in=FOLDED, sources__gt=1)
    for pk, label, sources, fields in shared.values_list("pk", "label", "sources", "open_fields"):
        grouping.names[pk] = label
        grouping.sources[pk] = sources
        if fields:
            grouping.disputed.add(pk)
    grouping.disputed.update(disputed(profile).values_list("pk", flat=True))


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
