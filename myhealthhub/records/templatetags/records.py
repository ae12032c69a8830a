"""Record pages' tags: an entry's fields, list columns and values, in the reader's units."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _

from myhealthhub.lib import formatting
from myhealthhub.lib.formatting import Preferences
from myhealthhub.records import abnormal, presenting
from myhealthhub.records.kinds import KINDS, Kind
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
def column_cells(
    context: template.Context, entry: Entry, kind: Kind
) -> list[tuple[str, str | presenting.Shown]]:
    """The list's cells with their columns' labels (a phone shows each cell as a labelled line);
    a result's value carries its flag for :func:`result_flag`."""
    account = reader(context)
    return [
        (presenting.field_label(kind, name), presenting.list_value(entry, name, account=account))
        for name in kind.list_columns
    ]


@register.simple_tag
def result_name(entry: Entry) -> str:
    """A result's name as people say it, in the page's language (records/presenting.py)."""
    return presenting.result_name(entry)


@register.simple_tag
def result_flag(flag: abnormal.Flag | Observation | None) -> str:
    """The out-of-range marker: an arrow and words, never colour alone; "" when in range.

    Takes the flag a value carries (``value.flag``) or a result to judge.
    """
    if isinstance(flag, Observation):
        flag = abnormal.result_flag(flag)
    if flag is None:
        return ""
    kind = "computed" if flag.computed else "source"
    return format_html(
        '<span class="badge warn result-flag {}" data-flag="{}">'
        '<span aria-hidden="true">{}</span> {}</span>',
        kind,
        flag.level,
        flag.symbol,
        flag.text,
    )


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


@register.simple_tag(takes_context=True)
def add_entry_link(context: template.Context, slug: str) -> str:
    """“Add a medication” at the foot of an overview card, for those who may edit."""
    access = context.get("access")
    if access is None or not access.can_edit:
        return ""
    kind = KINDS[slug]
    return format_html(
        '<p class="panel-add"><a class="add-link" href="{}">'
        '<span aria-hidden="true">+ </span>{}</a></p>',
        reverse("records:create", args=(access.profile.uuid, slug)),
        _("Add %(kind)s") % {"kind": kind.label},
    )
