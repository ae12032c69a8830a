"""ECG recordings in an Apple Health export: each kept once, as a document that says what it is.

No ECG file with a licence that lets it be copied was found, so the
recordings here are written by the test in the format the Health app
writes (a header of "label,value" lines, then one sample a line), as
public parsers of real exports describe it; they are not real files. The
German labels are those real German exports use, as two independent public
parsers of them list; the third language is one the reader does not list.
"""

from __future__ import annotations

import io
import json
import math
import zipfile

import pytest

from myhealthhub.conftest import World
from myhealthhub.documents.models import Document
from myhealthhub.imports.apple import electrocardiograms
from myhealthhub.imports.apple.electrocardiograms import Recording, parse
from myhealthhub.imports.models import ImportedRecord, ImportJob, JobState
from myhealthhub.imports.tests.test_pipeline import commit, new_profile, read
from myhealthhub.lib.dates import PartialDate
from myhealthhub.profiles.models import Profile
from myhealthhub.records.models import Condition
from myhealthhub.tests.real_files import ours

EXPORT_XML = ours("apple/dogsheep_zip_contents/apple_health_export/export.xml").read_bytes()
FOLDER = "apple_health_export/electrocardiograms"

ENGLISH = """Name,Ana García
Date of Birth,"May 1, 1970"
Recorded Date,2020-09-22 09:14:40 +0200
Classification,Sinus Rhythm
Symptoms,
Software Version,1.90
Device,"Watch5,4"
Sample Rate,512 hertz


Lead,Lead I
Unit,µV

"""
GERMAN = """Name,Anna Müller
Geburtstag,"01.05.1970"
Aufzeichnungsdatum,2021-03-01 10:15:00 +0100
Klassifizierung,Sinusrhythmus
Symptome,Herzrasen
Softwareversion,1.90
Gerät,"Watch6,7"
Messrate,511,422 Hertz


Ableitung,Ableitung I
Einheit,µV

"""
# Labels in a language the reader does not list (written here, not seen in a real file).
OTHER_LANGUAGE = """Nombre,Ana García
Fecha de nacimiento,1 may 1970
Registrado,2022-01-05 18:30:00 -0500
Clasificado,Fibrilación auricular
Síntomas,
Versión,1.90
Aparato,"Watch6,1"
Frecuencia,512 Hz

"""


def ecg(header: str, samples: int = 1024, decimal: str = ".") -> bytes:
    """A recording: ``header``, then two seconds of a made-up heartbeat at 512 samples a second."""
    voltages = (
        f"{400 * math.sin(2 * math.pi * index / 512) + (900 if index % 512 < 20 else 0):.3f}"
        for index in range(samples)
    )
    return (header + "\n".join(v.replace(".", decimal) for v in voltages) + "\n").encode()


