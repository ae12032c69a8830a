"""An import's kept files, decrypted and read by their format's importer."""

from __future__ import annotations

import tempfile
import threading
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager

from django.utils.translation import gettext as _

from myhealthhub.documents import keys
from myhealthhub.documents.tasks import SPOOL_BYTES
from myhealthhub.interop.importers import formats
from myhealthhub.interop.importers.base import Mapping, Progress, Refused, Upload
from myhealthhub.interop.models import ImportJob


def read_files(job: ImportJob, progress: Progress | None = None) -> Mapping:
    """Decrypt the job's kept files and run the format's importer over them."""
    importer = formats()[job.format]
    with _decrypted(job) as uploads:
        mapping = importer.read(uploads, progress or (lambda fraction: None))
    last_read.keep(job, mapping)
    return mapping


class LastRead:
    """The mapping this process read last, for the commit of the same job.

    The command line, and a worker that reads a job and then commits it,
    would otherwise parse the same kept file twice. What is kept is what this
    process itself read from that file; another process reads the file again.
    Large imports are not kept: their mapping would sit in memory while the
    person reviews.
    """

    MAX_BYTES = 16 * 1024 * 1024

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._job: int | None = None
        self._mapping: Mapping | None = None

    def keep(self, job: ImportJob, mapping: Mapping) -> None:
        small = sum(original.size for original in job.originals.all()) <= self.MAX_BYTES
        with self._lock:
            self._job, self._mapping = (job.pk, mapping) if small else (None, None)

    def take(self, job: ImportJob) -> Mapping | None:
        with self._lock:
            mapping = self._mapping if self._job == job.pk else None
            self._job, self._mapping = None, None
        return mapping


last_read = LastRead()


@contextmanager
def _decrypted(job: ImportJob) -> Iterator[list[Upload]]:
    originals = list(job.originals.select_related("document__file"))
    with ExitStack() as stack:
        uploads = []
        for original in originals:
            if original.document is None:
                raise Refused(_("The files of this import are no longer kept."))
            # A private temporary file beyond 8 MiB: a large export must not
            # sit in memory as bytes and as parsed objects at once.
            plaintext = stack.enter_context(tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES))
            for chunk in keys.read(original.document.file):
                plaintext.write(chunk)
            plaintext.seek(0)
            uploads.append(Upload(original.name, plaintext, original.size))
        yield uploads
