"""A workout as one Observation, in the codes of HL7's Physical Activity guide.

The guide (hl7.org/fhir/us/physical-activity) writes an exercise session as
observations coded LOINC 55411-3 "Exercise duration" and 73985-4 "Exercise
activity", with 55424-6 for the calories and 55425-3 for the mean heart
rate. A workout is one entry here, so it is one Observation: its duration is
the value, the start and end its period, and the rest its components. The
guide has no code for the distance covered: that component is named by our
own system, as is the activity (its text says it to any reader, its code
reads back exactly). The importer reads all of it back (imports/fhir/workouts.py).
"""

from __future__ import annotations

import datetime as dt

from myhealthhub.exports.fhir_resources.common import (
    LOINC,
    TERMINOLOGY,
    UCUM,
    Json,
    base,
    coded,
    codings,
    concept,
    instant,
    notes,
    prune,
)
from myhealthhub.imports.fhir.workouts import (
    ACTIVITY_SYSTEM,
    CALORIES,
    DISTANCE,
    EXERCISE_ACTIVITY,
    EXERCISE_DURATION,
    MEAN_HEART_RATE,
    WORKOUT_SYSTEM,
)
from myhealthhub.records.models import Workout


def workout(entry: Workout, patient: Json) -> Json:
    end = entry.starts_at + dt.timedelta(seconds=entry.duration)
    return prune(
        {
            **base(entry, "Observation"),
            "status": "final",
            "category": [coded(TERMINOLOGY + "observation-category", "activity", "Activity")],
            "code": concept(
                entry.display,
                [
                    *(c for c in codings(entry) if c.get("code") != EXERCISE_DURATION),
                    {"system": LOINC, "code": EXERCISE_DURATION, "display": "Exercise duration"},
                ],
            ),
            "subject": patient,
            "device": {"display": entry.device} if entry.device else None,
            "effectivePeriod": {"start": instant(entry.starts_at), "end": instant(end)},
            "valueQuantity": _quantity(entry.duration / 60, "min"),
            "component": [
                {
                    "code": coded(LOINC, EXERCISE_ACTIVITY, "Exercise activity"),
                    "valueCodeableConcept": concept(
                        str(entry.get_activity_display()),
                        [{"system": ACTIVITY_SYSTEM, "code": entry.activity}],
                    ),
                },
                *_measured(
                    {"system": WORKOUT_SYSTEM, "code": DISTANCE, "display": "Distance"},
                    entry.distance,
                    "m",
                ),
                *_measured(
                    {"system": LOINC, "code": CALORIES, "display": "Calories burned"},
                    entry.active_energy,
                    "kcal",
                ),
                *_measured(
                    {"system": LOINC, "code": MEAN_HEART_RATE, "display": "Mean heart rate"},
                    entry.average_heart_rate,
                    "/min",
                ),
            ],
            "note": notes(entry.notes),
        }
    )


def _quantity(value: float, unit: str) -> Json:
    return {"value": value, "unit": unit, "system": UCUM, "code": unit}


def _measured(coding: dict[str, str], value: float | None, unit: str) -> list[Json]:
    if value is None:
        return []
    return [{"code": {"coding": [coding]}, "valueQuantity": _quantity(value, unit)}]
