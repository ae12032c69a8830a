"""The import formats, registered in one dict: adding a format means adding one line.

Each format has a ``parse.py`` (bytes to plain data, no database) and a
``map.py`` (plain data to a ``Mapping``); its ``importer.py`` ties them
together behind the ``Importer`` protocol below.
"""

from __future__ import annotations

from typing import Protocol

from django.utils.translation import gettext as _

from myhealthhub.documents.sniff import FileType
from myhealthhub.interop.importers.base import Mapping, Progress, Refused, Upload


class Importer(Protocol):
    # Stored on the import job: never change a format's name once released.
    name: str

    @property
    def label(self) -> str: ...

    def recognizes(self, upload: Upload) -> bool:
        """Whether this format reads ``upload``, from its name and first bytes."""
        ...

    def original_type(self, upload: Upload) -> FileType:
        """The type ``upload`` is kept as, as the import's original file."""
        ...

    def read(self, uploads: list[Upload], progress: Progress) -> Mapping:
        """Everything the files bring, or Refused naming where the file is broken."""
        ...


def formats() -> dict[str, Importer]:
    from myhealthhub.interop.importers.ccda.importer import Ccda
    from myhealthhub.interop.importers.csv_readings.importer import CsvReadings
    from myhealthhub.interop.importers.fhir.importer import Fhir

    return {importer.name: importer for importer in (Fhir(), Ccda(), CsvReadings())}


def detect(uploads: list[Upload]) -> Importer:
    """The format of the files of one import: all of them must be of one format."""
    from myhealthhub.interop.archive.reading import is_archive

    for upload in uploads:
        if is_archive(upload.file):
            # Restoring makes a new profile, which an import into this one cannot.
            raise Refused(
                _(
                    "This is a MyHealthHub archive, which is restored as a new profile rather "
                    "than imported into this one. Restore it on the command line with: "
                    "myhealthhub import ARCHIVE.zip --owner EMAIL"
                ),
                upload.name,
            )
    found: set[str] = set()
    registry = formats()
    for upload in uploads:
        # The first format that recognises the file: asking the others too would
        # read an XML document's head as CSV, at a cost.
        name = next((name for name, format_ in registry.items() if format_.recognizes(upload)), "")
        if not name:
            raise Refused(
                _(
                    "MyHealthHub does not recognise the format of this file. It reads FHIR "
                    "JSON (bundles, single resources, NDJSON, or a zip of them), C-CDA "
                    "documents (XML) and CSV files of readings."
                ),
                upload.name,
            )
        found.add(name)
    if len(found) > 1:
        raise Refused(_("These files are of different formats; import them one format at a time."))
    return registry[found.pop()]
