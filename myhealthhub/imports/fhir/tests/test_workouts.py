"""An exercise session (LOINC 55411-3) read as a workout, as HL7's Physical Activity guide writes it.

Our own export's workouts come back whole (exports/tests/test_round_trip.py);
here, one another system wrote, and one that is only a day's minutes.
"""

from __future__ import annotations

import datetime as dt

import pytest

from myhealthhub.imports.fhir.tests.test_kinds import only, read

LOINC = "http://loinc.org"
SESSION = {
    "resourceType": "Observation",
    "id": "s1",
    "status": "final",
    "category": [
        {
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/observation-category",
                    "code": "activity",
                }
            ]
        }
    ],
    "code": {"coding": [{"system": LOINC, "code": "55411-3", "display": "Exercise duration"}]},
    "subject": {"reference": "Patient/p1"},
    "effectivePeriod": {"start": "2022-07-18T16:31:00-08:00"},
    "valueQuantity": {
        "value": 45,
        "unit": "minutes",
        "system": "http://unitsofmeasure.org",
        "code": "min",
    },
    "component": [
        {
            "code": {"coding": [{"system": LOINC, "code": "73985-4"}]},
            "valueCodeableConcept": {
                "coding": [{"system": LOINC, "code": "LA11836-6", "display": "Running"}]
            },
        },
        {
            "code": {"coding": [{"system": LOINC, "code": "55425-3"}]},
            "valueQuantity": {"value": 153, "system": "http://unitsofmeasure.org", "code": "/min"},
        },
    ],
}


def test_a_session_another_system_wrote_is_a_workout():
    (workout,) = only(read(SESSION), "workouts")
    values = workout.values
    assert values["starts_at"] == dt.datetime(
        2022, 7, 18, 16, 31, tzinfo=dt.timezone(dt.timedelta(hours=-8))
    )
    assert values["date"] == dt.date(2022, 7, 18)
    assert (values["duration"], values["activity"], values["display"]) == (
        2700,
        "running",
        "Running",
    )
    assert values["average_heart_rate"] == pytest.approx(153.0)
    assert "distance" not in values and "active_energy" not in values
    assert values["codings"] == []


def test_a_days_minutes_of_exercise_stay_a_result():
    daily = {**SESSION, "id": "s2", "effectivePeriod": None, "effectiveDateTime": "2022-06-08"}
    mapping = read(daily)
    assert only(mapping, "workouts") == []
    (result,) = only(mapping, "results")
    assert result.values["value_number"] == 45