def export_zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in {"apple_health_export/export.xml": EXPORT_XML, **members}.items():
            member = zipfile.ZipInfo(name, date_time=(2024, 6, 1, 10, 0, 0))
            archive.writestr(member, content, compress_type=zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


RECORDINGS = {
    f"{FOLDER}/ecg_2020-09-22.csv": ecg(ENGLISH),
    f"{FOLDER}/ecg_2021-03-01.csv": ecg(GERMAN, decimal=","),
    f"{FOLDER}/ecg_2022-01-05.csv": ecg(OTHER_LANGUAGE),
}


def read_export(profile: Profile, content: bytes, world: World) -> ImportJob:
    job = read(profile, [("export.zip", content)], world)
    assert job.state == JobState.READY, (job.state, job.message, job.where)
    return job


def recordings_of(profile: Profile) -> dict[str, Document]:
    documents = Document.objects.filter(profile=profile, title__startswith="ECG").alive()
    return {document.title: document for document in documents}


def test_each_recording_is_kept_once_titled_dated_and_described(world: World):
    profile = new_profile(world, "Ana")
    job = read_export(profile, export_zip(RECORDINGS), world)
    assert job.preview["documents"]["new"] == 3
    assert job.preview["origins"]["Electrocardiogram"]["documents"] == 3
    commit(job, world)

    kept = recordings_of(profile)
    assert set(kept) == {"ECG: Sinus Rhythm", "ECG: Sinusrhythmus", "ECG: Fibrilación auricular"}
    english = kept["ECG: Sinus Rhythm"]
    assert english.when == PartialDate(2020, 9, 22)
    assert english.kind == "other"
    assert english.description == (
        "Recorded: 2020-09-22 09:14:40 +0200\n"
        "Classification: Sinus Rhythm\n"
        "Device: Watch5,4\n"
        "Sample rate: 512 hertz\n"
        "1024 samples"
    )
    german = kept["ECG: Sinusrhythmus"]
    assert german.when == PartialDate(2021, 3, 1)
    assert "Symptoms: Herzrasen" in german.description
    assert "Sample rate: 511,422 Hertz" in german.description
    other = kept["ECG: Fibrilación auricular"]
    assert other.when == PartialDate(2022, 1, 5)
    assert "Device: Watch6,1" in other.description and "Sample rate: 512 Hz" in other.description

    # Sent again, and in a newer export that repeats them: each is already there.
    again = read_export(profile, export_zip(RECORDINGS), world)
    assert (again.preview["documents"]["new"], again.preview["documents"]["present"]) == (0, 3)
    commit(again, world)
    newer = {
        **RECORDINGS,
        f"{FOLDER}/ecg_2023-07-14.csv": ecg(ENGLISH.replace("2020-09-22", "2023-07-14")),
    }
    latest = read_export(profile, export_zip(newer), world)
    assert (latest.preview["documents"]["new"], latest.preview["documents"]["present"]) == (1, 3)
    commit(latest, world)
    assert Document.objects.filter(profile=profile, title="ECG: Sinus Rhythm").alive().count() == 2


def test_recordings_stay_apple_health_s_beside_the_hospitals_records(world: World):
    condition = ours("fhir/bulk-ndjson/Condition.000.ndjson").read_text().splitlines()[0]
    identifier = json.loads(condition)["id"]
    members = {
        **RECORDINGS,
        f"apple_health_export/clinical-records/Condition-{identifier}.json": condition.encode(),
    }
    profile = new_profile(world, "Ana")
    commit(read_export(profile, export_zip(members), world), world)
    assert Condition.objects.filter(profile=profile).count() == 1
    systems = dict(ImportedRecord.objects.filter(profile=profile).values_list("key", "system"))
    assert {systems[key] for key in systems if key.startswith("apple-health:ecg:")} == {
        "apple-health:health"
    }
    assert {systems[key] for key in systems if key.startswith("Condition/")} == {""}


def test_files_that_are_no_recording_are_left_out_saying_why(
    world: World, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(electrocardiograms, "MAX_RECORDING", 256 * 1024)
    members = {
        f"{FOLDER}/ecg_2020-09-22.csv": ecg(ENGLISH),
        f"{FOLDER}/ecg_2020-09-23.csv": ecg(ENGLISH.replace("2020-09-22", "2020-09-23"), 40_000),
        f"{FOLDER}/ecg_2020-09-24.csv": "Name,Ana\n1\n2\n".encode("utf-16"),
        f"{FOLDER}/ecg_2020-09-25.csv": b"date,steps\n2020-09-25,1000\n",
        f"{FOLDER}/ecg_2020-09-26.csv": b"Name," + b"x" * 200_000 + b"\n1\n2\n",
    }
    profile = new_profile(world, "Ana")
    job = read_export(profile, export_zip(members), world)
    assert job.preview["documents"]["new"] == 1
    reasons = {
        group["reason"]: sorted(example.rsplit("/", 1)[-1] for example in group["examples"])
        for group in job.preview["skipped"]
        if group["origin"] == "Electrocardiogram"
    }
    assert reasons == {
        "larger than 256.0\xa0KB, far more than an ECG recording": ["ecg_2020-09-23.csv"],
        "not UTF-8 text, as the Health app writes its recordings": ["ecg_2020-09-24.csv"],
        "not an ECG recording as the Health app writes them": [
            "ecg_2020-09-25.csv",
            "ecg_2020-09-26.csv",
        ],
    }
    commit(job, world)
    assert list(recordings_of(profile)) == ["ECG: Sinus Rhythm"]


def test_a_header_is_read_by_its_labels_or_where_apple_writes_each_field():
    assert parse(ecg(ENGLISH).decode()) == Recording(
        recorded="2020-09-22 09:14:40 +0200",
        classification="Sinus Rhythm",
        software="1.90",
        device="Watch5,4",
        sample_rate="512 hertz",
        samples=1024,
    )
    german = parse(ecg(GERMAN, decimal=",").decode())
    assert german is not None and german.samples == 1024
    assert (german.classification, german.symptoms) == ("Sinusrhythmus", "Herzrasen")
    assert german.moment is not None and german.moment.isoformat() == "2021-03-01T10:15:00+01:00"
    other = parse(ecg(OTHER_LANGUAGE).decode())
    assert other is not None
    assert (other.classification, other.device) == ("Fibrilación auricular", "Watch6,1")
    # Without a recorded date, no field can be placed and the file is no recording.
    assert parse(ecg(OTHER_LANGUAGE.replace("2022-01-05 18:30:00 -0500", "ayer")).decode()) is None
    assert parse("Recorded Date,2020-09-22 09:14:40 +0200\n") is None  # no samples


def test_a_recording_without_a_readable_date_is_dated_by_its_file_s_name(world: World):
    header = ENGLISH.replace("2020-09-22 09:14:40 +0200", "22/09/2020")
    profile = new_profile(world, "Ana")
    commit(
        read_export(profile, export_zip({f"{FOLDER}/ecg_2020-09-22.csv": ecg(header)}), world),
        world,
    )
    (document,) = recordings_of(profile).values()
    assert document.when == PartialDate(2020, 9, 22)
    keys = ImportedRecord.objects.filter(profile=profile, key__startswith="apple-health:ecg:")
    assert list(keys.values_list("key", flat=True)) == ["apple-health:ecg:file:ecg_2020-09-22.csv"]
