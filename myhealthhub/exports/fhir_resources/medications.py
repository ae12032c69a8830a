"""Medicines taken, reviews of the list, and the person's own notes.

A medication review has no resource of its own in FHIR R4: it is something a
pharmacist or physician did with the person, so a Procedure coded SNOMED CT
182836005 "Review of medication". A note is a document the person wrote: a
DocumentReference typed LOINC 51855-5 "Patient Note" whose text is inline.
"""

from __future__ import annotations

import base64

from myhealthhub.exports.fhir_resources.common import (
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
    dosage = prune(
        {
            # The frequency as the person wrote it ("twice a day"), as the timing's text.
            "timing": {"code": {"text": entry.frequency}} if entry.frequency else None,
            "asNeededBoolean": True if entry.as_needed else None,
            "route": concept(entry.route) if entry.route else None,
            "doseAndRate": [{"doseQuantity": dose}] if dose else [],
            # A dose that is not a number ("half a tablet") stays in words.
            "text": entry.dose if entry.dose and not dose else None,
        }
    )
    resource = {
        **base(entry, "MedicationStatement"),
        "status": entry.status,
        "medicationCodeableConcept": None if strength else medicine,
        "medicationReference": {"reference": "#medicine"} if strength else None,
        "contained": (
            [
                {
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
            ]
            if strength
            else []
        ),
        "subject": patient,
        "effectivePeriod": prune({"start": start, "end": end}) if end else None,
        "effectiveDateTime": start if not end else None,
        # IPS requires a time: an unknown start says it is unknown (data-absent-reason).
        "_effectiveDateTime": None if start or end else UNKNOWN,
        "reasonCode": texts(entry.reason),
        "note": notes(entry.notes),
        "dosage": [dosage] if dosage else [],
        "extension": [
            e
            for e in (
                # A strength that is not a number ("forte") has no other place.
                extension("strength", entry.strength) if entry.strength and not strength else None,
                extension("prescriber", entry.prescriber),
                extension("pharmacy", entry.pharmacy),
            )
            if e
        ],
    }
    return prune(resource)


def medication_review(entry: MedicationReview, patient: Json) -> Json:
    return prune(
        {
            **base(entry, "Procedure"),
            "status": "completed",
            "category": concept("", [{"system": SNOMED, "code": "386053000"}]),
            "code": concept(
                entry.display,
                [{"system": SNOMED, "code": MEDICATION_REVIEW, "display": "Review of medication"}],
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
            "extension": [e for e in (extension("next-due", fhir_day(entry.next_due) or ""),) if e],
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
        }
    )
