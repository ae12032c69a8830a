"""FHIR R4, JSON or XML: bundles of any type, single resources, NDJSON bulk exports, zips."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

from django.utils.translation import gettext as _

from myhealthhub.documents.sniff import FHIR_JSON, FHIR_NDJSON, FHIR_XML, ZIP, FileType
from myhealthhub.imports.base import Mapping, Progress, Upload
from myhealthhub.imports.fhir import map as fhir_map
from myhealthhub.imports.fhir import parse
from myhealthhub.imports.fhir.context import FirstLook
from myhealthhub.imports.fhir.from_xml import is_fhir_xml
from myhealthhub.lib.safe_zip import is_zip


class Fhir:
    name = "fhir"

    @property
    def label(self) -> str:
        return _("FHIR")

    def recognizes(self, upload: Upload) -> bool:
        return parse.recognizes(upload)

    def original_type(self, upload: Upload) -> FileType:
        if is_zip(upload.head(8)):
            return ZIP
        if is_fhir_xml(upload.head()):
            return FHIR_XML
        return FHIR_NDJSON if upload.name.lower().endswith(".ndjson") else FHIR_JSON

    def read(self, uploads: list[Upload], progress: Progress, *, readings: bool = True) -> Mapping:
        with _no_cycle_collection():
            first_look = FirstLook()
            parsed = parse.read(uploads, progress, on_each=first_look)
            mapping = fhir_map.to_mapping(parsed, first_look)
        progress(1.0)
        return mapping


@contextmanager
def _no_cycle_collection() -> Iterator[None]:
    # Parsed JSON is hundreds of thousands of small dicts and lists without a
    # single cycle; the cyclic collector would walk them over and over, which
    # cost a third of the reading time of a bulk export. Counting references
    # still frees everything as usual.
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        # Also when the file is refused (``Refused`` is raised mid-read): the
        # process lives on to serve other requests and tasks, and with the
        # collector left off every later reference cycle (an exception and its
        # traceback, for one) would never be freed. Turned back on only if it
        # was on, so a caller that had turned it off keeps it off.
        if was_enabled:
            gc.enable()
