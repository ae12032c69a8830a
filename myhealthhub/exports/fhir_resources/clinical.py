"""Conditions, allergies, immunizations, procedures, visits, appointments, family history."""

from __future__ import annotations

from typing import Any

from myhealthhub.exports.fhir_resources.common import (
    CVX,
    EXTENSION,
    SNOMED,
    TERMINOLOGY,
    UNKNOWN,
    Json,
    base,
    coded,
    codings,
    concept,
    extension,
    fhir_date,
    instant,
    named,
    notes,
    prune,
    texts,
)
from myhealthhub.records.models import (
    Allergy,
    Appointment,
    Condition,
    Encounter,
    FamilyHistory,
    Immunization,
    NoKnownAllergies,
    Procedure,
)

NO_KNOWN_ALLERGY = "716186003"
# R4's con-4: an abatement only beside a status that says the condition has ended.
ENDED = frozenset({"inactive", "remission", "resolved"})
SEVERITY_CODES = {"mild": "255604002", "moderate": "6736007", "severe": "24484000"}
REACTION_SEVERITIES = frozenset(SEVERITY_CODES)


def condition(entry: Condition, patient: Json) -> Json:
    resolved = fhir_date(entry.resolved)
    ended = entry.clinical_status in ENDED
    return prune(
        {
            **base(entry, "Condition"),
            "clinicalStatus": coded(TERMINOLOGY + "condition-clinical", entry.clinical_status),
            "verificationStatus": coded(TERMINOLOGY + "condition-ver-status", entry.verification),
            "category": [coded(TERMINOLOGY + "condition-category", "problem-list-item")],
            "severity": (
                concept(
                    entry.severity, [{"system": SNOMED, "code": SEVERITY_CODES[entry.severity]}]
                )
                if entry.severity in SEVERITY_CODES
                else None
            ),
            "code": concept(entry.display, codings(entry)),
            "subject": patient,
            "onsetDateTime": fhir_date(entry.when),
            "abatementDateTime": resolved if ended else None,
            "note": notes(entry.notes),
            # A resolved date beside an active status (it came back) is kept as ours.
            "extension": (
                [{"url": EXTENSION + "resolved", "valueDateTime": resolved}]
                if resolved and not ended
                else []
            ),
        }
    )


def allergy(entry: Allergy, patient: Json) -> Json:
    listed: list[dict[str, Any]] = [r for r in entry.reactions if isinstance(r, dict)] or [
        {"manifestation": entry.reaction, "severity": entry.reaction_severity}
    ]
    reactions = [
        prune(
            {
                "manifestation": texts(str(r.get("manifestation") or "")),
                "severity": r.get("severity") if r.get("severity") in REACTION_SEVERITIES else None,
            }
        )
        for r in listed
        if r.get("manifestation")
    ]
    return prune(
        {
            **base(entry, "AllergyIntolerance"),
            "clinicalStatus": coded(TERMINOLOGY + "allergyintolerance-clinical", entry.status),
            "verificationStatus": coded(
                TERMINOLOGY + "allergyintolerance-verification", "confirmed"
            ),
            "type": entry.allergy_type,
            "category": [entry.category] if entry.category else [],
            "criticality": entry.criticality,
            "code": concept(entry.display, codings(entry)),
            "patient": patient,
            "onsetDateTime": fhir_date(entry.when),
            "recordedDate": fhir_date(entry.recorded),
            "reaction": reactions,
            "note": notes(entry.notes),
        }
    )


def no_known_allergies(entry: NoKnownAllergies, patient: Json) -> Json:
    """The statement, as an allergy coded "no known allergy" (SNOMED CT, as IPS STU2 does)."""
    coded_as = codings(entry) or [
        {"system": SNOMED, "code": NO_KNOWN_ALLERGY, "display": "No known allergy (situation)"}
    ]
    return prune(
        {
            **base(entry, "AllergyIntolerance"),
            "clinicalStatus": coded(TERMINOLOGY + "allergyintolerance-clinical", "active"),
            "verificationStatus": coded(
                TERMINOLOGY + "allergyintolerance-verification", "confirmed"
            ),
            "code": concept(entry.display, coded_as),
            "patient": patient,
            "recordedDate": fhir_date(entry.when),
            "note": notes(entry.notes),
        }
    )


