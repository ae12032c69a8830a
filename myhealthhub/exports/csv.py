"""Every section of a profile as a spreadsheet: a zip with one CSV per kind of entry.

For people who want their data in Excel or LibreOffice, not for machines
(the FHIR export and the archive are for those). So the header row and the
choices are words in the chosen language, files are UTF-8 with a byte-order
mark (Excel reads accents only then), and a cell that a spreadsheet would
run as a formula is neutralised as OWASP advises ("CSV injection"): a name
typed as ``=HYPERLINK(...)`` stays text.

Numbers: the stored columns (value, reference low and high) keep the exact
stored number with a point, so a spreadsheet computes with what the record
holds; results add one column, "Value as shown", with the value as the pages
show it (lib/formatting.py): in the language, without float noise, in the
owner's units (only the owner exports spreadsheets), blood pressure as
"120/80 mmHg"; and "Flag", a value out of range in the pages' words ("High"
as the source says it, "Above the range given" when only its range says so,
records/abnormal.py), so a spreadsheet can filter them.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, BinaryIO

from django.db import models
from django.utils import timezone, translation
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from myhealthhub.documents.models import Document
from myhealthhub.exports.formats import Progress
from myhealthhub.lib import formatting
from myhealthhub.lib.dates import PartialDate
from myhealthhub.lib.formatting import Preferences
from myhealthhub.profiles.models import EmergencyContact, Profile, Role
from myhealthhub.records import taken
from myhealthhub.records.abnormal import flag_of
from myhealthhub.records.kinds import KINDS, Kind
from myhealthhub.records.models import Observation
from myhealthhub.records.models.base import OLDEST_FIRST
from myhealthhub.records.presenting import result_text
from myhealthhub.summary.options import ExportOptions
from myhealthhub.summary.sections import reader_units

# Columns every entry has, written at the end of each row rather than as fields.
_ENTRY_COLUMNS = frozenset(
    {
        "id",
        "uuid",
        "profile",
        "source",
        "display",
        "codings",
        "code_system",
        "code",
        "date",
        "date_precision",
        "notes",
        "source_identifiers",
        "created_by",
        "created_at",
        "updated_by",
        "updated_at",
        "version",
        "deleted_at",
    }
)
# A cell starting with one of these is a formula to a spreadsheet (OWASP, CSV injection).
_FORMULA_START = frozenset("=+-@\t\r")
_NUMBER = re.compile(r"^[+-]?\d+(\.\d+)?([eE][+-]?\d+)?$")
CHUNK = 2000


def neutralised(text: str) -> str:
    """``text`` as a spreadsheet shows it without running it: a quote before a formula.

    A plain number such as ``-3.5`` is left alone: it is no formula, and a
    quote would make it text in every spreadsheet.
    """
    if text[:1] in _FORMULA_START and not _NUMBER.match(text):
        return "'" + text
    return text


class CsvExport:
    slug = "csv"
    role = Role.OWNER
    background = True
    media_type = "application/zip"
    extension = "zip"

    @property
    def label(self) -> str:
        return _("Spreadsheets (CSV)")

    @property
    def description(self) -> str:
        return _(
            "A zip with one CSV file per section of the record, emergency contacts and "
            "the list of documents, to open in Excel or LibreOffice."
        )

    def write(
        self, profile: Profile, out: BinaryIO, options: ExportOptions, progress: Progress
    ) -> None:
        with translation.override(options.language):
            tables = [
                (kind, count) for kind in KINDS.values() if (count := _alive(kind, profile).count())
            ]
            total = sum(count for _kind, count in tables) or 1
            units = reader_units(profile)
            written = 0
            with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
                for kind, _count in tables:
                    for _row in _write_table(
                        archive,
                        f"{kind.slug}.csv",
                        _header(kind),
                        _entry_rows(kind, profile, units),
                    ):
                        written += 1
                        if written % CHUNK == 0:
                            progress(written / total)
                contacts = EmergencyContact.objects.filter(profile_id=profile.pk).order_by("pk")
                if contacts.exists():
                    _drain(_write_table(archive, "emergency-contacts.csv", *_contacts(contacts)))
                documents = (
                    Document.objects.filter(profile_id=profile.pk)
                    .alive()
                    .order_by("uploaded_at", "pk")
                )
                if documents.exists():
                    _drain(_write_table(archive, "documents.csv", *_documents(documents)))
            progress(1.0)


def _alive(kind: Kind, profile: Profile) -> models.QuerySet[Any]:
    return kind.queryset(profile).alive()


def _fields(kind: Kind) -> list[models.Field[Any, Any]]:
    """The form's fields in its order, then whatever else the model keeps (units, components)."""
    shown = [kind.model_field(name) for name in kind.form_fields if name != "notes"]
    names = {field.name for field in shown}
    more = [
        field
        for field in kind.model._meta.concrete_fields
        if field.name not in _ENTRY_COLUMNS
        and field.name not in names
        and not field.name.endswith(("_precision", "_offset"))
    ]
    return [*shown, *more, kind.model_field("notes")]


