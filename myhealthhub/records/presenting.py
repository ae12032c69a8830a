"""How an entry's fields read on a page: labels, choice names, partial dates, yes/no, values.

A result's value, reference range and blood pressure go through
lib/formatting.py in the reader's units (``account``): the list, the detail
page, the overview and the summary all show the same text. So does its name
(:func:`result_name`): a common test reads as people say it, in their language.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from myhealthhub.lib import codes, formatting
from myhealthhub.lib.dates import PartialDate, Precision
from myhealthhub.lib.formatting import HasUnits, Preferences
from myhealthhub.records import abnormal
from myhealthhub.records.kinds import LOINC, Kind
from myhealthhub.records.models import Entry, Observation, Workout
from myhealthhub.records.models.observations import Comparator

Reader = HasUnits | Preferences | None

SYSTOLIC, DIASTOLIC = "8480-6", "8462-4"
# A result's value fields, shown as one "Value" and one "Reference range" line.
VALUE_FIELDS = frozenset({"comparator", "value_number", "unit_text", "value_text"})
RANGE_FIELDS = frozenset({"reference_low", "reference_high", "reference_text"})


@dataclass(frozen=True)
class Shown:
    """A value as the page shows it, and as it was recorded when that differs."""

    text: str
    # The stored number and the source's unit, when the text converted or rounded them.
    original: str = ""
    # A result out of range (records/abnormal.py), shown beside the text.
    flag: abnormal.Flag | None = None

    def __str__(self) -> str:
        return self.text


def test_name(*, display: str, code: str, code_system: str, codings: Any = None) -> str:
    """A result's name as people say it, in the active language, else ``display``.

    Sources name tests the LOINC way ("Platelet mean volume [Entitic volume]
    in Blood by Automated count"); data/loinc.csv has the common ones as a
    lab report's reader knows them ("Mean platelet volume (MPV)"). The
    source's own name stays on the detail page.
    """
    known = _lab_tests().get(_loinc_code(code, code_system, codings))
    if known is None:
        return display
    spanish = (translation.get_language() or "").startswith("es")
    return (known.name_es if spanish else known.name) or display


def result_name(entry: Entry) -> str:
    """:func:`test_name` of an entry: its table name for a known result, else its own."""
    if not isinstance(entry, Observation):
        return entry.display
    return test_name(
        display=entry.display, code=entry.code, code_system=entry.code_system, codings=entry.codings
    )


def _loinc_code(code: str, system: str, codings: Any) -> str:
    # A code typed in the form has no system: the kind's own, LOINC.
    if code and system in (LOINC, ""):
        return code
    for coding in codings if isinstance(codings, list) else []:
        if isinstance(coding, dict) and coding.get("system") == LOINC and coding.get("code"):
            return str(coding["code"])
    return ""


@cache
def _lab_tests() -> dict[str, codes.Code]:
    return {known.code: known for known in codes.lab_tests()}


def result_text(
    *,
    value_number: float | None,
    comparator: str,
    unit: str,
    unit_text: str,
    value_text: str,
    components: Any,
    code: str,
    account: Reader,
) -> str:
    """:func:`result_value`'s text from a result's stored columns, for code that reads rows."""
    if value_number is not None:
        return formatting.quantity(
            value_number,
            unit or unit_text,
            account=account,
            code=code,
            comparator=Comparator(comparator).label if comparator in Comparator.values else "",
            written=unit_text,
        )
    if components and isinstance(components, list):
        return formatting.parts_line(components, account=account)
    return value_text


def result_value(observation: Observation, *, account: Reader) -> Shown:
    """ "5,5 mmol/L", "120/80 mmHg", "< 5 %" or the text: the value in the reader's units."""
    comparator = observation.get_comparator_display() if observation.comparator else ""
    if observation.value_number is not None:
        shown = formatting.shown_quantity(
            observation.value_number,
            observation.unit or observation.unit_text,
            account=account,
            code=observation.code,
            written=observation.unit_text,
        )
        recorded = formatting.original(
            observation.value_number,
            observation.unit_text or observation.unit,
            comparator=comparator,
        )
        changed = shown.converted or shown.rounded
        return Shown(
            formatting.joined(comparator, str(shown)),
            recorded if changed else "",
            abnormal.result_flag(observation),
        )
    if observation.components:
        text = formatting.parts_line(observation.components, account=account)
        recorded = formatting.original_parts(observation.components)
        as_recorded = formatting.parts_line(observation.components, account=formatting.AS_RECORDED)
        changed = text != as_recorded or _rounded(observation.components)
        return Shown(text, recorded if changed else "", abnormal.result_flag(observation))
    return Shown(observation.value_text, flag=abnormal.result_flag(observation))


def _rounded(parts: list[Any]) -> bool:
    return any(
        isinstance(part, dict)
        and isinstance(part.get("value"), float)
        and formatting.shown_quantity(
            part["value"], str(part.get("unit") or ""), account=formatting.AS_RECORDED
        ).rounded
        for part in parts
    )


def result_range(observation: Observation, *, account: Reader, with_unit: bool = False) -> str:
    """The reference range in the value's units: "70–100", "≤ 5,7", "3,9–5,6 mmol/L" or ""."""
    low, high = observation.reference_low, observation.reference_high
    if low is None and high is None:
        return ""
    unit = observation.unit or observation.unit_text

    def shown(value: float) -> formatting.Quantity:
        return formatting.shown_quantity(
            value, unit, account=account, code=observation.code, written=observation.unit_text
        )

    ends = [shown(value) if value is not None else None for value in (low, high)]
    if ends[0] is not None and ends[1] is not None:
        text = f"{ends[0].number}–{ends[1].number}"
    elif ends[1] is not None:
        text = f"≤ {ends[1].number}"
    else:
        assert ends[0] is not None
        text = f"≥ {ends[0].number}"
    known = next(end for end in ends if end is not None)
    return formatting.joined(text, known.unit_shown if with_unit else "")


def blood_pressure(observation: Observation, *, account: Reader) -> str:
    """Both numbers of a blood pressure kept as two results: "120/80 mmHg", else "".

    C-CDA files and some FHIR servers send systolic and diastolic as separate
    observations; the other half is the one of the same source, day and time.
    """
    if observation.code not in {SYSTOLIC, DIASTOLIC} or observation.value_number is None:
        return ""
    other = SYSTOLIC if observation.code == DIASTOLIC else DIASTOLIC
    sibling = (
        Observation.objects.alive()
        .filter(
            profile_id=observation.profile_id,
            code=other,
            date=observation.date,
            effective_time=observation.effective_time,
            source_id=observation.source_id,
            value_number__isnull=False,
        )
        .order_by("id")
        .first()
    )
    if sibling is None:
        return ""
    systolic, diastolic = (
        (observation, sibling) if observation.code == SYSTOLIC else (sibling, observation)
    )
    parts = [
        {"code": part.code, "value": part.value_number, "unit": part.unit or part.unit_text}
        for part in (systolic, diastolic)
    ]
    return formatting.parts_line(parts, account=account)


def field_label(kind: Kind, name: str) -> str:
    if name == "display":
        return str(kind.display_label)
    if name == "date":
        return str(kind.date_label)
    if name == "value_display":
        return _("Value")
    return str(kind.model_field(name).verbose_name).capitalize()


def list_value(entry: Entry, name: str, *, account: Reader = None) -> str | Shown:
    """A list column's cell: :func:`field_value`, a result's value with its flag."""
    if name == "value_display" and isinstance(entry, Observation):
        return result_value(entry, account=account)
    return field_value(entry, name, account=account)


def field_value(entry: Entry, name: str, *, account: Reader = None) -> str:
    if name == "value_display":
        if isinstance(entry, Observation):
            return result_value(entry, account=account).text
        return str(getattr(entry, name))
    if isinstance(entry, Workout) and name in Workout.STORED_UNITS:
        return workout_value(entry, name, account=account)
    moment = entry.taken_at if isinstance(entry, Observation) else None
    if moment is not None and name in {"date", "effective_time"}:
        return _on_the_readers_clock(moment, name)
    if name == "interpretation" and isinstance(entry, Observation):
        # "H" from one source and "HIGH" from another read as the same word.
        return abnormal.interpretation_text(entry.interpretation)
    field = entry._meta.get_field(name)
    value: Any = getattr(entry, name)
    if value in (None, ""):
        return ""
    if getattr(field, "choices", None):
        return str(getattr(entry, f"get_{name}_display")())
    if hasattr(entry, f"{name}_precision"):
        return PartialDate.from_stored(value, getattr(entry, f"{name}_precision")).localized()
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, dt.datetime):
        return formats.date_format(timezone.localtime(value), "DATETIME_FORMAT")
    if isinstance(value, dt.time):
        return formats.time_format(value, "TIME_FORMAT")
    if isinstance(value, dt.date):
        return formats.date_format(value, "DATE_FORMAT")
    if isinstance(value, float):
        return formatting.number(value)
    return str(value)


