"""An import's kept files, decrypted and read by their format's importer.

Read again for the commit, in whatever process commits: nothing of what
was read for the preview stays in memory between the two (DESIGN.md, Scale).
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager

from django.utils.translation import gettext as _

from myhealthhub.documents import keys
from myhealthhub.documents.tasks import SPOOL_BYTES
from myhealthhub.errors import Refused
from myhealthhub.imports.base import Mapping, Progress, Upload, no_progress
from myhealthhub.imports.formats import formats
from myhealthhub.imports.models import ImportJob


def read_files(
    job: ImportJob, progress: Progress | None = None, *, readings: bool = True
) -> Mapping:
    """Decrypt the job's kept files and run the format's importer over them."""
    importer = formats()[job.format]
    with _decrypted(job) as uploads:
        return importer.read(uploads, progress or no_progress, readings=readings)


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
