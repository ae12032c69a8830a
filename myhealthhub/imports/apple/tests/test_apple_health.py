"""Apple Health exports: every element accounted for, readings as written, hostile files refused.

The counts are taken with an ``iterparse`` of the test's own, independently
of the importer, so the importer's accounting is checked against the file.
"""

from __future__ import annotations

import datetime as dt
import io
import struct
import subprocess
import sys
import zipfile
from collections import Counter
from pathlib import Path

import pytest
from lxml import etree

from myhealthhub.conftest import World
from myhealthhub.documents.models import DocumentLink
from myhealthhub.errors import Refused
from myhealthhub.imports.apple.importer import AppleHealth
from myhealthhub.imports.apple.map import origin_of
from myhealthhub.imports.base import Mapping, Upload, no_progress
from myhealthhub.imports.formats import detect
from myhealthhub.imports.models import ImportJob, JobState
from myhealthhub.imports.pipeline import request_commit, start_import
from myhealthhub.records.models import DailySummary, Sample, Workout
from myhealthhub.tests.real_files import SHARED, ours, ours_in, shared_data

EXPORTS = ours_in("apple", "*.xml")
ZIPPED = ours("apple/dogsheep_zip_contents/apple_health_export/export.xml").parent
GENERATOR = SHARED.parent / "tools" / "gen_apple_export.py"
TOP_LEVEL = ("Record", "Correlation", "Workout", "ActivitySummary")


def counted(path: Path) -> Counter[str]:
    """Top-level elements of an export by type, read here without the importer."""
    counts: Counter[str] = Counter()
    for _event, element in etree.iterparse(
        str(path), events=("end",), load_dtd=False, resolve_entities=False, no_network=True
    ):
        parent = element.getparent()
        if element.tag in TOP_LEVEL and parent is not None and parent.tag == "HealthData":
            kind = element.get("type") if element.tag in ("Record", "Correlation") else None
            counts[origin_of(kind) if kind else element.tag] += 1
    return counts


def accounted(mapping: Mapping) -> Counter[str]:
    counts = Counter(reading.origin for reading in mapping.readings)
    counts.update(entry.origin for entry in mapping.entries)
    for skipped in mapping.skipped:
        if skipped.origin != "WorkoutRoute":  # a file beside the export, not an element
            counts[skipped.origin] += skipped.count
    counts.update(mapping.used)
    del counts["Me"]
    return counts


def read(name: str, content: bytes) -> Mapping:
    upload = Upload(name, io.BytesIO(content), len(content))
    importer = detect([upload])
    assert importer.name == AppleHealth.name
    return importer.read([upload], no_progress)


def export_zip(folder: Path, main_name: str = "export.xml") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                name = path.relative_to(folder.parent).as_posix()
                archive.write(path, name.replace("export.xml", main_name))
    return buffer.getvalue()


@pytest.mark.parametrize("path", EXPORTS, ids=[path.name for path in EXPORTS])
def test_every_element_of_a_real_export_is_read_or_left_out_with_a_reason(path: Path):
    mapping = read(path.name, path.read_bytes())
    assert accounted(mapping) == counted(path)
    assert all(skipped.reason and skipped.where for skipped in mapping.skipped)
    assert len(mapping.patients) == 1 and mapping.patients[0].birth is not None


@shared_data  # the generator lives beside ../shared/data
def test_every_element_of_a_generated_export_is_read_or_left_out_with_a_reason(tmp_path: Path):
    path = tmp_path / "export.xml"
    subprocess.run(
        [sys.executable, str(GENERATOR), "--size-mb", "1", "--out", str(path), "--seed", "7"],
        check=True,
        capture_output=True,
    )
    mapping = read(path.name, path.read_bytes())
    assert accounted(mapping) == counted(path)
    metrics = Counter(reading.metric for reading in mapping.readings)
    # Each blood-pressure reading once: the correlation's records are the top-level ones.
    assert metrics["systolic"] == metrics["diastolic"] == counted(path)["BloodPressure"] > 0
    assert metrics["heart_rate"] > 0 and metrics["oxygen_saturation"] > 0


HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE HealthData [
<!ELEMENT HealthData (ExportDate,Me,(Record|Correlation|Workout|ActivitySummary)*)>
<!ATTLIST HealthData locale CDATA #REQUIRED>
]>
<HealthData locale="es_ES">
 <ExportDate value="2024-06-01 10:00:00 +0200"/>
 <Me HKCharacteristicTypeIdentifierDateOfBirth="1970-05-01" HKCharacteristicTypeIdentifierBiologicalSex="HKBiologicalSexFemale"/>
"""


def record(kind: str, unit: str, value: str, start: str = "2024-05-01 08:00:00 +0200") -> str:
    return (
        f'<Record type="HKQuantityTypeIdentifier{kind}" sourceName="Reloj de Ana" '
        f'unit="{unit}" startDate="{start}" endDate="{start}" value="{value}"/>'
    )


def test_readings_are_read_in_the_metric_s_unit_at_the_moment_written():
    body = [
        record("HeartRate", "count/min", "72,5"),
        record("BodyMass", "lb", "150"),
        record("BloodGlucose", "mmol&lt;180.1558936&gt;/L", "5.5"),
        record("OxygenSaturation", "%", "0.97"),
        record("BodyMass", "furlong", "1"),
        record("HeartRate", "count/min", "abc"),
        record("HeartRate", "count/min", "70", start="yesterday"),
        record("HeartRate", "count/min", "70", start="2999-01-01 00:00:00 +0000"),
        '<Correlation type="HKCorrelationTypeIdentifierBloodPressure" sourceName="Omron" '
        'startDate="2024-05-01 09:00:00 -0500" endDate="2024-05-01 09:00:00 -0500">'
        + record("BloodPressureSystolic", "mmHg", "128", "2024-05-01 09:00:00 -0500")
        + record("BloodPressureDiastolic", "mmHg", "82", "2024-05-01 09:00:00 -0500")
        + "</Correlation>",
        record("BloodPressureSystolic", "mmHg", "128", "2024-05-01 09:00:00 -0500"),
        record("BloodPressureDiastolic", "mmHg", "82", "2024-05-01 09:00:00 -0500"),
    ]
    mapping = read("export.xml", (HEAD + "\n".join(body) + "\n</HealthData>\n").encode())
    readings = {
        (r.metric, r.at.astimezone(dt.UTC).isoformat(), round(r.value, 2)) for r in mapping.readings
    }
    assert readings == {
        ("heart_rate", "2024-05-01T06:00:00+00:00", 72.5),
        ("weight", "2024-05-01T06:00:00+00:00", 68.04),
        ("glucose", "2024-05-01T06:00:00+00:00", 99.09),
        ("oxygen_saturation", "2024-05-01T06:00:00+00:00", 97.0),
        ("systolic", "2024-05-01T14:00:00+00:00", 128.0),
        ("diastolic", "2024-05-01T14:00:00+00:00", 82.0),
    }
    reasons = sorted(skipped.reason for skipped in mapping.skipped)
    assert len(reasons) == 4 and any("furlong" in reason for reason in reasons)
    assert mapping.used == {"Me": 1, "BloodPressure": 1}
    assert mapping.patients[0].sex == "female"
    assert mapping.patients[0].where == "export.xml, line 8"


def test_an_export_found_by_what_it_holds_whatever_its_name():
    # The Health app names the file in the phone's language.
    mapping = read("exportar.zip", export_zip(ZIPPED, main_name="exportar.xml"))
    assert [reading.metric for reading in mapping.readings] == ["bmi", "heart_rate"]
    assert mapping.readings[1].where == "exportar.zip/apple_health_export/exportar.xml, line 11"


HOSTILE = {
    "billion laughs": """<?xml version="1.0"?>
<!DOCTYPE HealthData [
<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">
]>
<HealthData locale="en"><Me HKCharacteristicTypeIdentifierDateOfBirth="&c;"/></HealthData>
""",
    "external entity": """<?xml version="1.0"?>
