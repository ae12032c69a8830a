"""What the sources of one group disagree on, field by field (DESIGN.md principle 5).

Each field is read from every statement, normalised ("mg" is "MG", "Two
times daily" is "2 times a day", "ORAL" is "by mouth"), and the statements
are sorted into classes of the same value. A field is a conflict when a
person would need to ask: two classes or more. A value a statement does not
give, or gives in a way that cannot be compared (a dose of "1" beside one of
"500 mg"), is no disagreement: wording and precision alone are not conflicts.

The software never says which value is right. A conflict is open until a
person marks it reviewed; the review remembers the values it saw, and a
value it did not see opens the conflict again.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from myhealthhub.lib.dates import PartialDate
from myhealthhub.lib.units import UnitError, convert
from myhealthhub.reconcile import medicines
from myhealthhub.reconcile.models import Review
from myhealthhub.records.models import Entry, Observation
from myhealthhub.search.text import fold

Normal = Any  # a field's value as compared: hashable, or None when not given


@dataclass
class Said:
    """One value of a field and the statements that give it."""

    compared: Normal
    entries: list[Entry] = dataclass_field(default_factory=list)

    @property
    def key(self) -> str:
        """The value as one text, the same whatever the reader's language: reviews keep it."""
        value = self.compared
        if isinstance(value, PartialDate | dt.date):
            return value.isoformat()
        if isinstance(value, tuple):
            return " ".join(str(part) for part in value if part not in ("", None))
        return str(getattr(value, "text", "") or value)


@dataclass
class Conflict:
    field: str
    label: str
    values: list[Said]
    review: Review | None = None
    # Values the latest review did not see: what reopened it.
    new: list[Said] = dataclass_field(default_factory=list)

    @property
    def open(self) -> bool:
        return self.review is None or bool(self.new)

    @property
    def state(self) -> str:
        return "open" if self.open else "reviewed"

    @property
    def keys(self) -> list[str]:
        return sorted(said.key for said in self.values)


@dataclass(frozen=True)
class Compared:
    """How one field is read from a statement and when two readings are the same value."""

    name: str
    label: Promise
    read: Callable[[Entry], Normal]
    same: Callable[[Normal, Normal], bool] = lambda a, b: a == b


def conflicts(
    kind: str,
    entries: list[Entry],
    reviews: Iterable[Review] = (),
    nothing_known: Sequence[Entry] = (),
) -> list[Conflict]:
    """The fields ``entries`` (one group's statements) disagree on, oldest review state applied."""
    found = []
    for compared in FIELDS.get(kind, ()):
        classes = _classes(compared, entries)
        if len(classes) > 1:
            found.append(Conflict(compared.name, str(compared.label), classes))
    if kind == "allergies" and nothing_known and entries:
        found.append(
            Conflict(
                "nothing-known",
                str(_("no known allergies")),
                [Said("allergy", list(entries)), Said("no known allergies", list(nothing_known))],
            )
        )
    latest: dict[str, Review] = {}
    for review in sorted(reviews, key=lambda r: r.reviewed_at):
        latest[review.field] = review
    for conflict in found:
        last = latest.get(conflict.field)
        if last is not None:
            conflict.review = last
            seen = set(last.values)
            conflict.new = [said for said in conflict.values if said.key not in seen]
    return found


def _classes(compared: Compared, entries: list[Entry]) -> list[Said]:
    classes: list[Said] = []
    for entry in entries:
        value = compared.read(entry)
        if value is None:
            continue
        for said in classes:
            if compared.same(said.compared, value):
                said.entries.append(entry)
                break
        else:
            classes.append(Said(value, [entry]))
    return classes


# Words ------------------------------------------------------------------------


def _words(text: str) -> str:
    return " ".join(re.sub(r"[^\w]+", " ", fold(text or "")).split())


def _choice(name: str, same_as: dict[str, str] | None = None) -> Callable[[Entry], Normal]:
    """A coded field's value, with the values that mean the same folded together."""

    def read(entry: Entry) -> Normal:
        value = str(getattr(entry, name, "") or "")
        if not value:
            return None
        return (same_as or {}).get(value, value)

    return read


def _text(name: str) -> Callable[[Entry], Normal]:
    def read(entry: Entry) -> Normal:
        return _words(str(getattr(entry, name, "") or "")) or None

    return read


# Medicines --------------------------------------------------------------------


def _strength(entry: Entry) -> Normal:
    return medicines.strength(entry.codings or [], entry.display, getattr(entry, "strength", ""))


_DOSE = re.compile(r"^\s*(\d+(?:[.,]\d+)?)\s*([a-zA-Zµμ]+)\s*$")
_MASS = {"g": 1000.0, "mg": 1.0, "mcg": 0.001, "ug": 0.001, "µg": 0.001, "μg": 0.001}


def _dose(entry: Entry) -> Normal:
    """A dose with a unit of mass, in mg; a count or a bare number is not compared."""
    match = _DOSE.match(str(getattr(entry, "dose", "") or ""))
    if match is None:
        return None
    amount, unit = float(match.group(1).replace(",", ".")), match.group(2).lower()
    if unit not in _MASS:
        return None
    return round(amount * _MASS[unit], 6)


_NUMBERS = {"one": 1, "once": 1, "two": 2, "twice": 2, "three": 3, "thrice": 3, "four": 4}
_TIMES = re.compile(
    r"\b(\d+|one|two|three|four|once|twice|thrice)\s*(?:times?\s*)?(?:a|per|each)?\s*(?:day|daily)\b"
)
_EVERY = re.compile(r"\bevery\s+(\d+)\s*(hours?|hrs?|h|days?)\b")
_WEEKLY = re.compile(r"\b(once a week|weekly|every week|every 7 days|every 168 hours)\b")


