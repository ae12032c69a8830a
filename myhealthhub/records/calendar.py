"""Appointments as iCalendar (RFC 5545), for the person's own calendar app.

Every time is written as its UTC instant ("DTSTART:20270315T133000Z"): the
calendar app shows it in its own zone, wherever the person is, and no
VTIMEZONE has to travel with the file. An appointment typed at 09:30 in New
York is 13:30Z in March and 14:30Z in January, as the stored instant says.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.utils import timezone
from icalendar import Calendar, Event

from myhealthhub.profiles.models import Profile
from myhealthhub.records.models import Appointment
from myhealthhub.records.models.visits import AppointmentStatus

STATUS = {
    AppointmentStatus.BOOKED: "CONFIRMED",
    AppointmentStatus.PROPOSED: "TENTATIVE",
    AppointmentStatus.CANCELLED: "CANCELLED",
}


def appointments_ics(profile: Profile, appointments: Iterable[Appointment]) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", "-//MyHealthHub//Appointments//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", f"{profile.name} · MyHealthHub")
    for appointment in appointments:
        calendar.add_component(_event(profile, appointment))
    return calendar.to_ical()


def _event(profile: Profile, appointment: Appointment) -> Event:
    event = Event()
    # Stable across downloads, so importing twice updates rather than duplicates.
    event.add("uid", f"{appointment.uuid}@myhealthhub")
    event.add("dtstamp", _utc(timezone.now()))
    event.add("dtstart", _utc(appointment.starts_at))
    if appointment.ends_at:
        event.add("dtend", _utc(appointment.ends_at))
    event.add("summary", f"{appointment.display} ({profile.given_name})")
    location = ", ".join(part for part in (appointment.facility, appointment.address) if part)
    if location:
        event.add("location", location)
    description = "\n\n".join(
        part
        for part in (
            appointment.clinician,
            appointment.reason,
            appointment.questions,
            appointment.bring,
        )
        if part
    )
    if description:
        event.add("description", description)
    if appointment.status in STATUS:
        event.add("status", STATUS[AppointmentStatus(appointment.status)])
    event.add("sequence", appointment.version)
    return event


def _utc(value: dt.datetime) -> dt.datetime:
    # An aware time in another zone would be written with a TZID and no
    # VTIMEZONE to define it, which calendars read as floating or reject.
    return value.astimezone(dt.UTC).replace(microsecond=0)
