from __future__ import annotations

import hashlib
import io
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from myhealthhub.conftest import World
from myhealthhub.documents import keys, storage
from myhealthhub.documents.actions import Details, add_document
from myhealthhub.documents.models import (
    Document,
    DocumentKind,
    DocumentLink,
    SealedFile,
    TextState,
)
from myhealthhub.documents.tests.files import pdf_with_text, picture, scanned_pdf
from myhealthhub.lib import crypto, keyfiles, keyring
from myhealthhub.records.actions import create_entry
from myhealthhub.records.kinds import KINDS
from myhealthhub.records.models import Entry


def upload(world: World, *files: tuple[str, bytes], caller: str = "owner", **fields):
    url = reverse("documents:upload", args=[world.profile.uuid])
    data = {"kind": "lab_report", **fields}
    data["files"] = [SimpleUploadedFile(name, content) for name, content in files]
    return world.client(caller).post(url, data)


def stored_blobs() -> set[str]:
    root = Path(settings.MEDIA_ROOT)
    return {str(path.relative_to(root)) for path in root.rglob("*") if path.is_file()}


def plaintext(document: Document) -> bytes:
    return b"".join(keys.read(document.file))


def test_a_pdf_is_kept_with_its_context_text_and_thumbnail(world: World):
    content = pdf_with_text("Hemograma completo", "Glucosa 98 mg/dL", "Dr. José Núñez")
    response = upload(
        world,
        ("análisis marzo.pdf", content),
        facility="Laboratorio Central",
        why="Control anual",
        when_year="2026",
        when_month="3",
        when_day="",
    )
    document = Document.objects.get(profile=world.profile, title="análisis marzo.pdf")
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "documents:detail", args=[world.profile.uuid, document.uuid]
    )
    assert (document.kind, document.facility, document.why) == (
        DocumentKind.LAB_REPORT,
        "Laboratorio Central",
        "Control anual",
    )
    assert document.when and document.when.isoformat() == "2026-03"
    assert document.content_type == "application/pdf"
    assert document.text_state == TextState.EXTRACTED
    assert "Glucosa 98 mg/dL" in document.text and "José Núñez" in document.text
    assert document.page_count == 1 and document.thumbnail is not None
    assert plaintext(document) == content
    assert document.sha256 == hashlib.sha256(content).hexdigest()

    page = world.client("viewer").get(response["Location"]).content.decode()
    assert "Glucosa 98 mg/dL" in page and "Laboratorio Central" in page and "Control anual" in page
    thumbnail = world.client("viewer").get(
        reverse("documents:thumbnail", args=[world.profile.uuid, document.uuid])
    )
    assert b"".join(thumbnail.streaming_content).startswith(b"\x89PNG")  # type: ignore[attr-defined]


def test_the_stored_file_is_ciphertext_under_a_random_name(world: World):
    secret = b"Diagnostico confidencial: VIH negativo " * 100
    before = stored_blobs()
    upload(world, ("../../etc/passwd", secret))
    document = Document.objects.get(profile=world.profile, title="passwd")
    new = stored_blobs() - before
    assert document.file.name in new
    assert all("passwd" not in name and ".." not in name for name in new)
    raw = storages["default"].open(document.file.name).read()
    assert secret[:30] not in raw
    assert plaintext(document) == secret
    assert not Path("/etc/passwd").read_bytes().startswith(secret[:10])


def test_a_download_is_an_attachment_that_is_never_sniffed_or_cached(world: World):
    url = reverse("documents:file", args=[world.profile.uuid, world.document.uuid])
    response = world.client("viewer").get(url)
    assert response["Content-Disposition"].startswith("attachment;")
    assert 'filename="informe de alta.txt"' in response["Content-Disposition"]
    assert response["Content-Type"] == "text/plain"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "no-store, private"
    assert response["Content-Security-Policy"].startswith("sandbox;")
    assert "default-src 'none'" in response["Content-Security-Policy"]
    assert b"".join(response.streaming_content) == plaintext(world.document)  # type: ignore[attr-defined]


