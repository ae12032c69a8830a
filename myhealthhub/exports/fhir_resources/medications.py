"""Medicines taken, reviews of the list, and the person's own notes.

A medication review has no resource of its own in FHIR R4: it is something a
pharmacist or physician did with the person, so a Procedure coded SNOMED CT
182836005 "Review of medication". A note is a document the person wrote: a
DocumentReference typed LOINC 51855-5 "Patient Note" whose text is inline.
"""

from __future__ import annotations

import base64

from myhealthhub.exports.fhir_resources import timing
from myhealthhub.exports.fhir_resources.common import (
    EXTENSION,
    LOINC,
    SNOMED,
    UNKNOWN,
    Json,
    base,
    codings,
    concept,
    extension,
    fhir_date,
    fhir_day,
    notes,
    prune,
    quantity,
    texts,
)
from myhealthhub.records.models import Medication, MedicationReview, Note

MEDICATION_REVIEW = "182836005"
# Whom the list was reviewed with, as SNOMED CT occupations.
REVIEWERS = {"pharmacist": "46255001", "physician": "309343006", "nurse": "106292003"}
PATIENT_NOTE = "51855-5"


def medication(entry: Medication, patient: Json) -> Json:
    start, end = fhir_date(entry.when), fhir_date(entry.end)
    medicine = concept(entry.display, codings(entry))
    strength = quantity(entry.strength)
    dose = quantity(entry.dose)
    resource = {
        **base(entry, "MedicationStatement"),
        "status": entry.status,
        "medicationCodeableConcept": None if strength else medicine,
        "medicationReference": {"reference": "#medicine"} if strength else None,
        "contained": [
            part
            for part in (
                _medicine(medicine, strength) if strength else None,
                _prescription(entry, medicine, patient),
            )
            if part
        ],
        # Who prescribed it and where it is dispensed are the prescription's: the
        # statement is based on it.
        "basedOn": ([{"reference": "#prescription"}] if entry.prescriber or entry.pharmacy else []),
        "subject": patient,
        "effectivePeriod": prune({"start": start, "end": end}) if end else None,
        "effectiveDateTime": start if not end else None,
        # IPS requires a time: an unknown start says it is unknown (data-absent-reason).
        "_effectiveDateTime": None if start or end else UNKNOWN,
        "reasonCode": texts(entry.reason),
        "note": notes(entry.notes),
        "dosage": [d for d in (_dosage(entry, dose),) if d],
        "extension": [
            e
            for e in (
                # A strength or dose that is not a number ("forte", "half a tablet")
                # has no element of its own: the dosage's text says it only in passing.
                extension("strength", entry.strength) if entry.strength and not strength else None,
                extension("dose", entry.dose) if entry.dose and not dose else None,
            )
            if e
        ],
    }
    return prune(resource)


def _dosage(entry: Medication, dose: Json | None) -> Json:
    """How much, how often and how: the frequency as a structured timing when it is one.

    The person's own words stay the timing's text (a reader shows them, our
    importer reads them back as typed), and the whole instruction the dosage's text.
    """
    repeat = timing.repeat(entry.frequency) if entry.frequency else None
    return prune(
        {
            "text": ", ".join(part for part in (entry.dose, entry.frequency) if part),
            "timing": (
                prune({"repeat": repeat, "code": {"text": entry.frequency}})
                if entry.frequency
                else None
            ),
            "asNeededBoolean": True if entry.as_needed else None,
            "route": concept(entry.route) if entry.route else None,
            "doseAndRate": [{"doseQuantity": dose}] if dose else [],
        }
    )


def _medicine(medicine: Json, strength: Json) -> Json:
    return {
        "resourceType": "Medication",
        "id": "medicine",
        "code": medicine,
        "ingredient": [
            {
                "itemCodeableConcept": medicine,
                "strength": {"numerator": strength, "denominator": {"value": 1}},
            }
        ],
    }


def _prescription(entry: Medication, medicine: Json, patient: Json) -> Json | None:
    """The prescription behind the statement: its requester and its dispenser, by name."""
    if not entry.prescriber and not entry.pharmacy:
        return None
    return prune(
        {
            "resourceType": "MedicationRequest",
            "id": "prescription",
            "status": "unknown",
            "intent": "order",
            "medicationCodeableConcept": medicine,
            "subject": patient,
            "requester": (
                {"type": "Practitioner", "display": entry.prescriber} if entry.prescriber else None
            ),
            "dispenseRequest": (
                {"performer": {"type": "Organization", "display": entry.pharmacy}}
                if entry.pharmacy
                else None
            ),
        }
    )


def medication_review(entry: MedicationReview, patient: Json) -> Json:
    return prune(
        {
            **base(entry, "Procedure"),
            "status": "completed",
            "category": concept("", [{"system": SNOMED, "code": "386053000"}]),
            # What it is to FHIR, beside what it was coded as (a source's own code).
            "code": concept(
                entry.display,
                [
                    *(c for c in codings(entry) if c.get("code") != MEDICATION_REVIEW),
                    {
                        "system": SNOMED,
                        "code": MEDICATION_REVIEW,
                        "display": "Review of medication",
                    },
                ],
            ),
            "subject": patient,
            "performedDateTime": fhir_date(entry.when),
            "_performedDateTime": None if entry.when else UNKNOWN,
            "performer": [
                {
                    "function": concept(
                        str(entry.get_with_whom_display()),
                        [{"system": SNOMED, "code": REVIEWERS[entry.with_whom]}]
                        if entry.with_whom in REVIEWERS
                        else [],
                    ),
                    "actor": {"display": entry.reviewer or str(entry.get_with_whom_display())},
                }
            ],
            "outcome": concept(entry.outcome) if entry.outcome else None,
            "note": notes(entry.notes),
            # FHIR has no element for when the next review is due.
            "extension": (
                [{"url": EXTENSION + "next-due", "valueDate": fhir_day(entry.next_due)}]
                if entry.next_due
                else []
            ),
        }
    )


def note(entry: Note, patient: Json) -> Json:
    text = entry.body.encode("utf-8")
    return prune(
        {
            **base(entry, "DocumentReference"),
            "status": "current",
            "type": concept(
                "", [{"system": LOINC, "code": PATIENT_NOTE, "display": "Patient Note"}]
            ),
            "subject": patient,
            "description": entry.display,
            "content": [
                {
                    "attachment": prune(
                        {
                            "contentType": "text/plain; charset=utf-8",
                            "data": base64.b64encode(text).decode("ascii"),
                            "title": entry.display,
                            "size": len(text),
                        }
                    )
                }
            ],
            "context": {"period": {"start": fhir_date(entry.when)}} if entry.when else None,
            # A DocumentReference has no note: what is said about the note beside its text.
            "extension": [e for e in (extension("notes", entry.notes),) if e],
        }
    )
