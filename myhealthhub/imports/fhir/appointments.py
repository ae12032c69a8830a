"""Appointment to an appointment: when, with whom, where, and what to bring."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from myhealthhub.imports.fhir.context import Context, example_of
from myhealthhub.imports.fhir.fields import codings_of, concept_text, obj, objs, string, unique
from myhealthhub.imports.fhir.parse import Found

# Appointment statuses to ours: waiting and arriving are still booked or to be booked.
STATUSES = {
    "proposed": "proposed",
    "pending": "proposed",
    "waitlist": "proposed",
    "booked": "booked",
    "arrived": "booked",
    "checked-in": "booked",
    "fulfilled": "fulfilled",
    "cancelled": "cancelled",
    "noshow": "noshow",
}
PLACES = ("Location", "HealthcareService", "Organization")


def appointment(ctx: Context, found: Found) -> None:
    resource = found.resource
    patients = ctx.owner(found)
    start = _moment(string(resource.get("start")))
    if start is None:
        ctx.skip(found, _("an appointment without a start time"), example_of(found))
        return
    status = ctx.enum(found, "/status", resource.get("status"), STATUSES)
    clinicians: list[str] = []
    places: list[str] = []
    for participant in objs(resource.get("participant")):
        actor = obj(participant.get("actor"))
        target = ctx.index.resolve(actor, found) if actor.get("reference") else None
        kind = target.type if target is not None else string(actor.get("type"))
        if kind in ("Patient", "RelatedPerson", "Device"):
            continue
        name = ctx.name_of(actor, found, patients)
        (places if kind in PLACES else clinicians).append(name)
    service = objs(resource.get("serviceType"))
    ctx.entry(
        found,
        "appointments",
        {
            "display": ctx.display(
                found,
                string(resource.get("description")),
                concept_text(service[0]) if service else "",
                concept_text(resource.get("appointmentType")),
                _("Appointment"),
            )[:500],
            "codings": codings_of(service[0]) if service else [],
            "starts_at": start,
            "ends_at": _moment(string(resource.get("end"))),
            "date": timezone.localtime(start).date(),
            "date_precision": "day",
            "status": STATUSES.get(status, "booked"),
            "clinician": ", ".join(unique(clinicians))[:200],
            "facility": ", ".join(unique(places))[:200],
            "reason": ctx.reasons(found, patients)[:300],
            "bring": string(resource.get("patientInstruction")),
            "notes": string(resource.get("comment")),
        },
        patients,
    )


def _moment(text: str) -> dt.datetime | None:
    """An instant; one written without its offset is read in the site's time zone."""
    try:
        moment = parse_datetime(text) if text else None
    except ValueError:
        return None
    if moment is not None and timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment
