"""How an entry's fields read on a page: labels, choice names, partial dates, yes/no."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from myhealthhub.lib.dates import PartialDate
from myhealthhub.records.kinds import Kind
from myhealthhub.records.models import Entry


def field_label(kind: Kind, name: str) -> str:
    if name == "display":
        return str(kind.display_label)
    if name == "date":
        return str(kind.date_label)
    if name == "value_display":
        return _("Value")
    return str(kind.model_field(name).verbose_name).capitalize()


def field_value(entry: Entry, name: str) -> str:
    if name == "value_display":
        return str(getattr(entry, name))
    field = entry._meta.get_field(name)
    value: Any = getattr(entry, name)
    if value in (None, ""):
        return ""
    if getattr(field, "choices", None):
        return str(getattr(entry, f"get_{name}_display")())
    if hasattr(entry, f"{name}_precision"):
        return PartialDate.from_stored(value, getattr(entry, f"{name}_precision")).localized()
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, dt.datetime):
        return formats.date_format(timezone.localtime(value), "DATETIME_FORMAT")
    if isinstance(value, dt.time):
        return formats.time_format(value, "TIME_FORMAT")
    if isinstance(value, dt.date):
        return formats.date_format(value, "DATE_FORMAT")
    if isinstance(value, float):
        return formats.number_format(value)
    return str(value)


def changed_labels(kind: Kind, columns: list[str]) -> list[str]:
    """The labels a person knows for the columns a change touched, each once."""
    labels: list[str] = []
    for column in columns:
        name = column.removesuffix("_precision")
        if name in {"codings", "code_system"}:
            name = "code"
        try:
            label = field_label(kind, name)
        except FieldDoesNotExist:
            label = name
        if label not in labels:
            labels.append(label)
    return labels


def filled_fields(entry: Entry, kind: Kind) -> list[tuple[str, str]]:
    """(label, value) for every form field of the entry that has a value."""
    rows = []
    for name in kind.form_fields:
        value = field_value(entry, name)
        # An unticked box ("as needed: no") says nothing worth a line.
        if value and name != "display" and getattr(entry, name) is not False:
            rows.append((field_label(kind, name), value))
    return rows
