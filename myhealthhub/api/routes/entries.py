"""Entries of every kind: list, read, add, change with the version check, delete.

Values are checked by the form class the pages use (records/forms.py) and
written by the same actions (records/actions.py); this module only turns
JSON into what the form reads, and entries into JSON. An entry is one flat
object: what every entry has (uuid, kind, display, date, codings, source,
version, times) and its kind's own fields, named as in records/kinds.py.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any
from uuid import UUID

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router, Schema
from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema

from myhealthhub.accounts.middleware import account_zone
from myhealthhub.accounts.models import User
from myhealthhub.api.auth import caller_of
from myhealthhub.api.gate import needs, reach
from myhealthhub.api.models import Scope
from myhealthhub.api.problems import Problem, not_found
from myhealthhub.api.schemas import (
    MOST_PER_PAGE,
    PER_PAGE,
    Coding,
    Moment,
    cursor_after,
    form_problem,
    invalid,
    iso,
    row_after,
)
from myhealthhub.errors import ActionRefused
from myhealthhub.fields import DurationField, PartialDateField
from myhealthhub.lib.dates import PartialDate
from myhealthhub.profiles.access import Access
from myhealthhub.profiles.models import Role
from myhealthhub.records import actions
from myhealthhub.records.forms import EntryForm, form_class, is_partial_date
from myhealthhub.records.kinds import KINDS, Kind
from myhealthhub.records.models import Entry, EntryVersion, Observation
from myhealthhub.records.sources import Typists, source_label

router = Router(tags=["entries"])

# The kind's slug in the path: its values listed in the schema, checked here (404 for others).
KindSlug = Annotated[str, WithJsonSchema({"type": "string", "enum": list(KINDS), "title": "Kind"})]
# Named in every entry, or worked out (a workout's date): sent back in a change, passed over.
READ_ONLY = frozenset(
    {
        "uuid",
        "kind",
        "display",
        "date",
        "date_precision",
        "codings",
        "source",
        "created_at",
        "updated_at",
        "taken_at",
        "unit",
        "components",
    }
)
COMMON = ("display", "date")
# The parts of the fields typed in parts (fields.py), as their widgets name them.
DATE_PARTS = ("year", "month", "day")
DURATION_PARTS = ("hours", "minutes", "seconds")
# A result's value as stored beside what the form shows: its UCUM unit and a panel's parts.
RESULT_EXTRAS = ("unit", "components")

FIELDS_BY_KIND = "\n".join(
    f"- `{slug}`: {', '.join(kind.form_fields)}" for slug, kind in KINDS.items()
)
VALUES_DOC = (
    "Each kind's fields:\n\n"
    f"{FIELDS_BY_KIND}\n\n"
    "Dates known to the year, month or day are written `2015`, `2015-03` or "
    "`2015-03-04`; moments in ISO 8601 with their offset (a moment without one is "
    "on the token account's clock); a workout's `duration` in seconds and its "
    "`distance` in metres; choices by their code."
)


# A change from a stale version: its refusal, beside those every operation may give (v1.py).
STALE = {
    "responses": {
        "409": {
            "description": "Changed by someone else since that version: what they changed "
            "(changed_fields, changes) and the version to start again from (version)",
            "content": {
                "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}
            },
        }
    }
}


class EntryOut(BaseModel):
    """An entry: the fields every entry has, then its kind's own (see the operation)."""

    # A plain pydantic model, as EntryIn: its kind's fields are the extra ones.
    model_config = ConfigDict(extra="allow")

    uuid: UUID
    kind: str
    display: str
    date: str | None = Field(description="ISO 8601 to the precision known: 2015, 2015-03…")
    date_precision: str | None
    codings: list[Coding]
    source: str = Field(description="Where the entry came from, named for the token's account")
    version: int
    created_at: Moment
    updated_at: Moment


class EntryPage(Schema):
    items: list[EntryOut]
    next: str | None = Field(description="The cursor of the next page; null on the last")


class EntryIn(BaseModel):
    """The kind's fields by name (see the operation); unknown names are refused."""

    # A plain pydantic model: ninja's Schema reads only the fields it declares.
    model_config = ConfigDict(extra="allow")


class EntryChange(EntryIn):
    version: int = Field(ge=1, le=2**31 - 1, description="The version the change was made from")


