"""Visits: each encounter activity that took place.

A visit is named by its code (often a billing code's description, "Office
visit, established patient"); a file that gives only the kind of visit, as
an HL7 class or an evaluation and management code, gets the same words the
FHIR importer uses. Its reason is the diagnosis recorded at the visit, or
the indication that brought the person in. One planned or cancelled is not
a visit that happened.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from myhealthhub.imports.base import date_values
from myhealthhub.imports.ccda.codes import CANCELLED, PLANNED
from myhealthhub.imports.ccda.comments import comments
from myhealthhub.imports.ccda.context import Context
from myhealthhub.imports.ccda.people import person_name
from myhealthhub.imports.ccda.procedures import location_addresses, locations, reasons
from myhealthhub.imports.ccda.sections import Section
from myhealthhub.imports.ccda.xml import (
    Element,
    attr,
    codings,
    kid,
    kids,
    local,
    members,
    path,
)
from myhealthhub.imports.fhir.clinical import VISIT_CLASSES

ACT_CODES = "2.16.840.1.113883.5.4"
CPT = "2.16.840.1.113883.6.12"
# CPT evaluation and management codes, by range, as the visit classes they bill.
CPT_CLASSES = (
    (99201, 99215, "AMB"),
    (99217, 99239, "IMP"),
    (99281, 99288, "EMER"),
    (99341, 99350, "HH"),
)


def read(ctx: Context, section: Section) -> None:
    for statement in section.statements():
        for element in members(statement, "encounter"):
            encounter(ctx, section, element)


def encounter(ctx: Context, section: Section, element: Element) -> None:
    origin = section.origin
    code = kid(element, "code")
    shown = ctx.concept(code) or _visit_class(code)
    if local(element) != "encounter":
        ctx.skip(element, origin, _("not a visit"), shown)
        return
    if element.get("moodCode", "EVN").upper() in PLANNED:
        ctx.skip(element, origin, _("a planned visit"), shown)
        return
    status = attr(kid(element, "statusCode"), "code").lower()
    if element.get("negationInd") == "true" or status in CANCELLED:
        ctx.skip(element, origin, _("a cancelled visit"), shown)
        return
    shown = shown or _("Visit")
    start, end = ctx.span(element)
    when = start or end
    notes = [_("Address: %(address)s") % {"address": text} for text in location_addresses(element)]
    notes.extend(comments(ctx, element))
    ctx.entry(
        element,
        origin,
        "visits",
        {
            "display": shown[:200],
            "codings": codings(code),
            **date_values("date", when.date if when else None),
            **date_values("end_date", end.date if end and start else None),
            "clinician": clinicians(element),
            "facility": locations(ctx, element),
            "reason": reasons(ctx, element, shown),
            "notes": "\n".join(notes),
        },
    )


def clinicians(element: Element) -> str:
    """The people who saw the person: the performers named as people."""
    found: list[str] = []
    for performer in kids(element, "performer"):
        name = person_name(path(performer, "assignedEntity", "assignedPerson"))
        if name and name not in found:
            found.append(name)
    return ", ".join(found)[:200]


def _visit_class(code: Element | None) -> str:
    """The visit's kind from an HL7 ActCode or a CPT visit code, in the code or a translation."""
    for each in [code, *kids(code, "translation")]:
        system, value = attr(each, "codeSystem"), attr(each, "code").upper()
        if system == ACT_CODES and value in VISIT_CLASSES:
            return _(VISIT_CLASSES[value])
        if system == CPT and value.isdigit():
            for low, high, visit_class in CPT_CLASSES:
                if low <= int(value) <= high:
                    return _(VISIT_CLASSES[visit_class])
    return ""
