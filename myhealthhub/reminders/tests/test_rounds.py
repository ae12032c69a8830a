"""A round of reminders: each kind told once, to the right people, in their language."""

from __future__ import annotations

import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.management import call_command

from myhealthhub.accounts.actions import set_language, set_preferences
from myhealthhub.conftest import World
from myhealthhub.profiles.actions import revoke_grant
from myhealthhub.reminders import rounds
from myhealthhub.reminders.choices import EVERYTHING
from myhealthhub.reminders.due import due_at
from myhealthhub.reminders.models import Kind, Notice
from myhealthhub.reminders.rounds import Round, run_round
from myhealthhub.reminders.tests.helpers import noon_today, something_due
from myhealthhub.reminders.wording import day

SPANISH_MONTHS = (
    "enero",
    "febrero",
    "marzo",
    "abril",
    "mayo",
    "junio",
    "julio",
    "agosto",
    "septiembre",
    "octubre",
    "noviembre",
    "diciembre",
)


def told(world: World) -> set[tuple[str, str]]:
    """(account, kind) of every notice about the world's profile."""
    emails = {account.pk: name for name, account in world.accounts.items()}
    return {
        (emails[account_id], kind)
        for account_id, kind in Notice.objects.filter(profile=world.profile).values_list(
            "account_id", "kind"
        )
    }


def mails_to(address: str) -> list[mail.EmailMessage]:
    return [message for message in mail.outbox if address in message.to]


def test_a_round_tells_each_kind_once_to_whom_it_concerns(world: World):
    now = noon_today()
    something_due(world, now)

    first = run_round(now)

    readers = {"owner", "editor", "viewer"}
    assert told(world) == {
        *((name, Kind.REVIEW) for name in readers),
        *((name, Kind.APPOINTMENT) for name in readers),
        # Only the owners hear of links, of caregivers' access and of the owner's import.
        ("owner", Kind.SHARE_LINK),
        ("owner", Kind.GRANT),
        ("owner", Kind.IMPORT),
    }
    assert first.notices == Notice.objects.count()
    assert first.emails == len(mail.outbox) == first.notices
    subjects = {message.subject for message in mails_to("owner@world.example.org")}
    assert "MyHealthHub: Appointment tomorrow · Ana García" in subjects
    assert "MyHealthHub: Medication review due · Ana García" in subjects

    assert run_round(now) == Round(notices=0, emails=0)
    assert run_round(now + dt.timedelta(hours=1)) == Round(notices=0, emails=0)
    assert first.emails == len(mail.outbox)


def test_the_email_says_the_dates_and_nothing_else(world: World):
    now = noon_today()
    something_due(world, now)
    run_round(now)

    (appointment,) = [
        message
        for message in mails_to("viewer@world.example.org")
        if "Appointment" in message.subject
    ]
    # English dates as every page writes them ("Dec. 8, 2026"), times with "a.m.".
    tomorrow = day(now.date() + dt.timedelta(days=1))
    assert (
        f"Ana García has an appointment tomorrow, {tomorrow}, "
        "at 10:30 a.m. with Dr Pérez: Cardiology check-up." in appointment.body
    )
    assert f"/p/{world.profile.uuid}/appointments/" in appointment.body
    (review,) = [
        message for message in mails_to("viewer@world.example.org") if "review" in message.subject
    ]
    due = day(now.date() - dt.timedelta(days=2))
    assert f"Ana García's medication review with Dr Ruiz was due on {due}." in review.body
    assert "should" not in f"{review.body} {appointment.body}"


def test_a_spanish_account_is_told_in_spanish_at_its_own_time(world: World):
    now = noon_today()
    something_due(world, now)
    viewer = world.accounts["viewer"]
    set_language(viewer, "es", request=None)
    set_preferences(viewer, request=None, time_zone="Europe/Madrid")

    run_round(now)

    (appointment,) = [message for message in mails_to(viewer.email) if "Cita" in message.subject]
    assert appointment.subject == "MyHealthHub: Cita mañana · Ana García"
    starts = dt.datetime.combine(
        now.date() + dt.timedelta(days=1), dt.time(10, 30), tzinfo=dt.UTC
    ).astimezone(ZoneInfo("Europe/Madrid"))
    day = f"{starts.day} de {SPANISH_MONTHS[starts.month - 1]} de {starts.year}"
    assert (
        f"Ana García tiene una cita mañana, {day}, a las {starts:%H:%M} con Dr Pérez: "
        "Cardiology check-up." in appointment.body
    )
    assert appointment.body.startswith("Hola:")


def test_kinds_turned_off_are_not_told(world: World):
    now = noon_today()
    something_due(world, now)
    owner = world.client("owner")
    # Appointments off both ways; reviews in the app only; the rest as they were.
    boxes = {
        f"{kind}_{way}": "on"
        for kind in Kind
        for way in ("in_app", "by_email")
        if kind != Kind.APPOINTMENT and (kind, way) != (Kind.REVIEW, "by_email")
    }
    assert owner.post("/account/reminders/", boxes).status_code == 302

    run_round(now)

    mine = Notice.objects.filter(account=world.accounts["owner"], profile=world.profile)
    assert not mine.filter(kind=Kind.APPOINTMENT).exists()
    review = mine.get(kind=Kind.REVIEW)
    assert review.in_app and not review.by_email and review.emailed_at is None
    subjects = [message.subject for message in mails_to("owner@world.example.org")]
    assert not any("Appointment" in subject or "review" in subject for subject in subjects)
    assert any("Import failed" in subject for subject in subjects)
    # The editor chose nothing: told everything.
    assert any("Appointment" in m.subject for m in mails_to("editor@world.example.org"))


def test_a_revoked_caregiver_is_told_nothing(world: World):
    now = noon_today()
    something_due(world, now)
    revoke_grant(world.grants["viewer"], actor=world.accounts["owner"], request=None)

    run_round(now)

    for name in ("viewer", "revoked", "expired", "stranger"):
        assert not Notice.objects.filter(account=world.accounts[name]).exists(), name
        assert not mails_to(f"{name}@world.example.org"), name


def test_nobody_is_reminded_about_a_person_who_died(world: World):
    now = noon_today()
    something_due(world, now)
    type(world.profile).objects.filter(pk=world.profile.pk).update(
        deceased_date=now.date() - dt.timedelta(days=30)
    )

    run_round(now)

    assert not Notice.objects.filter(profile=world.profile).exists()


def test_a_notice_already_made_by_another_worker_is_not_made_again(world: World):
    now = noon_today()
    something_due(world, now)
    run_round(now)
    made = Notice.objects.count()
    # A second worker that found the same things due before the first wrote them.
    again = [rounds._make(due, EVERYTHING, now) for due in due_at(now)]
    assert again and not any(again)
    assert Notice.objects.count() == made


@pytest.mark.usefixtures("world")
def test_the_command_runs_one_round():
    out = io.StringIO()
    call_command("reminders", "send", stdout=out)
    # The world's failed imports, one in each of the owner's profiles.
    assert out.getvalue() == "2 new notices, 2 e-mails sent.\n"
    out = io.StringIO()
    call_command("reminders", "send", stdout=out)
    assert out.getvalue() == "0 new notices, 0 e-mails sent.\n"
