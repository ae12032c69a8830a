"""Allergies and intolerances: each allergy observation, usually inside a concern act.

The substance is the consumable participant's; the observation's ``value``
(C-CDA) or ``code`` (HITSP C32) only says what kind of reaction it is, though
some vendors name the substance there too. A negated observation naming no
substance is how C-CDA says "no known allergies". Reactions, their severity,
the criticality and the status are observations inside the allergy.
"""

from __future__ import annotations

import re

from django.utils.translation import gettext as _

from myhealthhub.imports.base import date_values
from myhealthhub.imports.ccda.codes import (
    REACTION_TEMPLATES,
    SEVERITIES,
    SEVERITY_TEMPLATES,
)
from myhealthhub.imports.ccda.comments import comments
from myhealthhub.imports.ccda.context import NAME_LENGTH, Context
from myhealthhub.imports.ccda.people import reported_by
from myhealthhub.imports.ccda.sections import Section
from myhealthhub.imports.ccda.xml import (
    Element,
    Moment,
    attr,
    codings,
    display_name,
    kid,
    kids,
    local,
    members,
    path,
    related,
    says_nothing,
    template_ids,
    text_of,
)
from myhealthhub.imports.fhir.allergies import (
    NO_KNOWN_ALLERGIES_TEXT,
    NO_KNOWN_ALLERGY_CODES,
    no_known_allergies,
)

# SNOMED CT kinds of allergy (the observation's value, or a C32 observation's
# code): (allergy type, category). Kinds that say neither leave them to the default.
KINDS = {
    "419199007": ("allergy", ""),  # allergy to substance
    "416098002": ("allergy", "medication"),  # drug allergy
    "414285001": ("allergy", "food"),  # food allergy
    "426232007": ("allergy", "environment"),  # environmental allergy
    "59037007": ("intolerance", "medication"),  # drug intolerance
    "235719002": ("intolerance", "food"),  # food intolerance
    "782576004": ("intolerance", ""),  # intolerance to substance
    "420134006": ("allergy", ""),  # propensity to adverse reactions
    "418038007": ("allergy", ""),  # propensity to adverse reactions to substance
    "419511003": ("allergy", "medication"),  # propensity to adverse reactions to drug
    "418471000": ("allergy", "food"),  # propensity to adverse reactions to food
}
# A negated observation of one of these kinds, naming no substance: "no known
# allergies" of that extent.
NEGATED_EXTENTS = {
    "416098002": "drug",
    "419511003": "drug",
    "59037007": "drug",
    "414285001": "food",
    "418471000": "food",
    "235719002": "food",
    "426232007": "environmental",
}
STATUSES = {"55561003": "active", "73425007": "inactive", "413322009": "resolved"}
# Allergy status observation (C-CDA) and alert status observation (CCD 1.0).
STATUS_TEMPLATES = frozenset({"2.16.840.1.113883.10.20.22.4.28", "2.16.840.1.113883.10.20.1.39"})
STATUS_CODE = "33999-4"
CRITICALITY_TEMPLATE = "2.16.840.1.113883.10.20.22.4.145"
CRITICALITY_CODE = "82606-5"
CRITICALITIES = {"CRITL": "low", "CRITH": "high", "CRITU": "unable-to-assess"}
SEVERITY_CODE = "SEV"
# A severity only in words (VA writes the narrative's "MODERATE" and no code).
SEVERITY_WORDS = re.compile(r"^\s*(mild|moderate|severe)\b", re.IGNORECASE)


def read(ctx: Context, section: Section) -> None:
    for statement in section.statements():
        found = members(statement, "observation")
        allergies = [each for each in found if _is_allergy(each)]
        for each in found:
            if each in allergies:
                allergy(ctx, section, each, statement if each is not statement else None)
            elif allergies and _part_of_allergy(each):
                # HL7's CCD sample puts the allergy's severity beside it in
                # the concern act: it is read into the allergy.
                ctx.used(section.origin)
            else:
                example = ctx.concept(kid(each, "value")) or ctx.concept(kid(each, "code"))
                ctx.skip(each, section.origin, _("not an allergy"), example)