def workout_value(workout: Workout, name: str, *, account: Reader) -> str:
    """ "5.02 km", "32 min 10 s", "312 kcal", "128 /min": a workout's quantity, as read."""
    if name == "duration":
        return formatting.duration(workout.duration)
    if name == "distance":
        return formatting.distance(workout.distance, account=account)
    if name == "active_energy":
        return formatting.energy(workout.active_energy)
    if name == "average_heart_rate" and workout.average_heart_rate is not None:
        return formatting.joined(
            formatting.number(workout.average_heart_rate, digits=0), formatting.unit("/min")
        )
    return ""


def _on_the_readers_clock(moment: dt.datetime, name: str) -> str:
    """A result's day or time in the reader's zone; the time says its source's clock if other."""
    local = timezone.localtime(moment)
    if name == "date":
        return PartialDate.from_stored(local.date(), Precision.DAY).localized()
    shown = formats.time_format(local.time(), "TIME_FORMAT")
    if local.utcoffset() == moment.utcoffset():
        return shown
    return _("%(time)s (as recorded: %(recorded)s, UTC%(offset)s)") % {
        "time": shown,
        "recorded": formats.time_format(moment.time(), "TIME_FORMAT"),
        "offset": formatting.utc_offset(moment),
    }


def changed_labels(kind: Kind, columns: list[str]) -> list[str]:
    """The labels a person knows for the columns a change touched, each once."""
    labels: list[str] = []
    for column in columns:
        name = column.removesuffix("_precision")
        if name in {"codings", "code_system"}:
            name = "code"
        try:
            label = field_label(kind, name)
        except FieldDoesNotExist:
            label = name
        if label not in labels:
            labels.append(label)
    return labels