@router.get(
    "/{profile_uuid}/entries/{kind}",
    response=EntryPage,
    operation_id="list_entries",
    summary="Entries of one kind, in the order they were added, a page at a time",
    description=VALUES_DOC,
    openapi_extra=needs(Scope.READ, Role.VIEWER),
)
def list_entries(
    request: HttpRequest,
    profile_uuid: uuid.UUID,
    kind: KindSlug,
    q: str = "",
    status: str = "",
    updated_since: dt.datetime | None = None,
    limit: Annotated[int, Field(ge=1, le=MOST_PER_PAGE)] = PER_PAGE,
    cursor: str = "",
) -> EntryPage:
    access = reach(request, profile_uuid, scope=Scope.READ, needs=Role.VIEWER)
    chosen = _kind(kind)
    walk = f"entries:{chosen.slug}"
    entries = chosen.queryset(access.profile).alive().select_related("source")
    if q.strip():
        entries = entries.filter(display__icontains=q.strip())
    if status:
        entries = entries.filter(**{_status_field(chosen, status): status})
    if updated_since is not None:
        if timezone.is_naive(updated_since):
            updated_since = timezone.make_aware(updated_since, dt.UTC)
        entries = entries.filter(updated_at__gte=updated_since)
    # By id: a walk sees each entry once, however the entries change meanwhile.
    rows = list(entries.filter(id__gt=row_after(cursor, walk)).order_by("id")[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    reader = caller_of(request).account
    typists = Typists(access.profile.pk)
    return EntryPage(
        items=[EntryOut(**_shown(chosen, row, reader, typists)) for row in rows],
        next=cursor_after(rows[-1].pk, walk) if more else None,
    )


@router.get(
    "/{profile_uuid}/entries/{kind}/{entry_uuid}",
    response=EntryOut,
    operation_id="read_entry",
    summary="One entry",
    openapi_extra=needs(Scope.READ, Role.VIEWER),
)
def read_entry(
    request: HttpRequest, profile_uuid: uuid.UUID, kind: KindSlug, entry_uuid: uuid.UUID
) -> dict[str, Any]:
    access = reach(request, profile_uuid, scope=Scope.READ, needs=Role.VIEWER)
    chosen = _kind(kind)
    entry = _entry(access, chosen, entry_uuid)
    return _shown(chosen, entry, caller_of(request).account, Typists(access.profile.pk))


@router.post(
    "/{profile_uuid}/entries/{kind}",
    response={201: EntryOut},
    operation_id="create_entry",
    summary="Add an entry, typed by the token's account",
    description=VALUES_DOC,
    openapi_extra=needs(Scope.ENTRIES, Role.EDITOR),
)
def create_entry(
    request: HttpRequest, profile_uuid: uuid.UUID, kind: KindSlug, payload: EntryIn
) -> dict[str, Any]:
    access = reach(request, profile_uuid, scope=Scope.ENTRIES, needs=Role.EDITOR)
    chosen = _kind(kind)
    account = caller_of(request).account
    data = {**_defaults(chosen), **_form_data(chosen, payload.model_extra or {})}
    with timezone.override(account_zone(account)):
        form = form_class(chosen)(data)
        if not form.is_valid():
            raise form_problem(form)
        with _refusals():
            entry = actions.create_entry(
                chosen, access.profile, actor=account, request=request, values=form.entry_values()
            )
    return _shown(chosen, entry, account, Typists(access.profile.pk))


@router.patch(
    "/{profile_uuid}/entries/{kind}/{entry_uuid}",
    response=EntryOut,
    operation_id="update_entry",
    summary="Change some fields of an entry, from the version given",
    description="The fields left out keep their values. " + VALUES_DOC,
    openapi_extra={**needs(Scope.ENTRIES, Role.EDITOR), **STALE},
)
def update_entry(
    request: HttpRequest,
    profile_uuid: uuid.UUID,
    kind: KindSlug,
    entry_uuid: uuid.UUID,
    payload: EntryChange,
) -> dict[str, Any]:
    return _change(request, profile_uuid, kind, entry_uuid, payload, keep_others=True)


@router.put(
    "/{profile_uuid}/entries/{kind}/{entry_uuid}",
    response=EntryOut,
    operation_id="replace_entry",
    summary="Write every field of an entry, from the version given",
    description="The fields left out are emptied. " + VALUES_DOC,
    openapi_extra={**needs(Scope.ENTRIES, Role.EDITOR), **STALE},
)
def replace_entry(
    request: HttpRequest,
    profile_uuid: uuid.UUID,
    kind: KindSlug,
    entry_uuid: uuid.UUID,
    payload: EntryChange,
) -> dict[str, Any]:
    return _change(request, profile_uuid, kind, entry_uuid, payload, keep_others=False)


@router.delete(
    "/{profile_uuid}/entries/{kind}/{entry_uuid}",
    response={204: None},
    operation_id="delete_entry",
    summary="Move an entry to “recently deleted”, where it can be restored for 30 days",
    openapi_extra=needs(Scope.ENTRIES, Role.EDITOR),
)
def delete_entry(
    request: HttpRequest, profile_uuid: uuid.UUID, kind: KindSlug, entry_uuid: uuid.UUID
) -> None:
    access = reach(request, profile_uuid, scope=Scope.ENTRIES, needs=Role.EDITOR)
    entry = _entry(access, _kind(kind), entry_uuid)
    actions.delete_entry(entry, actor=caller_of(request).account, request=request)


def _change(
    request: HttpRequest,
    profile_uuid: uuid.UUID,
    kind: str,
    entry_uuid: uuid.UUID,
    payload: EntryChange,
    *,
    keep_others: bool,
) -> dict[str, Any]:
    access = reach(request, profile_uuid, scope=Scope.ENTRIES, needs=Role.EDITOR)
    chosen = _kind(kind)
    entry = _entry(access, chosen, entry_uuid)
    account = caller_of(request).account
    typed = _form_data(chosen, payload.model_extra or {})
    with timezone.override(account_zone(account)):
        form_type = form_class(chosen)
        data = _as_posted(form_type.for_entry(entry)) if keep_others else _defaults(chosen)
        data.update(typed)
        form = form_type.for_entry(entry, data)
        if not form.is_valid():
            raise form_problem(form)
        with _refusals():
            try:
                actions.update_entry(
                    entry,
                    actor=account,
                    request=request,
                    values=form.entry_values(),
                    expected_version=payload.version,
                )
            except actions.StaleEdit as stale:
                raise _stale(access, entry, payload.version, stale) from None
    return _shown(chosen, entry, account, Typists(access.profile.pk))


def _kind(slug: str) -> Kind:
    kind = KINDS.get(slug)
    if kind is None:
        raise not_found()
    return kind


def _entry(access: Access, kind: Kind, entry_uuid: uuid.UUID) -> Entry:
    return access.get(kind.queryset(access.profile).alive().select_related("source"), entry_uuid)


def _status_field(kind: Kind, status: str) -> str:
    if not kind.status_field:
        raise invalid([{"where": "status", "problem": _("This kind of entry has no status.")}])
    choices = [str(value) for value, _label in kind.model_field(kind.status_field).choices or ()]
    if status not in choices:
        raise invalid(
            [
                {
                    "where": "status",
                    "problem": _("Choose one of: %(choices)s.") % {"choices": ", ".join(choices)},
                }
            ]
        )
    return kind.status_field


@contextmanager
def _refusals() -> Iterator[None]:
    """An action's refusal, or a value the model itself refuses, as a 422."""
    try:
        yield
    except actions.StaleEdit:
        raise
    except ActionRefused as refusal:
        raise Problem(422, _("The change was refused"), refusal.message) from None
    except ValidationError as error:
        raise invalid(
            [
                {"where": "" if name == NON_FIELD_ERRORS else name, "problem": message}
                for name, messages in error.message_dict.items()
                for message in messages
            ]
        ) from None


def _stale(access: Access, entry: Entry, since: int, stale: actions.StaleEdit) -> Problem:
    """A 409 naming what changed since ``since``, and the version to start again from."""
    changed: set[str] = set()
    for names in EntryVersion.objects.filter(
        profile_id=access.profile.pk, entry_uuid=entry.uuid, version__gte=since
    ).values_list("changed_fields", flat=True):
        changed.update(_api_name(name) for name in names)
    current = type(entry).objects.filter(profile_id=access.profile.pk, pk=entry.pk)
    return Problem(
        409,
        _("Someone changed this entry first"),
        stale.message,
        changed_fields=sorted(changed),
        changes=[
            {"field": change.label, "before": change.before, "after": change.after}
            for change in stale.changes
        ],
        version=current.values_list("version", flat=True).first(),
    )


def _api_name(column: str) -> str:
    if column.endswith("_precision"):
        return column.removesuffix("_precision")
    if column in {"code_system", "codings"}:
        return "code"
    return column


# JSON in: what the kind's form reads, as a browser would post it.


def _form_data(kind: Kind, fields: dict[str, Any]) -> dict[str, Any]:
    data: dict[str, Any] = {}
    errors: list[dict[str, Any]] = []

    def refuse(name: str, problem: str) -> None:
        errors.append({"where": name, "problem": problem})

    for name, value in fields.items():
        if name not in kind.form_fields:
            if name not in READ_ONLY and name != "version":
                refuse(name, _("This kind of entry has no such field."))
            continue
        if isinstance(value, list | dict):
            refuse(name, _("Give text, a number, true or false."))
        elif is_partial_date(kind, name):
            parts = _date_parts(value)
            if parts is None:
                refuse(name, _("Write the date as YYYY, YYYY-MM or YYYY-MM-DD."))
            else:
                data.update(_posted_parts(name, DATE_PARTS, parts))
        elif name == "duration":
            parts = _duration_parts(value)
            if parts is None:
                refuse(name, _("Give the duration in whole seconds."))
            else:
                data.update(_posted_parts(name, DURATION_PARTS, parts))
        elif name == "distance" and _is_number(value):
            # The form reads kilometres (its account is none); the API speaks metres.
            data[name] = value / 1000
        else:
            data[name] = value
    if errors:
        raise invalid(errors)
    return data


def _defaults(kind: Kind) -> dict[str, Any]:
    """The values a field left out takes: its column's default, as the page's form shows it."""
    return {
        name: field.get_default()
        for name in kind.form_fields
        if not is_partial_date(kind, name)
        and name not in {"duration", "distance"}
        and (field := kind.model_field(name)).has_default()
    }


def _date_parts(value: Any) -> list[int | None] | None:
    if value is None or value == "":
        return [None, None, None]
    if not isinstance(value, str):
        return None
    try:
        date = PartialDate.parse(value.strip())
    except ValueError:
        return None
    return [date.year, date.month, date.day]


def _duration_parts(value: Any) -> list[int | None] | None:
    if value is None:
        return [None, None, None]
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        return None
    hours, rest = divmod(value, 3600)
    minutes, seconds = divmod(rest, 60)
    return [hours, minutes, seconds]


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _as_posted(form: EntryForm) -> dict[str, Any]:
    """What a browser would post for the form left as it was shown."""
    data: dict[str, Any] = {}
    for name, field in form.fields.items():
        value = form.get_initial_for_field(field, name)
        if isinstance(field, PartialDateField):
            parts = [value.year, value.month, value.day] if value else [None, None, None]
            data.update(_posted_parts(name, DATE_PARTS, parts))
        elif isinstance(field, DurationField):
            data.update(_posted_parts(name, DURATION_PARTS, _duration_parts(value) or []))
        else:
            data[name] = value
    return data


def _posted_parts(name: str, suffixes: tuple[str, ...], parts: list[Any]) -> dict[str, Any]:
    """A field typed in parts (a partial date, a duration), as its widget reads it back."""
    return {f"{name}_{suffix}": part for suffix, part in zip(suffixes, parts, strict=True)}


# Entries out: JSON values, moments in UTC.


def _shown(kind: Kind, entry: Entry, reader: User, typists: Typists) -> dict[str, Any]:
    shown: dict[str, Any] = {
        "uuid": entry.uuid,
        "kind": kind.slug,
        "display": entry.display,
        "date": entry.when.isoformat() if entry.when else None,
        "date_precision": entry.date_precision if entry.date else None,
        "codings": entry.codings,
        "source": source_label(entry.source, reader, typists=typists),
        "version": entry.version,
        "created_at": iso(entry.created_at),
        "updated_at": iso(entry.updated_at),
    }
    for name in kind.form_fields:
        if name not in COMMON:
            shown[name] = _value(kind, entry, name)
    if isinstance(entry, Observation):
        shown.update({name: getattr(entry, name) for name in RESULT_EXTRAS})
        shown["taken_at"] = iso(entry.taken_at)
    return shown


def _value(kind: Kind, entry: Entry, name: str) -> Any:
    if is_partial_date(kind, name):
        stored = getattr(entry, name)
        precision = getattr(entry, f"{name}_precision")
        return PartialDate.from_stored(stored, precision).isoformat() if stored else None
    if name == "code":
        # The code in the kind's own system, as the form shows it.
        ours = [c["code"] for c in entry.codings if c.get("system") == kind.code_system]
        return ours[0] if ours else ("" if entry.codings else entry.code)
    value = getattr(entry, name)
    if isinstance(value, dt.datetime):
        return iso(value)
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return value
