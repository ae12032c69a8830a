"""Social history: smoking status, tobacco and alcohol use, pregnancy, sex at birth.

Each observation becomes a result of category "other", its value read as a
lab result's is (``values.py``). The few observations every certified document carries
(smoking status, birth sex) are named and valued in the person's language
from their codes, whatever words the vendor chose; the rest keep the
document's own names.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop as N_

from myhealthhub.imports.base import date_values
from myhealthhub.imports.ccda.codes import CANCELLED, PLANNED
from myhealthhub.imports.ccda.comments import comments
from myhealthhub.imports.ccda.context import Context
from myhealthhub.imports.ccda.sections import Section
from myhealthhub.imports.ccda.values import empty_value, result_fields, value_of
from myhealthhub.imports.ccda.xml import (
    Element,
    attr,
    codings,
    is_null,
    kid,
    kids,
    local,
    members,
    related,
    template_ids,
)

C_CDA = "2.16.840.1.113883.10.20.22.4."
SMOKING_STATUS = "72166-2"
BIRTH_SEX = "76689-9"
PREGNANCY = "2.16.840.1.113883.10.20.15.3.8"
DELIVERY_DATE_TEMPLATES = frozenset({"2.16.840.1.113883.10.20.15.3.1"})
# LOINC codes of observations named the same in every document.
NAMES_BY_CODE = {
    SMOKING_STATUS: N_("Tobacco smoking status"),
    BIRTH_SEX: N_("Sex assigned at birth"),
    "76691-5": N_("Gender identity"),
    "76690-7": N_("Sexual orientation"),
    "82810-3": N_("Pregnancy status"),
    "11449-6": N_("Pregnancy status"),
}
# Names for observations whose code names nothing ("ASSERTION", or a bare
# code): by template, then by code.
NAMES_BY_TEMPLATE = {
    f"{C_CDA}78": N_("Tobacco smoking status"),
    f"{C_CDA}85": N_("Tobacco use"),
    f"{C_CDA}200": N_("Sex assigned at birth"),
    PREGNANCY: N_("Pregnancy status"),
}
FALLBACK_NAMES = {
    "11367-0": N_("Tobacco use"),
    "74013-4": N_("Alcoholic drinks per day"),
    "11331-6": N_("Alcohol use"),
}
# SNOMED CT smoking status values (the ONC value set).
SMOKING = {
    "449868002": N_("Current every day smoker"),
    "428041000124106": N_("Current some day smoker"),
    "8517006": N_("Former smoker"),
    "266919005": N_("Never smoker"),
    "77176002": N_("Smoker, current status unknown"),
    "266927001": N_("Unknown if ever smoked"),
    "428071000124103": N_("Current heavy tobacco smoker"),
    "428061000124105": N_("Current light tobacco smoker"),
}
# Administrative gender codes of a birth sex value.
SEXES = {"F": N_("Female"), "M": N_("Male"), "UN": N_("Other"), "UNK": N_("Unknown")}


def read(ctx: Context, section: Section) -> None:
    for statement in section.statements():
        for observation in members(statement, "observation"):
            social_observation(ctx, section, observation)


def social_observation(ctx: Context, section: Section, observation: Element) -> None:
    origin = section.origin
    code = kid(observation, "code")
    if local(observation) != "observation":
        ctx.skip(observation, origin, _("not a social history observation"), ctx.concept(code))
        return
    templates = template_ids(observation)
    loinc = attr(code, "code")
    birth_sex = loinc == BIRTH_SEX or f"{C_CDA}200" in templates
    shown, named_by_value = _name(ctx, observation, templates)
    if observation.get("moodCode", "EVN").upper() in PLANNED | {"GOL"}:
        ctx.skip(observation, origin, _("a goal or plan, not how things are"), shown)
        return
    if attr(kid(observation, "statusCode"), "code").lower() in CANCELLED:
        ctx.skip(observation, origin, _("cancelled"), shown)
        return
    # A denied observation is left out, whatever it denies: NextGen marks
    # "Never smoker" negated meaning "does not smoke", but another vendor's
    # negated "Never smoker" says the person has smoked. Neither can be read
    # safely into the record; the document keeps it.
    if observation.get("negationInd") == "true":
        said = value_of(ctx, observation)["value_text"]
        ctx.skip(
            observation,
            origin,
            _("a statement that this does not apply to the person"),
            f"{shown}: {said}" if said else shown,
        )
        return
    if not shown:
        ctx.skip(observation, origin, _("does not say what it is about"))
        return
    values = _values(ctx, observation, birth_sex)
    if named_by_value:
        values = empty_value()  # what it asserts is its name
    elif values["value_number"] is None and not values["value_text"]:
        ctx.skip(observation, origin, _("no value given"), shown)
        return
    start, end = ctx.span(observation)
    when = start or end
    notes = []
    if start is not None and end is not None:
        notes.append(_("Until: %(date)s") % {"date": end.date.localized()})
    notes.extend(_delivery_dates(ctx, observation))
    notes.extend(comments(ctx, observation))
    ctx.entry(
        observation,
        origin,
        "results",
        {
            "display": shown[:200],
            "codings": codings(code),
            "category": "other",
            **date_values("date", when.date if when else None),
            "effective_time": when.time if when else None,
            "effective_offset": when.offset if when else None,
            **result_fields(ctx, observation, values),
            "components": [],
            "notes": "\n".join(notes),
        },
    )


def _name(ctx: Context, observation: Element, templates: set[str]) -> tuple[str, bool]:
    """What the observation is about, and whether that came from its value ("ASSERTION")."""
    code = kid(observation, "code")
    loinc = attr(code, "code")
    if loinc in NAMES_BY_CODE:
        return _(NAMES_BY_CODE[loinc]), False
    if not _is_assertion(code) and (named := ctx.concept(code)):
        return named, False
    if by_template := sorted(templates & NAMES_BY_TEMPLATE.keys()):
        return _(NAMES_BY_TEMPLATE[by_template[0]]), False
    if loinc in FALLBACK_NAMES:
        return _(FALLBACK_NAMES[loinc]), False
    if _is_assertion(code):
        return ctx.concept(kid(observation, "value")), True
    # C32 social history observations may name themselves only in <text>.
    return ctx.text(observation)[:200], False


def _is_assertion(code: Element | None) -> bool:
    return attr(code, "code").upper() == "ASSERTION"


def _values(ctx: Context, observation: Element, birth_sex: bool) -> dict[str, Any]:
    values = value_of(ctx, observation)
    value = kid(observation, "value")
    coded = attr(value, "code")
    if coded in SMOKING:
        values["value_text"] = _(SMOKING[coded])
    elif birth_sex and value is not None:
        # A birth sex that is not known is said with a nullFlavor alone.
        sex = coded.upper() or ("UNK" if value.get("nullFlavor") else "")
        if sex in SEXES:
            values["value_text"] = _(SEXES[sex])
    return values


def _delivery_dates(ctx: Context, observation: Element) -> list[str]:
    """A pregnancy's estimated date of delivery, from its related observation."""
    found = []
    for each in related(observation):
        if template_ids(each) & DELIVERY_DATE_TEMPLATES:
            for value in kids(each, "value"):
                if not is_null(value) and (when := ctx.when(value)) is not None:
                    found.append(_("Expected delivery: %(date)s") % {"date": when.date.localized()})
    return found
