from __future__ import annotations

import io
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from myhealthhub.accounts.models import User
from myhealthhub.conftest import make_account
from myhealthhub.documents.models import Document, DocumentKind
from myhealthhub.profiles.counts import entry_counts
from myhealthhub.profiles.models import Profile
from myhealthhub.records.demo import create_demo
from myhealthhub.records.kinds import KINDS
from myhealthhub.records.models import Appointment, Medication, Note, Observation


def run_demo(*args: str) -> str:
    out = io.StringIO()
    call_command("demo", *args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_demo_fills_two_profiles_with_every_kind():
    output = run_demo()
    assert "Sign in as demo@example.org with the password" in output
    adult, child = (Profile.objects.get(uuid=line.split()[0]) for line in output.splitlines()[:2])
    counts = entry_counts(adult)
    missing = [slug for slug in KINDS if slug != "no-known-allergies" and counts[slug] == 0]
    assert missing == []
    assert entry_counts(child)["immunizations"] >= 5
    password = output.rsplit(" ", 1)[1].strip()
    client = Client()
    assert (
        client.post(
            reverse("account_login"), {"login": "demo@example.org", "password": password}
        ).status_code
        == 302
    )
    assert (
        "Metformin"
        in client.get(
            reverse("profiles:overview", kwargs={"profile_uuid": adult.uuid})
        ).content.decode()
    )


@pytest.mark.django_db
def test_demo_in_spanish_and_scaled_up():
    output = run_demo(
        "--language",
        "es",
        "--observations",
        "1200",
        "--entries",
        "300",
        "--email",
        "demo-es@example.org",
    )
    adult = Profile.objects.get(uuid=output.splitlines()[0].split()[0])
    assert User.objects.get(email="demo-es@example.org").language == "es"
    assert Observation.objects.filter(profile=adult, display="Glucosa").exists()
    assert (
        Observation.objects.filter(profile=adult, source__label="Datos de demostración").count()
        == 1200
    )
    assert Note.objects.filter(profile=adult, source__label="Datos de demostración").count() == 300


@pytest.mark.django_db
def test_demo_adds_to_an_existing_account():
    run_demo()
    assert "Added to the existing account demo@example.org." in run_demo()
    assert Profile.objects.filter(grants__account__email="demo@example.org").count() == 4


@pytest.mark.django_db
def test_demo_adds_watch_readings():
    from myhealthhub.records.models import DailySummary, Sample

    output = run_demo("--samples", "600", "--email", "watch@example.org")
    adult = Profile.objects.get(uuid=output.splitlines()[0].split()[0])
    assert Sample.objects.filter(profile=adult, metric="heart_rate").count() == 600
    assert DailySummary.objects.filter(profile=adult, metric="heart_rate").count() in {3, 4}


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "es"])
def test_the_gp_letter_names_the_doses_on_the_medication_list(
    language, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        output = run_demo("--language", language, "--email", f"letter-{language}@example.org")
    adult = Profile.objects.get(uuid=output.splitlines()[0].split()[0])
    letter = Document.objects.get(profile=adult, kind=DocumentKind.VISIT_SUMMARY)
    said = " ".join(letter.text.split()).lower()
    assert said, "the letter's text was read"
    medicines = {
        entry.display.split()[0].lower(): entry
        for entry in Medication.objects.filter(profile=adult)
    }
    named = [name for name in medicines if name in said]
    assert len(named) == 2, named  # metformin and lisinopril
    for name in named:
        medicine = medicines[name]
        assert f"{name} {medicine.strength} {medicine.frequency}".lower() in said
    # It sums up the latest visit, the one it is linked to, at the same health centre.
    visit = KINDS["visits"].queryset(adult).alive().order_by("-date").first()
    assert visit is not None and visit.date == letter.date
    assert visit.facility == letter.facility
    assert Appointment.objects.get(profile=adult).facility == letter.facility


@pytest.mark.django_db
def test_the_demo_appointments_are_on_a_weekday_at_a_clinic_s_hours_where_the_family_lives():
    zone = ZoneInfo("America/Mexico_City")
    owner = make_account("zone@example.org")
    owner.time_zone = "America/Mexico_City"
    owner.save(update_fields=["time_zone"])
    adult, child = create_demo(owner)
    for profile, hour_and_minute in ((adult, (10, 30)), (child, (16, 30))):
        starts = timezone.localtime(Appointment.objects.get(profile=profile).starts_at, zone)
        assert starts.weekday() < 5, starts
        assert (starts.hour, starts.minute) == hour_and_minute
        assert starts.date() > timezone.localdate(timezone=zone)
