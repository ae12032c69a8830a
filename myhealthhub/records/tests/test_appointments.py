from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from myhealthhub.conftest import World
from myhealthhub.records.actions import create_entry
from myhealthhub.records.kinds import KINDS


def add_appointment(world: World, display: str, days: int, **values):
    return create_entry(
        KINDS["appointments"],
        world.profile,
        actor=world.accounts["owner"],
        request=None,
        values={
            "display": display,
            "starts_at": timezone.now() + dt.timedelta(days=days),
            **values,
        },
    )


def test_one_appointment_as_icalendar(world: World):
    appointment = add_appointment(
        world,
        "Cardiology follow-up",
        5,
        ends_at=timezone.now() + dt.timedelta(days=5, hours=1),
        facility="Hospital del Mar",
        address="Passeig Marítim 25",
        questions="Can I stop the aspirin?",
    )
    response = world.client("viewer").get(
        reverse(
            "records:appointment_ics",
            kwargs={"profile_uuid": world.profile.uuid, "entry_uuid": appointment.uuid},
        )
    )
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="appointment.ics"'
    events = Calendar.from_ical(response.content).walk("VEVENT")
    assert len(events) == 1
    event = events[0]
    assert str(event["summary"]) == "Cardiology follow-up (Ana)"
    assert str(event["location"]) == "Hospital del Mar, Passeig Marítim 25"
    assert "Can I stop the aspirin?" in str(event["description"])
    assert event.decoded("dtstart") == appointment.starts_at.replace(microsecond=0)
    assert str(event["uid"]) == f"{appointment.uuid}@myhealthhub"
    assert str(event["status"]) == "CONFIRMED"


def test_upcoming_appointments_calendar_leaves_out_the_past_and_the_attended(world: World):
    add_appointment(world, "Dentist", 3)
    add_appointment(world, "Old visit", -3)
    add_appointment(world, "Already attended", 1, status="fulfilled")
    add_appointment(world, "Called off", 7, status="cancelled")
    response = world.client("owner").get(
        reverse("records:appointments_ics", kwargs={"profile_uuid": world.profile.uuid})
    )
    summaries = [
        str(event["summary"]) for event in Calendar.from_ical(response.content).walk("VEVENT")
    ]
    # Cancelled ones stay, marked CANCELLED, so calendars that imported them remove them.
    assert summaries == ["Dentist (Ana)", "Called off (Ana)", "Eye exam (Ana)"]


def test_prepare_page_gathers_what_the_visit_needs(world: World):
    owner = world.accounts["owner"]
    create_entry(
        KINDS["allergies"],
        world.profile,
        actor=owner,
        request=None,
        values={"display": "Penicillin", "reaction": "Hives"},
    )
    create_entry(
        KINDS["medication-reviews"],
        world.profile,
        actor=owner,
        request=None,
        values={
            "display": "Review",
            "with_whom": "pharmacist",
            "outcome": "Stopped omeprazole",
            "date": dt.date(2025, 2, 1),
        },
    )
    appointment = add_appointment(
        world, "GP", 2, questions="Ask about sleep", bring="Glucose diary"
    )
    page = (
        world.client("viewer")
        .get(
            reverse(
                "records:appointment_prepare",
                kwargs={"profile_uuid": world.profile.uuid, "entry_uuid": appointment.uuid},
            )
        )
        .content.decode()
    )
    for text in (
        "Ask about sleep",
        "Glucose diary",
        "Metformin",
        "Penicillin",
        "Stopped omeprazole",
        "it is not medical advice",
    ):
        assert text in page
