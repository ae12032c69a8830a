from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET

import pytest
from django.urls import reverse

from myhealthhub.conftest import World
from myhealthhub.records.actions import create_entry
from myhealthhub.records.kinds import KINDS


def add_glucose(world: World, day: dt.date, value: float, unit: str, **extra):
    create_entry(
        KINDS["results"],
        world.profile,
        actor=world.accounts["owner"],
        request=None,
        values={
            "display": "Glucose",
            "code": "2345-7",
            "value_number": value,
            "unit_text": unit,
            "date": day,
            **extra,
        },
    )


@pytest.fixture
def glucose(world: World) -> World:
    add_glucose(world, dt.date(2024, 1, 10), 99, "mg/dL", reference_low=70, reference_high=100)
    add_glucose(world, dt.date(2024, 6, 10), 6.1, "mmol/L", reference_low=3.9, reference_high=5.6)
    add_glucose(world, dt.date(2025, 1, 10), 120, "mg/dL")
    return world


def trend(world: World, caller: str = "owner", **query):
    return world.client(caller).get(
        reverse("records:trend", kwargs={"profile_uuid": world.profile.uuid}), query
    )


def test_trend_mixes_sources_units_in_the_viewers_preference(glucose: World):
    conventional = trend(glucose, code="2345-7").context["trend"]
    assert conventional.unit == "mg/dL"
    assert [round(point.value) for point in conventional.points] == [99, 110, 120]
    glucose.accounts["owner"].unit_system = "si"
    glucose.accounts["owner"].save(update_fields=["unit_system"])
    si = trend(glucose, code="2345-7").context["trend"]
    assert si.unit == "mmol/L"
    assert [round(point.value, 1) for point in si.points] == [5.5, 6.1, 6.7]
    assert (round(si.low, 1), round(si.high, 1)) == (3.9, 5.6)


def test_chart_is_an_svg_with_the_reference_band(glucose: World):
    response = glucose.client("viewer").get(
        reverse("records:trend_chart", kwargs={"profile_uuid": glucose.profile.uuid}),
        {"code": "2345-7"},
    )
    assert response["Content-Type"] == "image/svg+xml"
    root = ET.fromstring(response.content)  # noqa: S314  (our own output)
    assert root.tag.endswith("svg")
    assert b"Reference range" in response.content


def test_uncoded_results_trend_by_name_and_unconvertible_values_are_counted(world: World):
    for day, value, unit in (
        (dt.date(2024, 1, 1), 70.0, "kg"),
        (dt.date(2024, 2, 1), 154.0, "[lb_av]"),
        (dt.date(2024, 3, 1), 3.0, "stones?"),
    ):
        create_entry(
            KINDS["results"],
            world.profile,
            actor=world.accounts["owner"],
            request=None,
            values={"display": "Weight", "value_number": value, "unit_text": unit, "date": day},
        )
    result = trend(world, name="weight").context["trend"]
    assert result.unit == "kg"
    assert [round(point.value, 1) for point in result.points] == [70.0, 69.9]
    assert result.left_out == 1


def test_hba1c_in_si_uses_the_ifcc_equation(world: World):
    world.accounts["owner"].unit_system = "si"
    world.accounts["owner"].save(update_fields=["unit_system"])
    result = trend(world, code="4548-4").context["trend"]
    assert result.unit == "mmol/mol"
    assert round(result.points[0].value) == 54


def test_unknown_code_is_not_found(world: World):
    assert trend(world, code="0000-0").status_code == 404
    assert trend(world).status_code == 404


def test_a_kept_chart_is_redrawn_when_a_value_changes(glucose: World):
    client = glucose.client("owner")
    chart_url = reverse("records:trend_chart", kwargs={"profile_uuid": glucose.profile.uuid})
    first = client.get(chart_url, {"code": "2345-7"}).content
    assert client.get(chart_url, {"code": "2345-7"}).content == first
    add_glucose(glucose, dt.date(2025, 6, 1), 180, "mg/dL")
    assert client.get(chart_url, {"code": "2345-7"}).content != first


def test_other_spellings_of_hba1c_units_and_a_dollar_in_a_unit(world: World):
    create_entry(
        KINDS["results"],
        world.profile,
        actor=world.accounts["owner"],
        request=None,
        values={
            "display": "Hemoglobin A1c",
            "code": "4548-4",
            "value_number": 6.8,
            "unit_text": "%{HbA1c}",
            "date": dt.date(2025, 10, 1),
        },
    )
    result = trend(world, code="4548-4").context["trend"]
    assert [round(point.value, 1) for point in result.points] == [7.1, 6.8]
    assert result.left_out == 0
    create_entry(
        KINDS["results"],
        world.profile,
        actor=world.accounts["owner"],
        request=None,
        values={
            "display": "Odd",
            "value_number": 1,
            "unit_text": "$\\foo$",
            "date": dt.date(2025, 1, 1),
        },
    )
    chart = world.client("owner").get(
        reverse("records:trend_chart", kwargs={"profile_uuid": world.profile.uuid}), {"name": "Odd"}
    )
    assert chart.status_code == 200


def test_timeline_page_number_is_bounded(world: World):
    response = world.client("owner").get(
        reverse("records:timeline", kwargs={"profile_uuid": world.profile.uuid}),
        {"page": str(10**18)},
    )
    assert response.status_code == 200
