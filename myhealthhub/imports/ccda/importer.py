"""C-CDA (R1.1, R2.1, R3) and HITSP C32: the "download my record" file of patient portals."""

from __future__ import annotations

from django.utils.translation import gettext as _

from myhealthhub.documents.sniff import CCDA, FileType
from myhealthhub.errors import Refused
from myhealthhub.imports.base import Mapping, Progress, Upload
from myhealthhub.imports.ccda import map as ccda_map
from myhealthhub.imports.ccda import parse


class Ccda:
    name = "ccda"

    @property
    def label(self) -> str:
        return _("C-CDA")

    def recognizes(self, upload: Upload) -> bool:
        return parse.recognizes(upload)

    def original_type(self, upload: Upload) -> FileType:
        return CCDA

    def read(self, uploads: list[Upload], progress: Progress, *, readings: bool = True) -> Mapping:
        if len(uploads) > 1:
            raise Refused(_("Import one clinical document at a time."))
        parsed = parse.read(uploads[0])
        progress(0.5)
        mapping = ccda_map.to_mapping(parsed)
        progress(1.0)
        return mapping