def immunization(entry: Immunization, patient: Json) -> Json:
    vaccine = sorted(codings(entry), key=lambda c: c.get("system") != CVX)
    occurrence = fhir_date(entry.when)
    return prune(
        {
            **base(entry, "Immunization"),
            "status": entry.status,
            "vaccineCode": concept(entry.display, vaccine),
            "patient": patient,
            "occurrenceDateTime": occurrence,
            # FHIR requires an occurrence: an undated dose says it is unknown,
            # in words and as a data-absent-reason a program can read.
            "occurrenceString": None if occurrence else "unknown",
            "_occurrenceString": None if occurrence else UNKNOWN,
            "lotNumber": entry.lot_number,
            "location": named(entry.location),
            # Who gave it, by name: a nurse or pharmacist, as the administering provider.
            "performer": (
                [
                    {
                        "function": coded(TERMINOLOGY + "v2-0443", "AP", "Administering Provider"),
                        "actor": {"type": "Practitioner", "display": entry.performer},
                    }
                ]
                if entry.performer
                else []
            ),
            "site": concept(entry.site) if entry.site else None,
            "note": notes(entry.notes),
            "protocolApplied": (
                [{"doseNumberPositiveInt": entry.dose_number}] if entry.dose_number else []
            ),
        }
    )


def procedure(entry: Procedure, patient: Json) -> Json:
    return prune(
        {
            **base(entry, "Procedure"),
            "status": "completed",
            "code": concept(entry.display, codings(entry)),
            "subject": patient,
            "performedDateTime": fhir_date(entry.when),
            # IPS requires a time: an undated procedure says it is unknown.
            "_performedDateTime": None if entry.when else UNKNOWN,
            "performer": [{"actor": named(entry.performer)}] if entry.performer else [],
            "location": named(entry.location),
            "reasonCode": texts(entry.reason),
            "outcome": concept(entry.outcome) if entry.outcome else None,
            "note": notes(entry.notes),
        }
    )


def encounter(entry: Encounter, patient: Json) -> Json:
    return prune(
        {
            **base(entry, "Encounter"),
            "status": "finished",
            # FHIR R4 requires a class; a visit a person writes down is, as a rule, outpatient.
            "class": {
                "system": "http://terminology.hl7.org/CodeSystem/v3-ActCode",
                "code": "AMB",
                "display": "ambulatory",
            },
            "type": [concept(entry.display, codings(entry))],
            "subject": patient,
            "participant": ([{"individual": named(entry.clinician)}] if entry.clinician else []),
            "period": prune({"start": fhir_date(entry.when), "end": fhir_date(entry.end)}),
            "reasonCode": texts(entry.reason),
            "serviceProvider": named(entry.facility),
            "extension": [e for e in (extension("notes", entry.notes),) if e],
        }
    )


def appointment(entry: Appointment, patient: Json) -> Json:
    participants = [{"actor": patient, "status": "accepted"}]
    # Named only, each typed, so a reader tells the clinician from the place.
    if entry.clinician:
        participants.append(
            {"actor": {"type": "Practitioner", "display": entry.clinician}, "status": "accepted"}
        )
    if entry.facility:
        participants.append(
            {"actor": {"type": "Location", "display": entry.facility}, "status": "accepted"}
        )
    return prune(
        {
            **base(entry, "Appointment"),
            "status": entry.status,
            "description": entry.display,
            "serviceType": [concept(entry.display, codings(entry))] if codings(entry) else [],
            "start": instant(entry.starts_at),
            "end": instant(entry.ends_at) if entry.ends_at else None,
            # R4 (app-2): start and end come together; an unknown end says so.
            "_end": None if entry.ends_at else UNKNOWN,
            "reasonCode": texts(entry.reason),
            "comment": entry.notes,
            "patientInstruction": entry.bring,
            "participant": participants,
            "extension": [
                e
                for e in (
                    extension("address", entry.address),
                    extension("questions", entry.questions),
                )
                if e
            ],
        }
    )


def family_history(entry: FamilyHistory, patient: Json) -> Json:
    return prune(
        {
            **base(entry, "FamilyMemberHistory"),
            "status": "completed",
            "patient": patient,
            "date": fhir_date(entry.when),
            "relationship": concept(entry.relative or "relative"),
            "condition": [
                prune(
                    {
                        "code": concept(entry.display, codings(entry)),
                        "contributedToDeath": entry.deceased or None,
                        "onsetAge": (
                            {
                                "value": entry.onset_age,
                                "unit": "years",
                                "system": "http://unitsofmeasure.org",
                                "code": "a",
                            }
                            if entry.onset_age is not None
                            else None
                        ),
                    }
                )
            ],
            "note": notes(entry.notes),
        }
    )
