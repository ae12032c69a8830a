"""Blood pressure's trend: both halves on one chart and in one table, however they were stored."""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET

import pytest
from django.urls import reverse

from myhealthhub.conftest import World
from myhealthhub.records.actions import create_entry
from myhealthhub.records.kinds import KINDS
from myhealthhub.records.models import Observation, Source, SourceKind
from myhealthhub.summary.sparkline import Series, sparkline_svg

SVG = "{http://www.w3.org/2000/svg}"


def add_home_reading(world: World, when: str, systolic: int, diastolic: int) -> None:
    response = world.client("editor").post(
        reverse("records:add_readings", kwargs={"profile_uuid": world.profile.uuid}),
        {"when": when, "systolic": str(systolic), "diastolic": str(diastolic)},
    )
    assert response.status_code == 302


def add_half(
    world: World, source: Source, code: str, value: float, day: dt.date, time: dt.time | None
) -> Observation:
    """One half on its own, as a C-CDA vital signs section writes it."""
    entry = create_entry(
        KINDS["results"],
        world.profile,
        actor=world.accounts["owner"],
        request=None,
        source=source,
        values={
            "display": "Systolic blood pressure"
            if code == "8480-6"
            else "Diastolic blood pressure",
            "code": code,
            "category": "vital-signs",
            "value_number": value,
            "unit": "mm[Hg]",
            "unit_text": "mm[Hg]",
            "date": day,
            "effective_time": time,
        },
    )
    assert isinstance(entry, Observation)
    return entry


@pytest.fixture
def pressures(world: World) -> World:
    """Three readings typed at home and two imported as separate halves, interleaved in time."""
    assert not Observation.objects.filter(
        profile=world.profile, code__in=("85354-9", "8480-6", "8462-4")
    ).exists()
    add_home_reading(world, "2025-03-01T07:30", 132, 84)
    add_home_reading(world, "2025-03-15T21:05", 128, 82)
    add_home_reading(world, "2025-04-02T08:00", 141, 90)
    clinic = Source.objects.create(
        profile=world.profile, kind=SourceKind.IMPORT, label="Clínica Norte.xml"
    )
    for day, time, systolic, diastolic in (
        (dt.date(2024, 11, 20), dt.time(10, 0), 138, 88),
        (dt.date(2025, 3, 10), dt.time(14, 45), 145, 92),
    ):
        add_half(world, clinic, "8480-6", systolic, day, time)
        add_half(world, clinic, "8462-4", diastolic, day, time)
    return world


def trend_url(world: World) -> str:
    return reverse("records:trend", kwargs={"profile_uuid": world.profile.uuid})


def chart_url(world: World) -> str:
    return reverse("records:trend_chart", kwargs={"profile_uuid": world.profile.uuid})


def table_rows(html: str) -> list[tuple[str, str]]:
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return re.findall(r"<tr><td>(.*?)</td><td>(.*?)</td></tr>", body)


def use_language(world: World, language: str) -> None:
    owner = world.accounts["owner"]
    owner.language = language
    owner.save(update_fields=["language"])


