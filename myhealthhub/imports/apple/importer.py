"""Apple Health: the Health app's ``export.zip``, or the ``export.xml`` inside it."""

from __future__ import annotations

from django.utils.translation import gettext as _

from myhealthhub.documents.sniff import XML, ZIP, FileType
from myhealthhub.errors import Refused
from myhealthhub.imports.apple import clinical, electrocardiograms, parse, routes
from myhealthhub.imports.apple.map import HealthMapper
from myhealthhub.imports.base import Mapping, Progress, Upload, source_system
from myhealthhub.lib.safe_zip import is_zip

# Progress is reported every this many elements.
PROGRESS_EVERY = 10_000


class AppleHealth:
    name = "apple-health"

    @property
    def label(self) -> str:
        return _("Apple Health")

    def recognizes(self, upload: Upload) -> bool:
        if not is_zip(upload.head(8)):
            return parse.is_export(upload.head(parse.HEAD_BYTES))
        try:
            with parse.opened(upload):
                return True
        except Refused:
            return False
        finally:
            upload.file.seek(0)

    def original_type(self, upload: Upload) -> FileType:
        return ZIP if is_zip(upload.head(8)) else XML

    def read(self, uploads: list[Upload], progress: Progress, *, readings: bool = True) -> Mapping:
        mapping = Mapping(sender=_("Apple Health"), system=source_system("apple-health", "health"))
        read = 0  # elements, of every file
        for upload in uploads:
            with parse.opened(upload) as (name, stream, size):
                mapper = HealthMapper(mapping, name, readings=readings)
                for element in parse.elements(stream, name):
                    mapper.read(element)
                    read += 1
                    if read % PROGRESS_EVERY == 0:
                        done = min(stream.tell() / size, 0.99) if stream.seekable() else 0.5
                        progress(done, read)
                mapper.finish()
            # The rest of an export.zip: routes, clinical records (FHIR) and ECGs.
            routes.read_routes(upload, mapper.routes, mapping)
            clinical.read_records(upload, mapping)
            electrocardiograms.read_recordings(upload, mapping)
        progress(1.0, read)
        return mapping
