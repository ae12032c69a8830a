"""The small FHIR R4 data types every resource is made of: dates, codes, references, ids.

Each maker in this package turns one of our rows into a plain JSON dict (FHIR's
camelCase stays here, at the edge). Empty values are left out rather than
written as ``""`` or ``[]``, which FHIR forbids.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import uuid
from collections.abc import Iterable
from typing import Any

from django.utils import timezone

from myhealthhub.imports.units import ucum_code
from myhealthhub.lib import units
from myhealthhub.lib.dates import PartialDate
from myhealthhub.records.models import Entry

Json = dict[str, Any]

UCUM = "http://unitsofmeasure.org"
LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"
CVX = "http://hl7.org/fhir/sid/cvx"
TERMINOLOGY = "http://terminology.hl7.org/CodeSystem/"
# Our own names: an entry's and a profile's UUID, a source's kind, and the few
# fields FHIR has no element for (as extensions).
ENTRY_SYSTEM = "urn:myhealthhub:entry"
PROFILE_SYSTEM = "urn:myhealthhub:profile"
DOCUMENT_SYSTEM = "urn:myhealthhub:document"
SOURCE_KIND_SYSTEM = "urn:myhealthhub:source-kind"
EXTENSION = "urn:myhealthhub:extension:"

_LEADING_NUMBER = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(.*?)\s*$")


def urn(value: uuid.UUID) -> str:
    return f"urn:uuid:{value}"


def reference(value: uuid.UUID, display: str = "") -> Json:
    return prune({"reference": urn(value), "display": display})


def named(display: str) -> Json | None:
    """A reference by name alone: what we know of a prescriber or a facility."""
    return {"display": display} if display else None


def fhir_date(value: PartialDate | None) -> str | None:
    """ "2016", "2016-03" or "2016-03-04": FHIR dates keep our precision."""
    return value.isoformat() if value else None


def fhir_day(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None


def instant(value: dt.datetime) -> str:
    """An instant with its offset, as FHIR requires, in the export's zone.

    The export's zone is the active one (``exports/jobs.py`` ``write_export``):
    a 09:30 appointment in New York reads "…T09:30:00-04:00", not its UTC
    instant. Naive times are read in that zone.
    """
    if timezone.is_naive(value):
        return timezone.make_aware(value).isoformat()
    return timezone.localtime(value).isoformat()


def concept(text: str, codings: Iterable[dict[str, str]] = ()) -> Json:
    written = [
        prune(
            {"system": c.get("system", ""), "code": c.get("code", ""), "display": c.get("display")}
        )
        for c in codings
        if c.get("code") or c.get("display")
    ]
    return prune({"coding": written, "text": text})


def coded(system: str, code: str, display: str = "") -> Json:
    return {"coding": [prune({"system": system, "code": code, "display": display})]}


def texts(*values: str) -> list[Json]:
    return [{"text": value} for value in values if value]


def notes(text: str) -> list[Json]:
    return [{"text": text}] if text.strip() else []


# A primitive FHIR requires but we do not know: "_occurrenceDateTime": UNKNOWN.
UNKNOWN = {
    "extension": [
        {
            "url": "http://hl7.org/fhir/StructureDefinition/data-absent-reason",
            "valueCode": "unknown",
        }
    ]
}


def extension(name: str, value: str) -> Json | None:
    return {"url": EXTENSION + name, "valueString": value} if value else None


def quantity(text: str) -> Json | None:
    """A number and its unit from what a person typed ("850 mg"), or None.

    Only when the quantity reads back as exactly that text: "1-2 tablets" or
    "1,5 mg" stay words rather than become a different amount.
    """
    match = _LEADING_NUMBER.match(text)
    if not match:
        return None
    number = float(match.group(1))
    unit = match.group(2)
    if f"{number:g} {unit}".strip() != text.strip():
        return None
    value: int | float = int(number) if number.is_integer() else number
    return prune({"value": value, "unit": unit})


# A profile's results use a few dozen units, asked about for every value and range.
@functools.lru_cache(maxsize=4096)
def ucum(unit: str) -> str | None:
    """``unit`` when it is itself a UCUM code, else None: "mm[Hg]" is, "mmHg" is not.

    A unit that only names one ("mmHg", "lbs") stays the quantity's text and
    gets no code, so a reader never takes a spelling for a code.
    """
    if not unit or ucum_code(unit) == unit:
        return unit or None
    letters = [char for char in unit if char.isalpha()]
    if letters and all(char.isupper() for char in letters):
        return None  # "MG" parses as megagauss; nobody means it so (importers/units.py)
    try:
        units.registry().from_ucum(unit)
    except Exception:  # ucumvert raises lark and pint errors alike
        return None
    return unit


def coded_quantity(value: float, unit_text: str, unit: str, comparator: str = "") -> Json:
    """A quantity: ``unit`` as its UCUM code when it is one, the person's text beside it.

    A unit that is no UCUM code becomes the text when there is none, so it is not lost.
    """
    code = ucum(unit)
    return prune(
        {
            "value": value,
            "comparator": comparator,
            "unit": unit_text or (None if code else unit),
            "system": UCUM if code else None,
            "code": code,
        }
    )


def codings(entry: Entry) -> list[dict[str, str]]:
    """The entry's codings; an entry with only a code gets it as one (in its kind's system)."""
    if entry.codings or not entry.code:
        return list(entry.codings)
    from myhealthhub.records.kinds import KIND_OF_MODEL

    kind = KIND_OF_MODEL.get(type(entry))
    system = entry.code_system or (kind.code_system if kind else "")
    return [{"system": system, "code": entry.code}]


def identifiers(entry: Entry) -> list[Json]:
    """What the sources called it, then our own UUID, so a re-import finds it again."""
    written = [
        prune({"system": str(item.get("system") or ""), "value": str(item["value"])})
        for item in entry.source_identifiers
        if isinstance(item, dict) and item.get("value")
    ]
    written.append({"system": ENTRY_SYSTEM, "value": str(entry.uuid)})
    return written


def base(entry: Entry, resource_type: str) -> Json:
    return {"resourceType": resource_type, "id": str(entry.uuid), "identifier": identifiers(entry)}


def prune(value: Json) -> Json:
    """``value`` without its empty members (None, "", [], {}); False and 0 stay."""
    # Most members are not empty: the truthy ones are kept without comparing them.
    return {
        k: v for k, v in value.items() if v or (v is not None and v != "" and v != [] and v != {})
    }
