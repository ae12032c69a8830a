"""Family history: each condition of a relative, with who the relative is.

A family history organizer is one relative (``subject/relatedSubject``);
each of its observations is one condition of theirs, and one entry. The
relative's relationship is written in the person's language from its HL7
code when it has one. The age at onset comes from an age observation; "the
relative died of it" from a death observation (or, in CCD 1.0, from the
condition being recorded as the cause of death). That a relative has died,
without saying of what, is kept in the notes.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop as N_

from myhealthhub.imports.base import date_values
from myhealthhub.imports.ccda.comments import comments
from myhealthhub.imports.ccda.context import Context
from myhealthhub.imports.ccda.sections import Section
from myhealthhub.imports.ccda.values import number_of
from myhealthhub.imports.ccda.xml import (
    Element,
    attr,
    codings,
    is_null,
    kid,
    kids,
    local,
    members,
    path,
    related,
    template_ids,
    xsi_type,
)

ROLE_CODES = "2.16.840.1.113883.5.111"
# C-CDA and CCD 1.0 templates of the observations inside a family condition.
AGE_TEMPLATES = frozenset({"2.16.840.1.113883.10.20.22.4.31", "2.16.840.1.113883.10.20.1.38"})
AGE_CODES = frozenset({"445518008", "397659008"})  # SNOMED: age at onset, age
DEATH_TEMPLATES = frozenset({"2.16.840.1.113883.10.20.22.4.47"})
# CCD 1.0: the condition the relative died of is a "cause of death" observation.
CAUSE_OF_DEATH_TEMPLATES = frozenset({"2.16.840.1.113883.10.20.1.42"})
DEAD = "419099009"  # SNOMED: dead
# HL7 RoleCode family members, as a person names their relative.
RELATIVES = {
    "FTH": N_("Father"),
    "NFTH": N_("Father"),
    "MTH": N_("Mother"),
    "NMTH": N_("Mother"),
    "PRN": N_("Parent"),
    "NPRN": N_("Parent"),
    "BRO": N_("Brother"),
    "NBRO": N_("Brother"),
    "SIS": N_("Sister"),
    "NSIS": N_("Sister"),
    "SIB": N_("Sibling"),
    "NSIB": N_("Sibling"),
    "HBRO": N_("Half-brother"),
    "HSIS": N_("Half-sister"),
    "HSIB": N_("Half-sibling"),
    "TWINBRO": N_("Twin brother"),
    "TWINSIS": N_("Twin sister"),
    "TWIN": N_("Twin"),
    "SON": N_("Son"),
    "SONC": N_("Son"),
    "DAU": N_("Daughter"),
    "DAUC": N_("Daughter"),
    "CHILD": N_("Child"),
    "NCHILD": N_("Child"),
    "GRFTH": N_("Grandfather"),
    "GRMTH": N_("Grandmother"),
    "GRPRN": N_("Grandparent"),
    "MGRFTH": N_("Maternal grandfather"),
    "MGRMTH": N_("Maternal grandmother"),
    "PGRFTH": N_("Paternal grandfather"),
    "PGRMTH": N_("Paternal grandmother"),
    "GGRFTH": N_("Great-grandfather"),
    "GGRMTH": N_("Great-grandmother"),
    "AUNT": N_("Aunt"),
    "MAUNT": N_("Maternal aunt"),
    "PAUNT": N_("Paternal aunt"),
    "UNCLE": N_("Uncle"),
    "MUNCLE": N_("Maternal uncle"),
    "PUNCLE": N_("Paternal uncle"),
    "COUSN": N_("Cousin"),
    "MCOUSN": N_("Maternal cousin"),
    "PCOUSN": N_("Paternal cousin"),
    "NEPHEW": N_("Nephew"),
    "NIECE": N_("Niece"),
    "GRNDSON": N_("Grandson"),
    "GRNDDAU": N_("Granddaughter"),
    "GRNDCHILD": N_("Grandchild"),
    "SPS": N_("Spouse"),
    "HUSB": N_("Husband"),
    "WIFE": N_("Wife"),
    "STPFTH": N_("Stepfather"),
    "STPMTH": N_("Stepmother"),
    "FAMMEMB": N_("Family member"),
}
# Units of an age in years ("" for an INT, or a PQ without a unit).
YEARS = frozenset({"", "a", "yr", "yrs", "year", "years"})


def read(ctx: Context, section: Section) -> None:
    for statement in section.statements():
        organizer = statement if local(statement) == "organizer" else None
        for element in members(statement, "observation"):
            condition(ctx, section, element, organizer)


def condition(
    ctx: Context, section: Section, observation: Element, organizer: Element | None
) -> None:
    origin = section.origin
    value = kid(observation, "value")
    shown = ctx.concept(value) or ctx.text(observation)[:200]
    if local(observation) != "observation":
        example = shown or ctx.concept(kid(observation, "code"))
        ctx.skip(observation, origin, _("not a condition of a relative"), example)
        return
    if observation.get("negationInd") == "true":
        ctx.skip(observation, origin, _("a statement that the relative does not have this"), shown)
        return
    if attr(value, "code") == DEAD and not template_ids(observation) & CAUSE_OF_DEATH_TEMPLATES:
        ctx.skip(observation, origin, _("says only that the relative has died"), shown)
        return
    if not shown:
        ctx.skip(observation, origin, _("names no condition"))
        return
    # C32 files may name the relative in the observation rather than the organizer.
    subject = path(observation, "subject", "relatedSubject")
    if subject is None:
        subject = path(organizer, "subject", "relatedSubject")
    age, age_note = _onset_age(observation)
    notes = [age_note] if age_note else []
    died_of_it = _died_of_it(observation)
    if not died_of_it and _has_died(subject):
        notes.append(_("The relative has died."))
    notes.extend(comments(ctx, observation))
    ctx.entry(
        observation,
        origin,
        "family-history",
        {
            "display": shown,
            "codings": [c for v in kids(observation, "value") for c in codings(v)],
            # When a relative's condition began is no date of the person's own.
            **date_values("date", None),
            "relative": relative(ctx, subject)[:100],
            "onset_age": age,
            "deceased": died_of_it,
            "notes": "\n".join(notes),
        },
        identified_by=observation if ctx.id_key(observation) or organizer is None else organizer,
    )


def relative(ctx: Context, subject: Element | None) -> str:
    """Who the relative is: the HL7 relationship in words, else as the document names it."""
    code = kid(subject, "code")
    role = attr(code, "code").upper()
    if role in RELATIVES and attr(code, "codeSystem") in (ROLE_CODES, ""):
        return _(RELATIVES[role])
    return ctx.concept(code) or _("Family member")


def _onset_age(observation: Element) -> tuple[int | None, str]:
    """The age at onset in whole years, or None and a note ("Since age 6 mo") when not in years."""
    for each in related(observation):
        code = attr(kid(each, "code"), "code")
        if not (template_ids(each) & AGE_TEMPLATES or code in AGE_CODES):
            continue
        value = kid(each, "value")
        if is_null(value):
            continue
        number = number_of(attr(value, "value"))
        unit = attr(value, "unit") if xsi_type(value) != "INT" else ""
        if number is None:
            continue
        if unit.lower() in YEARS and 0 <= number < 200:
            return int(number), ""
        written = " ".join(part for part in (attr(value, "value"), unit) if part)
        return None, _("Since age %(age)s") % {"age": written}
    return None, ""


def _died_of_it(observation: Element) -> bool:
    if template_ids(observation) & CAUSE_OF_DEATH_TEMPLATES:
        return True
    return any(
        template_ids(each) & DEATH_TEMPLATES or attr(kid(each, "value"), "code") == DEAD
        for each in related(observation)
    )


def _has_died(subject: Element | None) -> bool:
    """``sdtc:deceasedInd`` on the relative (an SDTC extension, outside the CDA namespace)."""
    flag = kid(kid(subject, "subject"), "sdtc:deceasedInd")
    return attr(flag, "value").lower() == "true"
