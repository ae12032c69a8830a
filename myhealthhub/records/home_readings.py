"""Readings a person takes at home and types in: each filled value becomes a result.

They are clinical observations, not device samples (docs/data-model.md): a
person looked at each one, and each keeps its source and history.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from myhealthhub.accounts.models import User
from myhealthhub.profiles.models import Profile
from myhealthhub.records.actions import create_entry
from myhealthhub.records.kinds import KINDS, LOINC
from myhealthhub.records.models import Entry


@dataclass(frozen=True)
class Reading:
    field: str
    loinc: str
    name: str
    unit: str


READINGS = (
    Reading("pulse", "8867-4", "Heart rate", "/min"),
    Reading("weight", "29463-7", "Body weight", "kg"),
    Reading("temperature", "8310-5", "Body temperature", "Cel"),
    Reading("oxygen", "59408-5", "Oxygen saturation", "%"),
)
GLUCOSE = Reading("glucose", "2339-0", "Glucose", "")  # unit chosen by the person
BLOOD_PRESSURE = "85354-9"


@transaction.atomic
def add_home_readings(
    profile: Profile,
    *,
    actor: User,
    request: HttpRequest | None,
    when: dt.datetime,
    values: dict[str, Any],
) -> list[Entry]:
    local = timezone.localtime(when)
    common = {
        "category": "vital-signs",
        "date": local.date(),
        "effective_time": local.time().replace(microsecond=0),
    }
    made = []

    def add(display: str, code: str, **fields: Any) -> None:
        coding = [{"system": LOINC, "code": code, "display": display}]
        made.append(
            create_entry(
                KINDS["results"],
                profile,
                actor=actor,
                request=request,
                values={
                    **common,
                    "display": display,
                    "codings": coding,
                    "code_system": LOINC,
                    "code": code,
                    **fields,
                },
            )
        )

    if values.get("systolic") is not None and values.get("diastolic") is not None:
        add(
            "Blood pressure",
            BLOOD_PRESSURE,
            components=[
                {
                    "code": "8480-6",
                    "display": "Systolic",
                    "value": values["systolic"],
                    "unit": "mm[Hg]",
                },
                {
                    "code": "8462-4",
                    "display": "Diastolic",
                    "value": values["diastolic"],
                    "unit": "mm[Hg]",
                },
            ],
        )
    for reading in READINGS:
        if values.get(reading.field) is not None:
            add(
                reading.name,
                reading.loinc,
                value_number=values[reading.field],
                unit=reading.unit,
                unit_text=reading.unit,
            )
    if values.get("glucose") is not None:
        unit = values.get("glucose_unit") or "mg/dL"
        add(GLUCOSE.name, GLUCOSE.loinc, value_number=values["glucose"], unit=unit, unit_text=unit)
    return made
