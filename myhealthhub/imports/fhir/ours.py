"""What MyHealthHub's own FHIR export could say only in its own extensions, read back.

Our export (exports/fhir_resources/) writes every field of an entry in a
standard FHIR element where one exists; the rest (a care team member's
number, an appointment's questions, a visit's notes, a strength in words)
goes in an extension whose URL is ``urn:myhealthhub:extension:`` and the
field's name ("member-number" for ``member_number``). Such an extension
holds exactly the value of that column, so after a resource's mapper has
run, ``read_back`` fills each field the mapper left empty from it, for
every kind alike: a mapper need not know about them.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models

from myhealthhub.imports.base import MappedEntry, date_values
from myhealthhub.imports.fhir.fields import number, objs, string
from myhealthhub.imports.fhir.parse import Json
from myhealthhub.lib.dates import PartialDate, Precision
from myhealthhub.records.kinds import KINDS

PREFIX = "urn:myhealthhub:extension:"
# Where an extension's value may be, as FHIR names it by type.
VALUES = (
    "valueString",
    "valueCode",
    "valueMarkdown",
    "valueUrl",
    "valueUri",
    "valueDate",
    "valueDateTime",
    "valueBoolean",
    "valueInteger",
    "valuePositiveInt",
    "valueUnsignedInt",
)
# Values a mapper writes for want of a better one, which our extension then betters:
# FHIR's organization types name no pharmacy or laboratory, so the mapper says "other".
GUESSES: dict[tuple[str, str], frozenset[Any]] = {("care-team", "role"): frozenset({"other"})}


def read_back(resource: Json, entries: Iterable[MappedEntry]) -> None:
    """Fill the fields of ``entries`` (mapped from ``resource``) that their mapper left empty."""
    written = extensions(resource)
    for entry in entries:
        kind = KINDS.get(entry.kind)
        if kind is None:
            continue
        for name, value in written.items():
            if not _unfilled(entry, name):
                continue
            entry.values.update(_column_values(kind.model, name, value))


def extensions(resource: Json) -> dict[str, object]:
    """Our extensions on ``resource``: the field each names, and its value as written."""
    found: dict[str, object] = {}
    for extension in objs(resource.get("extension")):
        url = string(extension.get("url"))
        if not url.startswith(PREFIX):
            continue
        name = url.removeprefix(PREFIX).replace("-", "_")
        value = next((extension[key] for key in VALUES if key in extension), None)
        if name and value is not None:
            found.setdefault(name, value)
    return found


def text(resource: Json, name: str) -> str:
    """The text of our extension ``name`` ("dose"), or "" when there is none."""
    return string(extensions(resource).get(name.replace("-", "_")))


def _unfilled(entry: MappedEntry, name: str) -> bool:
    value = entry.values.get(name)
    return value in (None, "", [], {}) or value in GUESSES.get((entry.kind, name), ())


def _column_values(model: type[models.Model], name: str, value: object) -> dict[str, Any]:
    """``{name: value}`` as the column ``name`` of ``model`` holds it; {} when it cannot."""
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:  # an extension of a field this kind lacks (a condition's "resolved")
        return {}
    if not isinstance(field, models.Field) or not field.concrete or field.is_relation:
        return {}
    if isinstance(field, models.BooleanField):
        return {name: value} if isinstance(value, bool) else {}
    if isinstance(field, models.IntegerField):
        return _integer(field, name, value)
    if isinstance(field, models.DateField) and not isinstance(field, models.DateTimeField):
        return _date(model, name, string(value))
    if isinstance(field, models.CharField | models.TextField):
        return _text(field, name, string(value))
    return {}  # times, instants and lists always have an element of their own


def _integer(field: models.Field[Any, Any], name: str, value: object) -> dict[str, Any]:
    written = number(value)
    if written is None or not written.is_integer():
        return {}
    try:
        field.run_validators(int(written))
    except ValidationError:  # out of the column's range
        return {}
    return {name: int(written)}


def _date(model: type[models.Model], name: str, written: str) -> dict[str, Any]:
    try:
        when = PartialDate.parse(written[:10])
    except ValueError:
        return {}
    if _has_column(model, f"{name}_precision"):
        return date_values(name, when)
    # A column without a precision of its own holds only whole days.
    return {name: when.earliest} if when.precision == Precision.DAY else {}


def _text(field: models.Field[Any, Any], name: str, written: str) -> dict[str, Any]:
    if not written:
        return {}
    if field.choices:
        return {name: written} if written in {str(key) for key, _label in field.choices} else {}
    return {name: written[: field.max_length] if field.max_length else written}


def _has_column(model: type[models.Model], name: str) -> bool:
    return any(field.name == name for field in model._meta.concrete_fields)
