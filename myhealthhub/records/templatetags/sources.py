"""``{% source_label entry.source %}``: where an entry came from, named for whoever reads.

Loaded by the record pages and the summary (web and PDF); see records/sources.py.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import cast

from django import template
from django.utils.translation import ngettext

from myhealthhub.accounts.models import User
from myhealthhub.records.models import Entry, Source
from myhealthhub.records.sources import Typists, source_name
from myhealthhub.records.sources import source_label as label_for

register = template.Library()

_TYPISTS = "myhealthhub.records.typists"


class _Shared(dict[int, Typists]):
    """The Typists of each profile a render names, kept for the whole render."""


@register.simple_tag(takes_context=True)
def source_label(context: template.Context, source: Source | None, short: bool = False) -> str:
    """``source`` for the signed-in reader; without a request (the PDF), in the third person."""
    if source is None:
        return ""
    reader = _reader(context)
    return label_for(source, reader, short=short, typists=_typists(context, source.profile_id))


@register.simple_tag(takes_context=True)
def source_names(context: template.Context, things: Iterable[Source | Entry], most: int = 3) -> str:
    """ "Clinic A, Pharmacy B and 2 others": who states ``things``, each name once."""
    reader = _reader(context)
    names: list[str] = []
    for thing in things:
        source = thing if isinstance(thing, Source) else thing.source
        name = source_name(source, reader, _typists(context, source.profile_id))
        if name not in names:
            names.append(name)
    shown, others = names[:most], len(names) - most
    if others <= 0:
        return ", ".join(shown)
    return ngettext("%(names)s and %(count)d other", "%(names)s and %(count)d others", others) % {
        "names": ", ".join(shown),
        "count": others,
    }


def _reader(context: template.Context) -> User | None:
    user = getattr(context.get("request"), "user", None)
    return user if isinstance(user, User) else None


@register.filter
def source_of(sources: dict[uuid.UUID, Source], entry_uuid: uuid.UUID) -> Source | None:
    """A timeline item's Source, from the page's ``sources`` (records/sources.py: sources_of)."""
    return sources.get(entry_uuid)


def _typists(context: template.Context, profile_id: int) -> Typists:
    """One ``Typists`` per profile for the whole render, shared by every row and include.

    The render context's first scope lasts the whole render; every template
    (an include per row of the summary) pushes a scope of its own above it.
    """
    # django-stubs types this state as the include tag's (strings); it holds any object.
    root = cast(dict[str, object], context.render_context.dicts[0])
    shared = root.get(_TYPISTS)
    if not isinstance(shared, _Shared):
        shared = root[_TYPISTS] = _Shared()
    if profile_id not in shared:
        shared[profile_id] = Typists(profile_id)
    return shared[profile_id]
