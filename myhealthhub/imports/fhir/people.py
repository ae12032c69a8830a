"""Patients, and the practitioners and organizations around them.

A Patient becomes a person the file is about, never an entry. Practitioners,
their roles, organizations, locations and medications are supporting
resources: mapped after every other resource, once it is known what referred
to them. A practitioner that an entry or a Patient names joins the care team;
an organization does only when a Patient names it (its general practitioner,
its managing organization). Any other supporting resource was used if an
entry took its content (a prescriber, a visit's facility), else skipped.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from myhealthhub.imports.base import PatientFound
from myhealthhub.imports.fhir.context import Context, example_of
from myhealthhub.imports.fhir.fields import (
    address_text,
    all_codes,
    concept_text,
    human_name,
    obj,
    objs,
    string,
    telecom,
    texts_of,
    unique,
)
from myhealthhub.imports.fhir.parse import Found

# Patients ---------------------------------------------------------------------


def patient(ctx: Context, found: Found) -> None:
    resource = found.resource
    key = ctx.patient_keys[id(found)]
    ctx.used(found)
    for name in ("generalPractitioner", "managingOrganization"):
        for reference in objs(resource.get(name)):
            target = ctx.index.resolve(reference, found)
            if target is not None and target.type in ("Organization", "Practitioner"):
                ctx.named_by_patient.setdefault(id(target), set()).add(key)
            elif target is not None:
                ctx.name_from(target, frozenset({key}))
    if any(known.key == key for known in ctx.mapping.patients):
        return  # the same person in two files of one import
    given, family, _shown = human_name(resource.get("name"))
    sex = ctx.enum(found, "/gender", resource.get("gender"), ("female", "male", "other", "unknown"))
    ctx.mapping.patients.append(
        PatientFound(
            key=key,
            given_name=given,
            family_name=family,
            birth=ctx.when(found, "/birthDate", resource.get("birthDate"))[0],
            sex=sex,
            where=found.where(),
        )
    )


def sender_from_patients(ctx: Context, patients: list[Found]) -> str:
    for found in patients:
        reference = found.resource.get("managingOrganization")
        if isinstance(reference, dict):
            name = ctx.name_of(reference, found, frozenset())
            if name:
                return name
    return ""


# Who and where ----------------------------------------------------------------


def link_roles(ctx: Context, supporting: list[Found]) -> None:
    """Each practitioner's roles, for the specialty and organisation of their entry."""
    for found in supporting:
        if found.type == "PractitionerRole":
            person = ctx.index.resolve(
                obj(found.resource.get("practitioner")), found, "Practitioner"
            )
            if person is not None:
                ctx.roles.setdefault(id(person), []).append(found)


def supporting(ctx: Context, found: Found) -> None:
    referred = ctx.referred.get(id(found))
    by_patient = ctx.named_by_patient.get(id(found))
    if found.type == "Practitioner" and (referred is not None or by_patient is not None):
        practitioner(ctx, found, frozenset((referred or set()) | (by_patient or set())))
    elif found.type == "Organization" and by_patient is not None:
        organization(ctx, found, frozenset(by_patient))
    elif referred is not None:
        ctx.used(found)
    else:
        reason = _("not referred to by any record in the file that MyHealthHub keeps")
        ctx.skip(found, reason, example_of(found))


def practitioner(ctx: Context, found: Found, patients: frozenset[str]) -> None:
    resource = found.resource
    roles = ctx.roles.get(id(found), [])
    specialties, organizations = [], []
    for role in roles:
        ctx.refer(role, patients)
        specialties += texts_of(role.resource.get("specialty")) or texts_of(
            role.resource.get("code")
        )
        organizations.append(ctx.name_of(role.resource.get("organization"), role, patients))
    qualifications = [concept_text(q.get("code")) for q in objs(resource.get("qualification"))]
    ctx.entry(
        found,
        "care-team",
        {
            "display": ctx.display(found, human_name(resource.get("name"))[2]),
            "codings": [],
            "role": "clinician",
            "specialty": ", ".join(unique(specialties) or unique(qualifications)),
            "organization": ", ".join(unique(organizations)),
            "phone": telecom(resource, "phone")
            or next(
                (telecom(r.resource, "phone") for r in roles if telecom(r.resource, "phone")),
                "",
            ),
            "email": telecom(resource, "email")
            or next(
                (telecom(r.resource, "email") for r in roles if telecom(r.resource, "email")),
                "",
            ),
            "address": address_text(resource.get("address")),
            "notes": "",
        },
        patients,
    )


def organization(ctx: Context, found: Found, patients: frozenset[str]) -> None:
    resource = found.resource
    types = all_codes(resource.get("type"))
    role = "hospital" if "prov" in types else "insurer" if types & {"ins", "pay"} else "other"
    ctx.entry(
        found,
        "care-team",
        {
            "display": ctx.display(found, string(resource.get("name"))),
            "codings": [],
            "role": role,
            "phone": telecom(resource, "phone"),
            "email": telecom(resource, "email"),
            "address": address_text(resource.get("address")),
            "notes": "",
        },
        patients,
    )
