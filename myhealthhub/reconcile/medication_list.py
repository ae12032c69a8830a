"""The reconciled medication list, to print and go through with a pharmacist or clinician.

A medication review starts from one list, not from every file's copy of it:
one line per medicine (group), how its newest statement says it is taken,
every source that states it, and what the sources disagree on, side by side
and undecided (DESIGN.md principle 5). The person brings it, the professional
settles what is true, and the review is recorded as a medication review.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _

from myhealthhub.profiles.models import Profile
from myhealthhub.reconcile.groups import GroupView, groups_of
from myhealthhub.reconcile.sides import Stated, sides_of
from myhealthhub.records.models import (
    Entry,
    Medication,
    MedicationReview,
    NoKnownAllergies,
    Source,
)
from myhealthhub.records.models.allergies import AllergyStatus
from myhealthhub.records.models.base import NEWEST_FIRST
from myhealthhub.records.models.medications import MedicationStatus
from myhealthhub.records.overview import still_taking_unknown
from myhealthhub.records.presenting import field_value

# A source that says "taking" or "paused" puts the medicine on the list: a pause is
# a question for the review too.
TAKEN = frozenset({MedicationStatus.ACTIVE, MedicationStatus.ON_HOLD})
# Medicines every source says were stopped, listed if the last word is this recent:
# what was just stopped is what a pharmacist asks about.
RECENTLY_STOPPED = dt.timedelta(days=365)


@dataclass(frozen=True)
class Disagreement:
    label: str
    sides: list[Stated]


@dataclass(frozen=True)
class Line:
    """One medicine: its name, how it is taken, its sources and what they disagree on."""

    view: GroupView
    how: str
    disagreements: list[Disagreement]
    # Every source that says "taking" said it over a year ago.
    still_taking_unknown: bool = False

    @property
    def name(self) -> str:
        return self.view.label

    @property
    def sources(self) -> list[Source]:
        return self.view.sources

    @property
    def since(self) -> Entry:
        """The statement whose start date the line shows: the earliest that gives one."""
        dated = [(entry.date, entry) for entry in self.view.entries if entry.date is not None]
        return min(dated, key=lambda pair: pair[0])[1] if dated else self.view.latest


@dataclass(frozen=True)
class Allergies:
    lines: list[Line]
    # The latest "no known allergies" statement, when no allergy is recorded.
    none_known: Entry | None


@dataclass(frozen=True)
class MedicationList:
    profile: Profile
    generated: dt.datetime
    taken: list[Line]
    stopped: list[Line]
    allergies: Allergies
    last_review: MedicationReview | None

    @property
    def source_count(self) -> int:
        return len({source.pk for line in [*self.taken, *self.stopped] for source in line.sources})

    @property
    def to_verify(self) -> int:
        return sum(bool(line.disagreements) for line in self.taken)


def medication_list(profile: Profile, today: dt.date | None = None) -> MedicationList:
    """The list as it stands: what is taken now, what was stopped lately, and the allergies."""
    today = today or timezone.localdate()
    taken, stopped = [], []
    for view in groups_of(profile, ["medications"]):
        statements = [e for e in view.entries if isinstance(e, Medication)]
        taking = [e for e in statements if e.status in TAKEN]
        if taking:
            unknown = still_taking_unknown(taking, today)
            taken.append(
                _line(view, how_taken(view.latest), all(e.uuid in unknown for e in taking))
            )
        elif _stopped_lately(statements, today):
            stopped.append(_line(view, how_taken(view.latest)))
    taken.sort(key=lambda line: line.name.casefold())
    stopped.sort(key=lambda line: line.name.casefold())
    return MedicationList(
        profile=profile,
        generated=timezone.now(),
        taken=taken,
        stopped=stopped,
        allergies=_allergies(profile),
        last_review=(
            MedicationReview.objects.alive()
            .filter(profile_id=profile.pk, date__isnull=False)
            .select_related("source")
            .order_by(*NEWEST_FIRST)
            .first()
        ),
    )


def _line(view: GroupView, how: str, still_taking_unknown: bool = False) -> Line:
    return Line(
        view,
        how,
        [Disagreement(conflict.label, sides_of(conflict)) for conflict in view.open_conflicts],
        still_taking_unknown,
    )


def how_taken(entry: Entry) -> str:
    """ "500 mg · 1 tablet, twice a day (as needed) · by mouth": what one statement says."""
    strength, dose, frequency, route = (
        field_value(entry, name) for name in ("strength", "dose", "frequency", "route")
    )
    taking = ", ".join(part for part in (dose, frequency) if part)
    if getattr(entry, "as_needed", False):
        taking = f"{taking} ({_('as needed')})" if taking else _("as needed")
    return " · ".join(part for part in (strength, taking, route) if part)


def _stopped_lately(statements: list[Medication], today: dt.date) -> bool:
    said_on = [day for e in statements if (day := e.end_date or e.date) is not None]
    return bool(said_on) and today - max(said_on) <= RECENTLY_STOPPED


def _allergies(profile: Profile) -> Allergies:
    lines = [
        _line(view, field_value(view.latest, "reaction"))
        for view in groups_of(profile, ["allergies"])
        if any(getattr(e, "status", "") == AllergyStatus.ACTIVE for e in view.entries)
    ]
    lines.sort(key=lambda line: line.name.casefold())
    none_known = None
    if not lines:
        none_known = (
            NoKnownAllergies.objects.alive()
            .filter(profile_id=profile.pk)
            .select_related("source")
            .order_by(*NEWEST_FIRST)
            .first()
        )
    return Allergies(lines, none_known)
