"""Every change to a clinical entry: create, update, delete, restore (DESIGN.md principle 2).

Each keeps the entry's history: before a change, the entry as it was is saved
as an EntryVersion, so every version can be shown and a deletion undone.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone, translation
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop as N_

from myhealthhub import errors
from myhealthhub.accounts.models import User
from myhealthhub.audit.log import log_action
from myhealthhub.audit.models import Action
from myhealthhub.errors import ActionRefused
from myhealthhub.profiles.models import Profile
from myhealthhub.records import changes, samples, taken
from myhealthhub.records.kinds import KIND_OF_MODEL, KINDS, LOINC, Kind
from myhealthhub.records.models import (
    Appointment,
    ChosenMeasurement,
    Entry,
    EntryVersion,
    MeasurementSeries,
    Observation,
    Source,
    SourceKind,
    Workout,
)
from myhealthhub.records.models.base import RESTORE_DAYS

# Fields the history keeps and compares; bookkeeping columns are left out.
NOT_HISTORY = {
    "id",
    "uuid",
    "profile",
    "source",
    "created_by",
    "created_at",
    "updated_by",
    "updated_at",
    "version",
    "deleted_at",
}


@dataclass(frozen=True)
class FieldChange:
    label: str
    before: str
    after: str


class StaleEdit(errors.StaleEdit):
    """Someone saved the entry after this edit began; nothing was saved. What they changed."""

    def __init__(self, changes: list[FieldChange]) -> None:
        super().__init__(
            _(
                "Someone else saved this entry while you were editing it, so your changes "
                "were not saved. Check what they changed, then make your changes again."
            )
        )
        self.changes = changes


def manual_source(profile: Profile, author: User) -> Source:
    """The source of everything ``author`` types by hand into ``profile``."""
    source, _created = Source.objects.get_or_create(
        profile=profile,
        author=author,
        kind=SourceKind.MANUAL,
        defaults={"label": author.email},
    )
    return source


def snapshot(entry: Entry) -> dict[str, Any]:
    data = {}
    for field in entry._meta.concrete_fields:
        if field.name in NOT_HISTORY:
            continue
        value = field.value_from_object(entry)
        # In UTC, so the same moment read back from the database or typed in
        # another time zone compares equal.
        data[field.attname] = (
            value.astimezone(dt.UTC).isoformat()
            if isinstance(value, dt.datetime)
            else field.value_to_string(entry)
        )
    return data


def _locked(entry: Entry) -> Entry:
    """The entry as stored now, locked until the transaction ends."""
    return type(entry).objects.select_for_update().get(profile_id=entry.profile_id, pk=entry.pk)


@transaction.atomic
def create_entry(
    kind: Kind,
    profile: Profile,
    *,
    actor: User,
    request: HttpRequest | None,
    values: dict[str, Any],
    source: Source | None = None,
) -> Entry:
    entry = kind.model(
        profile=profile,
        source=source or manual_source(profile, actor),
        created_by=actor,
        updated_by=actor,
        **values,
    )
    _derive(entry)
    entry.full_clean(exclude=["source", "profile"])
    entry.save()
    changes.saved(kind.slug, [entry])
    _log(Action.ENTRY_CREATED, entry, actor, request)
    return entry


@transaction.atomic
def update_entry(
    entry: Entry,
    *,
    actor: User,
    request: HttpRequest | None,
    values: dict[str, Any],
    expected_version: int | None,
) -> list[str]:
    """Apply ``values``; returns the changed field names. Refuses a stale edit."""
    current = _locked(entry)
    if expected_version is not None and current.version != expected_version:
        raise StaleEdit(_changes_since(current, expected_version))
    before = snapshot(current)
    starts_before = getattr(current, "starts_at", None)
    taken_before = _taken_as_written(current)
    for name, value in values.items():
        setattr(current, name, value)
    edited_time = _taken_as_written(current) != taken_before
    if isinstance(current, Observation) and edited_time and "effective_offset" not in values:
        # A result's day or time edited: now on the editor's clock.
        current.effective_offset = None
        _derive(current)
    if getattr(current, "starts_at", None) != starts_before:
        _derive(current)
    _name_workout(current)
    current.full_clean(exclude=["source", "profile"])
    after = snapshot(current)
    changed = [name for name in after if after[name] != before[name]]
    if not changed:
        return []
    _keep_version(current, before, changed, EntryVersion.Change.UPDATE, actor)
    current.version += 1
    current.updated_by = actor
    current.save(update_fields=[*changed, "version", "updated_by", "updated_at"])
    changes.saved(KIND_OF_MODEL[type(current)].slug, [current])
    _log(Action.ENTRY_UPDATED, current, actor, request)
    _copy_into(entry, current)
    return changed


@transaction.atomic
def delete_entry(entry: Entry, *, actor: User, request: HttpRequest | None) -> None:
    """Move the entry to "recently deleted"; it can be restored for RESTORE_DAYS days."""
    current = _locked(entry)
    if current.deleted_at is not None:
        return
    _keep_version(current, snapshot(current), [], EntryVersion.Change.DELETE, actor)
    current.deleted_at = timezone.now()
    current.version += 1
    current.updated_by = actor
    current.save(update_fields=["deleted_at", "version", "updated_by", "updated_at"])
    changes.removed(current.profile_id, current.uuid)
    _log(Action.ENTRY_DELETED, current, actor, request)
    _copy_into(entry, current)


@transaction.atomic
def restore_entry(entry: Entry, *, actor: User, request: HttpRequest | None) -> None:
    current = _locked(entry)
    if current.deleted_at is None:
        return
    if current.deleted_at < timezone.now() - dt.timedelta(days=RESTORE_DAYS):
        raise ActionRefused(
            _("Deleted entries can be restored for %(days)d days; this one is older.")
            % {"days": RESTORE_DAYS}
        )
    _keep_version(current, snapshot(current), [], EntryVersion.Change.RESTORE, actor)
    current.deleted_at = None
    current.version += 1
    current.updated_by = actor
    current.save(update_fields=["deleted_at", "version", "updated_by", "updated_at"])
    changes.saved(KIND_OF_MODEL[type(current)].slug, [current])
    _log(Action.ENTRY_RESTORED, current, actor, request)
    _copy_into(entry, current)


def _copy_into(entry: Entry, current: Entry) -> None:
    # The caller's object reflects what was saved, without another query.
    entry.__dict__.update(
        {key: value for key, value in current.__dict__.items() if key != "_state"}
    )


def _derive(entry: Entry) -> None:
    # An appointment or a workout sits on the timeline on the day it starts, in
    # the time zone it was set in: saved unchanged from another zone, it stays put.
    if isinstance(entry, Appointment | Workout) and entry.starts_at:
        entry.date = timezone.localtime(entry.starts_at).date()
        entry.date_precision = "day"
    _name_workout(entry)
    # A time typed without a zone is on the typist's clock.
    if (
        isinstance(entry, Observation)
        and entry.effective_offset is None
        and entry.effective_time is not None
        and entry.date is not None
    ):
        entry.effective_offset = taken.offset_here(entry.date, entry.effective_time)


def _name_workout(entry: Entry) -> None:
    # A workout typed without a name is called what it was: "Running".
    if isinstance(entry, Workout) and not entry.display.strip():
        entry.display = str(entry.get_activity_display())


def _taken_as_written(entry: Entry) -> tuple[Any, ...] | None:
    if not isinstance(entry, Observation):
        return None
    return (entry.date, entry.date_precision, entry.effective_time)


def _keep_version(
    entry: Entry, data: dict[str, Any], changed: list[str], change: str, actor: User
) -> None:
    EntryVersion.objects.create(
        profile_id=entry.profile_id,
        kind=KIND_OF_MODEL[type(entry)].slug,
        entry_uuid=entry.uuid,
        version=entry.version,
        change=change,
        changed_fields=changed,
        data=data,
        changed_by=actor,
    )


def _changes_since(current: Entry, version: int) -> list[FieldChange]:
    """What differs between the entry now and the version the edit began from."""
    old = (
        EntryVersion.objects.filter(
            profile_id=current.profile_id, entry_uuid=current.uuid, version=version
        )
        .values_list("data", flat=True)
        .first()
    )
    if old is None:
        return []
    now = snapshot(current)
    changes = []
    for field in current._meta.concrete_fields:
        name = field.attname
        if name in now and now[name] != old.get(name):
            changes.append(
                FieldChange(
                    capfirst(str(field.verbose_name)), old.get(name) or "—", now[name] or "—"
                )
            )
    return changes


def _log(action: Action, entry: Entry, actor: User, request: HttpRequest | None) -> None:
    log_action(
        action,
        request=request,
        actor=actor,
        profile=entry.profile,
        object_type=KIND_OF_MODEL[type(entry)].slug,
        object_uuid=entry.uuid,
    )


# Readings a person takes at home and types in (records/views/readings.py).
# They are clinical observations, not device samples (docs/data-model.md):
# a person looked at each one, and each keeps its source and history.


@dataclass(frozen=True)
class HomeReading:
    field: str
    loinc: str
    name: str  # marked with N_, written in the profile's language
    unit: str


HOME_READINGS = (
    HomeReading("pulse", "8867-4", N_("Heart rate"), "/min"),
    HomeReading("weight", "29463-7", N_("Body weight"), "kg"),
    HomeReading("temperature", "8310-5", N_("Body temperature"), "Cel"),
    HomeReading("oxygen", "59408-5", N_("Oxygen saturation"), "%"),
)
GLUCOSE = HomeReading("glucose", "2339-0", N_("Glucose"), "")  # unit chosen by the person
BLOOD_PRESSURE = HomeReading("blood_pressure", "85354-9", N_("Blood pressure"), "mm[Hg]")
SYSTOLIC, DIASTOLIC = ("8480-6", N_("Systolic")), ("8462-4", N_("Diastolic"))


@transaction.atomic
def add_home_readings(
    profile: Profile,
    *,
    actor: User,
    request: HttpRequest | None,
    when: dt.datetime,
    values: dict[str, Any],
) -> list[Entry]:
    """Each filled value becomes a coded result, named in the profile's language."""
    local = timezone.localtime(when)
    common = {
        "category": "vital-signs",
        "date": local.date(),
        "effective_time": local.time().replace(microsecond=0),
    }
    made = []

    def add(reading: HomeReading, **fields: Any) -> None:
        display = _(reading.name)
        made.append(
            create_entry(
                KINDS["results"],
                profile,
                actor=actor,
                request=request,
                values={
                    **common,
                    "display": display,
                    "codings": [{"system": LOINC, "code": reading.loinc, "display": display}],
                    "code_system": LOINC,
                    "code": reading.loinc,
                    **fields,
                },
            )
        )

    with translation.override(profile.language):
        if values.get("systolic") is not None and values.get("diastolic") is not None:
            components = [
                {"code": code, "display": _(name), "value": values[part], "unit": "mm[Hg]"}
                for (code, name), part in ((SYSTOLIC, "systolic"), (DIASTOLIC, "diastolic"))
            ]
            add(BLOOD_PRESSURE, components=components)
        for reading in HOME_READINGS:
            if values.get(reading.field) is not None:
                add(
                    reading,
                    value_number=values[reading.field],
                    unit=reading.unit,
                    unit_text=reading.unit,
                )
        if values.get("glucose") is not None:
            unit = values.get("glucose_unit") or "mg/dL"
            add(GLUCOSE, value_number=values["glucose"], unit=unit, unit_text=unit)
    return made


