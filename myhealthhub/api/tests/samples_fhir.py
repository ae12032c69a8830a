"""A request to every FHIR URL name against the conftest ``world``, for the API's access matrix.

Each sample is ``(kwargs, query, needs, expected_status)``: the URL's
arguments, its query string, what the caller needs (scope, role) or None
for a public endpoint, and what a caller who has that answers.
"""

from __future__ import annotations

from collections.abc import Callable

from myhealthhub.conftest import World

Sample = tuple[dict[str, str], dict[str, str], tuple[str, str] | None, int]


def metadata(world: World) -> Sample:
    return {}, {}, None, 200


def patient(world: World) -> Sample:
    return {"patient_id": str(world.profile.uuid)}, {}, ("read", "viewer"), 200


def summary(world: World) -> Sample:
    return {"patient_id": str(world.profile.uuid)}, {}, ("read", "viewer"), 200


def everything(world: World) -> Sample:
    # The full FHIR export, which on the web too only the owner may make.
    return {"patient_id": str(world.profile.uuid)}, {}, ("read", "owner"), 200


def search(world: World) -> Sample:
    query = {"patient": str(world.profile.uuid), "_lastUpdated": "ge2000-01-01"}
    return {"resource_type": "MedicationStatement"}, query, ("read", "viewer"), 200


SAMPLES: dict[str, Callable[[World], Sample]] = {
    "fhir:metadata": metadata,
    "fhir:patient": patient,
    "fhir:summary": summary,
    "fhir:everything": everything,
    "fhir:search": search,
}
