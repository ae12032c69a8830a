"""Device readings on the readings page and its charts: in the reader's units, named as such."""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest
from django.test import Client
from django.urls import reverse

from myhealthhub.accounts.models import BodyUnits, User
from myhealthhub.conftest import make_account
from myhealthhub.lib import formatting
from myhealthhub.lib.units import registry
from myhealthhub.profiles import actions
from myhealthhub.profiles.models import Profile
from myhealthhub.records.models import Metric, Source, SourceKind
from myhealthhub.records.models.samples import METRIC_UNITS
from myhealthhub.records.samples import add_samples

pytestmark = pytest.mark.django_db

UTC = dt.UTC


def at(hour: int) -> dt.datetime:
    return dt.datetime(2025, 3, 4, hour, tzinfo=UTC)


def keeper(body: str) -> tuple[User, Profile]:
    account = make_account(f"keeper-{body}@example.org", language="en")
    account.body_units = body
    account.save(update_fields=["body_units"])
    profile = actions.create_profile(account, request=None, given_name="Iris", language="en")
    return account, profile


def watch_of(profile: Profile) -> Source:
    return Source.objects.create(
        profile=profile, kind=SourceKind.DEVICE, label="Apple Watch", facility="Watch"
    )


def client_of(account: User) -> Client:
    client = Client()
    client.force_login(account)
    return client


def page_text(client: Client, profile: Profile) -> str:
    """The readings page's words, tags dropped and spaces collapsed."""
    response = client.get(reverse("records:readings", kwargs={"profile_uuid": profile.uuid}))
    assert response.status_code == 200
    body = re.sub(r"<[^>]+>", " ", response.content.decode())
    return " ".join(html.unescape(body).split())


def chart_label(client: Client, profile: Profile, metric: str) -> str:
    """The unit on the chart's axis: matplotlib writes each text as a comment beside its glyphs."""
    kwargs = {"profile_uuid": profile.uuid, "metric": metric}
    response = client.get(reverse("records:reading_chart", kwargs=kwargs))
    assert response.status_code == 200 and response["Content-Type"] == "image/svg+xml"
    return re.findall(r"<!-- (.*?) -->", response.content.decode())[-1]


READINGS = [
    # A day's walk in two stretches: a total.
    ("distance", at(9), 2.0),
    ("distance", at(17), 3.2346),
    ("body_temperature", at(7), 36.6),
    ("body_temperature", at(19), 37.0),
    ("height", at(7), 175.0),
    ("walking_speed", at(9), 5.0),
    ("active_energy", at(9), 200.25),
    ("active_energy", at(10), 250.25),
    # Apple's fraction of one, times 100.
    ("body_fat", at(7), 0.181 * 100),
]

SHOWN = {
    BodyUnits.METRIC: {
        "Walking and running distance Total on March 4, 2025: 5.23 km",
        "Body temperature Average on March 4, 2025: 36.8 °C",
        "Height Average on March 4, 2025: 175 cm",
        "Walking speed Average on March 4, 2025: 5 km/h",
        "Active energy Total on March 4, 2025: 450.5 kcal",
        "Body fat Average on March 4, 2025: 18.1 %",
    },
    BodyUnits.US: {
        "Walking and running distance Total on March 4, 2025: 3.25 mi",
        "Body temperature Average on March 4, 2025: 98.2 °F",
        "Height Average on March 4, 2025: 68.9 in",
        "Walking speed Average on March 4, 2025: 3.1 mph",
        "Active energy Total on March 4, 2025: 450.5 kcal",
        "Body fat Average on March 4, 2025: 18.1 %",
    },
}
AXES = {
    BodyUnits.METRIC: {"distance": "km", "body_temperature": "°C", "walking_speed": "km/h"},
    BodyUnits.US: {"distance": "mi", "body_temperature": "°F", "walking_speed": "mph"},
}


@pytest.mark.parametrize("body", [BodyUnits.METRIC, BodyUnits.US])
def test_a_day_s_readings_read_in_the_person_s_units(body: BodyUnits):
    account, profile = keeper(body)
    add_samples(profile, watch_of(profile), READINGS)
    client = client_of(account)
    page = page_text(client, profile)
    for line in SHOWN[body]:
        assert line in page
    for metric, unit in AXES[body].items():
        assert chart_label(client, profile, metric) == unit


def test_every_metric_has_its_section_and_value():
    account, profile = keeper(BodyUnits.US)
    add_samples(profile, watch_of(profile), [(metric, at(12), 1.0) for metric in Metric.values])
    page = page_text(client_of(account), profile)
    for metric in Metric:
        assert str(metric.label) in page
    assert page.count("on March 4, 2025:") == len(Metric.values)


@pytest.mark.parametrize("metric", Metric.values)
def test_every_metric_is_stored_in_a_ucum_unit_shown_in_either_system(metric: str):
    unit = METRIC_UNITS[metric]
    registry().from_ucum(unit)  # raises for a unit that is not UCUM
    for body in (formatting.METRIC, formatting.US):
        shown, (slope, _intercept) = formatting.shown_unit(
            unit, account=formatting.Preferences(body=body)
        )
        assert slope > 0 and (shown == unit) == (slope == 1.0), (metric, body, shown)
