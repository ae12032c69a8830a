"""The Measurements page: a small chart for each series the person follows, each linking to its
trend; the person chooses which; a caregiver who may only view cannot change the choice."""

from __future__ import annotations

import base64
import datetime as dt
import html
import xml.etree.ElementTree as ET
from typing import Any

import lxml.html
import pytest
from django.urls import reverse
from django.utils import timezone

from myhealthhub.audit.models import Action, AuditEvent
from myhealthhub.conftest import World
from myhealthhub.records.actions import create_entry
from myhealthhub.records.kinds import KINDS
from myhealthhub.records.models import ChosenMeasurement, DailySummary, Sample, Source, SourceKind
from myhealthhub.records.samples import add_samples

SVG_URI = "data:image/svg+xml;base64,"


def result(world: World, day: dt.date, **values: object) -> None:
    create_entry(
        KINDS["results"],
        world.profile,
        actor=world.accounts["owner"],
        request=None,
        values={"date": day, **values},
    )


def pressure(world: World, day: dt.date, systolic: int, diastolic: int) -> None:
    result(
        world,
        day,
        display="Blood pressure",
        code="85354-9",
        components=[
            {"code": "8480-6", "display": "Systolic", "value": systolic, "unit": "mm[Hg]"},
            {"code": "8462-4", "display": "Diastolic", "value": diastolic, "unit": "mm[Hg]"},
        ],
    )


def weight(world: World, day: dt.date, kilograms: float, **extra: object) -> None:
    values = {"display": "Body weight", "code": "29463-7", **extra}
    result(world, day, value_number=kilograms, unit="kg", unit_text="kg", **values)


def heart_rate_on(world: World, day: dt.date, *values: float) -> None:
    zone = timezone.get_current_timezone()
    watch = Source.objects.create(profile=world.profile, kind=SourceKind.DEVICE, label="Band")
    add_samples(
        world.profile,
        watch,
        [
            ("heart_rate", dt.datetime.combine(day, dt.time(9 + hour), tzinfo=zone), value)
            for hour, value in enumerate(values)
        ],
    )


@pytest.fixture
def followed(world: World) -> World:
    """Ana's blood pressure, weight, HbA1c (the world's, and one more) and heart rate
    from a band; her keeper reads weight in pounds."""
    # Only these days of heart rate: the world's own fall on today, whatever it is.
    Sample.objects.filter(profile=world.profile, metric="heart_rate").delete()
    DailySummary.objects.filter(profile=world.profile, metric="heart_rate").delete()
    pressure(world, dt.date(2025, 1, 10), 142, 90)
    pressure(world, dt.date(2025, 6, 2), 132, 84)
    weight(world, dt.date(2025, 1, 10), 82.0)
    weight(world, dt.date(2025, 6, 2), 80.0)
    result(
        world,
        dt.date(2025, 3, 1),
        display="Hemoglobin A1c",
        code="4548-4",
        value_number=7.6,
        unit_text="%",
    )
    heart_rate_on(world, dt.date(2025, 5, 1), 70.0, 74.0)
    heart_rate_on(world, dt.date(2025, 5, 2), 80.0, 90.0)
    owner = world.accounts["owner"]
    owner.body_units = "us"
    owner.save(update_fields=["body_units"])
    return world


def page_of(world: World, caller: str = "owner"):
    return world.client(caller).get(
        reverse("records:measurements", kwargs={"profile_uuid": world.profile.uuid})
    )


def choose(world: World, series: list[str], caller: str = "owner"):
    return world.client(caller).post(
        reverse("records:measurements", kwargs={"profile_uuid": world.profile.uuid}),
        {"series": series},
    )


def parse(content: bytes) -> Any:
    # lxml's XPath answers are typed as anything: say what they are where they are read.
    return lxml.html.fromstring(content)


