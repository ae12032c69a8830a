"""CarePlan and Goal to notes: what is planned, for what, and how far it has got."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop as N_

from myhealthhub.imports.base import date_values
from myhealthhub.imports.fhir.context import Context
from myhealthhub.imports.fhir.fields import (
    codes_of,
    codings_of,
    concept_text,
    notes_of,
    obj,
    objs,
    quantity_text,
    string,
    texts_of,
    unique,
)
from myhealthhub.imports.fhir.parse import Found

GOAL_PROGRESS = {
    "in-progress": N_("in progress"),
    "improving": N_("improving"),
    "worsening": N_("worsening"),
    "no-change": N_("no change"),
    "achieved": N_("achieved"),
    "sustaining": N_("sustaining"),
    "not-achieved": N_("not achieved"),
    "no-progress": N_("no progress"),
    "not-attainable": N_("not attainable"),
}


def care_plan(ctx: Context, found: Found) -> None:
    resource = found.resource
    patients = ctx.owner(found)
    categories = texts_of(resource.get("category"))
    title = string(resource.get("title")) or (categories[0] if categories else "") or _("Care plan")
    lines = [string(resource.get("description"))]
    activities = unique(
        concept_text(obj(activity.get("detail")).get("code"))
        or string(obj(activity.get("detail")).get("description"))
        for activity in objs(resource.get("activity"))
    )
    if activities:
        lines.append(_("Activities: %(list)s") % {"list": ", ".join(activities)})
    if conditions := ctx.names(resource.get("addresses"), found, patients):
        lines.append(_("For: %(list)s") % {"list": conditions})
    lines += notes_of(resource)
    period = obj(resource.get("period"))
    start = (
        ctx.when(found, "/period/start", period.get("start"))[0]
        or ctx.when(found, "/created", resource.get("created"))[0]
    )
    ctx.entry(
        found,
        "notes",
        {
            "display": title,
            "codings": [],
            **date_values("date", start),
            "body": "\n".join(line for line in lines if line) or title,
        },
        patients,
    )


def goal(ctx: Context, found: Found) -> None:
    resource = found.resource
    description = concept_text(resource.get("description"))
    lines = [description]
    for target in objs(resource.get("target")):
        measure = concept_text(target.get("measure"))
        detail = quantity_text(target.get("detailQuantity")) or string(target.get("detailString"))
        due = string(target.get("dueDate"))
        line = " ".join(part for part in (measure, detail) if part)
        if due:
            line = _("%(target)s by %(due)s") % {"target": line, "due": due}
        lines.append(line)
    achievement = obj(resource.get("achievementStatus"))
    progress = concept_text(achievement) or next(
        (_(GOAL_PROGRESS[c]) for c in codes_of(achievement) if c in GOAL_PROGRESS), ""
    )
    if progress:
        lines.append(_("Progress: %(status)s") % {"status": progress})
    lines += notes_of(resource)
    start = (
        ctx.when(found, "/startDate", resource.get("startDate"))[0]
        or ctx.when(found, "/statusDate", resource.get("statusDate"))[0]
    )
    title = description or _("Goal")
    ctx.entry(
        found,
        "notes",
        {
            "display": title,
            "codings": codings_of(resource.get("description")),
            **date_values("date", start),
            "body": "\n".join(line for line in lines if line),
        },
    )