<!DOCTYPE HealthData [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<HealthData locale="en"><Me HKCharacteristicTypeIdentifierDateOfBirth="&secret;"/></HealthData>
""",
    "an entity never declared": HEAD + '<Record type="&x;"/>\n</HealthData>\n',
    "cut off": HEAD + record("HeartRate", "count/min", "72")[:40],
}


@pytest.mark.parametrize("content", HOSTILE.values(), ids=list(HOSTILE))
def test_hostile_or_broken_xml_is_refused_saying_where(content: str):
    with pytest.raises(Refused) as refused:
        read("export.xml", content.encode())
    assert refused.value.where.startswith("export.xml")


def declared_4_gb() -> bytes:
    """A real export whose main file says it unpacks to 4 GiB, in both of its headers."""
    declared = bytearray(export_zip(ZIPPED))
    for signature, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        at = declared.find(signature)
        while at >= 0:
            struct.pack_into("<L", declared, at + offset, 4 * 1024**3 - 1)
            at = declared.find(signature, at + 4)
    return bytes(declared)


def zip_bomb() -> bytes:
    """A few hundred kilobytes that unpack to 64 MiB of one record, over and over."""
    bomb = io.BytesIO()
    with (
        zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive,
        archive.open("apple_health_export/export.xml", "w") as member,
    ):
        member.write(HEAD.encode())
        line = (record("HeartRate", "count/min", "72") + "\n").encode()
        member.write(line * (64 * 1024**2 // len(line)))
        member.write(b"</HealthData>\n")
    return bomb.getvalue()


HOSTILE_ZIPS = {"a 4 GB declared member": declared_4_gb, "a zip bomb": zip_bomb}


@pytest.mark.parametrize("name", list(HOSTILE_ZIPS))
def test_a_hostile_zip_is_refused_with_nothing_written(world: World, name: str):
    before = Sample.objects.filter(profile=world.profile).count()
    job = start_import(
        world.profile,
        [("export.zip", io.BytesIO(HOSTILE_ZIPS[name]()))],
        actor=world.accounts["owner"],
        request=None,
    )
    job.refresh_from_db()
    assert job.state == JobState.REFUSED, job.state
    assert "compressed" in job.message or "unpack" in job.message, job.message
    assert Sample.objects.filter(profile=world.profile).count() == before
    assert not Workout.objects.filter(profile=world.profile).exists()


def test_an_export_zip_adds_its_readings_once_and_nothing_from_a_refused_one(world: World):
    owner = world.accounts["owner"]

    def imported(name: str, content: bytes) -> ImportJob:
        job = start_import(world.profile, [(name, io.BytesIO(content))], actor=owner, request=None)
        job.refresh_from_db()
        if job.state == JobState.READY:
            request_commit(job, actor=owner, apply_demographics=False, other_person_confirmed=True)
            job.refresh_from_db()
        return job

    before = Sample.objects.filter(profile=world.profile).count()
    refused = imported("export.xml", HOSTILE["billion laughs"].encode())
    assert refused.state == JobState.REFUSED and "entities" in refused.message
    assert Sample.objects.filter(profile=world.profile).count() == before

    first = imported("export.zip", export_zip(ZIPPED))
    assert first.state == JobState.COMMITTED, first.message
    # A body mass index from a scale's app and a heart rate from a watch.
    assert first.preview["readings"]["new"] == 2 and first.counts["readings"] == 2
    # The workout is an entry, and its route a document of it.
    assert first.preview["origins"]["Workout"] == {
        "entries": 1,
        "documents": 0,
        "used": 0,
        "skipped": 0,
    }
    assert first.preview["origins"]["WorkoutRoute"]["documents"] == 1
    workout = Workout.objects.get(profile=world.profile, starts_at__year=2016)
    assert (workout.activity, workout.duration) == ("running", 312)
    (link,) = DocumentLink.objects.filter(profile=world.profile, entry_uuid=workout.uuid)
    assert link.document.content_type == "application/gpx+xml"
    # Measured by the watch, which is a source of its own beside the import.
    sample = (
        Sample.objects.filter(profile=world.profile, metric="heart_rate")
        .select_related("source")
        .latest("id")
    )
    assert (sample.metric, sample.value) == ("heart_rate", 72)
    # The file names the watch with a no-break space, as real exports do.
    assert (sample.source.kind, sample.source.label, sample.source.facility) == (
        "device",
        "Apple\xa0Watch",
        "Apple Watch",
    )
    assert sample.at == dt.datetime(2018, 9, 10, 9, 28, 55, tzinfo=dt.UTC)

    again = imported("export.zip", export_zip(ZIPPED))
    assert again.state == JobState.COMMITTED
    assert again.preview["readings"] == {
        "new": 0,
        "present": 2,
        "metrics": {},
        "devices": {},
        "first": "",
        "last": "",
        "repeated": 0,
    }
    # Nothing new; the workout and its route are present.
    assert (again.counts["readings"], again.counts["present"]) == (0, 2)
    assert Sample.objects.filter(profile=world.profile).count() == before + 2


WATCH = "&lt;&lt;HKDevice: 0x1&gt;, name:Apple Watch, manufacturer:Apple Inc., model:Watch, hardware:Watch6,1&gt;"
PHONE = "&lt;&lt;HKDevice: 0x2&gt;, name:iPhone, manufacturer:Apple Inc., model:iPhone, hardware:iPhone12,1&gt;"


def counted_by(device: str, source: str, start: str, steps: int) -> str:
    return (
        f'<Record type="HKQuantityTypeIdentifierStepCount" sourceName="{source}" device="{device}" '
        f'unit="count" startDate="{start}" endDate="{start}" value="{steps}"/>'
    )


def test_steps_of_a_phone_and_a_watch_are_kept_and_each_hour_counted_once(world: World):
    owner = world.accounts["owner"]
    body = [
        # 09:00 both count the same walk; 10:00 only the phone (the watch was charging).
        counted_by(PHONE, "iPhone de Ana", "2024-05-01 09:05:00 +0200", 1000),
        counted_by(WATCH, "Reloj de Ana", "2024-05-01 09:06:00 +0200", 900),
        counted_by(WATCH, "Reloj de Ana", "2024-05-01 09:30:00 +0200", 300),
        counted_by(PHONE, "iPhone de Ana", "2024-05-01 10:10:00 +0200", 500),
        '<Record type="HKCategoryTypeIdentifierSleepAnalysis" sourceName="Reloj de Ana" '
        f'device="{WATCH}" value="HKCategoryValueSleepAnalysisAsleepCore" '
        'startDate="2024-05-01 23:00:00 +0200" endDate="2024-05-02 00:30:00 +0200"/>',
        '<Record type="HKCategoryTypeIdentifierSleepAnalysis" sourceName="iPhone de Ana" '
        f'device="{PHONE}" value="HKCategoryValueSleepAnalysisInBed" '
        'startDate="2024-05-01 22:30:00 +0200" endDate="2024-05-02 07:00:00 +0200"/>',
    ]
    content = (HEAD + "\n".join(body) + "\n</HealthData>\n").encode()
    job = start_import(
        world.profile, [("export.xml", io.BytesIO(content))], actor=owner, request=None
    )
    job.refresh_from_db()
    assert job.preview["readings"]["new"] == 5
    request_commit(job, actor=owner, apply_demographics=False, other_person_confirmed=True)
    job.refresh_from_db()
    assert job.state == JobState.COMMITTED, job.message

    samples = Sample.objects.filter(profile=world.profile, metric="steps", at__year=2024)
    assert sorted(samples.values_list("source__label", "value")) == [
        ("Reloj de Ana", 300.0),
        ("Reloj de Ana", 900.0),
        ("iPhone de Ana", 500.0),
        ("iPhone de Ana", 1000.0),
    ]
    summaries = {
        summary.metric: summary.total
        for summary in DailySummary.objects.filter(profile=world.profile, day=dt.date(2024, 5, 1))
    }
    assert summaries["steps"] == 900 + 300 + 500
    assert summaries["sleep_minutes"] == 90

    # Sent again: nothing new, whichever device measured it.
    again = start_import(
        world.profile, [("export.xml", io.BytesIO(content))], actor=owner, request=None
    )
    again.refresh_from_db()
    assert again.preview["readings"]["new"] == 0 and again.preview["readings"]["present"] == 5
