"""The import formats, registered in one dict: adding a format means adding one line.

Each format has a ``parse.py`` (bytes to plain data, no database) and a
``map.py`` (plain data to a ``Mapping``); its ``importer.py`` ties them
together behind the ``Importer`` protocol below.
"""

from __future__ import annotations

from typing import Protocol

from django.utils.translation import gettext as _

from myhealthhub.interop.importers.base import Mapping, Progress, Refused, Upload


class Importer(Protocol):
    # Stored on the import job: never change a format's name once released.
    name: str

    @property
    def label(self) -> str: ...

    def recognizes(self, upload: Upload) -> bool:
        """Whether this format reads ``upload``, from its name and first bytes."""
        ...

    def read(self, uploads: list[Upload], progress: Progress) -> Mapping:
        """Everything the files bring, or Refused naming where the file is broken."""
        ...


def formats() -> dict[str, Importer]:
    from myhealthhub.interop.importers.csv_readings.importer import CsvReadings
    from myhealthhub.interop.importers.fhir.importer import Fhir

    return {importer.name: importer for importer in (Fhir(), CsvReadings())}


def detect(uploads: list[Upload]) -> Importer:
    """The format of the files of one import: all of them must be of one format."""
    found: set[str] = set()
    registry = formats()
    for upload in uploads:
        names = [name for name, importer in registry.items() if importer.recognizes(upload)]
        if not names:
            raise Refused(
                _(
                    "MyHealthHub does not recognise the format of this file. It reads FHIR "
                    "JSON (bundles, single resources, NDJSON, or a zip of them) and CSV files "
                    "of readings."
                ),
                upload.name,
            )
        found.add(names[0])
    if len(found) > 1:
        raise Refused(_("These files are of different formats; import them one format at a time."))
    return registry[found.pop()]
