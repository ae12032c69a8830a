"""The person, their care team, their documents, and where everything came from."""

from __future__ import annotations

import base64
import hashlib
import uuid
from collections.abc import Iterable

from myhealthhub.documents import keys
from myhealthhub.documents.models import Document
from myhealthhub.exports.fhir_resources.common import (
    DOCUMENT_SYSTEM,
    LOINC,
    PROFILE_SYSTEM,
    SOURCE_KIND_SYSTEM,
    UNKNOWN,
    Json,
    base,
    concept,
    extension,
    fhir_date,
    instant,
    prune,
    reference,
    urn,
)
from myhealthhub.exports.paths import document_path
from myhealthhub.imports.carried import DOCUMENT_KINDS
from myhealthhub.profiles.models import EmergencyContact, Profile
from myhealthhub.records.models import CareTeamMember, Source

# Our document kinds to a LOINC document code (the importer's table, read backwards).
KIND_CODES = {kind: code for code, kind in reversed(list(DOCUMENT_KINDS.items()))}
# Care team roles as an organization's type (http://terminology.hl7.org/CodeSystem/organization-type).
ORGANIZATION_TYPES = {"hospital": "prov", "insurer": "ins"}
# The roles a Practitioner or an organization's type says without an extension.
STANDARD_ROLES = frozenset({"clinician", *ORGANIZATION_TYPES})


def patient_reference(profile: Profile) -> Json:
    return reference(profile.uuid, profile.name)


def patient(
    profile: Profile, contacts: Iterable[EmergencyContact], care_team: Iterable[uuid.UUID] = ()
) -> Json:
    return prune(
        {
            "resourceType": "Patient",
            "id": str(profile.uuid),
            "identifier": [{"system": PROFILE_SYSTEM, "value": str(profile.uuid)}],
            "name": [
                prune(
                    {
                        "use": "official",
                        "text": profile.name,
                        "family": profile.family_name,
                        "given": [profile.given_name] if profile.given_name else [],
                    }
                )
            ],
            "gender": profile.sex,
            "birthDate": fhir_date(profile.birth),
            # IPS requires a birth date: an unknown one says it is unknown.
            "_birthDate": None if profile.birth else UNKNOWN,
            "communication": [
                {
                    "language": concept(
                        "", [{"system": "urn:ietf:bcp:47", "code": profile.language}]
                    ),
                    "preferred": True,
                }
            ],
            "contact": [_contact(contact) for contact in contacts],
            # The care team as the person's own practitioners and organisations.
            "generalPractitioner": [{"reference": urn(member)} for member in care_team],
        }
    )


def _contact(contact: EmergencyContact) -> Json:
    return prune(
        {
            "relationship": [
                concept(
                    contact.relationship,
                    [{"system": "http://terminology.hl7.org/CodeSystem/v2-0131", "code": "C"}],
                )
            ],
            "name": {"text": contact.name},
            "telecom": [
                point
                for point in (
                    {"system": "phone", "value": contact.phone} if contact.phone else None,
                    {"system": "email", "value": contact.email} if contact.email else None,
                )
                if point
            ],
            "extension": [e for e in (extension("notes", contact.notes),) if e],
        }
    )


def care_team_member(entry: CareTeamMember, patient: Json) -> Json:
    """A clinician as a Practitioner; a pharmacy, lab, hospital or insurer as an Organization."""
    telecom = [
        point
        for point in (
            {"system": "phone", "value": entry.phone} if entry.phone else None,
            {"system": "email", "value": entry.email} if entry.email else None,
            {"system": "url", "value": entry.portal_url} if entry.portal_url else None,
        )
        if point
    ]
    address = [{"text": entry.address}] if entry.address else []
    clinician = entry.role == "clinician"
    # What FHIR has no element for: a pharmacy or laboratory (organization types
    # name neither), an organisation's specialty, a clinician's organisation (a
    # PractitionerRole of its own would be), the person's number there, notes.
    details = [
        e
        for e in (
            extension("role", entry.role) if entry.role not in STANDARD_ROLES else None,
            extension("specialty", entry.specialty) if not clinician else None,
            extension("organization", entry.organization),
            extension("member-number", entry.member_number),
            extension("notes", entry.notes),
        )
        if e
    ]
    if clinician:
        return prune(
            {
                **base(entry, "Practitioner"),
                "name": [{"text": entry.display}],
                "telecom": telecom,
                "address": address,
                "qualification": ([{"code": concept(entry.specialty)}] if entry.specialty else []),
                "extension": details,
            }
        )
    kind = ORGANIZATION_TYPES.get(entry.role, "other")
    return prune(
        {
            **base(entry, "Organization"),
            "name": entry.display,
            "type": [
                concept(
                    str(entry.get_role_display()),
                    [
                        {
                            "system": "http://terminology.hl7.org/CodeSystem/organization-type",
                            "code": kind,
                        }
                    ],
                )
            ],
            "telecom": telecom,
            "address": address,
            "extension": details,
        }
    )


def document_reference(document: Document, patient: Json, related: Iterable[uuid.UUID]) -> Json:
    """A kept file, pointing to where the full archive stores it (paths.document_path)."""
    code = KIND_CODES.get(document.kind)
    return prune(
        {
            "resourceType": "DocumentReference",
            "id": str(document.uuid),
            "identifier": [{"system": DOCUMENT_SYSTEM, "value": str(document.uuid)}],
            "status": "current",
            "type": concept(
                str(document.get_kind_display()),
                [{"system": LOINC, "code": code}] if code else [],
            ),
            "subject": patient,
            "description": document.description,
            "custodian": {"display": document.facility} if document.facility else None,
            "content": [
                {
                    "attachment": prune(
                        {
                            "contentType": document.content_type,
                            "url": document_path(document),
                            "size": document.size,
                            "hash": _sha1(document),
                            "title": document.title,
                        }
                    )
                }
            ],
            "context": prune(
                {
                    "period": {"start": fhir_date(document.when)} if document.when else None,
                    "related": [{"reference": urn(entry)} for entry in related],
                }
            ),
            "extension": [e for e in (extension("why", document.why),) if e],
        }
    )


def _sha1(document: Document) -> str:
    """FHIR's Attachment.hash: the SHA-1 of the plaintext, base64; we keep only SHA-256."""
    digest = hashlib.sha1()  # noqa: S324  (FHIR R4 names SHA-1 for Attachment.hash)
    for chunk in keys.read(document.file):
        digest.update(chunk)
    return base64.b64encode(digest.digest()).decode("ascii")


def provenance_head(source: Source) -> Json:
    """A source's Provenance, but for its ``target`` (written one reference at a time)."""
    agent = prune(
        {
            "type": concept(
                str(source.get_kind_display()),
                [{"system": SOURCE_KIND_SYSTEM, "code": source.kind}],
            ),
            "who": {"display": source.label or str(source.get_kind_display())},
            "onBehalfOf": {"display": source.facility} if source.facility else None,
        }
    )
    return {
        "resourceType": "Provenance",
        "id": str(source.uuid),
        "recorded": instant(source.received_at),
        "agent": [agent],
    }
