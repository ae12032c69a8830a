"""CSV files of device readings: our template, and Omron, Withings and LibreView exports."""

from __future__ import annotations

import io
from collections.abc import Callable
from itertools import chain, islice

from django.utils.translation import gettext as _

from myhealthhub.documents.sniff import CSV, FileType
from myhealthhub.errors import Refused
from myhealthhub.imports.base import Mapping, Progress, Upload
from myhealthhub.imports.csv_readings.layouts import HEADER_SEARCH, TEMPLATE_COLUMNS, find
from myhealthhub.imports.csv_readings.map import ReadingsMapper
from myhealthhub.imports.csv_readings.parse import (
    SNIFF_BYTES,
    line_places,
    records,
    rows,
    sniff,
)
from myhealthhub.lib.safe_zip import is_zip

SUFFIXES = (".csv", ".tsv", ".txt")
PROGRESS_ROWS = 5000  # rows between progress reports


class CsvReadings:
    name = "csv-readings"

    @property
    def label(self) -> str:
        return _("CSV of readings")

    def recognizes(self, upload: Upload) -> bool:
        head = upload.head(SNIFF_BYTES)
        if is_zip(head) or head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] in (b"{", b"[", b"<"):
            return False
        if upload.name.lower().endswith(SUFFIXES):
            return True
        try:
            first = list(islice(records(io.BytesIO(head), sniff(head)), HEADER_SEARCH))
        except Refused:
            return False
        return find(first) is not None

    def original_type(self, upload: Upload) -> FileType:
        return CSV

    def read(self, uploads: list[Upload], progress: Progress, *, readings: bool = True) -> Mapping:
        mapping = Mapping()
        total = sum(max(upload.size, 1) for upload in uploads)
        done = 0
        for upload in uploads:
            label = upload.name if len(uploads) > 1 else ""
            try:
                _read_file(
                    upload, mapping, label, lambda read: progress(min(1.0, read / total)), done
                )
            except Refused as refusal:
                if not label or refusal.where.startswith(label):
                    raise
                # Of several files, say which one (parse.py only knows lines).
                where = f"{label}, {refusal.where}" if refusal.where else label
                raise Refused(refusal.reason, where) from None
            done += max(upload.size, 1)
        progress(1.0)
        return mapping


def _read_file(
    upload: Upload, mapping: Mapping, label: str, report: Callable[[int], None], before: int
) -> None:
    line_place = line_places()

    def where(line: int) -> str:
        return f"{label}, {line_place(line)}" if label else line_place(line)

    dialect = sniff(upload.head(SNIFF_BYTES))
    data = records(upload.file, dialect)
    first = list(islice(data, HEADER_SEARCH))
    layout = find(first)
    if layout is None:
        raise Refused(
            _(
                "MyHealthHub does not recognise the columns of this file. Use the columns of "
                "the CSV template (%(columns)s), or a file exported from Omron Connect, "
                "Withings Health Mate or LibreView."
            )
            % {"columns": ", ".join(TEMPLATE_COLUMNS)},
            where(first[0].line if first else 1),
        )
    mapper = ReadingsMapper(
        layout,
        mapping,
        where,
        decimal_comma=dialect.delimiter != ",",
        file_label=label,
    )
    body = chain(first[layout.header_index + 1 :], data)
    for count, row in enumerate(rows(body, layout.header), start=1):
        mapper.add(row)
        if count % PROGRESS_ROWS == 0:
            report(before + upload.file.tell())
    mapper.finish()