def test_only_pdfs_and_pictures_open_inline_and_only_in_our_own_frame(world: World):
    upload(world, ("scan.png", picture("PNG")))
    image = Document.objects.get(profile=world.profile, title="scan.png")
    client = world.client("viewer")
    shown = client.get(reverse("documents:view", args=[world.profile.uuid, image.uuid]))
    assert shown["Content-Disposition"].startswith("inline;")
    assert shown["X-Frame-Options"] == "SAMEORIGIN"
    assert "frame-ancestors 'self'" in shown["Content-Security-Policy"]
    text = client.get(reverse("documents:view", args=[world.profile.uuid, world.document.uuid]))
    assert text["Content-Disposition"].startswith("attachment;")


def test_the_same_file_twice_is_new_ciphertext_flagged_as_already_present(world: World):
    content = pdf_with_text("Informe de radiología")
    upload(world, ("rx.pdf", content))
    response = upload(world, ("rx copia.pdf", content))
    first = Document.objects.get(title="rx.pdf")
    second = Document.objects.get(title="rx copia.pdf")
    assert second.duplicate_of == first and first.duplicate_of is None
    backend = storages["default"]
    assert backend.open(first.file.name).read() != backend.open(second.file.name).read()
    page = world.client("owner").get(response["Location"]).content.decode()
    assert "The same file was already kept" in page or "ya se guardó" in page


def test_one_flipped_byte_in_a_stored_file_fails_with_an_integrity_error(world: World):
    upload(world, ("alta.txt", b"Informe de alta: metformina 500 mg."))
    document = Document.objects.get(title="alta.txt")
    path = Path(settings.MEDIA_ROOT) / document.file.name
    sealed = bytearray(path.read_bytes())
    sealed[len(sealed) // 2] ^= 0x01
    path.write_bytes(bytes(sealed))
    with pytest.raises(crypto.IntegrityError):
        plaintext(document)
    response = world.client("owner").get(
        reverse("documents:file", args=[world.profile.uuid, document.uuid])
    )
    assert response.status_code == 500
    assert "does not match what was stored" in response.content.decode()


def test_keys_rotate_rewraps_every_file_and_each_reads_back_identical(rotating_keys, world: World):
    upload(world, ("a.pdf", pdf_with_text("uno")), ("b.jpg", picture("JPEG")))
    before = {doc.pk: plaintext(doc) for doc in Document.objects.all()}
    old_key = keyring.current()
    key_file = settings.MASTER_KEY_FILE
    assert key_file is not None
    old_file = key_file.read_text()
    sealed_count = SealedFile.objects.count()
    out = io.StringIO()
    call_command("keys", "rotate", stdout=out)
    assert f"Rewrapped {sealed_count} file keys" in out.getvalue()
    assert key_file.read_text() != old_file and keyring.current() != old_key
    assert not (key_file.parent / "master.key.next").exists()
    assert {doc.pk: plaintext(doc) for doc in Document.objects.all()} == before
    for sealed in SealedFile.objects.all():
        assert sealed.key_id == keyring.key_id(keyring.current())
        with pytest.raises(crypto.IntegrityError):
            crypto.unwrap_key(old_key, bytes(sealed.wrapped_key))


def test_a_rotation_interrupted_halfway_leaves_every_file_readable_and_resumes(
    rotating_keys, world: World
):
    upload(world, ("a.pdf", pdf_with_text("uno")), ("b.txt", b"dos"))
    before = {doc.pk: plaintext(doc) for doc in Document.objects.all()}
    pending = keyring.next_key_path()
    assert pending is not None
    new_key = keyfiles.decode_master_key(
        keyfiles.read_or_create(pending, keyfiles.new_master_key())
    )
    half = SealedFile.objects.order_by("pk")[: SealedFile.objects.count() // 2]
    for sealed in half:
        wrapped = crypto.wrap_key(
            new_key, crypto.unwrap_key(keyring.current(), bytes(sealed.wrapped_key))
        )
        SealedFile.objects.filter(pk=sealed.pk).update(
            wrapped_key=wrapped, key_id=keyring.key_id(new_key)
        )
    assert {doc.pk: plaintext(doc) for doc in Document.objects.all()} == before
    call_command("keys", "rotate", stdout=io.StringIO())
    assert keyring.current() == new_key
    assert {doc.pk: plaintext(doc) for doc in Document.objects.all()} == before


def test_over_the_storage_quota_is_refused_clearly_and_nothing_is_stored(world: World, settings):
    settings.PLANS = {
        "small": {"name": "Small", "limits": {"storage_bytes": 10_000}, "features": ["*"]}
    }
    settings.DEFAULT_PLAN = "small"
    documents, blobs = Document.objects.count(), stored_blobs()
    response = upload(world, ("big.txt", b"x" * 20_000))
    assert response.status_code == 400
    assert "There is no room for this file" in response.content.decode()
    assert Document.objects.count() == documents and stored_blobs() == blobs
    assert SealedFile.objects.filter(size=20_000).count() == 0


def test_the_size_limit_plus_one_byte_is_refused_and_leaves_nothing_on_disk(
    world: World, settings, tmp_path: Path
):
    settings.MAX_UPLOAD_BYTES = 100_000
    # Spool every upload to a temporary file we can watch.
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 1000
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path)
    at_limit = b"%PDF-1.7\n" + b"0" * (100_000 - 9)
    assert upload(world, ("at-limit.pdf", at_limit)).status_code == 302
    documents, blobs = Document.objects.count(), stored_blobs()
    response = upload(world, ("huge.pdf", at_limit + b"0"))
    assert response.status_code == 400
    assert "huge.pdf is larger than the limit" in response.content.decode()
    assert Document.objects.count() == documents and stored_blobs() == blobs
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("informe.pdf", b"<!DOCTYPE html><html><script>alert(1)</script></html>"),
        ("informe.txt", b"<html><body onload=alert(1)>hola</body></html>"),
        ("foto.png", b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"></svg>'),
        ("foto.jpg", b"<svg onload=alert(1)>"),
        ("notas.txt", b"#!/bin/sh\nrm -rf /\n"),
        ("informe.pdf", b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 200),
        ("informe.pdf", b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 200),
        ("foto.jpg", b"\xff\xd8\xff\xe0 not really a jpeg" + b"\x00" * 100),
        ("vacío.pdf", b""),
        ("notas.txt", b"Informe\n" * 9000 + b"<html><script>alert(1)</script>"),
        ("notas.txt", b'<x:svg xmlns:x="http://www.w3.org/2000/svg"><x:script>1</x:script>'),
        ("notas.txt", b"hola <img src=x onerror=alert(1)>"),
        ("notas.txt", b"hola <!-- comentario -->"),
        ("informe.pdf", b"<html>" + b" " * 100 + b"%PDF-1.7\n"),
    ],
)
def test_markup_scripts_executables_and_fakes_are_refused_whatever_their_name(
    world: World, name: str, content: bytes
):
    documents, blobs = Document.objects.count(), stored_blobs()
    response = upload(world, (name, content))
    assert response.status_code == 400
    assert Document.objects.count() == documents and stored_blobs() == blobs


