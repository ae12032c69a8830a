"""FHIR R4 resources to a ``Mapping``: unsaved entries, documents, and what was left out.

Read tolerantly with plain dict access (DESIGN.md: strict models break on
real vendor files): a field of the wrong shape is treated as absent, a quirk
that could be read anyway (an enum in the wrong case, an unreadable date) is
read and reported as a warning that points into the file.

Every resource read from the files ends in exactly one place: one entry, one
document, ``mapping.used`` (its content went into other entries: a
Medication into its statement, an Organization into a visit's facility), or
``mapping.skipped`` with a reason. Extra items made from one resource (a
report's PDF, a second attachment) carry a dotted origin such as
"DiagnosticReport.presentedForm" and are not counted against the resource.

This module decides the order; each resource type has a handler in a module
of its own, listed in ``HANDLERS``.
"""

from __future__ import annotations

from collections.abc import Callable

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop as N_

from myhealthhub.imports.base import Mapping
from myhealthhub.imports.fhir import (
    allergies,
    appointments,
    clinical,
    documents,
    family,
    medications,
    observations,
    ours,
    people,
    plans,
    systems,
)
from myhealthhub.imports.fhir.context import Context, FirstLook, example_of
from myhealthhub.imports.fhir.fields import codes_of, string
from myhealthhub.imports.fhir.parse import Found, Parsed
from myhealthhub.imports.fhir.references import SUPPORTING
from myhealthhub.lib.dates import PartialDate

Handler = Callable[[Context, Found], None]

# What each resource type becomes; Patient and SUPPORTING types are mapped apart.
HANDLERS: dict[str, Handler] = {
    "Condition": clinical.condition,
    "MedicationStatement": medications.medication,
    "MedicationRequest": medications.medication,
    "AllergyIntolerance": allergies.allergy,
    "Immunization": clinical.immunization,
    "Observation": observations.observation,
    "DiagnosticReport": documents.report,
    "Procedure": clinical.procedure,
    "Encounter": clinical.encounter,
    "Appointment": appointments.appointment,
    "FamilyMemberHistory": family.family_history,
    "DocumentReference": documents.document_reference,
    "CarePlan": plans.care_plan,
    "Goal": plans.goal,
    "Composition": documents.composition,
    "Bundle": Context.used,
}

# Why other resource types are left out (translated when used: a lookup per resource).
_BILLING = N_("billing record; MyHealthHub does not keep these")
_INSURANCE = N_("insurance record; MyHealthHub does not keep these")
_DEVICE = N_("device record; MyHealthHub does not keep these")
_CHANGES = N_("record of who changed what; MyHealthHub does not keep these")
_SUPPLY = N_("supply record; MyHealthHub does not keep these")
NOT_KEPT = {
    "Claim": _BILLING,
    "ClaimResponse": _BILLING,
    "ExplanationOfBenefit": _BILLING,
    "Invoice": _BILLING,
    "Account": _BILLING,
    "ChargeItem": _BILLING,
    "PaymentNotice": _BILLING,
    "PaymentReconciliation": _BILLING,
    "Coverage": _INSURANCE,
    "CoverageEligibilityRequest": _INSURANCE,
    "CoverageEligibilityResponse": _INSURANCE,
    "ImagingStudy": N_("list of images that are not in the file"),
    "Device": _DEVICE,
    "DeviceUseStatement": _DEVICE,
    "Provenance": _CHANGES,
    "AuditEvent": _CHANGES,
    "Flag": N_("alert flag; MyHealthHub does not keep these"),
    "SupplyDelivery": _SUPPLY,
    "SupplyRequest": _SUPPLY,
    "MedicationAdministration": N_(
        "record of one dose given; MyHealthHub keeps the medicine, not each dose"
    ),
    "MedicationDispense": N_(
        "pharmacy dispense record; MyHealthHub keeps the medicine, not each dispense"
    ),
    "OperationOutcome": N_("message from the sending system, not a record"),
}


def to_mapping(parsed: Parsed, first_look: FirstLook | None = None) -> Mapping:
    ctx = Context(parsed, first_look)
    # Patients first: every other resource's key and owner depend on theirs.
    patients = [f for f in parsed.resources if f.type == "Patient"]
    people.link_same_people(ctx, patients)
    for found in patients:
        ctx.add_patient(found)
    for found in patients:
        people.patient(ctx, found)
    observations.link_panels(ctx, ctx.naming_members)
    supporting = []
    for found in parsed.resources:
        if found.type == "Patient":
            continue
        if found.type in SUPPORTING:
            supporting.append(found)
        else:
            _mapped(HANDLERS.get(found.type, _not_kept), ctx, found)
    if not ctx.mapping.sender:
        ctx.mapping.sender = people.sender_from_patients(ctx, patients)
    _what_it_is(ctx.mapping, parsed.resources)
    ctx.mapping.system = systems.system_of(parsed)
    # Supporting resources last, once every entry that refers to them is known;
    # practitioners first, as their entries refer to their roles' organizations.
    practitioners = [f for f in supporting if f.type == "Practitioner"]
    people.link_roles(ctx, supporting)
    for found in practitioners + [f for f in supporting if f.type != "Practitioner"]:
        _mapped(people.supporting, ctx, found)
    documents.link_documents(ctx.mapping)
    ctx.flush_warnings()
    return ctx.mapping


def _what_it_is(mapping: Mapping, resources: list[Found]) -> None:
    """The file's title and date, for its Source: a document's Composition says them.

    Without one, a file that is one DocumentReference is that document; the
    description of one among many would misname the rest. The dates were read,
    and warned about, by the resources' own handlers: unreadable ones stay empty.
    """
    compositions = [f for f in resources if f.type == "Composition" and not f.contained]
    references = [f for f in resources if f.type == "DocumentReference" and not f.contained]
    if compositions:
        resource = compositions[0].resource
        mapping.title = string(resource.get("title"))
        mapping.written = _day(resource.get("date"))
    elif len(references) == 1:
        resource = references[0].resource
        mapping.title = string(resource.get("description"))
        mapping.written = _day(resource.get("date"))


def _day(value: object) -> PartialDate | None:
    """The date part of a FHIR date or dateTime as written, without converting its zone."""
    try:
        return PartialDate.parse(string(value)[:10])
    except ValueError:
        return None


def _mapped(handler: Handler, ctx: Context, found: Found) -> None:
    """``handler`` on ``found``, then what our own export kept in extensions (ours.py).

    Unless the resource is marked entered in error: then it is skipped, saying so.
    """
    with found.opened():
        if _in_error(ctx, found):
            return
        first = len(ctx.mapping.entries)
        handler(ctx, found)
        ours.read_back(found.resource, ctx.mapping.entries.tail(first))


def _in_error(ctx: Context, found: Found) -> bool:
    resource = found.resource
    statuses = [string(resource.get("status")).lower()]
    statuses += [code.lower() for code in codes_of(resource.get("verificationStatus"))]
    if "entered-in-error" in statuses:
        ctx.skip(found, _("marked as entered in error"), example_of(found))
        return True
    return False


def _not_kept(ctx: Context, found: Found) -> None:
    reason = NOT_KEPT.get(found.type)
    ctx.skip(
        found,
        _(reason)
        if reason
        else _("%(type)s record; MyHealthHub does not keep these") % {"type": found.type},
        example_of(found),
    )