def allergy(ctx: Context, section: Section, observation: Element, concern: Element | None) -> None:
    origin = section.origin
    value = kid(observation, "value")
    kind_code = attr(value, "code")
    if kind_code not in KINDS and kind_code not in NO_KNOWN_ALLERGY_CODES:
        # HITSP C32 writes the kind in the observation's code.
        kind_code = attr(kid(observation, "code"), "code") or kind_code
    reactions = [
        each
        for relationship in kids(observation, "entryRelationship")
        if (each := kid(relationship, "observation")) is not None
        and (template_ids(each) & REACTION_TEMPLATES or attr(relationship, "typeCode") == "MFST")
    ]
    shown, coded = _substance(ctx, observation, reactions)
    negated = observation.get("negationInd") == "true"
    codes = [attr(value, "code"), *(coding["code"] for coding in coded)]
    extent = next((NO_KNOWN_ALLERGY_CODES[c] for c in codes if c in NO_KNOWN_ALLERGY_CODES), "")
    if not extent and not coded and NO_KNOWN_ALLERGIES_TEXT.search(shown):
        extent = _extent_in_words(shown)
    if not extent and negated and not coded and not shown:
        extent = NEGATED_EXTENTS.get(kind_code, "all")
    if extent:
        _no_known(ctx, section, observation, concern, extent)
        return
    if negated:
        reason = _("a statement that the person is not allergic to this")
        ctx.skip(observation, origin, reason, shown)
        return
    if not shown:
        ctx.skip(observation, origin, _("names no substance"))
        return
    onset, ended = ctx.span(observation)
    if onset is None and ended is None and concern is not None:
        onset = ctx.span(concern)[0]
    allergy_type, category = KINDS.get(kind_code, ("allergy", ""))
    # A severity of the allergy (Epic), or beside it in the concern act (HL7's
    # CCD sample), is that of each reaction that gives none.
    severity = _severity(ctx, observation) or _severity(ctx, concern)
    read_reactions: list[dict[str, str]] = []
    for reaction in reactions:
        manifestation = _manifestation(ctx, reaction, shown)
        each_severity = _severity(ctx, reaction) or severity
        if manifestation or each_severity:
            read_reactions.append({"manifestation": manifestation, "severity": each_severity})
    if not read_reactions and severity:
        read_reactions.append({"manifestation": "", "severity": severity})
    notes = comments(ctx, observation)
    # A text that names the substance is the narrative's row, said already.
    own = ctx.statement_text(observation)
    if own and shown.casefold() not in own.casefold():
        notes.insert(0, own)
    if source := reported_by(observation):
        notes.append(_("Reported by: %(name)s") % {"name": source})
    ctx.entry(
        observation,
        origin,
        "allergies",
        {
            "display": shown[:NAME_LENGTH],
            "codings": coded,
            **date_values("date", onset.date if onset else None),
            "allergy_type": allergy_type,
            "category": category,
            "criticality": _criticality(observation),
            "status": _status(observation, onset, ended),
            "reaction": read_reactions[0]["manifestation"] if read_reactions else "",
            "reaction_severity": read_reactions[0]["severity"] if read_reactions else "",
            "reactions": read_reactions,
            "notes": "\n".join(dict.fromkeys(notes)),
        },
        identified_by=observation if ctx.id_key(observation) or concern is None else concern,
    )


def _no_known(
    ctx: Context, section: Section, observation: Element, concern: Element | None, extent: str
) -> None:
    stated = _first(
        ctx.span(observation)[0],
        ctx.when(path(observation, "author", "time")),
        ctx.when(path(concern, "author", "time")),
        ctx.span(concern)[0] if concern is not None else None,
    )
    value = kid(observation, "value")
    ctx.entry(
        observation,
        section.origin,
        "no-known-allergies",
        {
            "display": no_known_allergies(extent),
            "codings": codings(value) if attr(value, "code") in NO_KNOWN_ALLERGY_CODES else [],
            **date_values("date", stated.date if stated else None),
            "notes": "\n".join(comments(ctx, observation)),
        },
        identified_by=observation if ctx.id_key(observation) or concern is None else concern,
    )


def _first(*moments: Moment | None) -> Moment | None:
    return next((moment for moment in moments if moment is not None), None)


def _is_allergy(observation: Element) -> bool:
    return local(observation) == "observation" and not _part_of_allergy(observation)


def _part_of_allergy(observation: Element) -> bool:
    """A severity, status or criticality observation: part of the allergy beside it."""
    templates = template_ids(observation)
    code = attr(kid(observation, "code"), "code")
    return local(observation) == "observation" and bool(
        templates & (SEVERITY_TEMPLATES | STATUS_TEMPLATES | {CRITICALITY_TEMPLATE})
        or code in (SEVERITY_CODE, STATUS_CODE, CRITICALITY_CODE)
    )


