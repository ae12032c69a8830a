"""A picture whose header claims an absurd canvas is refused at upload, not a server error."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from myhealthhub.conftest import World
from myhealthhub.documents.models import Document, SealedFile
from myhealthhub.documents.tests.files import jpeg_bomb, png_bomb

REFUSAL = "This picture is too large to open safely (over 178 megapixels), so it was not kept."
BOMBS = [
    pytest.param("plano.png", png_bomb, id="png"),
    pytest.param("foto.jpg", jpeg_bomb, id="jpeg"),
]


def stored_blobs() -> set[str]:
    root = Path(settings.MEDIA_ROOT)
    return {str(path.relative_to(root)) for path in root.rglob("*") if path.is_file()}


def test_the_bombs_are_what_they_claim_to_be():
    # Opened with Pillow's limit lifted, just to see the headers: one 30000×30000 PNG
    # and one 65000×65000 JPEG, each a few dozen bytes.
    limit, Image.MAX_IMAGE_PIXELS = Image.MAX_IMAGE_PIXELS, None
    try:
        with Image.open(io.BytesIO(png_bomb())) as png, Image.open(io.BytesIO(jpeg_bomb())) as jpeg:
            assert (png.format, png.size) == ("PNG", (30_000, 30_000))
            assert (jpeg.format, jpeg.size) == ("JPEG", (65_000, 65_000))
    finally:
        Image.MAX_IMAGE_PIXELS = limit
    assert len(png_bomb()) < 500 and len(jpeg_bomb()) < 100


@pytest.mark.parametrize(("name", "make"), BOMBS)
def test_a_picture_bomb_is_refused_on_the_upload_page_and_nothing_is_stored(
    world: World, name: str, make: Callable[[], bytes]
):
    documents, sealed, blobs = Document.objects.count(), SealedFile.objects.count(), stored_blobs()
    response = world.client("owner").post(
        reverse("documents:upload", args=[world.profile.uuid]),
        {"kind": "other", "files": [SimpleUploadedFile(name, make())]},
    )
    assert response.status_code == 400
    assert REFUSAL in response.content.decode()
    assert Document.objects.count() == documents and SealedFile.objects.count() == sealed
    assert stored_blobs() == blobs
