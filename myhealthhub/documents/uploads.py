"""Stop an oversized upload while it streams in, before it fills a disk."""

from __future__ import annotations

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, StopUpload


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