def _substance(
    ctx: Context, observation: Element, reactions: list[Element]
) -> tuple[str, list[dict[str, str]]]:
    """The substance's name and codings: the participant's, else the observation's value."""
    # The ONC sample points the substance's originalText at the reaction.
    avoid = frozenset(
        target
        for reaction in reactions
        for reference in (
            path(reaction, "text", "reference"),
            path(reaction, "value", "originalText", "reference"),
        )
        if (target := attr(reference, "value"))
    )
    entity = path(observation, "participant", "participantRole", "playingEntity")
    code = kid(entity, "code")
    entity_name = text_of(kid(entity, "name"))
    is_coded = code is not None and code.get("nullFlavor") is None
    if is_coded and (shown := ctx.concept(code, avoid)):
        return shown, codings(code)
    # VA: code nullFlavor="UNK" whose originalText says "Coded Allergy Name
    # Not Available"; the name is in playingEntity/name. Epic writes both.
    if entity_name:
        return entity_name, codings(code)
    if shown := ctx.concept(code, avoid):
        return shown, codings(code)
    value = kid(observation, "value")
    value_code = attr(value, "code")
    # IHE PCC names the substance in the value.
    names_substance = value_code not in KINDS and value_code not in NO_KNOWN_ALLERGY_CODES
    if value_code and names_substance and (shown := ctx.concept(value, avoid)):
        return shown, codings(value)
    # Allscripts codes the kind in the value and points its originalText at
    # the substance's name.
    original = ctx.narrative(kid(value, "originalText"))
    reference = attr(path(value, "originalText", "reference"), "value")
    if (
        original
        and reference not in avoid
        and original.casefold() != display_name(value).casefold()
        and len(original) <= NAME_LENGTH
    ):
        return original, codings(code)
    own = ctx.statement_text(observation)
    return (own if len(own) <= NAME_LENGTH else ""), codings(code)


def _manifestation(ctx: Context, reaction: Element, substance: str) -> str:
    """What the reaction was, as the narrative says it.

    The reaction's text is the narrative's word for it ("Hives" where the
    code says "Wheal"), unless it is the allergy's whole row (Practice Fusion).
    """
    value = kid(reaction, "value")
    original = ctx.narrative(kid(value, "originalText"))
    if original and len(original) <= NAME_LENGTH and not says_nothing(original):
        return original
    own = ctx.statement_text(reaction)
    if (
        own
        and len(own) <= NAME_LENGTH
        and substance.casefold() not in own.casefold()
        and not says_nothing(own)
    ):
        return own
    # "Unknown" coded as a reaction (a nullFlavor's display) is no reaction either.
    shown = ctx.concept(value)
    return "" if says_nothing(shown) else shown


def _extent_in_words(text: str) -> str:
    lowered = text.casefold()
    if "drug" in lowered or "medication" in lowered or "nkda" in lowered:
        return "drug"
    if "food" in lowered:
        return "food"
    return "all"


def _severity(ctx: Context, statement: Element | None) -> str:
    for each in related(statement):
        if template_ids(each) & SEVERITY_TEMPLATES or attr(kid(each, "code"), "code") == (
            SEVERITY_CODE
        ):
            value = kid(each, "value")
            if severity := SEVERITIES.get(attr(value, "code"), ""):
                return severity
            words = display_name(value) or ctx.statement_text(each)
            if match := SEVERITY_WORDS.match(words):
                return match.group(1).lower()
    return ""


def _criticality(observation: Element) -> str:
    for each in related(observation):
        if (
            CRITICALITY_TEMPLATE in template_ids(each)
            or attr(kid(each, "code"), "code") == CRITICALITY_CODE
        ):
            return CRITICALITIES.get(attr(kid(each, "value"), "code").upper(), "")
    return ""


def _status(observation: Element, onset: Moment | None, ended: Moment | None) -> str:
    for each in related(observation):
        is_status = template_ids(each) & STATUS_TEMPLATES or (
            attr(kid(each, "code"), "code") == STATUS_CODE
        )
        if is_status and (status := STATUSES.get(attr(kid(each, "value"), "code"))):
            return status
    # OpenVista writes the time it was recorded as both low and high.
    if ended is not None and ended != onset:
        return "resolved"
    return "active"
