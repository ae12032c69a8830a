"""Our entries as FHIR R4 resources: one maker per kind, shared by the FHIR and IPS exports.

``RESOURCES`` maps a kind's slug (records/kinds.py) to the function that
turns one of its entries into a resource dict, given the reference to the
Patient. Every resource's id is the entry's UUID and its fullUrl
``urn:uuid:<uuid>``, so references between resources need no lookup; its
``identifier`` lists what its sources called it, then ``urn:myhealthhub:entry``.

Where FHIR R4 has no resource of the same shape, the choice made:

- a care team member: a Practitioner (a clinician) or an Organization (a
  pharmacy, lab, hospital, insurer), each named by the Patient's
  ``generalPractitioner`` so that a reader knows they are this person's;
- a medication review: a Procedure coded SNOMED CT 182836005 "Review of
  medication", with whom as the performer's function;
- a note: a DocumentReference typed LOINC 51855-5 "Patient Note", its text inside;
- "no known allergies": an AllergyIntolerance coded SNOMED CT 716186003;
- a workout: an Observation coded LOINC 55411-3 "Exercise duration", as HL7's
  Physical Activity guide writes one (workouts.py).

Every field goes in a standard element where FHIR has one: a medicine's
prescriber and pharmacy are those of the prescription the statement is
``basedOn`` (a contained MedicationRequest: ``requester``,
``dispenseRequest.performer``), how often is a ``Timing`` (its ``repeat`` when
the words say one, timing.py, and the words as its text). Only fields FHIR has
no element for (an appointment's questions, a visit's notes, a strength in
words) are extensions, ``urn:myhealthhub:extension:<field>`` holding exactly the
column's value; the FHIR importer reads those back (imports/fhir/ours.py), so
our own export comes back whole (exports/tests/test_round_trip.py).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from myhealthhub.exports.fhir_resources import (
    clinical,
    medications,
    observations,
    people,
    workouts,
)
from myhealthhub.exports.fhir_resources.common import Json, urn

Maker = Callable[[Any, Json], Json]

RESOURCES: dict[str, Maker] = {
    "medications": medications.medication,
    "conditions": clinical.condition,
    "allergies": clinical.allergy,
    "no-known-allergies": clinical.no_known_allergies,
    "immunizations": clinical.immunization,
    "results": observations.observation,
    "procedures": clinical.procedure,
    "visits": clinical.encounter,
    "appointments": clinical.appointment,
    "care-team": people.care_team_member,
    "family-history": clinical.family_history,
    "medication-reviews": medications.medication_review,
    "workouts": workouts.workout,
    "notes": medications.note,
}


def bundle_entry(resource: Json) -> Json:
    """A resource as a bundle entry, its fullUrl the ``urn:uuid:`` of its id."""
    return {"fullUrl": f"urn:uuid:{resource['id']}", "resource": resource}


__all__ = ["RESOURCES", "Json", "Maker", "bundle_entry", "people", "urn"]
