"""A group's statements side by side: one column per statement, one row per field."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils import formats, timezone
from django.utils.translation import gettext as _

from myhealthhub.reconcile import medicines
from myhealthhub.reconcile.differences import FIELDS, Conflict
from myhealthhub.reconcile.groups import GroupView
from myhealthhub.records.kinds import KINDS
from myhealthhub.records.models import Entry, Observation
from myhealthhub.records.presenting import field_value, result_value


@dataclass(frozen=True)
class Row:
    label: str
    cells: list[str]
    # The sources disagree on it: the row is marked, in words as well as colour.
    differs: bool = False


def side_by_side(view: GroupView) -> list[Row]:
    kind = KINDS[view.kind]
    differing = {conflict.field for conflict in view.open_conflicts}
    rows = [
        Row(str(kind.display_label), [entry.display for entry in view.entries]),
        Row(
            str(kind.date_label),
            [field_value(entry, "date") for entry in view.entries],
            "date" in differing,
        ),
    ]
    for compared in FIELDS.get(view.kind, ()):
        if compared.name == "date":
            continue
        cells = [_shown(entry, compared.name) for entry in view.entries]
        if any(cells):
            rows.append(Row(str(compared.label).capitalize(), cells, compared.name in differing))
    rows.append(
        Row(
            _("Received"),
            [
                formats.date_format(timezone.localtime(entry.source.received_at), "DATE_FORMAT")
                for entry in view.entries
            ],
        )
    )
    return rows


def _shown(entry: Entry, name: str) -> str:
    if isinstance(entry, Observation) and name == "value":
        return result_value(entry, account=None).text
    if name == "strength":
        # As compared: from the code or the name when the field is empty ("500 mg").
        found = medicines.strength(entry.codings or [], entry.display)
        return field_value(entry, name) or (str(found) if found else "")
    return field_value(entry, name)


@dataclass(frozen=True)
class Stated:
    """One side of a disagreement: the value as its first statement shows it, and who said it."""

    text: str
    entries: list[Entry]


def sides_of(conflict: Conflict) -> list[Stated]:
    if conflict.field == "nothing-known":
        allergy, none_known = conflict.values
        return [
            Stated(_("An allergy is recorded"), allergy.entries),
            Stated(_("No known allergies"), none_known.entries),
        ]
    return [
        Stated(_shown(said.entries[0], conflict.field), said.entries) for said in conflict.values
    ]
