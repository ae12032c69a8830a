"""What each group keeps of itself: its name, its number of sources, its open conflicts.

Lists, the overview and the summary read these three columns rather than
every statement of every group. They are worked out again, in the same
transaction, whenever a group's statements or reviews change.

Working them out reads each group's statements as their distinct compared
values, counted in SQL: a medicine that a long record states 300 times the
same way is one row here, not 300 objects.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

from django.db.models import Count, OuterRef, QuerySet, Subquery

from myhealthhub.reconcile.differences import conflicts
from myhealthhub.reconcile.models import Group, Member, Review
from myhealthhub.records.kinds import KINDS
from myhealthhub.records.models import Entry

BATCH = 2000
# Values in one IN (…): under the 999 parameters older SQLite builds allow.
LOOKUP = 900
# Changed groups written one UPDATE each; more, and one UPDATE … CASE per batch is quicker.
FEW = 20
# The columns each kind's conflicts are read from (differences.FIELDS), with the name.
COMPARED: dict[str, tuple[str, ...]] = {
    "medications": (
        "display",
        "codings",
        "strength",
        "dose",
        "frequency",
        "as_needed",
        "route",
        "status",
    ),
    "allergies": ("display", "reaction", "reaction_severity", "criticality", "status"),
    "conditions": ("display", "clinical_status", "date", "date_precision"),
    "immunizations": ("display", "status", "date", "date_precision"),
    "results": (
        "display",
        "value_number",
        "comparator",
        "unit",
        "unit_text",
        "value_text",
        "components",
    ),
}


def refresh(profile_id: int, groups: QuerySet[Group]) -> None:
    """Work out again the name, sources and open conflicts of ``groups`` (of one profile)."""
    chosen = {group.pk: group for group in groups.filter(profile_id=profile_id)}
    if not chosen:
        return
    by_kind: dict[str, list[int]] = defaultdict(list)
    for group in chosen.values():
        by_kind[group.kind].append(group.pk)
    reviews: dict[int, list[Review]] = defaultdict(list)
    for review in Review.objects.filter(group_id__in=list(chosen)):
        reviews[review.group_id].append(review)
    nothing_known = (
        KINDS["no-known-allergies"].model.objects.alive().filter(profile_id=profile_id).exists()
    )
    before = {pk: _standing(group) for pk, group in chosen.items()}
    for slug, ids in by_kind.items():
        for start in range(0, len(ids), BATCH):
            _refresh_kind(
                profile_id, slug, ids[start : start + BATCH], chosen, reviews, nothing_known
            )
    # Most groups a new statement joins stand as they did: only the others are written.
    changed = [group for pk, group in chosen.items() if _standing(group) != before[pk]]
    if len(changed) > FEW:
        Group.objects.bulk_update(changed, ["label", "sources", "open_fields"], batch_size=BATCH)
        return
    for group in changed:
        Group.objects.filter(pk=group.pk).update(
            label=group.label, sources=group.sources, open_fields=group.open_fields
        )


def _standing(group: Group) -> tuple[str, int, list[str]]:
    return group.label, group.sources, list(group.open_fields)


def _refresh_kind(
    profile_id: int,
    slug: str,
    ids: list[int],
    chosen: dict[int, Group],
    reviews: dict[int, list[Review]],
    nothing_known: bool,
) -> None:
    model = KINDS[slug].model
    columns = COMPARED[slug]
    group_of = Member.objects.filter(kind=slug, entry_uuid=OuterRef("uuid")).values("group_id")[:1]
    # The statements' entries named one by one, each found by its own index: as
    # a subquery, PostgreSQL planned it over tables an import had just filled,
    # without statistics until the commit, and walked all of them.
    # A group's statements stay together (by group), so most groups are counted in one query.
    members = Member.objects.filter(group_id__in=ids).order_by("group_id")
    uuids = list(members.values_list("entry_uuid", flat=True))
    said: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for start in range(0, len(uuids), LOOKUP):
        rows = (
            model.objects.alive()
            .filter(profile_id=profile_id, uuid__in=uuids[start : start + LOOKUP])
            .annotate(group=Subquery(group_of))
            .values("group", "source_id", *columns)
            .annotate(times=Count("id"))
            .order_by()
        )
        for row in rows:
            said[row["group"]].append(row)
    # A statement that stands for the others: "no known allergies" disagrees with any allergy.
    stated_none = [model(display="")] if slug == "allergies" and nothing_known else []
    for pk in ids:
        group = chosen[pk]
        statements = said.get(pk, [])
        names: Counter[str] = Counter()
        for row in statements:
            names[row["display"]] += row["times"]
        group.label = (max(names.items(), key=lambda item: (item[1], item[0]))[0] if names else "")[
            :500
        ]
        group.sources = len({row["source_id"] for row in statements}) or 1
        entries: list[Entry] = [
            model(**{column: row[column] for column in columns}) for row in statements
        ]
        found = conflicts(slug, entries, reviews.get(pk, []), stated_none)
        group.open_fields = [conflict.field for conflict in found if conflict.open]
