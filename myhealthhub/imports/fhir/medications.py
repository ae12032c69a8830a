"""MedicationStatement and MedicationRequest to a medication, with dose and frequency.

The medicine is named in the resource or in a Medication it refers to, whose
content (name, codes, strength) then goes into the entry. The prescriber is
the request's requester, or that of the prescription a statement is based on
(our own export contains it), or a clinician who is a statement's source; the
pharmacy is the prescription's dispenser. The date is when taking began as
the resource states it, and only without one when it was prescribed.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from myhealthhub.imports.base import date_values
from myhealthhub.imports.fhir import ours
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

# Who, as a statement's source of information, prescribed it (rather than reported it).
CLINICIANS = frozenset({"Practitioner", "PractitionerRole"})

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
    # Our own export keeps a dose that is not a number ("half a tablet") in an extension.
    dose = _dose(dosage) or ours.text(resource, "dose")
    instructions = string(dosage.get("text"))
    if instructions == _in_words(dose, frequency):
        instructions = ""  # only the dose and how often again, as our export writes them
    if instructions and not frequency and len(instructions) <= 100:
        frequency = instructions
    elif instructions:
        notes.append(_("Instructions: %(text)s") % {"text": instructions})
    if patient_instruction := string(dosage.get("patientInstruction")):
        notes.append(patient_instruction)
    prescription = _prescription(ctx, found)
    prescriber = ctx.name_of(resource.get("requester"), found, patients) or ctx.name_of(
        prescription.get("requester"), found, patients
    )
    informant = obj(resource.get("informationSource"))
    if source := ctx.name_of(informant, found, patients):
        # A clinician who stated what the person takes is, as far as the file says,
        # who prescribed it; anyone else (the patient, a relative) only reported it.
        if not prescriber and _kind_of(ctx, found, informant) in CLINICIANS:
            prescriber = source
        else:
            notes.append(_("Reported by: %(name)s") % {"name": source})
    bounds = obj(obj(obj(dosage.get("timing")).get("repeat")).get("boundsPeriod"))
    at = "/dosage/0" if objs(resource.get("dosage")) else "/dosageInstruction/0"
    at += "/timing/repeat/boundsPeriod"
    # The stated start (when taking began) before when the prescription was written.
    start = (
        ctx.date_of(found, "effective") or ctx.when(found, at + "/start", bounds.get("start"))[0]
    )
    # A start the file gives as unknown (effective[x] with only a data-absent
    # reason, as the Austrian IPS writes it) stays unknown: when the statement
    # was written down is not when taking began.
    start_unknown = any(name.lstrip("_").startswith("effective") for name in resource)
    if found.type == "MedicationStatement":
        if not start_unknown:
            start = start or ctx.when(found, "/dateAsserted", resource.get("dateAsserted"))[0]
        period = obj(resource.get("effectivePeriod"))
        end = ctx.when(found, "/effectivePeriod/end", period.get("end"))[0]
    else:
        start = start or ctx.when(found, "/authoredOn", resource.get("authoredOn"))[0]
        end = None
    end = end or ctx.when(found, at + "/end", bounds.get("end"))[0]
    dispense = obj(resource.get("dispenseRequest")) or obj(prescription.get("dispenseRequest"))
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
            "dose": dose,
            "frequency": frequency,
            "route": concept_text(dosage.get("route")),
            "as_needed": dosage.get("asNeededBoolean") is True
            or isinstance(dosage.get("asNeededCodeableConcept"), dict),
            "reason": ctx.reasons(found, patients),
            "prescriber": prescriber,
            "pharmacy": ctx.name_of(dispense.get("performer"), found, patients),
            "notes": "\n".join(notes + notes_of(resource)),
        },
    )


def _prescription(ctx: Context, found: Found) -> Json:
    """The prescription a statement is based on, when the file has it (ours contains it)."""
    if found.type != "MedicationStatement":
        return {}
    for reference in objs(found.resource.get("basedOn")):
        target = ctx.index.resolve(reference, found, "MedicationRequest")
        if target is not None and target.type == "MedicationRequest":
            return target.resource
    return {}


def _kind_of(ctx: Context, found: Found, reference: Json) -> str:
    target = ctx.index.resolve(reference, found) if reference.get("reference") else None
    return target.type if target is not None else string(reference.get("type"))


def _in_words(dose: str, frequency: str) -> str:
    """A dosage's text that says only ``dose`` and ``frequency``, as our export writes it."""
    return ", ".join(part for part in (dose, frequency) if part)


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
