"""Medicines: each medication activity, alone or inside a discharge or admission medication act.

The medicine is named in the consumable's material; dose, route and how
often are in the activity itself, or only in a free-text sig. Vendors write
the same activity for a medicine taken (``EVN``) and for one prescribed
(``INT``), and "completed" for the record rather than the medicine, so the
status comes from the dates before the status code.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop as N_

from myhealthhub.imports.base import date_values
from myhealthhub.imports.ccda.codes import (
    INSTRUCTION_TEMPLATE,
    INSTRUCTION_TEMPLATES,
    INTENDED_MOODS,
)
from myhealthhub.imports.ccda.comments import comments
from myhealthhub.imports.ccda.context import NAME_LENGTH, Context
from myhealthhub.imports.ccda.people import name_parts, reported_by
from myhealthhub.imports.ccda.sections import Section
from myhealthhub.imports.ccda.timing import how_often
from myhealthhub.imports.ccda.values import number_of, unit_of
from myhealthhub.imports.ccda.xml import (
    Element,
    Moment,
    attr,
    codings,
    display_name,
    is_null,
    kid,
    kids,
    local,
    material,
    members,
    path,
    product_code,
    related,
    template_ids,
    text_of,
)

# The one medicine section whose entries were given once, not taken over time.
ADMINISTERED = "29549-3"
ADMINISTERED_TEMPLATE = "2.16.840.1.113883.10.20.22.2.38"
# SNOMED CT "drug or medication": a negated activity with it says "no medicines".
ANY_MEDICINE = frozenset({"410942007"})
SIG_TEMPLATE = "2.16.840.1.113883.10.20.22.4.147"
# Medication status observation (CCD 1.0), by its LOINC code in C-CDA files too.
STATUS_TEMPLATES = frozenset({"2.16.840.1.113883.10.20.1.47"})
STATUS_CODE = "33999-4"
STATUSES = {"55561003": "active", "73425007": "stopped", "413322009": "completed"}
INDICATION_TEMPLATE = "2.16.840.1.113883.10.20.22.4.19"
# A sig or instruction that says "as needed" in words, with no precondition.
AS_NEEDED = re.compile(r"\b(as needed|prn)\b", re.IGNORECASE)
# A strength as RxNorm names write it: "25 MG", "0.09 MG/ACTUAT", "500 MCG/ML".
STRENGTH = re.compile(
    r"\b\d+(?:\.\d+)?\s?(?:MCG|MG|GM|G|ML|UNT|MEQ|IU|%)(?:/(?:\d+(?:\.\d+)?\s?)?[A-Z]+)?(?![A-Z])",
    re.IGNORECASE,
)
# FDA route and dose form codes (NCI Thesaurus) that Allscripts writes without
# a displayName.
NCI_NAMES = {
    "C38288": N_("Oral"),
    "C38276": N_("Intravenous"),
    "C28161": N_("Intramuscular"),
    "C38299": N_("Subcutaneous"),
    "C38216": N_("Inhalation"),
    "C38304": N_("Topical"),
    "C38305": N_("Transdermal"),
    "C38284": N_("Nasal"),
    "C38300": N_("Sublingual"),
    "C42998": N_("tablet"),
    "C48542": N_("tablet"),
    "C25158": N_("capsule"),
    "C48480": N_("capsule"),
}
NCI = "2.16.840.1.113883.3.26.1.1"


def read(ctx: Context, section: Section) -> None:
    administered = section.code == ADMINISTERED or ADMINISTERED_TEMPLATE in template_ids(
        section.element
    )
    for statement in section.statements():
        for activity in members(statement, "substanceAdministration"):
            medication(ctx, section, activity, administered)


def medication(ctx: Context, section: Section, activity: Element, administered: bool) -> None:
    origin = section.origin
    if local(activity) != "substanceAdministration":
        if local(activity) == "supply":
            reason = _("a supply or order record, not a medicine taken")
        else:
            reason = _("not a medicine")
        example = ctx.concept(product_code(activity)) or ctx.concept(kid(activity, "code"))
        ctx.skip(activity, origin, reason, example)
        return
    # HenrySchein points the medicine's originalText at the directions.
    avoid = _references(
        ctx,
        [e for e in _related_acts(activity) if template_ids(e) & INSTRUCTION_TEMPLATES]
        + [e for e in related(activity, "substanceAdministration") if _is_sig(e)],
    )
    code = product_code(activity)
    shown = ctx.concept(code, avoid) or text_of(kid(material(activity), "name"))
    if not shown and len(written := ctx.text(activity)) <= NAME_LENGTH:
        shown = written
    negated = activity.get("negationInd") == "true"
    if negated and (not shown or _codes(code) & ANY_MEDICINE):
        ctx.skip(activity, origin, _("a statement that no medicines are known"), shown)
        return
    if not shown:
        ctx.skip(activity, origin, _("names no medicine"))
        return
    if negated:
        ctx.skip(
            activity,
            origin,
            _("a statement that the person does not take this medicine"),
            shown,
        )
        return
    if attr(kid(activity, "statusCode"), "code").lower() == "nullified":
        ctx.skip(activity, origin, _("marked as entered in error"), shown)
        return
    start, end = ctx.span(activity)
    frequency, as_needed, notes = _directions(ctx, activity, shown)
    notes += comments(ctx, activity)
    if source := reported_by(activity):
        notes.append(_("Reported by: %(name)s") % {"name": source})
    ctx.entry(
        activity,
        origin,
        "medications",
        {
            "display": shown[:NAME_LENGTH],
            "codings": codings(code),
            **date_values("date", start.date if start else None),
            **date_values("end_date", end.date if end else None),
            "status": _status(activity, start, end, administered),
            "strength": _strength(shown, code),
            "dose": _dose(ctx, activity),
            "frequency": frequency,
            "route": _coded_name(ctx, kid(activity, "routeCode")),
            "as_needed": as_needed,
            "reason": "; ".join(_unique(_reasons(ctx, activity))),
            "prescriber": _prescriber(activity),
            "pharmacy": _pharmacy(activity),
            "notes": "\n".join(_unique(notes)),
        },
    )


# Reading one activity ---------------------------------------------------------------


def _codes(code: Element | None) -> set[str]:
    return {attr(each, "code") for each in [code, *kids(code, "translation")] if each is not None}


def _related_acts(statement: Element) -> list[Element]:
    return related(statement, "act")


def _is_sig(element: Element) -> bool:
    return SIG_TEMPLATE in template_ids(element)


def _references(ctx: Context, elements: Iterable[Element]) -> frozenset[str]:
    """The references of texts that are theirs: no words of their own, or the same words."""
    found = set()
    for element in elements:
        reference = attr(path(element, "text", "reference"), "value")
        own = text_of(kid(element, "text"))
        if reference and (not own or own.casefold() == ctx.text(element).casefold()):
            found.add(reference)
    return frozenset(found)


def _directions(ctx: Context, activity: Element, shown: str) -> tuple[str, bool, list[str]]:
    """How often, whether as needed, and the directions' notes.

    A free-text sig is the frequency when nothing structured says how often
    (as FHIR's dosage text is), else it is kept in the notes.
    """
    sig = _sig(ctx, activity, shown)
    instructions = _instructions(ctx, activity, shown)
    own = ctx.statement_text(activity, shown)
    # An activity's text that repeats the name is the narrative row, not directions.
    if not sig and own and shown.casefold() not in own.casefold() and len(own) <= NAME_LENGTH:
        sig = own
    frequency = how_often(ctx.repeats(activity))
    notes: list[str] = []
    if sig and not frequency and len(sig) <= 100:
        frequency = sig
    elif sig:
        notes.append(_("Instructions: %(text)s") % {"text": sig})
    notes += [text for text in instructions if text != sig]
    preconditions = kids(activity, "precondition")
    for precondition in preconditions:
        if condition := ctx.concept(path(precondition, "criterion", "value")):
            notes.append(_("As needed for: %(reason)s") % {"reason": condition})
    as_needed = bool(preconditions) or any(
        AS_NEEDED.search(text) for text in [sig, frequency, *instructions]
    )
    return frequency, as_needed, notes


def _sig(ctx: Context, activity: Element, name: str) -> str:
    """The free-text sig: "1 unit(s) orally 3 times a day"."""
    for inner in related(activity, "substanceAdministration"):
        if _is_sig(inner) and (text := ctx.statement_text(inner, name)):
            return text
    # Vendors without the sig template write it as the activity's instructions.
    instructions = [
        ctx.statement_text(act, name)
        for act in _related_acts(activity)
        if INSTRUCTION_TEMPLATE in template_ids(act)
    ]
    return next((text for text in instructions if text), "")


def _instructions(ctx: Context, activity: Element, name: str) -> list[str]:
    """Instructions to the patient or the pharmacy, on the activity or its supply order."""
    holders = [activity, *(s for s in related(activity, "supply") if attr(s, "moodCode") == "INT")]
    found = []
    for holder in holders:
        for act in _related_acts(holder):
            text = ctx.statement_text(act, name)
            if template_ids(act) & INSTRUCTION_TEMPLATES and text:
                found.append(text)
    return found


def _status(activity: Element, start: Moment | None, end: Moment | None, administered: bool) -> str:
    code = attr(kid(activity, "statusCode"), "code").lower()
    if code in ("aborted", "cancelled"):
        return "stopped"
    if code in ("suspended", "held"):
        return "on-hold"
    if administered:
        return "completed"
    today = timezone.localdate()
    if end is not None and end.date.earliest < today:
        return "completed"
    for observation in related(activity):
        if (
            template_ids(observation) & STATUS_TEMPLATES
            or attr(kid(observation, "code"), "code") == STATUS_CODE
        ):
            status = STATUSES.get(attr(kid(observation, "value"), "code"))
            if status:
                return status
    # Allscripts and HL7's discharge sample write INT for every active
    # prescription: only one not yet begun is planned.
    intended = attr(activity, "moodCode").upper() in INTENDED_MOODS
    if code == "new" or (intended and code != "active" and code != "completed"):
        return "intended"
    if intended and start is not None and start.date.earliest > today:
        return "intended"
    return "active"


def _strength(shown: str, code: Element | None) -> str:
    """The strength in the coded name, when the name shown has none ("Metoprolol")."""
    if any(character.isdigit() for character in shown):
        return ""
    for each in [code, *kids(code, "translation")]:
        found = STRENGTH.findall(display_name(each))
        if found:
            return " / ".join(found)
    return ""


def _quantity(ctx: Context, element: Element | None) -> str:
    """A PQ as shown: "2", "0.09 mg/actuat", "1 units"; the UCUM unit "1" is no unit."""
    amount = number_of(attr(element, "value"))
    if amount is None:
        return ""
    # {annotations} read as words: "{puff}" is "puff".
    unit = unit_of(ctx, element).strip("{}")
    return f"{amount:g} {unit}" if unit and unit != "1" else f"{amount:g}"


def _dose(ctx: Context, activity: Element) -> str:
    dose = kid(activity, "doseQuantity")
    if is_null(dose):
        return ""
    amount = _quantity(ctx, dose)
    low, high = _quantity(ctx, kid(dose, "low")), _quantity(ctx, kid(dose, "high"))
    if not amount and low and high:
        low_amount, _space, low_unit = low.partition(" ")
        same_unit = low_unit == high.partition(" ")[2]
        amount = f"{low_amount}–{high}" if same_unit else f"{low}–{high}"
    amount = amount or low or high
    if not amount:
        return ""
    parts = (dose, kid(dose, "low"), kid(dose, "high"))
    unit = next((found for each in parts if (found := unit_of(ctx, each))), "")
    # "2" puffs, "1" tablet: the form is in administrationUnitCode.
    form = _coded_name(ctx, kid(activity, "administrationUnitCode"))
    return f"{amount} {form}" if form and unit in ("", "1") else amount


def _coded_name(ctx: Context, code: Element | None) -> str:
    if shown := ctx.concept(code):
        return shown
    if attr(code, "codeSystem") == NCI and attr(code, "code") in NCI_NAMES:
        return _(NCI_NAMES[attr(code, "code")])
    return ""


def _reasons(ctx: Context, activity: Element) -> list[str]:
    found = []
    for relationship in kids(activity, "entryRelationship"):
        observation = kid(relationship, "observation")
        if observation is None:
            continue
        if attr(relationship, "typeCode") == "RSON" or INDICATION_TEMPLATE in template_ids(
            observation
        ):
            found.append(ctx.concept(kid(observation, "value")))
    return found


def _prescriber(activity: Element) -> str:
    orders = [s for s in related(activity, "supply") if attr(s, "moodCode") == "INT"]
    for holder in [activity, *orders]:
        for author in kids(holder, "author"):
            if shown := name_parts(path(author, "assignedAuthor", "assignedPerson", "name"))[2]:
                return shown
    return ""


def _pharmacy(activity: Element) -> str:
    supplies = related(activity, "supply")
    # The order's performer first, then whoever dispensed it.
    ordered = sorted(supplies, key=lambda supply: attr(supply, "moodCode") != "INT")
    for supply in ordered:
        for performer in kids(supply, "performer"):
            organization = path(performer, "assignedEntity", "representedOrganization", "name")
            if shown := text_of(organization):
                return shown
    return ""


def _unique(texts: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(text for text in texts if text))
