"""FHIR read at /fhir/r4/: valid R4 resources, the same as the exports write, behind the same gate."""

from __future__ import annotations

import datetime as dt
import io
import json
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.capabilitystatement import CapabilityStatement

from myhealthhub.accounts.models import User
from myhealthhub.api.actions import create_token
from myhealthhub.api.fhir.search import SEARCHABLE
from myhealthhub.api.tests.samples_fhir import SAMPLES
from myhealthhub.audit.models import Action, AuditEvent
from myhealthhub.exports import jobs
from myhealthhub.exports.fhir import FhirExport
from myhealthhub.exports.formats import Exporter
from myhealthhub.exports.ips import IpsExport
from myhealthhub.profiles import actions as profile_actions
from myhealthhub.profiles.models import Profile
from myhealthhub.profiles.zones import zone_for
from myhealthhub.records.models import Medication

pytestmark = pytest.mark.django_db

FHIR_JSON = "application/fhir+json"


def secret_for(account: User, profile: Profile, scopes: tuple[str, ...] = ("read",)) -> str:
    return create_token(
        account, request=None, name="Script", scopes=scopes, profile_uuids=[profile.uuid]
    ).secret


def fhir_get(url: str, secret: str = "", **query: Any) -> Any:
    if not secret:
        return Client().get(url, query)
    return Client().get(url, query, HTTP_AUTHORIZATION=f"Bearer {secret}")


def url(name: str, profile: Profile) -> str:
    return reverse(name, kwargs={"patient_id": str(profile.uuid)})


def search_url(resource_type: str) -> str:
    return reverse("fhir:search", kwargs={"resource_type": resource_type})


def validated(resource: dict[str, Any]) -> dict[str, Any]:
    get_fhir_model_class(resource["resourceType"]).model_validate(resource)
    return resource


def exported(exporter: Exporter, profile: Profile, reader: User) -> dict[str, Any]:
    """The export of ``profile`` as its page writes it for ``reader`` (exports/jobs.py)."""
    out = io.BytesIO()
    jobs.write_export(
        exporter,
        profile,
        jobs.options_for(profile),
        out,
        lambda done: None,
        zone=zone_for(profile, reader),
        reader=reader,
    )
    return json.loads(out.getvalue())


def by_type(bundle: dict[str, Any], resource_type: str) -> dict[str, dict[str, Any]]:
    return {
        entry["resource"]["id"]: entry["resource"]
        for entry in bundle["entry"]
        if entry["resource"]["resourceType"] == resource_type
    }


def walk(first_url: str, secret: str, **query: Any) -> tuple[int, list[dict[str, Any]], int]:
    """Every page of a search: (total, resources, pages), each page a valid searchset."""
    response = fhir_get(first_url, secret, **query)
    found: list[dict[str, Any]] = []
    pages = 0
    while True:
        assert response.status_code == 200, response.content
        assert response["Content-Type"] == FHIR_JSON
        bundle = response.json()
        Bundle.model_validate(bundle)
        assert bundle["type"] == "searchset"
        pages += 1
        for entry in bundle.get("entry", []):
            assert entry["search"] == {"mode": "match"}
            assert entry["fullUrl"] == f"urn:uuid:{entry['resource']['id']}"
            found.append(entry["resource"])
        following = [link["url"] for link in bundle["link"] if link["relation"] == "next"]
        if not following:
            return bundle["total"], found, pages
        response = fhir_get(following[0], secret)


def without_generated(bundle: dict[str, Any], made: list[str]) -> str:
    """``bundle`` as text, what each call makes anew (ids, times) named by its place instead."""
    text = json.dumps(bundle, sort_keys=True)
    for place, value in enumerate(made):
        text = text.replace(value, f"<made {place}>")
    return text


def generated_in_ips(bundle: dict[str, Any]) -> list[str]:
    composition, _patient, device = (entry["resource"] for entry in bundle["entry"][:3])
    assert device["resourceType"] == "Device"
    return [
        bundle["id"],
        bundle["identifier"]["value"],
        bundle["timestamp"],
        composition["id"],
        composition["date"],
        device["id"],
    ]


def test_metadata_is_a_capability_statement_anyone_may_read(client):
    response = client.get(reverse("fhir:metadata"))
    assert response.status_code == 200
    assert response["Content-Type"] == FHIR_JSON
    statement = response.json()
    CapabilityStatement.model_validate(statement)
    assert statement["kind"] == "instance" and statement["fhirVersion"] == "4.0.1"
    (rest,) = statement["rest"]
    assert rest["mode"] == "server"
    assert rest["security"]["service"] == [{"text": "Bearer"}]
    resources = {resource["type"]: resource for resource in rest["resource"]}
    assert set(resources) == {"Patient", *SEARCHABLE}
    assert [op["name"] for op in resources["Patient"]["operation"]] == ["summary", "everything"]
    assert {param["name"] for param in resources["Condition"]["searchParam"]} == {
        "patient",
        "_lastUpdated",
    }


