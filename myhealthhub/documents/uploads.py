"""Uploads of files, documents and imports alike: stopped when too large, spooled in private,
answered for upload.js."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.files.uploadhandler import (
    FileUploadHandler,
    StopUpload,
    TemporaryFileUploadHandler,
)
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from myhealthhub.documents import spool
from myhealthhub.documents.actions import title_from_filename


class SizeLimitHandler(FileUploadHandler):
    """First in FILE_UPLOAD_HANDLERS: passes chunks on until a file grows past the limit.

    It then stops the upload and marks the request, so the view can say which
    file was too large instead of seeing it silently missing.
    """

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        if start + len(raw_data) > settings.MAX_UPLOAD_BYTES:
            assert self.request is not None
            self.request.upload_too_large = self.file_name  # type: ignore[attr-defined]
            # Read and discard the rest of the body so the browser gets our answer.
            raise StopUpload(connection_reset=False)
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None


class PrivateTemporaryFileUploadHandler(TemporaryFileUploadHandler):
    """Last in FILE_UPLOAD_HANDLERS: a large upload waits in the private upload folder.

    Django's own handler writes to FILE_UPLOAD_TEMP_DIR but fails if that
    folder is missing; this one makes it (owner only) on first use, and sweeps
    what killed processes left there (documents/spool.py).
    """

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        spool.prepare()
        super().new_file(*args, **kwargs)


def too_large(request: HttpRequest) -> str | None:
    """Why the upload was stopped, for the form, if SizeLimitHandler stopped it."""
    name: str | None = getattr(request, "upload_too_large", None)
    if name is None:
        return None
    return _("%(name)s is larger than the limit; nothing was stored.") % {
        "name": title_from_filename(name)
    }


def go_to(request: HttpRequest, url: str) -> HttpResponse:
    """Where to go after an upload; upload.js, which shows the progress bar, follows it itself."""
    if request.headers.get("X-Upload-Progress"):
        return HttpResponse(status=204, headers={"X-Location": url})
    return redirect(url)
