from __future__ import annotations

from django import template

from myhealthhub.records import presenting
from myhealthhub.records.kinds import Kind
from myhealthhub.records.models import Entry, EntryVersion

register = template.Library()


@register.simple_tag
def entry_fields(entry: Entry, kind: Kind) -> list[tuple[str, str]]:
    return presenting.filled_fields(entry, kind)


@register.simple_tag
def column_labels(kind: Kind) -> list[str]:
    return [presenting.field_label(kind, name) for name in kind.list_columns]


@register.simple_tag
def column_values(entry: Entry, kind: Kind) -> list[str]:
    return [presenting.field_value(entry, name) for name in kind.list_columns]


@register.simple_tag
def changed_labels(version: EntryVersion, kind: Kind) -> str:
    return ", ".join(presenting.changed_labels(kind, version.changed_fields))


@register.simple_tag
def when(entry: Entry) -> str:
    return presenting.field_value(entry, "date")
