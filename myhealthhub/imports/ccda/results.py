"""Results and vital signs: each result observation, usually inside a result organizer.

An organizer (a panel such as a blood count, or one set of vital signs) is
not a result itself: its observations are, and they take from it what they
do not say themselves (when, which lab, the panel's name, its comments).
Blood pressure arrives as two observations and stays two results. A test
order or procedure written among the results is not a result. Values are
read in ``values.py``.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop as N_

from myhealthhub.imports.base import date_values
from myhealthhub.imports.ccda.codes import CANCELLED, PLANNED
from myhealthhub.imports.ccda.comments import comments, is_comment
from myhealthhub.imports.ccda.context import NAME_LENGTH, Context
from myhealthhub.imports.ccda.people import performers
from myhealthhub.imports.ccda.sections import Section
from myhealthhub.imports.ccda.values import result_fields, value_of
from myhealthhub.imports.ccda.xml import (
    Element,
    Moment,
    attr,
    codings,
    kid,
    kids,
    local,
    members,
    path,
    template_ids,
    text_of,
)

# IHE external reference: a pointer to another document, not a result.
REFERENCE_TEMPLATE = "1.3.6.1.4.1.19376.1.5.3.1.4.4"
# The LOINC codes of the C-CDA vital signs, named for files that give only the code.
VITAL_SIGNS = {
    "8867-4": N_("Heart rate"),
    "9279-1": N_("Respiratory rate"),
    "59408-5": N_("Oxygen saturation"),
    "2708-6": N_("Oxygen saturation"),
    "2710-2": N_("Oxygen saturation"),
    "3150-0": N_("Inhaled oxygen concentration"),
    "8480-6": N_("Systolic blood pressure"),
    "8462-4": N_("Diastolic blood pressure"),
    "8310-5": N_("Body temperature"),
    "8302-2": N_("Body height"),
    "8306-3": N_("Body height"),
    "29463-7": N_("Body weight"),
    "3141-9": N_("Body weight"),
    "39156-5": N_("Body mass index"),
    "3140-1": N_("Body surface area"),
    "8287-5": N_("Head circumference"),
    "9843-4": N_("Head circumference"),
    "59576-9": N_("BMI percentile"),
    "77606-2": N_("Weight-for-length percentile"),
    "8289-1": N_("Head circumference percentile"),
}
# Narrative elements that hold one name (a table cell), not a whole row.
_NAME_CELLS = frozenset({"td", "th", "content"})


@dataclass(frozen=True)
class Panel:
    """What an organizer gives each result in it."""

    organizer: Element | None
    name: str = ""
    # The organizer's code: Epic wraps each result in a "panel" coded as the result.
    code: str = ""
    performer: str = ""
    comments: tuple[str, ...] = ()


def read(ctx: Context, section: Section) -> None:
    _read(ctx, section, "laboratory")


def vital_signs(ctx: Context, section: Section) -> None:
    _read(ctx, section, "vital-signs")


def _read(ctx: Context, section: Section, category: str) -> None:
    shared = shared_references(section)
    for statement in section.statements():
        elements = members(statement, "observation")
        organizer = statement if local(statement) == "organizer" else None
        remarks = [e for e in elements if is_comment(e)]
        # HenrySchein names the panel only in a procedure beside its results.
        naming = None
        name = ctx.concept(kid(organizer, "code"))
        if organizer is not None and not name:
            naming = next((e for e in elements if _order_name(ctx, e)), None)
            name = _order_name(ctx, naming) if naming is not None else ""
        panel = Panel(
            organizer,
            name if category == "laboratory" else "",
            attr(kid(organizer, "code"), "code"),
            performers(organizer),
            tuple(text for c in remarks if (text := ctx.statement_text(c))),
        )
        made = 0
        for element in elements:
            if element in remarks or element is naming:
                continue
            if result(ctx, section, element, panel, category, shared):
                made += 1
        for comment in remarks:
            if not ctx.statement_text(comment):
                ctx.skip(comment, section.origin, _("an empty comment"))
            elif made:
                ctx.used(section.origin)  # in the notes of the panel's results
            else:
                ctx.skip(comment, section.origin, _("a comment with no result to go with"))
        if naming is not None:
            if made:
                ctx.used(section.origin)  # its name is the panel's
            else:
                ctx.skip(naming, section.origin, _("a test order or procedure, not a result"))


def result(
    ctx: Context,
    section: Section,
    observation: Element,
    panel: Panel,
    category: str,
    shared: Counter[str],
) -> bool:
    """One result entry from ``observation``; False if it was skipped."""
    origin = section.origin
    shown = name_of(ctx, observation, shared)
    if local(observation) != "observation":
        if REFERENCE_TEMPLATE in template_ids(observation):
            ctx.skip(observation, origin, _("a reference to another document, not a result"))
        else:
            ctx.skip(observation, origin, _("a test order or procedure, not a result"), shown)
        return False
    if observation.get("moodCode", "EVN").upper() in PLANNED:
        ctx.skip(observation, origin, _("a test ordered, not its result"), shown)
        return False
    status = attr(kid(observation, "statusCode"), "code").lower()
    if status in CANCELLED:
        ctx.skip(observation, origin, _("cancelled: there is no result"), shown)
        return False
    if observation.get("negationInd") == "true":
        ctx.skip(observation, origin, _("marked as not done"), shown)
        return False
    code = attr(kid(observation, "code"), "code")
    if not shown and category == "vital-signs" and code in VITAL_SIGNS:
        shown = _(VITAL_SIGNS[code])
    if not shown:
        ctx.skip(observation, origin, _("does not say what was measured"))
        return False
    values = value_of(ctx, observation)
    if values["value_number"] is None and not values["value_text"]:
        # A value left out but written as the statement's own text ("145/88").
        text = kid(observation, "text")
        if text is not None and kid(text, "reference") is None:
            values["value_text"] = text_of(text)[:500]
    if values["value_number"] is None and not values["value_text"]:
        if status == "active":
            ctx.skip(observation, origin, _("no result yet"), shown)
        else:
            ctx.skip(observation, origin, _("no value given"), shown)
        return False
    when = when_of(ctx, observation)
    if when is None and panel.organizer is not None:
        when = when_of(ctx, panel.organizer)
    notes = []
    if category == "laboratory" and status == "active":
        notes.append(_("Preliminary result"))
    same_code = bool(panel.code) and panel.code == code
    if panel.name and panel.name.casefold() != shown.casefold() and not same_code:
        notes.append(_("Panel: %(name)s") % {"name": panel.name})
    if performer := performers(observation) or panel.performer:
        notes.append(_("Performed by: %(name)s") % {"name": performer})
    notes.extend(comments(ctx, observation))
    notes.extend(panel.comments)
    ctx.entry(
        observation,
        origin,
        "results",
        {
            "display": shown[:200],
            "codings": codings(kid(observation, "code")),
            "category": category,
            **date_values("date", when.date if when else None),
            "effective_time": when.time if when else None,
            "effective_offset": when.offset if when else None,
            **result_fields(ctx, observation, values),
            "components": [],
            "notes": "\n".join(notes),
        },
    )
    return True


# Names ------------------------------------------------------------------------


def name_of(ctx: Context, statement: Element, shared: Counter[str]) -> str:
    """What a result is called: its original text, the narrative's name for it, its display name.

    Vendors point ``<text>`` at the table cell that names the test ("White
    Blood Count" where the code says "WBC # Pheresis BPU Auto"), or at a
    whole row, a value, the panel's heading: only a cell of its own that does
    not start with a number is a name.
    """
    code = kid(statement, "code")
    original = ctx.original_text(code)
    if original and len(original) <= NAME_LENGTH:
        return original
    coded = ctx.concept(code)
    written = _cell_name(ctx, statement, shared)
    # A cell that only adds to the coded name ("HGB (M 13-18 g/dl)") says no more.
    if written and not (coded and written.casefold().startswith(coded.casefold())):
        return written
    return coded or ctx.text(statement)[:NAME_LENGTH]


def _cell_name(ctx: Context, statement: Element, shared: Counter[str]) -> str:
    target = attr(path(statement, "text", "reference"), "value")
    if not target.startswith("#") or shared[target] > 1:
        return ""
    cell = ctx.by_id.get(target[1:])
    if cell is None or local(cell) not in _NAME_CELLS:
        return ""
    text = text_of(cell)
    if not text or len(text) > 100 or not text[0].isalpha():
        return ""
    return text


def shared_references(section: Section) -> Counter[str]:
    """How many times each ``#id`` is pointed to from the section's entries."""
    return Counter(
        attr(element, "value")
        for entry in kids(section.element, "entry")
        for element in entry.iter()
        if local(element) == "reference"
    )


def _order_name(ctx: Context, element: Element | None) -> str:
    if element is None or local(element) not in ("procedure", "act") or is_comment(element):
        return ""
    if REFERENCE_TEMPLATE in template_ids(element):
        return ""
    return ctx.concept(kid(element, "code"))


def when_of(ctx: Context, observation: Element) -> Moment | None:
    """When an observation was made: its start, else its end."""
    start, end = ctx.span(observation)
    return start or end
