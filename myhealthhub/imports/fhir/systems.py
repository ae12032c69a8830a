"""Which system a FHIR file comes from, for ``Mapping.system`` (imports/planning.py).

The first of these the file says, read the same way from every export of one
server so that its exports name it alike:

1. its bundles' ``meta.source``, which FHIR defines as the system the bundle
   comes from (without the "#request-id" a HAPI server appends);
2. the base of its entries' full URLs ("https://fhir.example.org/R4" of
   "https://fhir.example.org/R4/Condition/123"): the server that holds them;
3. who numbered the patient: the system, else the assigner, of the Patient's
   medical record number, else of its first identifier that is not one of
   the numbers a person carries everywhere (a social security number, a
   passport, a driving licence say nothing of the system).

Where several files or patients say different things, the one most of them
say. A file that says none of these (a lone resource, NDJSON with bare ids)
names no system: "". Our own export names every system (``EVERY_SYSTEM``):
it is a copy of a record, whose entries are what other sources said.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from myhealthhub.imports.base import EVERY_SYSTEM, source_system
from myhealthhub.imports.fhir.fields import codes_of, obj, objs, string
from myhealthhub.imports.fhir.parse import Found, Json, Parsed
from myhealthhub.imports.fhir.references import identifier_value

# What our own export calls the person whose record it is (exports/fhir_resources/common.py).
OUR_PROFILES = "urn:myhealthhub:profile"
# Identifier types (HL7 v2 table 0203) of numbers a person carries everywhere.
PERSONAL_TYPES = frozenset({"SS", "SB", "DL", "PPN", "NI", "NH", "CZ"})
PERSONAL_SYSTEMS = frozenset(
    {
        "http://hl7.org/fhir/sid/us-ssn",
        "urn:oid:2.16.840.1.113883.4.1",  # US Social Security number
        "http://hl7.org/fhir/sid/us-medicare",
        "http://hl7.org/fhir/sid/us-mbi",
    }
)
PERSONAL_PREFIXES = (
    "http://hl7.org/fhir/sid/passport-",
    "urn:oid:2.16.840.1.113883.4.3.",  # US driving licences, by state
)


def system_of(parsed: Parsed) -> str:
    """``fhir:...`` for the system the file comes from, or "" when it does not say."""
    patients = [
        found for found in parsed.resources if found.type == "Patient" and not found.contained
    ]
    if any(_ours(found.resource) for found in patients):
        return EVERY_SYSTEM
    source = _commonest(each.partition("#")[0].strip() for each in parsed.bundle_sources)
    if source:
        return source_system("fhir", f"source:{source}")
    base = _commonest(_base(found) for found in parsed.resources if not found.contained)
    if base:
        return source_system("fhir", f"server:{base}")
    numbered_by = _commonest(_numbered_by(found.resource) for found in patients)
    return source_system("fhir", f"patients:{numbered_by}" if numbered_by else "")


def _ours(patient: Json) -> bool:
    """Whether the Patient is one our own export wrote: a profile of MyHealthHub's."""
    return any(
        string(identifier.get("system")) == OUR_PROFILES
        for identifier in objs(patient.get("identifier"))
    )


def _base(found: Found) -> str:
    """The server part of a RESTful full URL: all before "/Type/id" (and "/_history/n")."""
    url = found.full_url
    if not url.startswith(("http://", "https://")):
        return ""
    base, separator, rest = url.rpartition(f"/{found.type}/")
    logical, _history, version = rest.partition("/_history/")
    if not separator or not logical or "/" in logical or "/" in version:
        return ""
    return base.rstrip("/")


def _numbered_by(patient: Json) -> str:
    """The system (else the assigner) of the patient's record number, else of another id."""
    found = [
        identifier
        for identifier in objs(patient.get("identifier"))
        if identifier.get("use") != "old" and not _personal(identifier)
    ]
    record_numbers = [each for each in found if "MR" in codes_of(each.get("type"))]
    for identifier in [*record_numbers, *found]:
        system = string(identifier.get("system"))
        if system:
            return system
        assigner = obj(identifier.get("assigner"))
        numbered = obj(assigner.get("identifier"))
        named = (
            string(assigner.get("reference"))
            or "|".join(filter(None, (string(numbered.get("system")), identifier_value(numbered))))
            or string(assigner.get("display"))
        )
        if named:
            return f"assigner:{named}"
    return ""


def _personal(identifier: Json) -> bool:
    system = string(identifier.get("system"))
    return (
        system in PERSONAL_SYSTEMS
        or system.startswith(PERSONAL_PREFIXES)
        or bool(codes_of(identifier.get("type")) & PERSONAL_TYPES)
    )


def _commonest(values: Iterable[str]) -> str:
    """The value said most often (the least of equals, whatever the order); "" for none."""
    counts = Counter(value for value in values if value)
    if not counts:
        return ""
    return min(counts.items(), key=lambda item: (-item[1], item[0]))[0]
