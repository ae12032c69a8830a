"""The import formats, registered in one dict: adding a format means adding one line.

Each format has a ``parse.py`` (bytes to plain data, no database) and a
``map.py`` (plain data to a ``Mapping``); its ``importer.py`` ties them
together behind the ``Importer`` protocol below.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from django.utils.translation import gettext as _

from myhealthhub.documents.sniff import FileType
from myhealthhub.errors import Refused
from myhealthhub.imports.base import Mapping, Progress, Upload


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

    def read(self, uploads: list[Upload], progress: Progress, *, readings: bool = True) -> Mapping:
        """Everything the files bring, or Refused naming where the file is broken.

        Without ``readings``, a format whose readings take most of the reading
        (a watch's millions) may leave them out; the commit asks so when the
        preview found none that are new.
        """
        ...


def formats() -> dict[str, Importer]:
    from myhealthhub.imports.apple.importer import AppleHealth
    from myhealthhub.imports.ccda.importer import Ccda
    from myhealthhub.imports.csv_readings.importer import CsvReadings
    from myhealthhub.imports.fhir.importer import Fhir

    return {importer.name: importer for importer in (AppleHealth(), Fhir(), Ccda(), CsvReadings())}


# Files that an app above imports takes in another way (the archive is restored,
# not imported): each check answers why a file is not imported here, or None.
ElsewhereCheck = Callable[[Upload], str | None]
_elsewhere: list[ElsewhereCheck] = []


def taken_elsewhere(check: ElsewhereCheck) -> None:
    """Refuse, with the check's reason, the files an app above imports takes in itself."""
    if check not in _elsewhere:
        _elsewhere.append(check)


def detect(uploads: list[Upload]) -> Importer:
    """The format of the files of one import: all of them must be of one format."""
    for upload in uploads:
        for check in _elsewhere:
            if reason := check(upload):
                raise Refused(reason, upload.name)
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
                    "JSON and XML (bundles, single resources, NDJSON, or a zip of them), "
                    "C-CDA documents (XML), Apple Health exports (export.zip or "
                    "export.xml) and CSV files of readings."
                ),
                upload.name,
            )
        found.add(name)
    if len(found) > 1:
        raise Refused(_("These files are of different formats; import them one format at a time."))
    return registry[found.pop()]
