"""A valid request of each entries and readings operation, against the conftest ``world``.

operationId → (world) -> (path parameters, JSON body or None, status for a caller allowed).
The API's access matrix (test_api_matrix.py) sends each with every kind of token.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils import timezone

from myhealthhub.conftest import World

Sample = tuple[dict[str, str], dict[str, Any] | None, int]


def _medication(world: World) -> dict[str, str]:
    return {
        "profile_uuid": str(world.profile.uuid),
        "kind": "medications",
        "entry_uuid": str(world.medication.uuid),
    }


def list_entries(world: World) -> Sample:
    return {"profile_uuid": str(world.profile.uuid), "kind": "medications"}, None, 200


def read_entry(world: World) -> Sample:
    return _medication(world), None, 200


def create_entry(world: World) -> Sample:
    body = {"display": "Ibuprofen", "dose": "400 mg", "date": "2024-05", "as_needed": True}
    return {"profile_uuid": str(world.profile.uuid), "kind": "medications"}, body, 201


def update_entry(world: World) -> Sample:
    return _medication(world), {"version": world.medication.version, "dose": "2 tablets"}, 200


def replace_entry(world: World) -> Sample:
    body = {"version": world.medication.version, "display": "Metformin", "dose": "2 tablets"}
    return _medication(world), body, 200


def delete_entry(world: World) -> Sample:
    return _medication(world), None, 204


def push_readings(world: World) -> Sample:
    body = {
        "items": [
            {
                "key": "scale-1",
                "metric": "weight",
                "value": 71.5,
                "unit": "kg",
                "time": timezone.now().isoformat(),
                "source": "Bathroom scale",
            }
        ]
    }
    return {"profile_uuid": str(world.profile.uuid)}, body, 200


def list_readings(world: World) -> Sample:
    return {"profile_uuid": str(world.profile.uuid)}, None, 200


SAMPLES: dict[str, Callable[[World], Sample]] = {
    sample.__name__: sample
    for sample in (
        list_entries,
        read_entry,
        create_entry,
        update_entry,
        replace_entry,
        delete_entry,
        push_readings,
        list_readings,
    )
}