def test_the_patient_is_the_one_the_fhir_export_writes(world):
    viewer = world.accounts["viewer"]
    response = fhir_get(url("fhir:patient", world.profile), secret_for(viewer, world.profile))
    assert response.status_code == 200
    assert response["Content-Type"] == FHIR_JSON
    patient = validated(response.json())
    export = exported(FhirExport(), world.profile, viewer)
    assert patient == by_type(export, "Patient")[str(world.profile.uuid)]
    assert patient["name"][0]["text"] == "Ana García"


def test_each_type_is_searched_as_the_fhir_export_writes_it_page_by_page(demos):
    owner, (adult, _child) = demos["en"]
    secret = secret_for(owner, adult)
    export = exported(FhirExport(), adult, owner)
    for resource_type in SEARCHABLE:
        total, found, pages = walk(
            search_url(resource_type), secret, patient=str(adult.uuid), _count=7
        )
        written = by_type(export, resource_type)
        assert total == len(found) == len(written), resource_type
        assert pages == max(1, -(-total // 7)), resource_type
        assert {resource["id"]: resource for resource in found} == written, resource_type
        for resource in found:
            validated(resource)
    # The demo has some of most kinds: the comparison above compared something.
    assert sum(len(by_type(export, kind)) > 0 for kind in SEARCHABLE) >= 7


def test_the_patient_may_be_named_as_a_reference_or_a_full_url(world):
    secret = secret_for(world.accounts["owner"], world.profile)
    for patient in (
        f"Patient/{world.profile.uuid}",
        f"http://x/fhir/r4/Patient/{world.profile.uuid}",
    ):
        response = fhir_get(search_url("MedicationStatement"), secret, patient=patient)
        assert response.status_code == 200
        assert response.json()["total"] == 3


def test_last_updated_filters_by_when_an_entry_last_changed(world):
    secret = secret_for(world.accounts["viewer"], world.profile)
    Medication.objects.filter(pk=world.medication.pk).update(
        updated_at=dt.datetime(2020, 6, 15, 12, 0, tzinfo=dt.UTC)
    )
    old = str(world.medication.uuid)

    def found(*values: str) -> set[str]:
        response = fhir_get(
            search_url("MedicationStatement"),
            secret,
            patient=str(world.profile.uuid),
            _lastUpdated=list(values),
        )
        assert response.status_code == 200, response.content
        bundle = response.json()
        Bundle.model_validate(bundle)
        ids = {entry["resource"]["id"] for entry in bundle.get("entry", [])}
        assert bundle["total"] == len(ids)
        return ids

    everything = found()
    assert len(everything) == 3 and old in everything
    assert found("ge2021-01-01T00:00:00Z") == everything - {old}
    assert found("lt2021") == {old}
    assert found("2020-06") == {old}
    assert found("eq2020-06-15") == {old}
    assert found("le2020-06-15T12:00:00Z") == {old}
    assert found("le2020-06-15T11:59:59+00:00") == set()
    # An unencoded "+" arrives as a space.
    assert found("ge2020-06-15T13:00:00 01:00") == everything
    assert found("gt2020-06-15") == everything - {old}
    assert found("ge2020-01-01", "lt2020-12-31") == {old}
    assert found("ne2020") == everything - {old}


@pytest.mark.parametrize("value", ["yesterday", "2026-13-01", "ap2026-01-01", "ge2026-01-01T25:00"])
def test_a_bad_last_updated_is_a_400_that_says_why(world, value):
    response = fhir_get(
        search_url("Condition"),
        secret_for(world.accounts["owner"], world.profile),
        patient=str(world.profile.uuid),
        _lastUpdated=value,
    )
    assert response.status_code == 400
    assert response["Content-Type"] == FHIR_JSON
    outcome = validated(response.json())
    assert outcome["issue"][0]["code"] == "invalid"
    assert "_lastUpdated" in outcome["issue"][0]["diagnostics"]


def test_a_page_link_not_made_here_is_refused(world):
    response = fhir_get(
        search_url("Condition"),
        secret_for(world.accounts["owner"], world.profile),
        patient=str(world.profile.uuid),
        _page="WzAsIDVd:forged",
    )
    assert response.status_code == 400
    validated(response.json())


def test_summary_is_the_ips_export_of_the_same_profile(world):
    viewer = world.accounts["viewer"]
    response = fhir_get(url("fhir:summary", world.profile), secret_for(viewer, world.profile))
    assert response.status_code == 200
    assert response["Content-Type"] == FHIR_JSON
    served = response.json()
    Bundle.model_validate(served)
    assert served["type"] == "document"
    export = exported(IpsExport(), world.profile, viewer)
    assert without_generated(served, generated_in_ips(served)) == without_generated(
        export, generated_in_ips(export)
    )
    assert AuditEvent.objects.filter(
        action=Action.EXPORT_DOWNLOADED, actor=viewer, object_type="export.ips"
    ).exists()


def test_everything_streams_the_fhir_export(world):
    owner = world.accounts["owner"]
    response = fhir_get(url("fhir:everything", world.profile), secret_for(owner, world.profile))
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"] == FHIR_JSON
    served = json.loads(b"".join(response.streaming_content))
    Bundle.model_validate(served)
    assert served["type"] == "collection"
    export = exported(FhirExport(), world.profile, owner)

    def made(bundle: dict[str, Any]) -> list[str]:
        return [bundle["id"], bundle["timestamp"]]

    assert without_generated(served, made(served)) == without_generated(export, made(export))
    assert AuditEvent.objects.filter(
        action=Action.EXPORT_DOWNLOADED, actor=owner, object_type="export.fhir"
    ).exists()


def test_a_large_record_streams_in_several_writes(demos):
    owner, (adult, _child) = demos["en"]
    response = fhir_get(url("fhir:everything", adult), secret_for(owner, adult))
    pieces = list(response.streaming_content)
    assert len(pieces) > 1
    bundle = json.loads(b"".join(pieces))
    Bundle.model_validate(bundle)


def test_everything_is_for_the_owner_as_the_full_export_is(world):
    viewer = world.accounts["viewer"]
    response = fhir_get(url("fhir:everything", world.profile), secret_for(viewer, world.profile))
    assert response.status_code == 404
    assert validated(response.json())["issue"][0]["code"] == "not-found"


def test_without_a_token_or_with_a_bad_one_the_answer_is_401(world):
    for secret in ("", "mhh_not-a-token", "something else"):
        response = fhir_get(url("fhir:patient", world.profile), secret)
        assert response.status_code == 401
        assert response["Content-Type"] == FHIR_JSON
        assert response["WWW-Authenticate"].startswith("Bearer")
        assert validated(response.json())["issue"][0]["code"] == "login"


def test_a_signed_in_browser_is_no_token(world):
    response = world.client("owner").get(url("fhir:patient", world.profile))
    assert response.status_code == 401


def test_a_revoked_caregivers_token_finds_nothing(world):
    viewer = world.accounts["viewer"]
    secret = secret_for(viewer, world.profile)
    assert fhir_get(url("fhir:patient", world.profile), secret).status_code == 200
    profile_actions.revoke_grant(
        world.grants["viewer"], actor=world.accounts["owner"], request=None
    )
    for name, _sample in SAMPLES.items():
        if name == "fhir:metadata":
            continue
        kwargs, query, _needs, _status = _sample(world)
        response = fhir_get(reverse(name, kwargs=kwargs), secret, **query)
        assert response.status_code == 404, name
        assert validated(response.json())["issue"][0]["code"] == "not-found"


def test_another_accounts_token_finds_nothing(world):
    carer = world.accounts["carer"]  # a caregiver of the owner's other profile
    secret = secret_for(carer, world.other.profile)
    assert fhir_get(url("fhir:patient", world.other.profile), secret).status_code == 200
    assert fhir_get(url("fhir:patient", world.profile), secret).status_code == 404
    response = fhir_get(search_url("Condition"), secret, patient=str(world.profile.uuid))
    assert response.status_code == 404


def test_a_token_without_the_read_scope_is_told_so(world):
    owner = world.accounts["owner"]
    owner.language = "es"
    owner.save(update_fields=["language"])
    secret = secret_for(owner, world.profile, scopes=("readings",))
    response = fhir_get(url("fhir:patient", world.profile), secret)
    assert response.status_code == 403
    assert response["Content-Language"] == "es"
    assert validated(response.json())["issue"][0]["code"] == "forbidden"


def test_what_is_not_here_is_an_operation_outcome(world):
    secret = secret_for(world.accounts["owner"], world.profile)
    for response in (
        fhir_get(reverse("fhir:patient", kwargs={"patient_id": "not-a-uuid"}), secret),
        fhir_get(search_url("Basic"), secret, patient=str(world.profile.uuid)),
    ):
        assert response.status_code == 404
        validated(response.json())
    response = fhir_get(search_url("Condition"), secret)
    assert response.status_code == 400
    validated(response.json())


def test_it_only_reads(world):
    secret = secret_for(world.accounts["owner"], world.profile)
    response = Client().post(
        url("fhir:patient", world.profile), {}, HTTP_AUTHORIZATION=f"Bearer {secret}"
    )
    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD"
    validated(response.json())


def test_every_sample_answers_its_owner_as_it_says(world):
    secret = secret_for(world.accounts["owner"], world.profile)
    for name, sample in SAMPLES.items():
        kwargs, query, needs, status = sample(world)
        response = fhir_get(reverse(name, kwargs=kwargs), "" if needs is None else secret, **query)
        assert response.status_code == status, name


def test_a_date_is_a_day_in_the_profiles_own_zone(world):
    Profile.objects.filter(pk=world.profile.pk).update(time_zone="America/New_York")
    # 02:00 UTC is still the 14th in New York.
    Medication.objects.filter(pk=world.medication.pk).update(
        updated_at=dt.datetime(2020, 6, 15, 2, 0, tzinfo=dt.UTC)
    )
    response = fhir_get(
        search_url("MedicationStatement"),
        secret_for(world.accounts["owner"], world.profile),
        patient=str(world.profile.uuid),
        _lastUpdated="2020-06-14",
    )
    assert [entry["resource"]["id"] for entry in response.json()["entry"]] == [
        str(world.medication.uuid)
    ]
