"""Procedures: each procedure activity (a procedure, an observation or an act) that was done.

C-CDA writes a procedure three ways (surgery as a procedure, an imaging
study as an observation, counselling as an act); each is one entry. One
planned or not done is no procedure of the person's. Who did it, where and
why are read here the same way for visits (``encounters.py``).
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from myhealthhub.imports.base import date_values
from myhealthhub.imports.ccda.codes import CANCELLED, PLANNED
from myhealthhub.imports.ccda.comments import comments
from myhealthhub.imports.ccda.context import Context
from myhealthhub.imports.ccda.people import address, performers
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
    related,
    statements,
    template_ids,
    text_of,
)

C_CDA = "2.16.840.1.113883.10.20.22.4."
INDICATION = f"{C_CDA}19"
ENCOUNTER_DIAGNOSIS = f"{C_CDA}80"


def read(ctx: Context, section: Section) -> None:
    for statement in section.statements():
        for element in members(statement, "procedure"):
            procedure(ctx, section, element)


def procedure(ctx: Context, section: Section, element: Element) -> None:
    origin = section.origin
    code = kid(element, "code")
    shown = ctx.concept(code) or ctx.text(element)[:200]
    if local(element) not in ("procedure", "observation", "act"):
        ctx.skip(element, origin, _("not a procedure"), shown)
        return
    if element.get("moodCode", "EVN").upper() in PLANNED:
        ctx.skip(element, origin, _("a planned procedure, not one done"), shown)
        return
    status = attr(kid(element, "statusCode"), "code").lower()
    if element.get("negationInd") == "true" or status in CANCELLED:
        ctx.skip(element, origin, _("marked as not done"), shown)
        return
    if not shown:
        ctx.skip(element, origin, _("names no procedure"))
        return
    start, end = ctx.span(element)
    when = start or end
    notes = []
    for site in kids(element, "targetSiteCode"):
        if name := ctx.concept(site):
            notes.append(_("Site: %(site)s") % {"site": name})
    notes.extend(comments(ctx, element))
    ctx.entry(
        element,
        origin,
        "procedures",
        {
            "display": shown,
            "codings": codings(code),
            **date_values("date", when.date if when else None),
            "performer": performers(element),
            "location": locations(ctx, element),
            "reason": reasons(ctx, element, shown),
            "outcome": "",
            "notes": "\n".join(notes),
        },
    )


def locations(ctx: Context, statement: Element) -> str:
    """Where: each location participant's name, else what kind of place it is."""
    found: list[str] = []
    for place in _places(statement):
        shown = text_of(path(place, "playingEntity", "name")) or ctx.concept(kid(place, "code"))
        if shown and shown not in found:
            found.append(shown)
    return ", ".join(found)[:200]


def location_addresses(statement: Element) -> list[str]:
    return [text for place in _places(statement) if (text := address(kid(place, "addr")))]


def _places(statement: Element) -> list[Element]:
    return [
        role
        for participant in kids(statement, "participant")
        if attr(participant, "typeCode") == "LOC"
        and (role := kid(participant, "participantRole")) is not None
    ]


def reasons(ctx: Context, statement: Element, shown: str = "") -> str:
    """Why: indications, reasons and (for a visit) the encounter diagnoses' problems.

    A reason that only repeats the statement's own name is a vendor's
    reference to the wrong narrative (NextGen), not a reason.
    """
    found: list[str] = []
    for relationship in kids(statement, "entryRelationship"):
        for inner in statements(relationship):
            if local(inner) == "act" and ENCOUNTER_DIAGNOSIS in template_ids(inner):
                said = [ctx.concept(kid(problem, "value")) for problem in related(inner)]
            elif local(inner) == "observation" and (
                attr(relationship, "typeCode") == "RSON" or INDICATION in template_ids(inner)
            ):
                # The value is the reason (the code only says "reason" or "complaint");
                # the VA leaves it empty and writes the reason as the text.
                said = [ctx.concept(kid(inner, "value")) or ctx.text(inner)[:200]]
            else:
                continue
            for reason in said:
                if reason and reason not in found and reason.casefold() != shown.casefold():
                    found.append(reason)
    return ", ".join(found)[:300]