def _header(kind: Kind) -> list[str]:
    labels = {"display": kind.display_label, "date": kind.date_label}
    # A workout's quantities are stored numbers in one unit each, which the header names.
    units: dict[str, str] = getattr(kind.model, "STORED_UNITS", {})
    return [
        *(
            capfirst(str(labels.get(field.name, field.verbose_name)))
            + (f" ({formatting.unit(units[field.name])})" if field.name in units else "")
            for field in _fields(kind)
        ),
        *([_("Value as shown"), pgettext("result", "Flag")] if kind.model is Observation else []),
        _("Codes"),
        _("Source"),
        _("Source facility"),
        "UUID",
    ]


@dataclass(frozen=True)
class _Column:
    """How one model field becomes text, worked out once per table, not once per cell."""

    field: models.Field[Any, Any]
    # The column beside a partial date that says how much of it is known.
    precision: str | None
    # Each choice's label in the active language.
    labels: dict[Any, str]

    @classmethod
    def of(cls, model: type[models.Model], field: models.Field[Any, Any]) -> _Column:
        columns = {each.attname for each in model._meta.concrete_fields}
        precision = f"{field.attname}_precision"
        return cls(
            field=field,
            precision=precision if precision in columns else None,
            labels={value: str(label) for value, label in field.flatchoices}
            if field.choices
            else {},
        )

    @property
    def names(self) -> list[str]:
        return [self.field.attname, *([self.precision] if self.precision else [])]

    def text(self, value: Any, precision: Any = None) -> str:
        if value is None or value == "":
            return ""
        if self.labels:
            return self.labels.get(value, str(value))
        if type(value) is str:  # most cells: the quickest test first
            return value
        if isinstance(value, bool):
            return _("yes") if value else _("no")
        if isinstance(value, dt.datetime):
            return timezone.localtime(value).isoformat(timespec="minutes")
        if isinstance(value, dt.date):
            # "2016", "2016-03" or "2016-03-04": only what is known.
            if precision:
                return PartialDate.from_stored(value, precision).isoformat()
            return value.isoformat()
        if isinstance(value, dt.time):
            return value.isoformat(timespec="minutes")
        if isinstance(value, float):
            # The shortest text that reads back as the same number; 7.0 as "7".
            return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
        if isinstance(value, list | dict):
            return json.dumps(value, ensure_ascii=False, separators=(",", ":")) if value else ""
        return str(value)


def _table(
    queryset: models.QuerySet[Any], columns: list[_Column], extra: list[str]
) -> Iterator[tuple[list[str], tuple[Any, ...]]]:
    """Each row's cells for ``columns``, and the raw values of the ``extra`` names after them.

    Plain values rather than model instances: a profile with 100,000 results
    must not build 100,000 objects.
    """
    names = [name for column in columns for name in column.names]
    for values in queryset.values_list(*names, *extra).iterator(chunk_size=CHUNK):
        cells = []
        at = 0
        for column in columns:
            if column.precision:
                cells.append(column.text(values[at], values[at + 1]))
                at += 2
            else:
                cells.append(column.text(values[at]))
                at += 1
        yield cells, values[at:]


