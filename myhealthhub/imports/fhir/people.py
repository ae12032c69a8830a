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


def link_same_people(ctx: Context, patients: list[Found]) -> None:
    """Patients of the file linked to one another (``Patient.link``) are one person.

    FHIR links only records of the same person: a stub that holds nothing but
    a link to the full record, a record "replaced by" another. Every Patient
    of a linked group takes the key of the first one that names the person
    (else the first), before anything else is keyed by whom it is about.
    """
    group_of = {id(found): id(found) for found in patients}

    def root(of: int) -> int:
        while group_of[of] != of:
            of = group_of[of]
        return of

    for found in patients:
        for link in objs(found.resource.get("link")):
            other = ctx.index.resolve(obj(link.get("other")), found, "Patient")
            if other is not None and id(other) in group_of:
                group_of[root(id(other))] = root(id(found))
    groups: dict[int, list[Found]] = {}
    for found in patients:
        groups.setdefault(root(id(found)), []).append(found)
    for members in groups.values():
        if len(members) < 2:
            continue
        named = [found for found in members if _names_someone(found)]
        canonical = (named or members)[0]
        for found in members:
            ctx.keys[id(found)] = ctx.key(canonical)


def _names_someone(found: Found) -> bool:
    given, family, _shown = human_name(found.resource.get("name"))
    return bool(given or family)


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
    given, family, _shown = human_name(resource.get("name"))
    earlier = next(
        (index for index, known in enumerate(ctx.mapping.patients) if known.key == key), None
    )
    if earlier is not None and (ctx.mapping.patients[earlier].name or not (given or family)):
        return  # the same person in two files of one import, or linked: said once
    sex = ctx.enum(found, "/gender", resource.get("gender"), ("female", "male", "other", "unknown"))
    deceased = ctx.when(found, "/deceasedDateTime", resource.get("deceasedDateTime"))[0]
    died = deceased is not None or resource.get("deceasedBoolean") is True
    if died and deceased is None:
        _died_without_date(ctx, found.where("/deceasedBoolean"))
    person = PatientFound(
        key=key,
        given_name=given,
        family_name=family,
        birth=ctx.when(found, "/birthDate", resource.get("birthDate"))[0],
        sex=sex,
        where=found.where(),
        identifiers=tuple(_identifiers_shown(resource)),
        deceased=deceased,
        died=died,
    )
    if earlier is None:
        ctx.mapping.patients.append(person)
    else:
        ctx.mapping.patients[earlier] = person  # a nameless stub came first


def _died_without_date(ctx: Context, where: str) -> None:
    ctx.warn(
        "deceased",
        _("The file says this person has died, without a date; the profile does not say so."),
        where,
    )


def _identifiers_shown(resource: dict[str, object]) -> list[str]:
    """The record numbers a person would recognise: "MRN 12345", or the value alone."""
    shown = []
    for identifier in objs(resource.get("identifier")):
        value = string(identifier.get("value"))
        if not value or identifier.get("use") == "old":
            continue
        label = concept_text(identifier.get("type"))
        shown.append(f"{label} {value}" if label else value)
    return unique(shown)


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
            "portal_url": telecom(resource, "url"),
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
            "portal_url": telecom(resource, "url"),
            "notes": "",
        },
        patients,
    )