def test_trend_lists_home_and_imported_pairs_newest_first(pressures: World):
    use_language(pressures, "en")
    response = pressures.client("owner").get(trend_url(pressures), {"code": "85354-9"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>Blood pressure <small" in html
    assert table_rows(html) == [
        ("April 2, 2025 8 a.m.", "141/90 mmHg"),
        ("March 15, 2025 9:05 p.m.", "128/82 mmHg"),
        ("March 10, 2025 2:45 p.m.", "145/92 mmHg"),
        ("March 1, 2025 7:30 a.m.", "132/84 mmHg"),
        ("Nov. 20, 2024 10 a.m.", "138/88 mmHg"),
    ]


def test_trend_reads_in_spanish(pressures: World):
    use_language(pressures, "es")
    html = pressures.client("owner").get(trend_url(pressures), {"code": "85354-9"}).content
    page = html.decode()
    assert "<h1>Presión arterial <small" in page
    assert table_rows(page) == [
        ("2 de abril de 2025 08:00", "141/90 mmHg"),
        ("15 de marzo de 2025 21:05", "128/82 mmHg"),
        ("10 de marzo de 2025 14:45", "145/92 mmHg"),
        ("1 de marzo de 2025 07:30", "132/84 mmHg"),
        ("20 de noviembre de 2024 10:00", "138/88 mmHg"),
    ]


def test_either_half_s_code_opens_the_same_pair(pressures: World):
    client = pressures.client("viewer")
    pages = [
        table_rows(client.get(trend_url(pressures), {"code": code}).content.decode())
        for code in ("85354-9", "8480-6", "8462-4")
    ]
    assert pages[0] == pages[1] == pages[2]
    assert len(pages[0]) == 5


def test_a_half_without_its_other_is_shown_alone(world: World):
    use_language(world, "en")
    clinic = Source.objects.create(profile=world.profile, kind=SourceKind.IMPORT, label="a.xml")
    add_half(world, clinic, "8480-6", 150, dt.date(2025, 2, 1), dt.time(9, 0))
    # Same moment, another source: not its other half.
    other = Source.objects.create(profile=world.profile, kind=SourceKind.IMPORT, label="b.xml")
    add_half(world, other, "8462-4", 95, dt.date(2025, 2, 1), dt.time(9, 0))
    html = world.client("owner").get(trend_url(world), {"code": "8480-6"}).content.decode()
    assert sorted(table_rows(html)) == [
        ("Feb. 1, 2025 9 a.m.", "Diastolic 95 mmHg"),
        ("Feb. 1, 2025 9 a.m.", "Systolic 150 mmHg"),
    ]


def test_halves_reference_ranges_are_shown_and_banded(world: World):
    use_language(world, "en")
    clinic = Source.objects.create(profile=world.profile, kind=SourceKind.IMPORT, label="a.xml")
    for day in (dt.date(2025, 1, 1), dt.date(2025, 2, 1)):
        for code, value, low, high in (("8480-6", 125, 90, 120), ("8462-4", 85, 60, 80)):
            entry = add_half(world, clinic, code, value, day, None)
            Observation.objects.filter(pk=entry.pk).update(reference_low=low, reference_high=high)
    html = world.client("owner").get(trend_url(world), {"code": "85354-9"}).content.decode()
    assert "Reference range: Systolic 90 – 120 mmHg; Diastolic 60 – 80 mmHg" in html
    chart = world.client("owner").get(chart_url(world), {"code": "85354-9"}).content
    assert b"Reference range" in chart


def line_paths(svg: bytes, gid: str) -> list[ET.Element]:
    """The drawn lines in the group matplotlib names ``gid`` (its markers are defs and uses)."""
    root = ET.fromstring(svg)  # noqa: S314  (our own output)
    groups = [group for group in root.iter(f"{SVG}g") if group.get("id") == gid]
    assert len(groups) == 1, gid
    return groups[0].findall(f"{SVG}path")


def vertices(path: ET.Element) -> int:
    return len(re.findall(r"[ML] ", path.get("d", "")))


@pytest.mark.parametrize(
    ("language", "systolic", "diastolic"),
    [("en", "Systolic", "Diastolic"), ("es", "Sistólica", "Diastólica")],
)
def test_chart_draws_both_lines_with_a_legend(
    pressures: World, language: str, systolic: str, diastolic: str
):
    use_language(pressures, language)
    response = pressures.client("owner").get(chart_url(pressures), {"code": "85354-9"})
    assert response["Content-Type"] == "image/svg+xml"
    svg = response.content
    [systolic_line] = line_paths(svg, "systolic")
    [diastolic_line] = line_paths(svg, "diastolic")
    assert vertices(systolic_line) == vertices(diastolic_line) == 5
    # Told apart by more than colour: the diastolic line is dashed.
    assert "stroke-dasharray" not in systolic_line.get("style", "")
    assert "stroke-dasharray" in diastolic_line.get("style", "")
    text = svg.decode()
    assert f"<!-- {systolic} -->" in text
    assert f"<!-- {diastolic} -->" in text


def test_the_chart_is_redrawn_in_another_language_and_when_a_reading_is_added(pressures: World):
    client = pressures.client("owner")
    use_language(pressures, "en")
    english = client.get(chart_url(pressures), {"code": "85354-9"}).content
    use_language(pressures, "es")
    spanish = client.get(chart_url(pressures), {"code": "85354-9"}).content
    assert english != spanish
    add_home_reading(pressures, "2025-05-01T08:00", 150, 99)
    assert client.get(chart_url(pressures), {"code": "85354-9"}).content != spanish


def test_a_blood_pressure_half_s_detail_page_links_to_the_pair_s_trend(pressures: World):
    half = Observation.objects.filter(profile=pressures.profile, code="8480-6").first()
    assert half is not None
    detail = reverse(
        "records:detail",
        kwargs={"profile_uuid": pressures.profile.uuid, "kind": "results", "entry_uuid": half.uuid},
    )
    html = pressures.client("viewer").get(detail).content.decode()
    link = f'href="{trend_url(pressures)}?code=8480-6"'
    assert link in html
    trend = pressures.client("viewer").get(f"{trend_url(pressures)}?code=8480-6")
    assert [text for _when, text in table_rows(trend.content.decode())][:2] == [
        "141/90 mmHg",
        "128/82 mmHg",
    ]


def test_a_stranger_sees_no_blood_pressure(pressures: World):
    assert (
        pressures.client("stranger").get(trend_url(pressures), {"code": "85354-9"}).status_code
        == 404
    )
    assert (
        pressures.client("stranger").get(chart_url(pressures), {"code": "85354-9"}).status_code
        == 404
    )


def test_no_blood_pressure_is_not_found(world: World):
    assert world.client("owner").get(trend_url(world), {"code": "85354-9"}).status_code == 404


def test_summary_sparkline_draws_both_lines():
    series = Series(
        [(dt.date(2025, 1, 1), 130.0), (dt.date(2025, 2, 1), 128.0)],
        second=[(dt.date(2025, 1, 1), 85.0), (dt.date(2025, 2, 1), 82.0)],
    )
    svg = sparkline_svg(series.points, low=None, high=None, second=series.second)
    [systolic_line] = line_paths(svg, "systolic")
    [diastolic_line] = line_paths(svg, "diastolic")
    assert vertices(systolic_line) == vertices(diastolic_line) == 2
    assert series.key != Series(series.points).key


def test_a_reading_of_both_numbers_links_to_the_blood_pressure_trend(world: World):
    add_home_reading(world, "2025-03-01T07:30", 132, 84)
    reading = Observation.objects.get(profile=world.profile, code="85354-9")
    detail = reverse(
        "records:detail",
        kwargs={"profile_uuid": world.profile.uuid, "kind": "results", "entry_uuid": reading.uuid},
    )
    page = world.client("owner").get(detail).content.decode()
    assert f'href="{trend_url(world)}?code=85354-9"' in page


def test_the_summary_draws_blood_pressure_as_two_lines(world: World):
    for when, systolic, diastolic in (
        ("2026-11-01T07:30", 132, 84),
        ("2026-11-15T07:30", 141, 90),
        ("2026-11-29T07:30", 128, 82),
    ):
        add_home_reading(world, when, systolic, diastolic)
    page = world.client("owner").get(
        reverse("summary:page", kwargs={"profile_uuid": world.profile.uuid}),
        {"language": "en", "since": "2026-10-01"},
    )
    html = page.content.decode()
    row = html[html.index("Blood pressure") :]
    row = row[: row.index("</tr>")]
    assert "data:image/svg+xml" in row, row
