"""People: whom the document is about, who keeps it, who wrote it, who cared and who did what.

``recordTarget`` is the patient. The custodian (else the author's
organization, else the visit's facility) is who the entries came from. The
authors, the care providers of the documented service and the visit's
participants become care team members; a Care Team section's members too.
How a person's name reads, and who performed or reported a statement, are
read here for every section.
"""

from __future__ import annotations

import hashlib

from django.utils.translation import gettext as _

from myhealthhub.errors import Refused
from myhealthhub.imports.base import PatientFound, source_system
from myhealthhub.imports.ccda.context import Context
from myhealthhub.imports.ccda.sections import Section
from myhealthhub.imports.ccda.xml import (
    Element,
    attr,
    is_null,
    kid,
    kids,
    path,
    related,
    text_of,
)

SEXES = {"F": "female", "M": "male", "UN": "other", "U": "unknown", "UNK": "unknown"}
# The key of the patient of a document that gives them no id.
UNIDENTIFIED = "cda:patient"
# Names that say no one is named.
NOBODY = frozenset({"unknown", "unk", "na", "n/a", "none"})
# LOINC "information source": who told the clinician (Epic writes it as an observation).
INFORMATION_SOURCE_CODE = "48766-0"


def patient(ctx: Context, root: Element) -> None:
    if len(kids(root, "recordTarget")) > 1:
        raise Refused(
            _(
                "This document is about several people. MyHealthHub imports a document "
                "about one person at a time."
            )
        )
    role = path(root, "recordTarget", "patientRole")
    person = kid(role, "patient")
    key = ctx.id_key(role, alone=False) or UNIDENTIFIED
    given, family, _shown = name_parts(kid(person, "name"))
    birth = ctx.when(kid(person, "birthTime"))
    deceased = ctx.when(kid(person, "sdtc:deceasedTime"))
    died = deceased is not None or attr(kid(person, "sdtc:deceasedInd"), "value") == "true"
    if died and deceased is None:
        ctx.warn(
            "deceased",
            _("The file says this person has died, without a date; the profile does not say so."),
            ctx.where(person if person is not None else root),
        )
    ctx.patients = frozenset({key})
    ctx.mapping.patients.append(
        PatientFound(
            key=key,
            given_name=given,
            family_name=family,
            birth=birth.date if birth else None,
            sex=SEXES.get(attr(kid(person, "administrativeGenderCode"), "code").upper(), ""),
            where=ctx.where(role if role is not None else root),
            deceased=deceased.date if deceased else None,
            died=died,
        )
    )
    if role is None:
        ctx.warn("patient", _("This document does not say whom it is about."), ctx.where(root))
    elif not given and not family:
        ctx.warn(
            "patient",
            _("This document does not give the patient's name; check whom it is about."),
            ctx.where(person if person is not None else role),
        )


def sender(root: Element) -> str:
    """Who the entries came from: the custodian, the author's organization, the facility."""
    candidates = [
        path(root, "custodian", "assignedCustodian", "representedCustodianOrganization", "name"),
        *(
            path(a, "assignedAuthor", "representedOrganization", "name")
            for a in kids(root, "author")
        ),
        path(
            root,
            "componentOf",
            "encompassingEncounter",
            "location",
            "healthCareFacility",
            "serviceProviderOrganization",
            "name",
        ),
    ]
    return next((text for name in candidates if (text := text_of(name))), "")


def system(ctx: Context, root: Element) -> str:
    """The system the document comes from, for ``Mapping.system``; "" when it does not say.

    The custodian keeps the document; without one that says who it is, the
    author's organization wrote it. An organization is known by its id, else
    by its name. Beside it goes the id the document gives the patient (as a
    digest: it is compared, never shown). One system's exports for one
    person all carry the same one; EHRs that copied the same test data
    (ONC's certification samples, custodian and statement ids included:
    Carefluence and Get Real Health) numbered the patient each their own way.
    """
    organizations = [
        path(root, "custodian", "assignedCustodian", "representedCustodianOrganization"),
        *(
            path(author, "assignedAuthor", "representedOrganization")
            for author in kids(root, "author")
        ),
    ]
    organization = next(
        (named for each in organizations if (named := _organization(ctx, each))), ""
    )
    if not organization:
        return ""
    chart = ctx.id_key(path(root, "recordTarget", "patientRole"), alone=False)
    digest = hashlib.sha256(chart.encode()).hexdigest()[:32] if chart else ""
    return source_system("cda", organization, f"patient:{digest}" if digest else "")


def _organization(ctx: Context, organization: Element | None) -> str:
    if organization is None:
        return ""
    if known := ctx.id_key(organization, alone=False):
        return f"id:{known}"
    name = text_of(kid(organization, "name")).casefold()
    return f"name:{name}" if name and name not in NOBODY else ""


