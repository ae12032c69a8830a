from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from myhealthhub.accounts.models import User
from myhealthhub.profiles.counts import entry_counts
from myhealthhub.profiles.models import Profile
from myhealthhub.records.kinds import KINDS
from myhealthhub.records.models import Note, Observation


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
