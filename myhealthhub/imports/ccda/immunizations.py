"""Immunizations: each immunization activity, given or refused.

The vaccine is named in the consumable's material, coded in CVX. A refusal
is a negated activity, with its reason in a refusal reason observation;
OpenVista writes the reason without the negation, and it is a refusal all
the same. A planned immunization is not one given, and is left out.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop as N_

from myhealthhub.imports.base import date_values
from myhealthhub.imports.ccda.codes import (
    INSTRUCTION_TEMPLATES,
    INTENDED_MOODS,
    REACTION_TEMPLATES,
)
from myhealthhub.imports.ccda.comments import comments
from myhealthhub.imports.ccda.context import NAME_LENGTH, Context
from myhealthhub.imports.ccda.people import performers
from myhealthhub.imports.ccda.procedures import locations
from myhealthhub.imports.ccda.sections import Section
from myhealthhub.imports.ccda.values import number_of
from myhealthhub.imports.ccda.xml import (
    Element,
    attr,
    codings,
    display_name,
    is_null,
    kid,
    kids,
    local,
    material,
    members,
    product_code,
    related,
    says_nothing,
    statements,
    template_ids,
    text_of,
)

CVX = "http://hl7.org/fhir/sid/cvx"
REFUSAL_TEMPLATE = "2.16.840.1.113883.10.20.22.4.53"
# HL7 ActNoImmunizationReason.
REFUSALS = {
    "IMMUNE": N_("immunity"),
    "MEDPREC": N_("medical precaution"),
    "OSTOCK": N_("product out of stock"),
    "PATOBJ": N_("patient objection"),
    "PHILISOP": N_("philosophical objection"),
    "RELIG": N_("religious objection"),
    "VACEFF": N_("vaccine efficacy concerns"),
    "VACSAF": N_("vaccine safety concerns"),
}
# Codes that name no vaccine: SNOMED CT "vaccine", CVX "no vaccine
# administered" and "unknown". ONC's sample negates one to say "no
# immunizations".
NO_VACCINE = frozenset({("http://snomed.info/sct", "71181003"), (CVX, "998"), (CVX, "999")})
# Medication series number (CCD 1.0), by its LOINC code too.
SERIES_TEMPLATE = "2.16.840.1.113883.10.20.1.46"
SERIES_CODE = "30973-2"
# Lot numbers that say there is none.
NO_LOT = frozenset({"unknown", "unk", "n/a", "na", "none"})


def read(ctx: Context, section: Section) -> None:
    for statement in section.statements():
        for activity in members(statement, "substanceAdministration"):
            immunization(ctx, section, activity)


def immunization(ctx: Context, section: Section, activity: Element) -> None:
    origin = section.origin
    if local(activity) != "substanceAdministration":
        ctx.skip(activity, origin, _("not an immunization"), ctx.concept(kid(activity, "code")))
        return
    code = product_code(activity)
    vaccine = material(activity)
    coded = _cvx_first(codings(code))
    own = ctx.statement_text(activity)
    # No fallback to the activity's text: NextGen writes "Immunization
    # Unknown" there for an activity naming no vaccine.
    shown = ctx.concept(code) or text_of(kid(vaccine, "name"))
    negated = activity.get("negationInd") == "true"
    if {(coding["system"], coding["code"]) for coding in coded} & NO_VACCINE:
        reason = (
            _("a statement that no immunizations are known") if negated else _("names no vaccine")
        )
        ctx.skip(activity, origin, reason, shown)
        return
    if not shown:
        ctx.skip(activity, origin, _("names no vaccine"))
        return
    if attr(activity, "moodCode").upper() in INTENDED_MOODS:
        ctx.skip(activity, origin, _("a planned immunization, not one given"), shown)
        return
    status_code = attr(kid(activity, "statusCode"), "code").lower()
    if status_code == "nullified":
        ctx.skip(activity, origin, _("marked as entered in error"), shown)
        return
    # OpenVista points the refusal reason's original text at the vaccine's name.
    vaccine_names = frozenset({shown, display_name(code), text_of(kid(vaccine, "name"))})
    refused, refusal = _refusal(ctx, activity, vaccine_names)
    if status_code in ("cancelled", "aborted") and not negated and not refused:
        ctx.skip(activity, origin, _("cancelled, not given"), shown)
        return
    given, _until = ctx.span(activity)
    notes = []
    # A text that names the vaccine is the narrative's row, said already.
    if own and shown.casefold() not in own.casefold():
        notes.append(own)
    if refusal:
        notes.append(_("Not given because: %(reason)s") % {"reason": refusal})
    for reaction in _reactions(ctx, activity):
        notes.append(_("Reaction: %(reaction)s") % {"reaction": reaction})
    notes += [
        text
        for act in related(activity, "act")
        if template_ids(act) & INSTRUCTION_TEMPLATES and (text := ctx.statement_text(act))
    ]
    notes += comments(ctx, activity)
    ctx.entry(
        activity,
        origin,
        "immunizations",
        {
            "display": shown[:NAME_LENGTH],
            "codings": coded,
            **date_values("date", given.date if given else None),
            "status": "not-done" if negated or refused else "completed",
            "dose_number": _dose_number(activity),
            "lot_number": _lot(kid(vaccine, "lotNumberText")),
            "site": ctx.concept(kid(activity, "approachSiteCode")),
            # Who gave it, with the organization they gave it for; where only
            # as a location participant says (the organization is no place).
            "performer": performers(activity),
            "location": locations(ctx, activity),
            "notes": "\n".join(dict.fromkeys(notes)),
        },
    )


def _cvx_first(found: list[dict[str, str]]) -> list[dict[str, str]]:
    return sorted(found, key=lambda coding: coding["system"] != CVX)


def _refusal(ctx: Context, activity: Element, not_reasons: frozenset[str]) -> tuple[bool, str]:
    """Whether a refusal reason is given, and the reason in words.

    C-CDA codes the reason in the refusal observation's code; HITSP C32 in an
    observation inside a reason act. ``not_reasons`` are words its original
    text may point to that are no reason.
    """
    for relationship in kids(activity, "entryRelationship"):
        for statement in statements(relationship):
            is_refusal = REFUSAL_TEMPLATE in template_ids(statement)
            for each in [statement, *related(statement)]:
                for coded_reason in (kid(each, "code"), kid(each, "value")):
                    reason = REFUSALS.get(attr(coded_reason, "code").upper())
                    if reason:
                        return True, _(reason)
            if is_refusal:
                return True, ctx.concept(kid(statement, "code"), not_reasons) or ctx.concept(
                    kid(statement, "value"), not_reasons
                )
    return False, ""


def _reactions(ctx: Context, activity: Element) -> list[str]:
    found = []
    for relationship in kids(activity, "entryRelationship"):
        observation = kid(relationship, "observation")
        if observation is None:
            continue
        is_reaction = attr(relationship, "typeCode") == "CAUS" or bool(
            template_ids(observation) & REACTION_TEMPLATES
        )
        text = ctx.concept(kid(observation, "value")) or ctx.statement_text(observation)
        # A reaction coded as unknown ("Not available") is no reaction.
        if is_reaction and text and not says_nothing(text):
            found.append(text)
    return found


def _dose_number(activity: Element) -> int | None:
    """The dose in its series: repeatNumber, a C32 series number, or a substance act's sequence."""
    candidates = [attr(kid(activity, "repeatNumber"), "value")]
    for observation in related(activity):
        if (
            SERIES_TEMPLATE in template_ids(observation)
            or attr(kid(observation, "code"), "code") == SERIES_CODE
        ):
            candidates.append(attr(kid(observation, "value"), "value"))
    for relationship in kids(activity, "entryRelationship"):
        candidates.append(attr(kid(relationship, "sequenceNumber"), "value"))
    for candidate in candidates:
        read = number_of(candidate) if candidate else None
        if read is not None and read == int(read) and 0 < read <= 32767:
            return int(read)
    return None


def _lot(element: Element | None) -> str:
    if is_null(element):
        return ""
    text = text_of(element)
    return "" if text.casefold() in NO_LOT else text