@transaction.atomic
def order_devices(
    profile: Profile,
    metric: str,
    label: str,
    *,
    earlier: bool,
    actor: User,
    request: HttpRequest | None,
) -> None:
    """Move a device a place earlier or later in the order a metric's days are totalled by."""
    if not samples.move_device(profile, metric, label, earlier=earlier):
        raise ActionRefused(_("That device cannot move that way."))
    log_action(
        Action.DEVICES_ORDERED,
        request=request,
        actor=actor,
        profile=profile,
        object_type="readings",
    )


@transaction.atomic
def choose_measurements(
    profile: Profile, series: list[str], *, actor: User, request: HttpRequest | None
) -> None:
    """The series the Measurements page and the summary show; none: every one with values."""
    known = [choice for choice in MeasurementSeries.values if choice in series]
    if len(known) != len(set(series)):
        raise ActionRefused(_("Choose among the measurements listed."))
    # One writer at a time: two saves at once would each delete, then both insert.
    Profile.objects.select_for_update().filter(pk=profile.pk).first()
    ChosenMeasurement.objects.filter(profile_id=profile.pk).delete()
    ChosenMeasurement.objects.bulk_create(
        ChosenMeasurement(profile=profile, series=choice, position=position)
        for position, choice in enumerate(known)
    )
    log_action(
        Action.PROFILE_UPDATED,
        request=request,
        actor=actor,
        profile=profile,
        object_type="measurements",
    )
