"""Record pages' tags: an entry's fields, list columns and values, in the reader's units."""

from __future__ import annotations

from typing import Any

from django import template

from myhealthhub.lib import formatting
from myhealthhub.lib.formatting import Preferences
from myhealthhub.records import presenting
from myhealthhub.records.kinds import Kind
from myhealthhub.records.models import Entry, EntryVersion, Observation

register = template.Library()


def reader(context: template.Context) -> Preferences:
    """The units of whoever reads the page: the signed-in account's, else the defaults."""
    request = context.get("request")
    return Preferences.of(getattr(request, "user", None))


@register.simple_tag(takes_context=True)
def entry_fields(
    context: template.Context, entry: Entry, kind: Kind
) -> list[tuple[str, str | presenting.Shown]]:
    return presenting.filled_fields(entry, kind, account=reader(context))


@register.simple_tag
def column_labels(kind: Kind) -> list[str]:
    return [presenting.field_label(kind, name) for name in kind.list_columns]


@register.simple_tag(takes_context=True)
def column_values(context: template.Context, entry: Entry, kind: Kind) -> list[str]:
    account = reader(context)
    return [presenting.field_value(entry, name, account=account) for name in kind.list_columns]


@register.simple_tag(takes_context=True)
def result_value(context: template.Context, observation: Observation) -> str:
    """A result's value in the reader's units: "5,5 mmol/L", "120/80 mmHg"."""
    return presenting.result_value(observation, account=reader(context)).text


@register.simple_tag
def number(value: Any, digits: int | None = None) -> str:
    """A number in the active language, without float noise (lib/formatting.py)."""
    if value is None or value == "":
        return ""
    return formatting.number(float(value), digits=digits)


@register.filter
def unit(code: str) -> str:
    """A UCUM code as people write it: mm[Hg] → mmHg."""
    return formatting.unit(str(code or ""))


@register.simple_tag
def changed_labels(version: EntryVersion, kind: Kind) -> str:
    return ", ".join(presenting.changed_labels(kind, version.changed_fields))


@register.simple_tag
def when(entry: Entry) -> str:
    return presenting.field_value(entry, "date")