def care_team(ctx: Context, root: Element) -> None:
    """The people the header names as caring for the patient: authors and performers."""
    origin = _("Document header")
    assigned: list[Element] = []
    for author in kids(root, "author"):
        if (entity := kid(author, "assignedAuthor")) is not None:
            assigned.append(entity)
    for event in kids(root, "documentationOf"):
        for performer in kids(kid(event, "serviceEvent"), "performer"):
            if (entity := kid(performer, "assignedEntity")) is not None:
                assigned.append(entity)
    encounter = path(root, "componentOf", "encompassingEncounter")
    for name in ("responsibleParty", "encounterParticipant"):
        for participant in kids(encounter, name):
            if (entity := kid(participant, "assignedEntity")) is not None:
                assigned.append(entity)
    # The author is often also the performer: one member, the rest used.
    named: set[str] = set()
    for entity in assigned:
        person = name_parts(path(entity, "assignedPerson", "name"))[2]
        who = ctx.id_key(entity) or person.casefold()
        if who and who in named:
            ctx.used(origin)
            continue
        named.add(who)
        member(ctx, entity, origin)


def member(ctx: Context, entity: Element, origin: str) -> None:
    """One person (or, if no person is named, their organization) as a care team member."""
    person = kid(entity, "assignedPerson")
    organization = kid(entity, "representedOrganization")
    shown = name_parts(kid(person, "name"))[2]
    organization_name = text_of(kid(organization, "name"))
    if not shown and kid(entity, "assignedAuthoringDevice") is not None:
        ctx.used(origin)  # the software that wrote the document: it is its source
        return
    if not shown and not organization_name:
        ctx.skip(entity, origin, _("names nobody"))
        return
    ctx.entry(
        entity,
        origin,
        "care-team",
        {
            "display": shown or organization_name,
            "codings": [],
            "role": "clinician" if shown else "other",
            "specialty": ctx.concept(kid(entity, "code")),
            "organization": organization_name if shown else "",
            "phone": telecom(entity, "tel:") or telecom(organization, "tel:"),
            "email": telecom(entity, "mailto:"),
            "address": address(kid(entity, "addr")) or address(kid(organization, "addr")),
            "notes": "",
        },
    )


def care_team_section(ctx: Context, section: Section) -> None:
    """A Care Team section: an organizer of member acts, each naming one performer."""
    for statement in section.statements():
        members = [kid(c, "act") for c in kids(statement, "component")] or [statement]
        for act in members:
            entity = path(act, "performer", "assignedEntity")
            if act is None or entity is None:
                ctx.skip(statement, section.origin, _("names nobody"))
            else:
                member(ctx, entity, section.origin)


def name_parts(name: Element | None) -> tuple[str, str, str]:
    """(given, family, as shown) of a PN; a name written as plain text is shown as it is.

    A call-me name (``qualifier="CL"``: "Patty" for Patricia) is no part of
    the name on record, and is left out; unless it is the only given name
    (NextGen qualifies the patient's one given name so).
    """
    if name is None or is_null(name):
        return "", "", ""
    given_names = [(g, text) for g in kids(name, "given") if (text := text_of(g))]
    formal = [text for g, text in given_names if not _is_call_me(g)]
    given = " ".join(formal or [text for _g, text in given_names])
    family = " ".join(text for f in kids(name, "family") if (text := text_of(f)))
    prefix = " ".join(text for p in kids(name, "prefix") if (text := text_of(p)))
    suffix = " ".join(text for s in kids(name, "suffix") if (text := text_of(s)))
    if not given and not family:
        return "", "", text_of(name)
    shown = " ".join(part for part in (prefix, given, family, suffix) if part)
    return given, family, shown


def _is_call_me(given: Element) -> bool:
    return "CL" in attr(given, "qualifier").upper().split()


def person_name(person: Element | None) -> str:
    """How a person (an ``assignedPerson``) is shown; "" if they are named as nobody."""
    shown = name_parts(kid(person, "name"))[2]
    return "" if shown.casefold() in NOBODY else shown


def performers(statement: Element | None) -> str:
    """Who performed it: "Dr Name (Organization)", the name, or the organization."""
    found: list[str] = []
    for performer in kids(statement, "performer"):
        entity = kid(performer, "assignedEntity")
        person = person_name(kid(entity, "assignedPerson"))
        organization = text_of(path(entity, "representedOrganization", "name"))
        organization = "" if organization.casefold() in NOBODY else organization
        shown = f"{person} ({organization})" if person and organization else person or organization
        if shown and shown not in found:
            found.append(shown)
    return ", ".join(found)[:200]


def reported_by(statement: Element) -> str:
    """Who gave the information: an information source observation (Epic), else an informant."""
    for observation in related(statement):
        is_source = attr(kid(observation, "code"), "code") == INFORMATION_SOURCE_CODE
        if is_source and (text := text_of(kid(observation, "value"))):
            return text
    for informant in kids(statement, "informant"):
        entity = kid(informant, "assignedEntity")
        if shown := name_parts(path(entity, "assignedPerson", "name"))[2]:
            return shown
        if shown := name_parts(path(informant, "relatedEntity", "relatedPerson", "name"))[2]:
            return shown
    return ""


def telecom(element: Element | None, scheme: str) -> str:
    for point in kids(element, "telecom"):
        value = attr(point, "value")
        if value.lower().startswith(scheme):
            return value[len(scheme) :].strip()
    return ""


def address(addr: Element | None) -> str:
    if addr is None or is_null(addr):
        return ""
    lines = [text for line in kids(addr, "streetAddressLine") if (text := text_of(line))]
    parts = [*lines]
    for name in ("city", "state", "postalCode", "country"):
        if text := text_of(kid(addr, name)):
            parts.append(text)
    return ", ".join(parts) or text_of(addr)