def cards(response) -> dict[str, Any]:
    assert response.status_code == 200
    tree = parse(response.content)
    return {
        card.get("id").removeprefix("measurement-"): card
        for card in tree.xpath('//li[contains(@class, "measurement")]')
    }


def text(element: Any) -> str:
    return " ".join(element.text_content().split())


def test_each_followed_series_is_a_chart_with_its_latest_value_in_the_readers_units(
    followed: World,
):
    shown = cards(page_of(followed))
    assert list(shown) == ["blood_pressure", "weight", "hba1c", "heart_rate"]
    latest = {
        key: text(card.xpath('.//*[@class="measurement-latest"]')[0]) for key, card in shown.items()
    }
    assert latest == {
        "blood_pressure": "132/84 mmHg · June 2, 2025",
        # 80 kg, for a keeper who reads pounds.
        "weight": "176.4 lb · June 2, 2025",
        "hba1c": "7.1 % · Sept. 1, 2025",
        # The band's last day: the mean of 80 and 90.
        "heart_rate": "85 /min · May 2, 2025",
    }


def test_each_chart_links_to_its_trend(followed: World):
    profile = followed.profile.uuid
    links = {
        key: card.xpath(".//a")[-1].get("href") for key, card in cards(page_of(followed)).items()
    }
    assert links == {
        "blood_pressure": f"/p/{profile}/trend/?code=85354-9",
        "weight": f"/p/{profile}/trend/?code=29463-7",
        "hba1c": f"/p/{profile}/trend/?code=4548-4",
        "heart_rate": f"/p/{profile}/readings/#metric-heart_rate",
    }
    client = followed.client("owner")
    for href in links.values():
        assert client.get(href).status_code == 200


def test_each_chart_is_a_small_svg_with_a_text_alternative(followed: World):
    shown = cards(page_of(followed))
    for card in shown.values():
        image = card.xpath(".//img")[0]
        assert image.get("src").startswith(SVG_URI)
        svg = base64.b64decode(image.get("src").removeprefix(SVG_URI))
        assert svg.startswith(b"<svg")
        ET.fromstring(svg)  # noqa: S314  (our own output)
    pressure_src = shown["blood_pressure"].xpath(".//img")[0].get("src")
    pressure_svg = base64.b64decode(pressure_src.removeprefix(SVG_URI))
    assert b'id="systolic"' in pressure_svg and b'id="diastolic"' in pressure_svg
    alternatives = {key: card.xpath(".//img")[0].get("alt") for key, card in shown.items()}
    assert alternatives["weight"] == (
        "Weight: 2 values from Jan. 10, 2025 to June 2, 2025, between 176.4 lb and 180.8 lb."
    )
    assert alternatives["blood_pressure"] == (
        "Blood pressure: 2 readings from Jan. 10, 2025 to June 2, 2025; "
        "systolic between 132 and 142 mmHg; diastolic between 84 and 90 mmHg."
    )
    assert alternatives["heart_rate"].startswith("Heart rate: 2 values from May 1, 2025")


def test_series_without_values_are_listed_with_a_way_to_add_one(followed: World):
    response = page_of(followed)
    tree = parse(response.content)
    missing = tree.xpath('//*[@class="measurements-missing"]')[0]
    assert text(missing).startswith("No values yet: Glucose, LDL cholesterol, eGFR.")
    hrefs = [link.get("href") for link in missing.xpath(".//a")]
    assert f"/p/{followed.profile.uuid}/readings/new/" in hrefs
    # A viewer is told, but offered nothing to add.
    viewer = parse(page_of(followed, "viewer").content)
    assert viewer.xpath('//*[@class="measurements-missing"]//a') == []
    assert viewer.xpath('//form[contains(@class, "measurements-choice")]') == []