def _entry_rows(kind: Kind, profile: Profile, units: Preferences) -> Iterator[list[str]]:
    columns = [_Column.of(kind.model, field) for field in _fields(kind)]
    entries = _alive(kind, profile).order_by(*OLDEST_FIRST)
    extra = ["codings", "code_system", "code", "source__label", "source__facility", "uuid"]
    if kind.model is not Observation:
        for cells, (codings, system, code, source, facility, uuid) in _table(
            entries, columns, extra
        ):
            yield [*cells, _codings(kind, codings, system, code), source, facility, str(uuid)]
        return
    values = [
        "value_number",
        "comparator",
        "unit",
        "unit_text",
        "value_text",
        "components",
        "interpretation",
        "reference_low",
        "reference_high",
        "date",
        "date_precision",
        "effective_time",
        "effective_offset",
    ]
    names = [column.field.name for column in columns]
    day_at, time_at = names.index("date"), names.index("effective_time")
    for cells, row in _table(entries, columns, [*values, *extra]):
        number, comparator, unit, unit_text, text, components, said, low, high = row[:9]
        date, precision, time, offset = row[9 : len(values)]
        codings, system, code, source, facility, uuid = row[len(values) :]
        if offset is not None:
            # Its moment is known: the day and time on the requester's clock.
            day, time = taken.on_this_clock(date, precision, time, offset)
            cells[day_at] = columns[day_at].text(day, precision)
            cells[time_at] = columns[time_at].text(time)
        flag = flag_of(interpretation=said, value=number, comparator=comparator, low=low, high=high)
        shown = result_text(
            value_number=number,
            comparator=comparator,
            unit=unit,
            unit_text=unit_text,
            value_text=text,
            components=components,
            code=code,
            account=units,
        )
        yield [
            *cells,
            shown,
            flag.text if flag else "",
            _codings(kind, codings, system, code),
            source,
            facility,
            str(uuid),
        ]


def _codings(kind: Kind, codings: Any, system: str, code: str) -> str:
    kept = [coding for coding in codings or [] if isinstance(coding, dict)]
    if not kept and code:
        # A code typed in the form, in the kind's own system (LOINC for results, CVX…).
        kept = [{"system": system or kind.code_system, "code": code}]
    return "; ".join(f"{coding.get('system', '')}|{coding.get('code', '')}" for coding in kept)


def _contacts(contacts: models.QuerySet[EmergencyContact]) -> tuple[list[str], Iterator[list[str]]]:
    fields = _columns(EmergencyContact, ("name", "relationship", "phone", "email", "notes"))
    header = [capfirst(str(field.verbose_name)) for field in fields] + ["UUID"]
    columns = [_Column.of(EmergencyContact, field) for field in fields]
    rows = ([*cells, str(uuid)] for cells, (uuid,) in _table(contacts, columns, ["uuid"]))
    return header, rows


def _documents(documents: models.QuerySet[Document]) -> tuple[list[str], Iterator[list[str]]]:
    fields = _columns(Document, ("title", "kind", "date", "facility", "why", "description"))
    header = [
        *(capfirst(str(field.verbose_name)) for field in fields),
        _("File type"),
        _("Size (bytes)"),
        "SHA-256",
        _("Added"),
        "UUID",
    ]
    columns = [_Column.of(Document, field) for field in fields]
    (added,) = [_Column.of(Document, field) for field in _columns(Document, ["uploaded_at"])]
    extra = ["content_type", "file__size", "file__sha256", "uploaded_at", "uuid"]
    rows = (
        [*cells, content_type, str(size), sha256, added.text(uploaded_at), str(uuid)]
        for cells, (content_type, size, sha256, uploaded_at, uuid) in _table(
            documents, columns, extra
        )
    )
    return header, rows


def _columns(model: type[models.Model], names: Iterable[str]) -> list[models.Field[Any, Any]]:
    fields = [model._meta.get_field(name) for name in names]
    return [field for field in fields if isinstance(field, models.Field)]


def _write_table(
    archive: zipfile.ZipFile, name: str, header: list[str], rows: Iterable[list[str]]
) -> Iterator[None]:
    """Write one CSV into the zip, yielding after each row so the caller can count."""
    with (
        archive.open(name, "w") as raw,
        io.TextIOWrapper(raw, encoding="utf-8-sig", newline="") as text,
    ):
        # Every cell quoted: a separator inside a cell (";" in Spanish Excel) never splits
        # it, so a formula cannot start mid-cell where neutralised() does not look.
        writer = csv.writer(text, quoting=csv.QUOTE_ALL)
        writer.writerow([neutralised(cell) for cell in header])
        for row in rows:
            writer.writerow([neutralised(cell) for cell in row])
            yield


def _drain(rows: Iterator[None]) -> None:
    for _row in rows:
        pass
