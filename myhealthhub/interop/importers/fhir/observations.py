"""Observation to a result: its value, unit, reference range and components.

A panel (an Observation whose results are ``hasMember`` references) is not a
result itself: its members are entries of their own.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from myhealthhub.interop.importers.base import date_values
from myhealthhub.interop.importers.fhir.context import Context, example_of
from myhealthhub.interop.importers.fhir.fields import (
    all_codes,
    codings_of,
    concept_text,
    notes_of,
    number,
    obj,
    objs,
    quantity_text,
    string,
)
from myhealthhub.interop.importers.fhir.parse import Found, Json

UCUM = "http://unitsofmeasure.org"


def observation(ctx: Context, found: Found) -> None:
    resource = found.resource
    patients = ctx.owner(found)
    code = resource.get("code")
    value_keys = [name for name in resource if name.startswith("value")]
    if not value_keys and not resource.get("component") and resource.get("hasMember"):
        members = [ctx.index.resolve(ref, found) for ref in objs(resource.get("hasMember"))]
        if any(member is not None for member in members):
            ctx.used(found)  # a panel: its results are entries of their own
        else:
            ctx.skip(found, _("a group of results that are not in the file"), example_of(found))
        return
    status = ctx.enum(
        found,
        "/status",
        resource.get("status"),
        ("registered", "preliminary", "final", "amended", "corrected", "cancelled", "unknown"),
    )
    if status == "cancelled":
        ctx.skip(found, _("cancelled: there is no result"), concept_text(code))
        return
    categories = all_codes(resource.get("category"))
    category = next(
        (c for c in ("laboratory", "vital-signs") if c in {x.lower() for x in categories}),
        "other",
    )
    effective, time = None, None
    if "effectiveDateTime" in resource or "effectiveInstant" in resource:
        path = "effectiveDateTime" if "effectiveDateTime" in resource else "effectiveInstant"
        effective, time = ctx.when(found, f"/{path}", resource[path], time_too=True)
    elif isinstance(resource.get("effectivePeriod"), dict):
        start = resource["effectivePeriod"].get("start")
        effective, time = ctx.when(found, "/effectivePeriod/start", start, time_too=True)
    if effective is None and "issued" in resource:
        effective = ctx.when(found, "/issued", resource["issued"])[0]
    values = _observation_value(resource)
    if values["value_number"] is None and not values["value_text"]:
        values["value_text"] = concept_text(resource.get("dataAbsentReason"), code_too=True)
    ranges = objs(resource.get("referenceRange"))
    reference = ranges[0] if ranges else {}
    notes = notes_of(resource)
    performers = ctx.names(
        [p for p in objs(resource.get("performer")) if not _is_patient_reference(p)],
        found,
        patients,
    )
    if performers:
        notes.append(_("Performed by: %(name)s") % {"name": performers})
    if status == "preliminary":
        notes.insert(0, _("Preliminary result"))
    ctx.entry(
        found,
        "results",
        {
            "display": ctx.display(found, concept_text(code)),
            "codings": codings_of(code),
            "category": category,
            **date_values("date", effective),
            "effective_time": time,
            **values,
            "reference_low": number(obj(reference.get("low")).get("value")),
            "reference_high": number(obj(reference.get("high")).get("value")),
            "reference_text": string(reference.get("text")),
            "interpretation": ", ".join(
                concept_text(i, code_too=True) for i in objs(resource.get("interpretation"))
            ),
            "components": _components(resource),
            "notes": "\n".join(notes),
        },
        patients,
    )


def _is_patient_reference(reference: Json) -> bool:
    target = string(reference.get("reference"))
    return target.startswith(("Patient/", "RelatedPerson/")) or "/Patient/" in target


def _observation_value(resource: Json) -> dict[str, Any]:
    values: dict[str, Any] = {
        "value_number": None,
        "comparator": "",
        "unit": "",
        "unit_text": "",
        "value_text": "",
    }
    if "valueQuantity" in resource:
        quantity = obj(resource["valueQuantity"])
        values["value_number"] = number(quantity.get("value"))
        comparator = string(quantity.get("comparator"))
        values["comparator"] = comparator if comparator in ("<", "<=", ">=", ">") else ""
        values["unit"] = _ucum(quantity)
        values["unit_text"] = string(quantity.get("unit"))
    elif "valueInteger" in resource:
        values["value_number"] = number(resource["valueInteger"])
    elif "valueBoolean" in resource and isinstance(resource["valueBoolean"], bool):
        values["value_text"] = _("Yes") if resource["valueBoolean"] else _("No")
    elif "valueCodeableConcept" in resource:
        values["value_text"] = concept_text(resource["valueCodeableConcept"], code_too=True)
    elif "valueRange" in resource:
        value_range = obj(resource["valueRange"])
        low, high = quantity_text(value_range.get("low")), quantity_text(value_range.get("high"))
        values["value_text"] = f"{low}–{high}".strip("–")
    elif "valueRatio" in resource:
        ratio = obj(resource["valueRatio"])
        numerator, denominator = (
            quantity_text(ratio.get("numerator")),
            quantity_text(ratio.get("denominator")),
        )
        values["value_text"] = f"{numerator}/{denominator}" if numerator and denominator else ""
    else:
        for name in ("valueString", "valueDateTime", "valueTime"):
            if text := string(resource.get(name)):
                values["value_text"] = text
                break
        period = obj(resource.get("valuePeriod"))
        if period:
            values["value_text"] = f"{string(period.get('start'))}–{string(period.get('end'))}"
    return values


def _ucum(quantity: Json) -> str:
    system = string(quantity.get("system"))
    return string(quantity.get("code")) if system in (UCUM, "") else ""


def _components(resource: Json) -> list[dict[str, Any]]:
    parts = []
    for component in objs(resource.get("component")):
        codings = codings_of(component.get("code"))
        value: float | str | None = None
        unit = ""
        if "valueQuantity" in component:
            quantity = obj(component["valueQuantity"])
            value = number(quantity.get("value"))
            unit = _ucum(quantity) or string(quantity.get("unit"))
        else:
            value = _observation_value(component)["value_text"] or number(
                component.get("valueInteger")
            )
        parts.append(
            {
                "code": codings[0]["code"] if codings else "",
                "display": concept_text(component.get("code")),
                "value": value,
                "unit": unit,
            }
        )
    # Blood pressure reads systolic first, whichever order the file gives.
    parts.sort(key=lambda part: part["code"] != "8480-6")
    return parts
