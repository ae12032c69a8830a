"""Problems and diagnoses: each problem observation, usually inside a concern act.

The observation's ``value`` names the problem (its ``code`` only says
"problem" or "diagnosis"). Status comes from a problem status observation,
else from a resolution date, else from the concern act's status.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from myhealthhub.imports.base import date_values
from myhealthhub.imports.ccda.codes import SEVERITIES, SEVERITY_TEMPLATES
from myhealthhub.imports.ccda.comments import comments
from myhealthhub.imports.ccda.context import Context, without_code
from myhealthhub.imports.ccda.sections import Section
from myhealthhub.imports.ccda.xml import (
    Element,
    attr,
    codings,
    kid,
    local,
    members,
    related,
    template_ids,
)

# SNOMED CT codes of a problem's status.
STATUSES = {
    "55561003": "active",
    "73425007": "inactive",
    "413322009": "resolved",
    "277022003": "remission",
    "255227004": "recurrence",
}
STATUS_TEMPLATES = frozenset({"2.16.840.1.113883.10.20.22.4.6", "2.16.840.1.113883.10.20.1.50"})
STATUS_CODE = "33999-4"
AGE_TEMPLATE = "2.16.840.1.113883.10.20.22.4.31"
PARTS = STATUS_TEMPLATES | SEVERITY_TEMPLATES | {AGE_TEMPLATE}
PART_CODES = frozenset({STATUS_CODE, "445518008", "SEV"})
# SNOMED CT "no current problems or disability", "no known problems".
NO_PROBLEMS = frozenset({"160245001", "1234391000000108"})


def read(ctx: Context, section: Section) -> None:
    for statement in section.statements():
        found = members(statement, "observation")
        concern = None if found == [statement] else statement
        # A status or severity observation beside the problem in its concern
        # act (as some vendors write it) is part of that problem.
        parts = [each for each in found if _part_of_problem(each)]
        problems = [each for each in found if not _part_of_problem(each)]
        for observation in problems:
            problem(ctx, section, observation, concern, parts)
        for part in parts:
            if problems:
                ctx.used(section.origin)
            else:
                ctx.skip(part, section.origin, _("not a problem"), ctx.concept(kid(part, "value")))


def problem(
    ctx: Context,
    section: Section,
    observation: Element,
    concern: Element | None,
    parts: list[Element],
) -> None:
    origin = section.origin
    if local(observation) != "observation":
        ctx.skip(observation, origin, _("not a problem"), ctx.concept(kid(observation, "code")))
        return
    value = kid(observation, "value")
    shown = (
        ctx.concept(value) or ctx.text(observation) or section.named_in_table(attr(value, "code"))
    )
    if attr(value, "code") in NO_PROBLEMS:
        ctx.skip(observation, origin, _("a statement that there are no current problems"), shown)
        return
    negated = (observation, concern) if concern is not None else (observation,)
    if any(each.get("negationInd") == "true" for each in negated):
        ctx.skip(
            observation,
            origin,
            _("a statement that the person does not have this problem"),
            shown,
        )
        return
    if not shown:
        ctx.skip(observation, origin, _("names no problem"))
        return
    onset, resolved = ctx.span(observation)
    if onset is None and resolved is None and concern is not None:
        onset = ctx.span(concern)[0]
    status = _status([*related(observation), *parts], concern, resolved is not None)
    notes = []
    kind_of_problem = ctx.concept(kid(observation, "code"))
    if kind_of_problem and kind_of_problem.casefold() not in ("problem", shown.casefold()):
        notes.append(_("Recorded as: %(kind)s") % {"kind": kind_of_problem})
    if (comment := ctx.text(observation)) and without_code(comment) != shown:
        notes.append(comment)
    # Comment activities, on the problem or on the concern around it.
    notes.extend(comments(ctx, observation))
    if concern is not None:
        notes.extend(comments(ctx, concern))
    ctx.entry(
        observation,
        origin,
        "conditions",
        {
            "display": shown[:200],
            "codings": codings(value),
            **date_values("date", onset.date if onset else None),
            "clinical_status": status,
            "verification": "confirmed",
            "severity": _severity([*related(observation), *parts]),
            **date_values("resolved_date", resolved.date if resolved else None),
            "notes": "\n".join(dict.fromkeys(notes)),
        },
        identified_by=observation if ctx.id_key(observation) or concern is None else concern,
    )


def _status(about: list[Element], concern: Element | None, has_ended: bool) -> str:
    for status in about:
        if (
            template_ids(status) & STATUS_TEMPLATES
            or attr(kid(status, "code"), "code") == STATUS_CODE
        ):
            code = attr(kid(status, "value"), "code")
            if code in STATUSES:
                # A resolution date outweighs an "active" left standing (Practice
                # Fusion's resolved problems keep their active status code).
                return "resolved" if has_ended and STATUSES[code] == "active" else STATUSES[code]
    if has_ended:
        return "resolved"
    concern_status = attr(kid(concern, "statusCode"), "code").lower()
    if concern_status == "completed":
        return "resolved"
    if concern_status == "suspended":
        return "inactive"
    return "active"


def _severity(about: list[Element]) -> str:
    for each in about:
        if template_ids(each) & SEVERITY_TEMPLATES:
            return SEVERITIES.get(attr(kid(each, "value"), "code"), "")
    return ""


def _part_of_problem(observation: Element) -> bool:
    """A status, severity or age-at-onset observation: part of the problem beside it."""
    return bool(
        template_ids(observation) & PARTS or attr(kid(observation, "code"), "code") in PART_CODES
    )
