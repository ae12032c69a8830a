"""Documents through the API: kept, listed, downloaded and deleted as the pages do it."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from myhealthhub.api.models import Scope
from myhealthhub.api.tests.callers import bearer
from myhealthhub.api.tests.samples_files import SAMPLES
from myhealthhub.audit.models import Action, AuditEvent
from myhealthhub.conftest import World
from myhealthhub.documents import keys
from myhealthhub.documents.actions import Details, add_document
from myhealthhub.documents.models import Document, DocumentKind

pytestmark = pytest.mark.django_db

# The headers the pages' file view sets on every download (documents/serving.py).
FILE_HEADERS = (
    "Content-Type",
    "Content-Disposition",
    "Content-Length",
    "X-Content-Type-Options",
    "Content-Security-Policy",
    "Cache-Control",
    "Cross-Origin-Resource-Policy",
)


def documents_url(world: World, *rest: object) -> str:
    tail = "".join(f"/{part}" for part in rest)
    return f"/api/v1/profiles/{world.profile.uuid}/documents{tail}"


def upload(client: Client, world: World, name: str, content: bytes, **fields: str):
    data: dict[str, object] = {"file": SimpleUploadedFile(name, content), **fields}
    return client.post(documents_url(world), data)


def plaintext(document: Document) -> bytes:
    return b"".join(keys.read(document.file))


def test_an_upload_is_listed_and_downloads_the_same_bytes_with_the_pages_headers(world: World):
    client = bearer(world, "editor", "read", "entries")
    content = "Analítica: glucosa 98 mg/dL".encode()
    response = upload(
        client,
        world,
        "análisis marzo.txt",
        content,
        kind="lab_report",
        when="2026-03",
        facility="Laboratorio Central",
        why="Control anual",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    document = Document.objects.get(profile=world.profile, uuid=body["uuid"])
    assert (document.kind, document.facility, document.why) == (
        DocumentKind.LAB_REPORT,
        "Laboratorio Central",
        "Control anual",
    )
    assert document.when and document.when.isoformat() == "2026-03"
    assert document.uploaded_by == world.accounts["editor"]
    assert plaintext(document) == content
    assert AuditEvent.objects.filter(
        action=Action.DOCUMENT_ADDED, object_uuid=document.uuid, actor=world.accounts["editor"]
    ).exists()
    assert (body["when"], body["size"], body["content_type"]) == (
        "2026-03",
        len(content),
        "text/plain",
    )

    listed = client.get(documents_url(world)).json()
    assert listed["items"][0]["uuid"] == str(document.uuid)
    assert listed["items"][0]["title"] == "análisis marzo.txt"

    download = client.get(listed["items"][0]["file_url"])
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == content  # type: ignore[attr-defined]
    page = world.client("editor").get(
        reverse("documents:file", args=[world.profile.uuid, document.uuid])
    )
    assert {name: download[name] for name in FILE_HEADERS} == {
        name: page[name] for name in FILE_HEADERS
    }
    assert download["Content-Disposition"].startswith("attachment;")
    assert download["X-Content-Type-Options"] == "nosniff"
    assert download["Content-Security-Policy"].startswith("sandbox;")
    assert AuditEvent.objects.filter(
        action=Action.DOCUMENT_OPENED, object_uuid=document.uuid, actor=world.accounts["editor"]
    ).exists()


def test_one_document_s_details_and_links(world: World):
    response = bearer(world, "viewer", "read").get(documents_url(world, world.document.uuid))
    assert response.status_code == 200
    body = response.json()
    assert body["title"] == "informe de alta.txt"
    assert body["kind"] == "discharge_letter"
    assert body["facility"] == "Hospital Clínico"
    assert body["links"] == [{"kind": "medications", "uuid": str(world.medication.uuid)}]


def test_a_viewer_token_cannot_upload(world: World):
    before = Document.objects.count()
    response = upload(bearer(world, "viewer", "read", "entries"), world, "nota.txt", b"hola")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert Document.objects.count() == before


def test_a_token_without_the_entries_scope_cannot_upload_or_delete(world: World):
    client = bearer(world, "owner", "read")
    before = Document.objects.count()
    assert upload(client, world, "nota.txt", b"hola").status_code == 403
    assert client.delete(documents_url(world, world.document.uuid)).status_code == 403
    assert Document.objects.count() == before
    assert Document.objects.get(pk=world.document.pk).deleted_at is None


def test_a_refused_file_says_why_and_keeps_nothing(world: World):
    before = Document.objects.count()
    response = upload(
        bearer(world, "owner", "entries"), world, "informe.pdf", b"<html><script>1</script>"
    )
    assert response.status_code == 422
    assert response.json()["title"] == "The file was not kept"
    assert response.json()["detail"]
    assert Document.objects.count() == before


def test_an_upload_over_the_size_limit_is_refused_with_its_name(world: World, settings):
    settings.MAX_UPLOAD_BYTES = 1000
    before = Document.objects.count()
    response = upload(bearer(world, "owner", "entries"), world, "grande.txt", b"x" * 1001)
    assert response.status_code == 413
    assert response.json()["detail"] == "grande.txt is larger than the limit; nothing was stored."
    assert Document.objects.count() == before


def test_an_upload_without_a_file_or_with_a_date_that_is_not_one_is_refused(world: World):
    client = bearer(world, "owner", "entries")
    before = Document.objects.count()
    missing = client.post(documents_url(world), {"kind": "letter"})
    assert missing.status_code == 422
    assert missing.json()["errors"][0]["where"] == "body.file"
    wrong = upload(client, world, "nota.txt", b"hola", when="2026-02-30")
    assert wrong.status_code == 422
    assert wrong.json()["errors"] == [{"where": "body.when", "problem": "This is not a real date."}]
    assert Document.objects.count() == before


def test_the_list_pages_with_a_cursor_newest_first_without_the_deleted(world: World):
    owner = world.accounts["owner"]
    for index in range(3):
        add_document(
            world.profile,
            io.BytesIO(f"nota {index}".encode()),
            filename=f"nota-{index}.txt",
            actor=owner,
            request=None,
        )
    expected = [
        str(uuid)
        for uuid in Document.objects.filter(profile=world.profile, deleted_at__isnull=True)
        .order_by("-uploaded_at", "-pk")
        .values_list("uuid", flat=True)
    ]
    client = bearer(world, "viewer", "read")
    seen: list[str] = []
    query = {"limit": "2"}
    for _page in range(10):
        body = client.get(documents_url(world), query).json()
        seen += [item["uuid"] for item in body["items"]]
        if not body["next"]:
            break
        query["cursor"] = body["next"]
    # The world's own documents and the files its imports kept, besides the three above.
    assert seen == expected and len(seen) > 4
    assert str(world.deleted_document.uuid) not in seen
    letters = client.get(documents_url(world), {"kind": "discharge_letter"}).json()
    assert [item["uuid"] for item in letters["items"]] == [str(world.document.uuid)]
    assert client.get(documents_url(world), {"cursor": "nope"}).status_code == 422


def test_delete_moves_the_document_to_recently_deleted_as_the_pages_do(world: World):
    client = bearer(world, "editor", "read", "entries")
    response = client.delete(documents_url(world, world.document.uuid))
    assert response.status_code == 204
    document = Document.objects.get(pk=world.document.pk)
    assert document.deleted_at is not None
    assert AuditEvent.objects.filter(
        action=Action.DOCUMENT_DELETED, object_uuid=document.uuid, actor=world.accounts["editor"]
    ).exists()
    assert client.get(documents_url(world, document.uuid)).status_code == 404
    assert client.get(documents_url(world, document.uuid, "file")).status_code == 404
    page = world.client("editor").get(reverse("documents:deleted", args=[world.profile.uuid]))
    assert "informe de alta" in page.content.decode()


def test_a_document_of_another_profile_is_not_found_through_this_one(world: World):
    client = bearer(world, "owner", "read", "entries")
    other = world.other.document.uuid
    assert client.get(documents_url(world, other)).status_code == 404
    assert client.get(documents_url(world, other, "file")).status_code == 404
    assert client.delete(documents_url(world, other)).status_code == 404
    assert Document.objects.get(uuid=other).deleted_at is None


def test_the_list_s_queries_do_not_grow_with_its_documents(world: World):
    client = bearer(world, "viewer", "read")

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(documents_url(world)).status_code == 200
        return len(captured)

    before = queries()
    for index in range(3):
        add_document(
            world.profile,
            io.BytesIO(f"nota {index}".encode()),
            filename=f"nota-{index}.txt",
            actor=world.accounts["owner"],
            request=None,
            details=Details(links=[("medications", world.medication.uuid)]),
        )
    assert queries() == before


def test_every_sample_for_the_matrix_answers_its_status_to_the_owner(world: World):
    client = bearer(world, "owner", *Scope.values)
    operations = {
        operation["operationId"]: (path.removeprefix("/api/v1"), method)
        for path, methods in client.get("/api/v1/openapi.json").json()["paths"].items()
        for method, operation in methods.items()
    }
    for operation_id, sample in SAMPLES.items():
        path, method = operations[operation_id]
        path_params, body, status = sample(world)
        url = "/api/v1" + path.format(**path_params)
        if body is None:
            response = getattr(client, method)(url)
        elif body.pop("__multipart__", False):
            response = client.post(url, body)
        else:
            response = getattr(client, method)(url, body, content_type="application/json")
        assert response.status_code == status, (operation_id, response.content[:300])
