"""Apple Health's device metrics beyond heart rate and steps: each in its metric's unit.

Real exports (tests/data/apple) bring walking distance and a body mass
index; the rest are records written as the Health app writes them, with its
unit spellings ("Cal", "kJ", "mi", "mL/min·kg", "km/hr"...). A generated
export checks every record of every type read against the tables' factors.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import pytest
from lxml import etree

from myhealthhub.conftest import World
from myhealthhub.imports.apple.map import POINT_MEASUREMENTS, TOTALS
from myhealthhub.imports.apple.tests.test_apple_health import GENERATOR, HEAD, read
from myhealthhub.imports.models import JobState
from myhealthhub.imports.pipeline import request_commit, start_import
from myhealthhub.records.models import DailySummary, Sample
from myhealthhub.tests.real_files import ours, shared_data

# As a real export names an Apple Watch (the no-break space included).
WATCH = (
    "&lt;&lt;HKDevice: 0x283368230&gt;, name:Apple\u00a0Watch, manufacturer:Apple Inc., "
    "model:Watch, hardware:Watch6,1, software:9.1&gt;"
)


def imported(world: World, name: str, content: bytes) -> None:
    """Through the pipeline, as the Imports page does: read, preview, commit."""
    owner = world.accounts["owner"]
    job = start_import(world.profile, [(name, io.BytesIO(content))], actor=owner, request=None)
    job.refresh_from_db()
    assert job.state == JobState.READY, job.message
    request_commit(job, actor=owner, apply_demographics=False, other_person_confirmed=True)
    job.refresh_from_db()
    assert job.state == JobState.COMMITTED, job.message


def samples(world: World, metric: str) -> list[tuple[str, float]]:
    rows = Sample.objects.filter(profile=world.profile, metric=metric).order_by("at", "value")
    return [
        (at.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M"), value)
        for at, value in rows.values_list("at", "value")
    ]


def day_of(world: World, metric: str, day: dt.date) -> float:
    return DailySummary.objects.get(profile=world.profile, metric=metric, day=day).value


def measured(kind: str, unit: str, value: str, start: str, end: str = "") -> str:
    return (
        f'<Record type="HK{kind}" sourceName="Apple Watch de Ana" sourceVersion="9.1" '
        f'device="{WATCH}" unit="{unit}" creationDate="{end or start}" '
        f'startDate="{start}" endDate="{end or start}" value="{value}"/>'
    )


def export(*records: str) -> bytes:
    return (HEAD + "\n".join(records) + "\n</HealthData>\n").encode()


def test_a_real_export_s_walking_distance_becomes_kilometres_and_a_day_s_total(world: World):
    path = ours("apple/tdda_export6s3sample_v3dtd_enGB.xml")
    imported(world, path.name, path.read_bytes())

    assert samples(world, "distance") == [
        ("2014-09-20 09:41", 0.00288),
        ("2014-09-20 09:41", 0.00284),
        ("2014-09-20 09:41", 0.00142),
        ("2014-09-20 09:43", 0.00639),
        ("2014-09-20 09:43", 0.0059),
    ]
    assert day_of(world, "distance", dt.date(2014, 9, 20)) == pytest.approx(0.01943)
    assert day_of(world, "steps", dt.date(2014, 9, 13)) == 2517


def test_a_real_export_s_body_mass_index_is_read(world: World):
    path = ours("apple/dogsheep_export.xml")
    imported(world, path.name, path.read_bytes())
    assert samples(world, "bmi") == [("2016-04-18 15:25", 22.5312)]


def test_energy_distance_and_resting_heart_rate_in_every_unit_apple_writes(world: World):
    day = "2024-05-01"
    imported(
        world,
        "export.xml",
        export(
            # Energy: "Cal" is the large calorie, a kilocalorie; kJ are converted.
            measured(
                "QuantityTypeIdentifierActiveEnergyBurned",
                "Cal",
                "0.695",
                f"{day} 09:53:43 +0200",
                f"{day} 09:54:44 +0200",
            ),
            measured(
                "QuantityTypeIdentifierActiveEnergyBurned",
                "kcal",
                "120.4",
                f"{day} 10:00:00 +0200",
                f"{day} 10:30:00 +0200",
            ),
            measured(
                "QuantityTypeIdentifierActiveEnergyBurned",
                "kJ",
                "418.4",
                f"{day} 11:00:00 +0200",
                f"{day} 11:30:00 +0200",
            ),
            measured(
                "QuantityTypeIdentifierBasalEnergyBurned",
                "Cal",
                "15.5",
                f"{day} 09:00:00 +0200",
                f"{day} 09:30:00 +0200",
            ),
            # Distance: a US phone writes miles.
            measured(
                "QuantityTypeIdentifierDistanceWalkingRunning",
                "mi",
                "1",
                f"{day} 09:00:00 +0200",
                f"{day} 09:20:00 +0200",
            ),
            measured(
                "QuantityTypeIdentifierDistanceWalkingRunning",
                "km",
                "0.5",
                f"{day} 10:00:00 +0200",
                f"{day} 10:05:00 +0200",
            ),
            measured(
                "QuantityTypeIdentifierRestingHeartRate",
                "count/min",
                "57",
                f"{day} 00:00:00 +0200",
                f"{day} 23:59:00 +0200",
            ),
            measured(
                "QuantityTypeIdentifierWalkingHeartRateAverage",
                "count/min",
                "104",
                f"{day} 00:00:00 +0200",
                f"{day} 23:59:00 +0200",
            ),
            measured(
                "QuantityTypeIdentifierHeartRateVariabilitySDNN",
                "ms",
                "45.5",
                f"{day} 07:00:00 +0200",
            ),
            measured(
                "QuantityTypeIdentifierRespiratoryRate",
                "count/min",
                "14.5",
                f"{day} 03:00:00 +0200",
            ),
            measured(
                "QuantityTypeIdentifierFlightsClimbed",
                "count",
                "3",
                f"{day} 12:00:00 +0200",
                f"{day} 12:01:00 +0200",
            ),
            measured(
                "QuantityTypeIdentifierAppleExerciseTime",
                "min",
                "1",
                f"{day} 09:00:00 +0200",
                f"{day} 09:01:00 +0200",
            ),
            measured(
                "QuantityTypeIdentifierBodyTemperature", "degC", "36.6", f"{day} 07:00:00 +0200"
            ),
            # Fahrenheit has another zero: 99.5 °F is 37.5 °C, not 55.3.
            measured(
                "QuantityTypeIdentifierBodyTemperature", "degF", "99.5", f"{day} 19:00:00 +0200"
            ),
            # Body fat, as oxygen saturation, is a fraction of one in "%".
            measured(
                "QuantityTypeIdentifierBodyFatPercentage", "%", "0.181", f"{day} 07:01:00 +0200"
            ),
            measured("QuantityTypeIdentifierHeight", "ft", "5.75", f"{day} 07:02:00 +0200"),
            measured("QuantityTypeIdentifierVO2Max", "mL/min·kg", "42.3", f"{day} 09:30:00 +0200"),
            measured("QuantityTypeIdentifierWalkingSpeed", "mi/hr", "3", f"{day} 09:10:00 +0200"),
        ),
    )

    energy = samples(world, "active_energy")
    assert [at for at, _value in energy] == [
        "2024-05-01 07:53",
        "2024-05-01 08:00",
        "2024-05-01 09:00",
    ]
    assert [value for _at, value in energy] == pytest.approx([0.695, 120.4, 100.0])
    assert samples(world, "basal_energy") == [("2024-05-01 07:00", 15.5)]
    assert [value for _at, value in samples(world, "distance")] == pytest.approx([1.609344, 0.5])
    assert samples(world, "resting_heart_rate") == [("2024-04-30 22:00", 57.0)]
    assert samples(world, "walking_heart_rate") == [("2024-04-30 22:00", 104.0)]
    assert samples(world, "hrv_sdnn") == [("2024-05-01 05:00", 45.5)]
    assert samples(world, "respiratory_rate") == [("2024-05-01 01:00", 14.5)]
    assert samples(world, "flights") == [("2024-05-01 10:00", 3.0)]
    assert samples(world, "exercise_minutes") == [("2024-05-01 07:00", 1.0)]
    temperatures = samples(world, "body_temperature")
    assert [at for at, _value in temperatures] == ["2024-05-01 05:00", "2024-05-01 17:00"]
    assert [value for _at, value in temperatures] == pytest.approx([36.6, 37.5])
    assert [value for _at, value in samples(world, "body_fat")] == pytest.approx([18.1])
    assert [value for _at, value in samples(world, "height")] == pytest.approx([175.26])
    assert samples(world, "vo2_max") == [("2024-05-01 07:30", 42.3)]
    assert [value for _at, value in samples(world, "walking_speed")] == pytest.approx([4.828032])

    # A day's energy and distance add up; the resting heart rate does not.
    may_first = dt.date(2024, 5, 1)
    assert day_of(world, "active_energy", may_first) == pytest.approx(221.095)
    assert day_of(world, "distance", may_first) == pytest.approx(2.109344)


def test_each_hour_stood_counts_one_and_an_idle_hour_none(world: World):
    def hour(start: int, value: str) -> str:
        return (
            '<Record type="HKCategoryTypeIdentifierAppleStandHour" sourceName="Apple Watch de Ana" '
            f'device="{WATCH}" creationDate="2024-05-01 {start + 1:02d}:00:05 +0200" '
            f'startDate="2024-05-01 {start:02d}:00:00 +0200" '
            f'endDate="2024-05-01 {start + 1:02d}:00:00 +0200" value="{value}"/>'
        )

    imported(
        world,
        "export.xml",
        export(
            hour(8, "HKCategoryValueAppleStandHourStood"),
            hour(9, "HKCategoryValueAppleStandHourIdle"),
            hour(10, "HKCategoryValueAppleStandHourStood"),
        ),
    )
    assert samples(world, "stand_hours") == [("2024-05-01 06:00", 1.0), ("2024-05-01 08:00", 1.0)]
    assert day_of(world, "stand_hours", dt.date(2024, 5, 1)) == 2


def expected_sums(path: Path) -> dict[str, float]:
    """Each metric's sum over the file's top-level records, read here without the importer."""
    tables = {**POINT_MEASUREMENTS, **TOTALS}
    sums: dict[str, float] = defaultdict(float)
    for _event, element in etree.iterparse(
        str(path), events=("end",), tag="Record", load_dtd=False, resolve_entities=False
    ):
        parent = element.getparent()
        kind = element.get("type", "")
        if parent is not None and parent.tag == "HealthData" and kind in tables:
            metric, units = tables[kind]
            sums[str(metric)] += (
                float(element.get("value").replace(",", ".")) * units[element.get("unit")]
            )
    return sums


@shared_data  # the generator lives beside ../shared/data
def test_every_record_of_a_generated_export_is_read_in_its_metric_s_unit(tmp_path: Path):
    path = tmp_path / "export.xml"
    subprocess.run(
        [sys.executable, str(GENERATOR), "--size-mb", "1", "--out", str(path), "--seed", "11"],
        check=True,
        capture_output=True,
    )
    mapping = read(path.name, path.read_bytes())
    found: dict[str, float] = defaultdict(float)
    for reading in mapping.readings:
        found[str(reading.metric)] += reading.value
    expected = expected_sums(path)
    for metric in (
        "active_energy",
        "basal_energy",
        "distance",
        "flights",
        "respiratory_rate",
        "resting_heart_rate",
        "walking_heart_rate",
        "hrv_sdnn",
    ):
        assert expected[metric] > 0, metric
    for metric, total in expected.items():
        assert math.isclose(found[metric], total, rel_tol=1e-9), metric
