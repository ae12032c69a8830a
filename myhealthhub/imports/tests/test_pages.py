"""The import pages: upload, watch it being read, review, commit; in English and Spanish."""

from __future__ import annotations

import io

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from myhealthhub.conftest import World
from myhealthhub.imports.fhir.tests.files import bundle, condition, patient
from myhealthhub.imports.models import ImportJob, JobState
from myhealthhub.imports.pipeline import start_import
from myhealthhub.records.models import Condition, Sample


def upload(world: World, name: str, content: bytes, client: Client | None = None):
    client = client or world.client("owner")
    response = client.post(
        reverse("imports:list", args=[world.profile.uuid]),
        {"files": [_named(name, content)]},
    )
    return client, response


def _named(name: str, content: bytes) -> io.BytesIO:
    handle = io.BytesIO(content)
    handle.name = name
    return handle


def test_upload_review_and_commit(world: World):
    content = bundle(patient("Ana", "García"), condition("Asthma"), condition("Gout", onset="2020"))
    client, response = upload(world, "clinic.json", content)
    assert response.status_code == 302
    job = ImportJob.objects.get(label="clinic.json")
    assert response["Location"] == reverse("imports:detail", args=[world.profile.uuid, job.uuid])

    page = client.get(response["Location"])
    assert page.status_code == 200
    html = page.content.decode()
    # The profile's language is Spanish, the account's English: pages follow the account.
    assert "What would change" in html
    assert "Asthma (2015-01-01)" in html
    assert not Condition.objects.filter(profile=world.profile, display="Asthma").exists()

    response = client.post(reverse("imports:commit", args=[world.profile.uuid, job.uuid]))
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.state == JobState.COMMITTED
    assert Condition.objects.filter(profile=world.profile, display="Asthma").exists()
    html = client.get(response["Location"]).content.decode()
    assert "Imported: 2 entries added." in html

    listing = client.get(reverse("imports:list", args=[world.profile.uuid])).content.decode()
    assert "clinic.json" in listing and "2 entries added" in listing


def test_the_page_polls_while_a_worker_reads(world: World):
    job = start_import(
        world.profile,
        [("clinic.json", io.BytesIO(bundle(patient(), condition("Asthma"))))],
        actor=world.accounts["owner"],
        request=None,
        enqueue=False,
    )
    ImportJob.objects.filter(pk=job.pk).update(progress=0.42)
    client = world.client("owner")
    url = reverse("imports:detail", args=[world.profile.uuid, job.uuid])
    html = client.get(url).content.decode()
    assert 'hx-get="?status=1"' in html and 'value="42"' in html
    status = client.get(url, {"status": "1"}, HTTP_HX_REQUEST="true")
    assert status.status_code == 200 and 'value="42"' in status.content.decode()
    ImportJob.objects.filter(pk=job.pk).update(state=JobState.READY)
    settled = client.get(url, {"status": "1"}, HTTP_HX_REQUEST="true")
    assert settled.status_code == 204 and settled["HX-Refresh"] == "true"


def test_a_refused_file_says_why_and_where_in_spanish(world: World):
    spanish = world.client("owner")
    spanish.post(reverse("accounts:set_language"), {"language": "es"})
    _client, _response = upload(
        world, "roto.json", bundle(patient(), condition("Asma"))[:-25], spanish
    )
    job = ImportJob.objects.get(label="roto.json")
    assert job.state == JobState.REFUSED
    html = spanish.get(reverse("imports:detail", args=[world.profile.uuid, job.uuid])).content
    assert "No se añadió nada" in html.decode()
    assert job.message in html.decode() and "línea" in job.where


def test_an_unknown_format_is_answered_on_the_form(world: World):
    _client, response = upload(world, "photo.bin", b"\x00\x01 not a record")
    assert response.status_code == 400
    assert "does not recognise the format" in response.content.decode()


def test_a_csv_of_readings_imports_once(world: World):
    csv = b"date,time,metric,value,unit,note\n2025-03-01,07:15,weight,72.5,kg,\n"
    csv += b"2025-03-01,07:16,pulse,64,/min,\n2025-03-02,07:10,weight,160,lb,\n"
    before = Sample.objects.filter(profile=world.profile).count()
    client, _response = upload(world, "scale.csv", csv)
    job = ImportJob.objects.get(label="scale.csv")
    assert job.state == JobState.READY, job.message
    assert job.preview["readings"]["new"] == 3
    client.post(reverse("imports:commit", args=[world.profile.uuid, job.uuid]))
    assert Sample.objects.filter(profile=world.profile).count() == before + 3
    weights = Sample.objects.filter(profile=world.profile, metric="weight").order_by("at")
    assert [round(sample.value, 1) for sample in weights] == [72.5, 72.6]

    upload(world, "scale.csv", csv)
    again = ImportJob.objects.filter(label="scale.csv").latest("id")
    assert again.preview["readings"] == {
        "new": 0,
        "present": 3,
        "metrics": {},
        "devices": {},
        "first": "",
        "last": "",
        "repeated": 0,
    }


def test_the_list_page_costs_the_same_queries_for_many_imports(world: World):
    client = world.client("owner")
    url = reverse("imports:list", args=[world.profile.uuid])
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for index in range(5):
        start_import(
            world.profile,
            [(f"more-{index}.json", io.BytesIO(bundle(patient(), condition("Asthma"))))],
            actor=world.accounts["owner"],
            request=None,
        )
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(many) == len(few)
