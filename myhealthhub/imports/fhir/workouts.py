"""An Observation of an exercise session (LOINC 55411-3 "Exercise duration") to a workout.

As our own export writes it (exports/fhir_resources/workouts.py), after
HL7's Physical Activity guide: the duration as the value, the start as the
period's, the activity, calories, mean heart rate and distance as components.
Only an observation that says when it began, to the minute, and how long it
lasted is a workout; one with a day alone ("45 minutes of exercise on
8 June") stays a result, as other files mean it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.dateparse import parse_datetime

from myhealthhub.imports.fhir.context import Context
from myhealthhub.imports.fhir.fields import (
    codes_of,
    codings_of,
    concept_text,
    notes_of,
    number,
    obj,
    objs,
    string,
)
from myhealthhub.imports.fhir.parse import Found, Json
from myhealthhub.records.models.workouts import Activity

# The codes of HL7's Physical Activity guide, and our own for what it has none for.
EXERCISE_DURATION = "55411-3"
EXERCISE_ACTIVITY = "73985-4"
CALORIES = "55424-6"
MEAN_HEART_RATE = "55425-3"
ACTIVITY_SYSTEM = "urn:myhealthhub:workout-activity"
WORKOUT_SYSTEM = "urn:myhealthhub:workout"
DISTANCE = "distance"
# A duration's unit (UCUM, or as some files write it) to seconds.
SECONDS = {"s": 1, "sec": 1, "min": 60, "h": 3600, "hr": 3600}
# Each component's code to the workout's field, and the UCUM units it is read in.
MEASURED = {
    DISTANCE: ("distance", {"m": 1.0, "km": 1000.0, "[mi_i]": 1609.344}),
    CALORIES: ("active_energy", {"kcal": 1.0, "[Cal]": 1.0, "kJ": 1 / 4.184}),
    MEAN_HEART_RATE: ("average_heart_rate", {"/min": 1.0, "{beats}/min": 1.0}),
}


def is_workout(resource: Json) -> bool:
    return (
        EXERCISE_DURATION in codes_of(resource.get("code"))
        and _start(resource) is not None
        and _seconds(resource) is not None
    )


def workout(ctx: Context, found: Found) -> None:
    resource = found.resource
    start = _start(resource)
    seconds = _seconds(resource)
    assert start is not None and seconds is not None  # is_workout said so
    code = resource.get("code")
    values: dict[str, Any] = {
        "codings": [c for c in codings_of(code) if c["code"] != EXERCISE_DURATION],
        "activity": Activity.OTHER.value,
        "starts_at": start,
        # The day it began where it began, as the file writes the moment.
        "date": start.date(),
        "date_precision": "day",
        "duration": seconds,
        "device": string(obj(resource.get("device")).get("display"))[:200],
        "notes": "\n".join(notes_of(resource)),
    }
    for component in objs(resource.get("component")):
        codes = codes_of(component.get("code"))
        if EXERCISE_ACTIVITY in codes:
            values["activity"] = _activity(component.get("valueCodeableConcept"))
        for code_, (name, units) in MEASURED.items():
            if code_ in codes:
                quantity = obj(component.get("valueQuantity"))
                value = number(quantity.get("value"))
                factor = units.get(string(quantity.get("code")) or string(quantity.get("unit")))
                if value is not None and factor is not None and value >= 0:
                    values[name] = value * factor
    # Our export names it in the code's text; a file that names only the code's
    # concept ("Exercise duration") has it named after its activity.
    values["display"] = string(obj(code).get("text"))[:500] or str(
        Activity(values["activity"]).label
    )
    ctx.entry(found, "workouts", values)


def _activity(answer: object) -> str:
    for coding in objs(obj(answer).get("coding")):
        code = string(coding.get("code"))
        if string(coding.get("system")) == ACTIVITY_SYSTEM and code in Activity.values:
            return code
    # Another file's answer, by its words ("Running", LOINC LA11836-6's display).
    said = {concept_text(answer).casefold()} | {
        string(coding.get("display")).casefold() for coding in objs(obj(answer).get("coding"))
    }
    for value, label in Activity.choices:
        if value != Activity.OTHER and {value, str(label).casefold()} & said:
            return str(value)
    return Activity.OTHER.value


def _start(resource: Json) -> dt.datetime | None:
    written = string(obj(resource.get("effectivePeriod")).get("start")) or string(
        resource.get("effectiveDateTime")
    )
    try:
        moment = parse_datetime(written) if written else None
    except ValueError:
        return None
    # A moment without its offset is no moment anywhere: that file's workout stays a result.
    return moment if moment is not None and moment.tzinfo is not None else None


def _seconds(resource: Json) -> int | None:
    quantity = obj(resource.get("valueQuantity"))
    value = number(quantity.get("value"))
    factor = SECONDS.get(string(quantity.get("code")) or string(quantity.get("unit")))
    if value is None or factor is None or value < 0:
        return None
    return round(value * factor)
