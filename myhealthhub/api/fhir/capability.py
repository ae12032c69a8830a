"""What this server does, as FHIR says it: the CapabilityStatement at ``metadata``."""

from __future__ import annotations

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from myhealthhub.api.fhir.outcomes import FHIR_JSON
from myhealthhub.api.fhir.search import SEARCHABLE
from myhealthhub.exports.fhir_resources import Json
from myhealthhub.exports.fhir_resources.common import instant

FHIR_VERSION = "4.0.1"
# The operations' definitions: IPS names $summary, FHIR core $everything.
SUMMARY = "http://hl7.org/fhir/uv/ips/OperationDefinition/summary"
EVERYTHING = "http://hl7.org/fhir/OperationDefinition/Patient-everything"
IPS_GUIDE = "http://hl7.org/fhir/uv/ips/ImplementationGuide/hl7.fhir.uv.ips"
SEARCH_PARAMS = (
    {"name": "patient", "type": "reference"},
    {"name": "_lastUpdated", "type": "date"},
)


def capability_statement(base_url: str) -> Json:
    patient = {
        "type": "Patient",
        "interaction": [{"code": "read"}],
        "operation": [
            {
                "name": "summary",
                "definition": SUMMARY,
                "documentation": _("The International Patient Summary, as the IPS export."),
            },
            {
                "name": "everything",
                "definition": EVERYTHING,
                "documentation": _(
                    "All of the record as one bundle, as the FHIR export; for the profile's owner."
                ),
            },
        ],
    }
    searched = [
        {
            "type": resource_type,
            "interaction": [{"code": "search-type"}],
            "searchParam": [dict(param) for param in SEARCH_PARAMS],
        }
        for resource_type in SEARCHABLE
    ]
    return {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": instant(timezone.now()),
        "publisher": settings.SITE_NAME,
        "kind": "instance",
        "software": {"name": "MyHealthHub"},
        "implementation": {
            "description": _("A personal health record, read-only for the person's own programs."),
            "url": base_url,
        },
        "fhirVersion": FHIR_VERSION,
        "format": [FHIR_JSON, "json"],
        "implementationGuide": [IPS_GUIDE],
        "rest": [
            {
                "mode": "server",
                "security": {
                    "cors": False,
                    "service": [{"text": "Bearer"}],
                    "description": _(
                        "Send a personal access token with the “read” scope as "
                        "“Authorization: Bearer mhh_…”. Make one on your account page."
                    ),
                },
                "resource": [patient, *searched],
            }
        ],
    }