def test_lab_values_follow_the_readers_si_choice(world: World):
    result(
        world,
        dt.date(2025, 2, 1),
        display="Glucose",
        code="2345-7",
        value_number=99.0,
        unit_text="mg/dL",
    )
    owner = world.accounts["owner"]
    owner.unit_system = "si"
    owner.save(update_fields=["unit_system"])
    latest = cards(page_of(world))["glucose"].xpath('.//*[@class="measurement-latest"]')[0]
    assert text(latest).startswith("5.5 mmol/L")


def test_uncoded_values_are_found_by_their_name(world: World):
    for day, kilograms in ((dt.date(2024, 1, 1), 70.0), (dt.date(2024, 2, 1), 71.5)):
        result(world, day, display="Peso corporal", value_number=kilograms, unit_text="kg")
    card = cards(page_of(world))["weight"]
    assert text(card.xpath('.//*[@class="measurement-latest"]')[0]).startswith("71.5 kg")
    assert card.xpath(".//a")[-1].get("href").endswith("/trend/?name=peso+corporal")
    assert world.client("owner").get(card.xpath(".//a")[-1].get("href")).status_code == 200


def test_choosing_series_changes_what_is_shown(followed: World):
    response = choose(followed, ["hba1c", "weight"], caller="editor")
    assert response.status_code == 302
    assert list(cards(page_of(followed))) == ["weight", "hba1c"]
    assert AuditEvent.objects.filter(
        profile=followed.profile, action=Action.PROFILE_UPDATED, object_type="measurements"
    ).exists()
    # What the page ticks is what it shows.
    tree = parse(page_of(followed).content)
    ticked = [box.get("value") for box in tree.xpath('//input[@name="series"][@checked]')]
    assert ticked == ["weight", "hba1c"]
    # A chosen series without values is not drawn, and said so.
    choose(followed, ["ldl", "weight"])
    response = page_of(followed)
    assert list(cards(response)) == ["weight"]
    assert "No values yet: LDL cholesterol." in html.unescape(response.content.decode())
    # None chosen: every series with values again.
    choose(followed, [])
    assert list(cards(page_of(followed))) == ["blood_pressure", "weight", "hba1c", "heart_rate"]
    assert not ChosenMeasurement.objects.filter(profile=followed.profile).exists()


def test_an_unknown_series_changes_nothing(followed: World):
    choose(followed, ["weight"])
    response = choose(followed, ["weight", "horoscope"])
    assert response.status_code == 400
    assert list(
        ChosenMeasurement.objects.filter(profile=followed.profile).values_list("series", flat=True)
    ) == ["weight"]


def test_a_viewer_sees_the_choice_but_cannot_change_it(followed: World):
    choose(followed, ["weight", "hba1c"])
    choices = AuditEvent.objects.filter(object_type="measurements")
    events = choices.count()
    assert list(cards(page_of(followed, "viewer"))) == ["weight", "hba1c"]
    for caller in ("viewer", "revoked", "stranger"):
        assert choose(followed, ["heart_rate"], caller=caller).status_code == 404
    assert list(
        ChosenMeasurement.objects.filter(profile=followed.profile).values_list("series", flat=True)
    ) == ["weight", "hba1c"]
    assert choices.count() == events


def test_the_page_costs_a_few_queries_per_series_whatever_the_record_size(
    followed: World, django_assert_max_num_queries
):
    client = followed.client("owner")
    url = reverse("records:measurements", kwargs={"profile_uuid": followed.profile.uuid})
    client.get(url)  # draws and keeps the charts
    # Session, account and grant; the choice; three to find the series; one for each
    # of the four charts; one for the kept pictures.
    with django_assert_max_num_queries(14):
        assert client.get(url).status_code == 200
    for day in range(300):
        weight(followed, dt.date(2020, 1, 1) + dt.timedelta(days=day), 80.0 + day % 7)
        heart_rate_on(followed, dt.date(2022, 1, 1) + dt.timedelta(days=day), 60.0 + day % 9)
    client.get(url)
    with django_assert_max_num_queries(14):
        assert client.get(url).status_code == 200