def filled_fields(
    entry: Entry, kind: Kind, *, account: Reader = None
) -> list[tuple[str, str | Shown]]:
    """(label, value) for every form field of the entry that has a value.

    A result's value fields read as one line in the reader's units, its
    reference range as another, and half a blood pressure brings the other half.
    """
    rows: list[tuple[str, str | Shown]] = []
    for name in kind.form_fields:
        if isinstance(entry, Observation) and name in VALUE_FIELDS | RANGE_FIELDS:
            if name == "value_number":
                rows.extend(_result_rows(entry, kind, account))
            continue
        value = field_value(entry, name, account=account)
        # An unticked box ("as needed: no") says nothing worth a line.
        if value and name != "display" and getattr(entry, name) is not False:
            rows.append((field_label(kind, name), value))
    return rows


def _result_rows(
    observation: Observation, kind: Kind, account: Reader
) -> list[tuple[str, str | Shown]]:
    rows: list[tuple[str, str | Shown]] = []
    shown = result_value(observation, account=account)
    if shown.text:
        rows.append((_("Value"), shown))
    if pressure := blood_pressure(observation, account=account):
        rows.append((_("Blood pressure"), pressure))
    reference = formatting.joined(
        result_range(observation, account=account, with_unit=True), observation.reference_text
    )
    if reference:
        rows.append((field_label(kind, "reference_text"), reference))
    return rows
