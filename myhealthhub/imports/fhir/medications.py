"""MedicationStatement and MedicationRequest to a medication, with dose and frequency.

The medicine is named in the resource or in a Medication it refers to, whose
content (name, codes, strength) then goes into the entry.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from myhealthhub.imports.base import date_values
from myhealthhub.imports.fhir.context import Context
from myhealthhub.imports.fhir.fields import (
    codings_of,
    concept_text,
    notes_of,
    number,
    obj,
    objs,
    quantity_text,
    string,
)
from myhealthhub.imports.fhir.parse import Found, Json
from myhealthhub.imports.timing import frequency

# MedicationStatement and MedicationRequest statuses to a medication's status.
STATUSES = {
    "active": "active",
    "completed": "completed",
    "intended": "intended",
    "stopped": "stopped",
    "on-hold": "on-hold",
    "unknown": "unknown",
    "not-taken": "stopped",
    "cancelled": "stopped",
    "draft": "intended",
}


def medication(ctx: Context, found: Found) -> None:
    resource = found.resource
    patients = ctx.owner(found)
    concept: object = resource.get("medicationCodeableConcept")
    strength = ""
    reference = resource.get("medicationReference")
    if concept is None and isinstance(reference, dict):
        target = ctx.index.resolve(reference, found, "Medication")
        if target is not None and target.type == "Medication":
            ctx.refer(target, patients)
            concept = target.resource.get("code")
            strength = _strength(target.resource)
        else:
            concept = {"text": string(reference.get("display"))}
            if not string(reference.get("display")):
                ctx.warn(
                    "medication",
                    _("The medicine this refers to is not in the file."),
                    found.where("/medicationReference"),
                )
    if ctx.absent_or_unknown(found, concept):
        return
    status = STATUSES.get(ctx.enum(found, "/status", resource.get("status"), STATUSES), "")
    dosages = objs(resource.get("dosage")) or objs(resource.get("dosageInstruction"))
    dosage = dosages[0] if dosages else {}
    notes = []
    if resource.get("status") == "not-taken":
        notes.append(_("Not taken"))
    frequency = _frequency(dosage.get("timing"))
    instructions = string(dosage.get("text"))
    if instructions and not frequency and len(instructions) <= 100:
        frequency = instructions
    elif instructions:
        notes.append(_("Instructions: %(text)s") % {"text": instructions})
    if patient_instruction := string(dosage.get("patientInstruction")):
        notes.append(patient_instruction)
    if source := ctx.name_of(resource.get("informationSource"), found, patients):
        notes.append(_("Reported by: %(name)s") % {"name": source})
    if found.type == "MedicationStatement":
        start = (
            ctx.date_of(found, "effective")
            or ctx.when(found, "/dateAsserted", resource.get("dateAsserted"))[0]
        )
        period = obj(resource.get("effectivePeriod"))
        end = ctx.when(found, "/effectivePeriod/end", period.get("end"))[0]
    else:
        start = ctx.when(found, "/authoredOn", resource.get("authoredOn"))[0]
        end = None
    dispense = obj(resource.get("dispenseRequest"))
    ctx.entry(
        found,
        "medications",
        {
            "display": ctx.display(found, concept_text(concept)),
            "codings": codings_of(concept),
            **date_values("date", start),
            **date_values("end_date", end),
            "status": status or "active",
            "strength": strength,
            "dose": _dose(dosage),
            "frequency": frequency,
            "route": concept_text(dosage.get("route")),
            "as_needed": dosage.get("asNeededBoolean") is True
            or isinstance(dosage.get("asNeededCodeableConcept"), dict),
            "reason": ctx.reasons(found, patients),
            "prescriber": ctx.name_of(resource.get("requester"), found, patients),
            "pharmacy": ctx.name_of(dispense.get("performer"), found, patients),
            "notes": "\n".join(notes + notes_of(resource)),
        },
    )


def _strength(medication: Json) -> str:
    for ingredient in objs(medication.get("ingredient")):
        ratio = obj(ingredient.get("strength"))
        numerator = quantity_text(ratio.get("numerator"))
        denominator = obj(ratio.get("denominator"))
        if numerator:
            per = quantity_text(denominator) if number(denominator.get("value")) != 1 else ""
            per = per or string(denominator.get("unit"))
            return f"{numerator}/{per}" if per and per != "1" else numerator
    return ""


def _dose(dosage: Json) -> str:
    for dose in objs(dosage.get("doseAndRate")):
        if quantity := quantity_text(dose.get("doseQuantity")):
            return quantity
        dose_range = obj(dose.get("doseRange"))
        low, high = quantity_text(dose_range.get("low")), quantity_text(dose_range.get("high"))
        if low or high:
            return f"{low}–{high}".strip("–")
    return ""


def _frequency(value: object) -> str:
    timing = obj(value)
    if text := concept_text(timing.get("code")):
        return text
    repeat = obj(timing.get("repeat"))
    return frequency(
        number(repeat.get("frequency")),
        number(repeat.get("period")),
        string(repeat.get("periodUnit")),
    )
