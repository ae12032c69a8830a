"""Results read as the panels a lab reports them in: a blood count, lipids, a metabolic panel.

A blood count is twenty results that look unrelated in a flat list. The
panel a test belongs to is a column of data/loinc.csv (lib/codes.py); its
name, in the reader's language, is here and nowhere else. A test in no
panel, or not in the table, stays a row of its own.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from myhealthhub.lib import codes
from myhealthhub.records import presenting
from myhealthhub.records.models import Entry, Observation
from myhealthhub.records.presenting import _loinc_code

# Every key the panel column of data/loinc.csv holds (test_result_panels checks).
PANELS: dict[str, Promise] = {
    "diabetes": _("Diabetes"),
    "lipids": _("Lipids"),
    "metabolic": _("Metabolic panel"),
    "kidney": _("Kidney function"),
    "liver": _("Liver panel"),
    "thyroid": _("Thyroid"),
    "blood-count": _("Blood count"),
    "urinalysis": _("Urinalysis"),
    "vital-signs": _("Vital signs"),
}

T = TypeVar("T")


@dataclass
class Group(Generic[T]):
    """Rows shown together under ``heading``; rows of no panel have none ("")."""

    heading: str
    rows: list[T] = field(default_factory=list)


def panel_key(entry: Entry) -> str:
    """The key of the panel a result belongs to (one of PANELS), else ""."""
    if not isinstance(entry, Observation):
        return ""
    key = codes.panel_of(_loinc_code(entry.code, entry.code_system, entry.codings))
    # A key the table holds but PANELS does not name would show a heading with no name.
    return key if key in PANELS else ""


def panel_name(key: str) -> str:
    return str(PANELS[key])


def by_panel_and_day(entries: Iterable[Entry]) -> list[Group[Entry]]:
    """Results newest first, a panel's results of one day and source under one heading.

    "Blood count · Aug. 9, 2019": each group takes the place of its newest
    row, so rows move only within their day. Results of no panel, or with no
    date, keep their place, neighbours sharing one group without a heading.
    """
    groups: list[Group[Entry]] = []
    panels: dict[tuple[str, dt.date, str, int], Group[Entry]] = {}
    for entry in entries:
        panel = panel_key(entry)
        if not panel or entry.date is None:
            if not groups or groups[-1].heading:
                groups.append(Group(""))
            groups[-1].rows.append(entry)
            continue
        day = (panel, entry.date, entry.date_precision, entry.source_id)
        if day not in panels:
            # The day on the reader's clock, as each of its rows says it.
            when = presenting.field_value(entry, "date")
            # A separator, not words, so nothing to translate: "Hemograma · 9 de agosto de 2019".
            panels[day] = Group(f"{panel_name(panel)} · {when}")
            groups.append(panels[day])
        panels[day].rows.append(entry)
    return groups


def by_panel(rows: Iterable[T], entry_of: Callable[[T], Entry]) -> list[Group[T]]:
    """Rows ordered by panel, a panel of two rows or more under its name.

    For the summary, where each row is a different test's latest value and
    a clinician reads the lipids together. A name over a single row says
    little, so single rows come first, in their order and under no name;
    each panel follows in the order of its first row. ``entry_of`` gives a
    row's result.
    """
    keys = [(panel_key(entry_of(row)), row) for row in rows]
    panels: dict[str, list[T]] = {}
    for key, row in keys:
        panels.setdefault(key, []).append(row)
    named = {key: found for key, found in panels.items() if key and len(found) > 1}
    single = [row for key, row in keys if key not in named]
    groups = [Group(panel_name(key), found) for key, found in named.items()]
    return [Group("", single), *groups] if single else groups