def test_a_scanned_pdf_is_marked_and_a_heic_photo_gets_a_thumbnail(world: World):
    upload(world, ("escaneo.pdf", scanned_pdf()), ("IMG_0001.HEIC", picture("HEIF")))
    scan = Document.objects.get(title="escaneo.pdf")
    photo = Document.objects.get(title="IMG_0001.HEIC")
    assert scan.text_state == TextState.SCANNED and scan.thumbnail is not None
    assert photo.content_type == "image/heic" and photo.thumbnail is not None
    # Browsers cannot draw HEIC: the page shows the thumbnail, the file downloads.
    args = [world.profile.uuid, photo.uuid]
    photo_page = world.client("owner").get(reverse("documents:detail", args=args))
    assert reverse("documents:thumbnail", args=args) in photo_page.content.decode()
    shown = world.client("owner").get(reverse("documents:view", args=args))
    assert shown["Content-Disposition"].startswith("attachment;")
    page = world.client("owner").get(
        reverse("documents:detail", args=[world.profile.uuid, scan.uuid])
    )
    assert "no text layer" in page.content.decode()


def test_several_files_at_once_are_all_kept(world: World):
    response = upload(
        world, ("a.txt", b"uno"), ("b.png", picture("PNG")), ("c.pdf", pdf_with_text("tres"))
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("documents:list", args=[world.profile.uuid])
    assert {"a.txt", "b.png", "c.pdf"} <= set(Document.objects.values_list("title", flat=True))


def test_one_refused_file_does_not_stop_the_others(world: World):
    response = upload(world, ("ok.txt", b"fine"), ("bad.pdf", b"<html></html>"))
    assert response.status_code == 400
    assert Document.objects.filter(title="ok.txt").exists()
    assert not Document.objects.filter(title="bad.pdf").exists()
    assert "1 other file was kept" in response.content.decode()


def test_the_progress_bar_upload_is_told_where_to_go(world: World):
    url = reverse("documents:upload", args=[world.profile.uuid])
    response = world.client("owner").post(
        url,
        {"kind": "other", "files": [SimpleUploadedFile("x.txt", b"hola")]},
        headers={"X-Upload-Progress": "1"},
    )
    document = Document.objects.get(title="x.txt")
    assert response.status_code == 204
    assert response["X-Location"] == reverse(
        "documents:detail", args=[world.profile.uuid, document.uuid]
    )


def test_the_list_filters_by_kind_facility_dates_and_linked_entry(world: World):
    profile = world.profile
    owner = world.accounts["owner"]
    from myhealthhub.lib.dates import PartialDate

    def add(title: str, **details) -> Document:
        return add_document(
            profile,
            io.BytesIO(title.encode()),
            filename=title,
            actor=owner,
            request=None,
            details=Details(**details),
        )

    add(
        "lab 2024.txt",
        kind="lab_report",
        facility="Lab Norte",
        when=PartialDate.parse("2024-05-02"),
    )
    add("lab 2026.txt", kind="lab_report", facility="Lab Sur", when=PartialDate.parse("2026-01-10"))
    add("visita.txt", kind="visit_summary", links=[("appointments", world.appointment.uuid)])
    url = reverse("documents:list", args=[profile.uuid])
    client = world.client("viewer")

    def titles(query: dict[str, str]) -> set[str]:
        page = client.get(url, query).context["page"]
        return {document.title for document in page}

    assert titles({"kind": "lab_report"}) == {"lab 2024.txt", "lab 2026.txt"}
    assert titles({"facility": "norte"}) == {"lab 2024.txt"}
    assert titles({"start": "2025-01-01", "end": "2026-12-31"}) == {"lab 2026.txt"}
    assert titles({"linked": f"appointments:{world.appointment.uuid}"}) == {"visita.txt"}
    assert world.document.title in titles({})
    assert world.deleted_document.title not in titles({})


def test_editing_the_context_and_links(world: World):
    url = reverse("documents:edit", args=[world.profile.uuid, world.document.uuid])
    response = world.client("editor").post(
        url,
        {
            "title": "Alta hospitalaria",
            "kind": "discharge_letter",
            "when_year": "2026",
            "when_month": "2",
            "when_day": "14",
            "facility": "Hospital Clínico",
            "why": "Para la revisión de cardiología",
            "links": [f"appointments:{world.appointment.uuid}"],
        },
    )
    assert response.status_code == 302
    world.document.refresh_from_db()
    assert world.document.title == "Alta hospitalaria"
    assert world.document.when and world.document.when.isoformat() == "2026-02-14"
    assert [link.entry_uuid for link in world.document.links.all()] == [world.appointment.uuid]
    page = world.client("viewer").get(response["Location"]).content.decode()
    assert "Eye exam" in page and "Para la revisión de cardiología" in page


def test_a_link_to_an_entry_of_another_profile_is_refused(world: World):
    from myhealthhub.profiles import actions as profile_actions
    from myhealthhub.records.actions import create_entry
    from myhealthhub.records.kinds import KINDS

    stranger = world.accounts["stranger"]
    other = profile_actions.create_profile(stranger, request=None, given_name="Eve")
    theirs = create_entry(
        KINDS["medications"], other, actor=stranger, request=None, values={"display": "X"}
    )
    with pytest.raises(Exception, match="not in this record"):
        add_document(
            world.profile,
            io.BytesIO(b"x"),
            filename="x.txt",
            actor=world.accounts["owner"],
            request=None,
            details=Details(links=[("medications", theirs.uuid)]),
        )


def test_delete_and_restore(world: World):
    client = world.client("editor")
    args = [world.profile.uuid, world.document.uuid]
    assert client.post(reverse("documents:delete", args=args)).status_code == 302
    assert client.get(reverse("documents:detail", args=args)).status_code == 404
    deleted = client.get(reverse("documents:deleted", args=[world.profile.uuid]))
    assert world.document.title in deleted.content.decode()
    assert client.post(reverse("documents:restore", args=args)).status_code == 302
    assert client.get(reverse("documents:detail", args=args)).status_code == 200


def test_deleting_a_profile_deletes_its_sealed_files(
    world: World, django_capture_on_commit_callbacks
):
    upload(world, ("a.png", picture("PNG")))
    names = set(SealedFile.objects.filter(profile=world.profile).values_list("name", flat=True))
    assert len(names) >= 4 and names <= stored_blobs()
    url = reverse("profiles:delete", args=[world.profile.uuid])
    with django_capture_on_commit_callbacks(execute=True):
        response = world.client("owner").post(url, {"confirm_name": world.profile.name})
    assert response.status_code == 302
    assert not names & stored_blobs()
    assert not SealedFile.objects.filter(name__in=names).exists()


def test_an_entry_page_lists_the_documents_about_it(world: World):
    url = reverse("records:detail", args=[world.profile.uuid, "medications", world.medication.uuid])
    page = world.client("viewer").get(url).content.decode()
    assert world.document.title in page
    assert reverse("documents:detail", args=[world.profile.uuid, world.document.uuid]) in page


def test_the_overview_shows_recent_documents(world: World):
    page = world.client("viewer").get(reverse("profiles:overview", args=[world.profile.uuid]))
    assert world.document.title in page.content.decode()
    assert world.deleted_document.title not in page.content.decode()


def test_a_process_started_before_a_rotation_does_not_lose_files(
    rotating_keys, world: World, settings
):
    old_key = keyring.current()
    call_command("keys", "rotate", stdout=io.StringIO())
    # A worker that loaded its settings before the rotation still holds the old key.
    settings.MASTER_KEY = old_key
    upload(world, ("after.txt", b"sealed after the rotation"))
    after = Document.objects.get(title="after.txt")
    assert after.file.key_id == keyring.key_id(keyring.current()) != keyring.key_id(old_key)
    # One it sealed with the old key in the instant of the switch still opens...
    stored = storage.put(io.BytesIO(b"in the switch"), master_key=old_key, folder="t")
    straggler = SealedFile.objects.create(
        profile=world.profile,
        name=stored.name,
        wrapped_key=stored.wrapped_key,
        key_id=keyring.key_id(old_key),
        sha256=stored.sha256,
        size=stored.size,
    )
    assert b"".join(keys.read(straggler)) == b"in the switch"
    # ...and the next rotation moves it along with everything else.
    call_command("keys", "rotate", stdout=io.StringIO())
    straggler.refresh_from_db()
    assert straggler.key_id == keyring.key_id(keyring.current())
    assert b"".join(keys.read(straggler)) == b"in the switch"
    assert plaintext(after) == b"sealed after the rotation"


def test_a_nul_past_the_first_bytes_is_refused_and_never_reaches_the_database(world: World):
    response = upload(world, ("notas.txt", b"Informe\n" * 9000 + b"\x00 tail"))
    assert response.status_code == 400
    # PDFs can yield NUL in their text; PostgreSQL refuses it in a text column.
    from myhealthhub.documents import reading

    read = reading.read("text/plain", io.BytesIO(b"uno\x00dos"))
    assert (read.text, read.state) == ("unodos", TextState.EXTRACTED)


def test_a_picture_claiming_a_huge_canvas_is_kept_but_not_decoded(world: World):
    from PIL import Image

    out = io.BytesIO()
    Image.new("1", (8000, 7000)).save(out, format="PNG")  # 56 megapixels, a few kB
    upload(world, ("bomb.png", out.getvalue()))
    document = Document.objects.get(title="bomb.png")
    assert document.text_state == TextState.FAILED and document.thumbnail is None
    assert plaintext(document) == out.getvalue()


def test_reading_a_document_again_keeps_one_thumbnail_and_no_stray_blob(world: World):
    from myhealthhub.documents.tasks import read_document

    upload(world, ("foto.png", picture("PNG")))
    document = Document.objects.get(title="foto.png")
    sealed, blobs = SealedFile.objects.count(), stored_blobs()
    read_document.call(document.pk)
    assert SealedFile.objects.count() == sealed and stored_blobs() == blobs


def test_a_stale_edit_of_a_document_is_refused(world: World):
    url = reverse("documents:edit", args=[world.profile.uuid, world.document.uuid])
    fields = {"title": "Alta", "kind": "discharge_letter", "version": world.document.version}
    first = world.client("owner").post(url, fields | {"why": "Para cardiología"})
    assert first.status_code == 302
    second = world.client("editor").post(url, fields | {"facility": "Otro"})
    assert second.status_code == 400
    assert "Someone else saved this document" in second.content.decode()
    world.document.refresh_from_db()
    assert world.document.why == "Para cardiología" and world.document.facility != "Otro"


def test_editing_keeps_a_link_to_an_entry_older_than_the_choices(world: World, monkeypatch):
    from myhealthhub.documents import forms

    monkeypatch.setattr(forms, "LINK_CHOICES_PER_KIND", 1)
    # Newer than the linked medication, so the medication falls off the list.
    from myhealthhub.records.actions import create_entry
    from myhealthhub.records.kinds import KINDS

    create_entry(
        KINDS["medications"],
        world.profile,
        actor=world.accounts["owner"],
        request=None,
        values={"display": "Atorvastatin"},
    )
    url = reverse("documents:edit", args=[world.profile.uuid, world.document.uuid])
    page = world.client("editor").get(url).content.decode()
    assert f"medications:{world.medication.uuid}" in page and "selected" in page
    response = world.client("editor").post(
        url,
        {
            "title": "Alta",
            "kind": "discharge_letter",
            "version": world.document.version,
            "links": [f"medications:{world.medication.uuid}"],
        },
    )
    assert response.status_code == 302
    assert [link.entry_uuid for link in world.document.links.all()] == [world.medication.uuid]


def test_documents_deleted_long_ago_are_purged_with_their_files(
    world: World, django_capture_on_commit_callbacks
):
    import datetime as dt

    from django.utils import timezone

    upload(world, ("old.png", picture("PNG")))
    old = Document.objects.get(title="old.png")
    names = {old.file.name, old.thumbnail.name if old.thumbnail else ""}
    Document.objects.filter(pk=old.pk).update(deleted_at=timezone.now() - dt.timedelta(days=31))
    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("documents", "purge", stdout=out)
    assert "Removed 1 deleted documents" in out.getvalue()
    assert not Document.objects.filter(pk=old.pk).exists()
    assert not names & stored_blobs()
    assert Document.objects.filter(pk=world.deleted_document.pk).exists(), "deleted today: kept"


def test_plain_text_may_speak_of_less_than(world: World):
    response = upload(world, ("valores.txt", b"HbA1c <7 %, TA < 140/90, 3<5\n"))
    assert response.status_code == 302


def test_the_document_page_reads_its_links_in_queries_that_do_not_grow_with_them(world: World):
    owner = world.accounts["owner"]
    medicines = [
        create_entry(
            KINDS["medications"], world.profile, actor=owner, request=None, values={"display": name}
        )
        for name in ("Ibuprofeno", "Omeprazol", "Paracetamol", "Enalapril")
    ]

    def page_linking(entries: list[Entry]) -> str:
        document = add_document(
            world.profile,
            io.BytesIO(f"Receta con {len(entries)} medicamentos".encode()),
            filename=f"receta-{len(entries)}.txt",
            actor=owner,
            request=None,
            details=Details(links=[("medications", entry.uuid) for entry in entries]),
        )
        return reverse("documents:detail", args=[world.profile.uuid, document.uuid])

    one, four = page_linking(medicines[:1]), page_linking(medicines)
    client = world.client("viewer")
    client.get(one)  # the session and whatever is cached, read once
    with CaptureQueriesContext(connection) as one_link:
        assert "Ibuprofeno" in client.get(one).content.decode()
    with CaptureQueriesContext(connection) as four_links:
        shown = client.get(four).content.decode()
    assert all(entry.display in shown for entry in medicines)
    assert len(four_links) == len(one_link)
    # Every link carries its document's profile, by which it is found.
    links = DocumentLink.objects.filter(document__profile=world.profile)
    assert set(links.values_list("profile_id", flat=True)) == {world.profile.pk}
