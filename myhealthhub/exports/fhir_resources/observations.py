"""A result: its value (a quantity, a text or parts), reference range and interpretation."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from django.utils import timezone

from myhealthhub.exports.fhir_resources.common import (
    LOINC,
    TERMINOLOGY,
    UNKNOWN,
    Json,
    base,
    coded,
    coded_quantity,
    codings,
    concept,
    notes,
    prune,
    texts,
)
from myhealthhub.lib.dates import Precision
from myhealthhub.records.models import Observation


def observation(entry: Observation, patient: Json) -> Json:
    return prune(
        {
            **base(entry, "Observation"),
            "status": "final",
            "category": (
                [coded(TERMINOLOGY + "observation-category", entry.category)]
                if entry.category != "other"
                else []
            ),
            "code": concept(entry.display, codings(entry)),
            "subject": patient,
            "effectiveDateTime": _effective(entry),
            # IPS requires a time: an undated result says it is unknown.
            "_effectiveDateTime": None if entry.when else UNKNOWN,
            # IPS's laboratory results need a performer (1..*); we keep who did the
            # test only in words, so the performer is there, as unknown.
            "performer": [UNKNOWN] if entry.category == "laboratory" else [],
            **_value(entry),
            "interpretation": texts(entry.interpretation),
            "referenceRange": [r for r in (_range(entry),) if r],
            "component": [_component(part) for part in entry.components if isinstance(part, dict)],
            "note": notes(entry.notes),
        }
    )


def _effective(entry: Observation) -> str | None:
    when = entry.when
    if when is None:
        return None
    if entry.effective_time is None or when.precision != Precision.DAY:
        return when.isoformat()
    # The moment as its source wrote it, offset and all: the same instant on
    # every reader's clock, and the clock where it was taken is not lost.
    moment = entry.taken_at
    if moment is None:
        # A time written with no zone needs one in FHIR: the export's, on that day.
        moment = timezone.make_aware(dt.datetime.combine(when.earliest, entry.effective_time))
    return moment.isoformat(timespec="seconds")


def _finite(value: float | None) -> float | None:
    # JSON has no NaN or infinity; such a value is no measurement.
    return value if value is not None and math.isfinite(value) else None


def _value(entry: Observation) -> Json:
    if (value := _finite(entry.value_number)) is not None:
        return {
            "valueQuantity": coded_quantity(value, entry.unit_text, entry.unit, entry.comparator)
        }
    if entry.value_text:
        return {"valueString": entry.value_text}
    return {}


def _range(entry: Observation) -> Json:
    low, high = _finite(entry.reference_low), _finite(entry.reference_high)
    return prune(
        {
            "low": coded_quantity(low, entry.unit_text, entry.unit) if low is not None else None,
            "high": (
                coded_quantity(high, entry.unit_text, entry.unit) if high is not None else None
            ),
            "text": entry.reference_text,
        }
    )


def _component(part: dict[str, Any]) -> Json:
    code = str(part.get("code") or "")
    display = str(part.get("display") or "")
    value = part.get("value")
    unit = str(part.get("unit") or "")
    written: Json = {
        "code": concept(display, [{"system": LOINC, "code": code}] if code else [])
        or {"text": "?"},
    }
    if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
        # A part's unit is one text: its code only when it is a UCUM code ("mm[Hg]").
        written["valueQuantity"] = coded_quantity(value, unit, unit)
    elif value not in (None, ""):
        written["valueString"] = str(value)
    return written