def _frequency(entry: Entry) -> Normal:
    """How often, as doses a day ("2/day"), "bedtime", "weekly" or "as needed"; None if unread."""
    text = _words(str(getattr(entry, "frequency", "") or ""))
    if getattr(entry, "as_needed", False) or re.search(r"\b(as needed|prn)\b", text):
        return "as needed"
    if not text:
        return None
    if _WEEKLY.search(text):
        return "1/week"
    if re.search(r"\b(at bedtime|hour of sleep|bedtime|at night)\b", text):
        return "bedtime"
    if match := _EVERY.search(text):
        count, unit = int(match.group(1)), match.group(2)
        if count == 0:
            return None
        if unit.startswith("d"):
            return "1/week" if count == 7 else f"1/{count} days"
        return f"{_per_day(24 / count)}/day"
    if re.search(
        r"\b(daily|once a day|a day|every day|once daily|qd)\b", text
    ) and not _TIMES.search(text):
        return "1/day"
    if match := _TIMES.search(text):
        word = match.group(1)
        count = int(word) if word.isdigit() else _NUMBERS[word]
        return f"{count}/day"
    return None


def _per_day(value: float) -> str:
    return str(int(value)) if value.is_integer() else f"{value:.2f}"


# Routes as people say them; "injectable" names no route, so it agrees with any injection.
_ROUTES = {
    "oral": "oral",
    "by mouth": "oral",
    "orally": "oral",
    "po": "oral",
    "intravenous": "intravenous",
    "iv": "intravenous",
    "intramuscular": "intramuscular",
    "intramuscular injectable": "intramuscular",
    "im": "intramuscular",
    "subcutaneous": "subcutaneous",
    "sc": "subcutaneous",
    "subcut": "subcutaneous",
    "topical": "topical",
    "inhalation": "inhaled",
    "inhaled": "inhaled",
    "injectable": "injection",
    "injection": "injection",
}
_INJECTED = {"intravenous", "intramuscular", "subcutaneous", "injection"}


def _route(entry: Entry) -> Normal:
    text = _words(str(getattr(entry, "route", "") or ""))
    return _ROUTES.get(text, text or None)


def _same_route(a: Normal, b: Normal) -> bool:
    return a == b or ({a, b} <= _INJECTED and "injection" in {a, b})


_ENDED = {"stopped": "ended", "completed": "ended"}


# Problems, doses, results -----------------------------------------------------


def _onset(entry: Entry) -> Normal:
    return entry.when


def _years_apart(a: Normal, b: Normal) -> bool:
    """Not a year apart, at the precision both give: 2015 and 2015-06-22 are the same."""
    first, second = a.common_precision(b) if isinstance(a, PartialDate) else (a, b)
    return abs((first.earliest - second.earliest).days) < 365


def _day_given(entry: Entry) -> Normal:
    return entry.date if entry.date_precision == "day" else None


def _value(entry: Entry) -> Normal:
    assert isinstance(entry, Observation)
    if entry.value_number is not None and math.isfinite(entry.value_number):
        return (entry.comparator, entry.value_number, entry.unit or entry.unit_text)
    if entry.components:
        return (
            "parts",
            tuple(str(part.get("value")) for part in entry.components if isinstance(part, dict)),
        )
    return _words(entry.value_text) or None


def _same_value(a: Normal, b: Normal) -> bool:
    if a == b:
        return True
    if not (isinstance(a, tuple) and isinstance(b, tuple) and len(a) == len(b) == 3):
        return False
    (comparator_a, number_a, unit_a), (comparator_b, number_b, unit_b) = a, b
    if comparator_a != comparator_b:
        return False
    try:
        number_b = convert(number_b, unit_b, unit_a) if unit_a != unit_b else number_b
    except UnitError:
        return False
    return math.isclose(number_a, number_b, rel_tol=1e-6)


FIELDS: dict[str, tuple[Compared, ...]] = {
    "medications": (
        Compared("strength", _("strength"), _strength),
        Compared("dose", _("dose"), _dose),
        Compared("frequency", _("how often"), _frequency),
        Compared("route", _("route"), _route, _same_route),
        Compared("status", _("status"), _choice("status", _ENDED)),
    ),
    "allergies": (
        Compared("reaction", _("reaction"), _text("reaction")),
        Compared("reaction_severity", _("reaction severity"), _choice("reaction_severity")),
        Compared("criticality", _("criticality"), _choice("criticality")),
        Compared("status", _("status"), _choice("status")),
    ),
    "conditions": (
        Compared(
            "clinical_status",
            _("status"),
            _choice(
                "clinical_status",
                {"recurrence": "active", "inactive": "resolved", "remission": "resolved"},
            ),
        ),
        Compared("date", _("onset"), _onset, _years_apart),
    ),
    "immunizations": (
        Compared("date", _("date given"), _day_given),
        Compared("status", _("status"), _choice("status")),
    ),
    "results": (Compared("value", _("value"), _value, _same_value),),
}


def label_of(field: str) -> str:
    """A compared field's name in the reader's words."""
    if field == "nothing-known":
        return str(_("no known allergies"))
    for compared in (each for fields in FIELDS.values() for each in fields):
        if compared.name == field:
            return str(compared.label)
    return field
