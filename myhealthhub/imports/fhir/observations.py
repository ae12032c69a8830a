"""Observation to a result: its value, unit, reference range and components.

A panel (an Observation whose results are ``hasMember`` references) is not a
result itself: its members are entries of their own, and who performed the
panel (a lab) performed them too.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from myhealthhub.imports.base import date_values
from myhealthhub.imports.fhir import workouts
from myhealthhub.imports.fhir.context import Context, example_of
from myhealthhub.imports.fhir.fields import (
    all_codes,
    codings_of,
    concept_text,
    notes_of,
    obj,
    objs,
    quantity_text,
    string,
    unique,
)
from myhealthhub.imports.fhir.parse import Found, Json
from myhealthhub.records import taken

UCUM = "http://unitsofmeasure.org"


def link_panels(ctx: Context, resources: list[Found]) -> None:
    """The panels each observation is a member of, before any observation is mapped."""
    for found in resources:
        resource = found.resource
        if found.type != "Observation" or not is_panel(resource):
            continue
        if string(resource.get("status")).lower() == "entered-in-error":
            continue
        for reference in objs(resource.get("hasMember")):
            member = ctx.index.resolve(reference, found)
            if member is not None and member.type == "Observation" and not member.contained:
                ctx.panels.setdefault(id(member), []).append(found)


def is_panel(resource: Json) -> bool:
    """An observation that holds no result of its own, only references to its members."""
    has_value = any(name.startswith("value") for name in resource)
    return not has_value and not resource.get("component") and bool(resource.get("hasMember"))


def observation(ctx: Context, found: Found) -> None:
    resource = found.resource
    if workouts.is_workout(resource):
        workouts.workout(ctx, found)
        return
    patients = ctx.owner(found)
    code = resource.get("code")
    if is_panel(resource):
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
    values = _observation_value(ctx, found, "", resource)
    if values["value_number"] is None and not values["value_text"]:
        absent = resource.get("dataAbsentReason")
        values["value_text"] = concept_text(absent, code_too=True, keep_unknown=True)
    ranges = objs(resource.get("referenceRange"))
    reference = ranges[0] if ranges else {}
    notes = notes_of(resource)
    performers = ", ".join(
        unique(
            ctx.name_of(performer, origin, patients)
            for origin in (found, *_panels_of(ctx, found))
            for performer in objs(origin.resource.get("performer"))
            if not _is_patient_reference(performer)
        )
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
            "effective_time": taken.wall_clock(time),
            "effective_offset": taken.offset_minutes(time),
            **values,
            "reference_low": ctx.amount(
                found, "/referenceRange/0/low/value", obj(reference.get("low")).get("value")
            ),
            "reference_high": ctx.amount(
                found, "/referenceRange/0/high/value", obj(reference.get("high")).get("value")
            ),
            "reference_text": string(reference.get("text")),
            "interpretation": ", ".join(
                concept_text(i, code_too=True, keep_unknown=True)
                for i in objs(resource.get("interpretation"))
            ),
            "components": _components(ctx, found),
            "notes": "\n".join(notes),
        },
        patients,
    )


def _panels_of(ctx: Context, found: Found) -> list[Found]:
    """The panels ``found`` is in, and the panels those are in, nearest first."""
    panels: list[Found] = []
    seen = {id(found)}
    queue = [found]
    while queue:
        for panel in ctx.panels.get(id(queue.pop(0)), []):
            if id(panel) not in seen:
                seen.add(id(panel))
                panels.append(panel)
                queue.append(panel)
    return panels


def _is_patient_reference(reference: Json) -> bool:
    target = string(reference.get("reference"))
    return target.startswith(("Patient/", "RelatedPerson/")) or "/Patient/" in target


def _observation_value(ctx: Context, found: Found, path: str, resource: Json) -> dict[str, Any]:
    """The value of ``resource``: the observation, or its component at ``path``."""
    values: dict[str, Any] = {
        "value_number": None,
        "comparator": "",
        "unit": "",
        "unit_text": "",
        "value_text": "",
    }
    if "valueQuantity" in resource:
        quantity = obj(resource["valueQuantity"])
        values["value_number"] = ctx.amount(
            found, f"{path}/valueQuantity/value", quantity.get("value")
        )
        comparator = string(quantity.get("comparator"))
        values["comparator"] = comparator if comparator in ("<", "<=", ">=", ">") else ""
        values["unit"] = _ucum(quantity)
        values["unit_text"] = string(quantity.get("unit"))
    elif "valueInteger" in resource:
        values["value_number"] = ctx.amount(found, f"{path}/valueInteger", resource["valueInteger"])
    elif "valueBoolean" in resource and isinstance(resource["valueBoolean"], bool):
        values["value_text"] = _("Yes") if resource["valueBoolean"] else _("No")
    elif "valueCodeableConcept" in resource:
        # An answer of "Unknown" (HIV status, smoking) is a result, not a missing name.
        answer = resource["valueCodeableConcept"]
        values["value_text"] = concept_text(answer, code_too=True, keep_unknown=True)
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


def _components(ctx: Context, found: Found) -> list[dict[str, Any]]:
    parts = []
    written = found.resource.get("component")
    listed = written if isinstance(written, list) else [written]
    for index, component in enumerate(listed):
        if not isinstance(component, dict):
            continue
        here = f"/component/{index}" if isinstance(written, list) else "/component"
        codings = codings_of(component.get("code"))
        read = _observation_value(ctx, found, here, component)
        value: float | str | None = read["value_number"]
        unit = ""
        if "valueQuantity" in component:
            quantity = obj(component["valueQuantity"])
            unit = _ucum(quantity) or string(quantity.get("unit"))
        else:
            value = read["value_text"] or value
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
