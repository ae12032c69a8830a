"""Readings a device pushes, checked and written: one batch, one transaction, one audit event.

Each reading becomes a result as the "Enter home readings" page makes it
(records/actions.py ``add_home_readings``), and keeps the key its client gave
it as its source identifier (DESIGN.md principle 3), filed as an import files
its keys (imports.models.ImportedRecord) under a system of the token's
account: a batch sent again adds nothing twice.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.utils import translation
from django.utils.translation import gettext as _

from myhealthhub.accounts.models import User
from myhealthhub.audit.log import log_action
from myhealthhub.audit.models import Action
from myhealthhub.imports.models import ImportedRecord
from myhealthhub.imports.planning import key_hash
from myhealthhub.lib import bulk
from myhealthhub.profiles.models import Profile
from myhealthhub.records import changes
from myhealthhub.records.actions import DIASTOLIC, SYSTOLIC, HomeReading
from myhealthhub.records.kinds import LOINC
from myhealthhub.records.models import Observation, Source, SourceKind


@dataclass(frozen=True)
class Checked:
    key: str
    reading: HomeReading
    value: float | None
    components: tuple[int, int] | None
    unit: str
    at: dt.datetime
    label: str


def key_system(account: User) -> str:
    """The system a token account's keys are filed under: each account's keys are its own."""
    return f"urn:myhealthhub:api:{account.uuid}"


@transaction.atomic
def add_device_readings(
    profile: Profile,
    readings: list[Checked],
    *,
    actor: User,
    request: HttpRequest | None,
    default_label: str,
) -> dict[str, tuple[uuid.UUID, bool]]:
    """Add the readings whose keys are new; each key's result, and whether it is new."""
    # One batch of a profile at a time: two retries at once must not both add a key.
    Profile.objects.select_for_update().filter(pk=profile.pk).first()
    system = key_system(actor)
    hashes = {key_hash(reading.key): reading for reading in readings}
    known = dict(
        ImportedRecord.objects.filter(
            profile_id=profile.pk, system=system, key_hash__in=list(hashes)
        ).values_list("key_hash", "object_uuid")
    )
    found = {hashes[digest].key: (object_uuid, False) for digest, object_uuid in known.items()}
    new = [reading for digest, reading in hashes.items() if digest not in known]
    if not new:
        return found
    sources = _sources(profile, {reading.label or default_label for reading in new}, actor)
    with translation.override(profile.language):
        entries = [
            _result(profile, reading, sources[reading.label or default_label], actor, system)
            for reading in new
        ]
    bulk.insert(Observation, entries)
    changes.saved("results", entries)  # search indexes them; the overview forgets its copy
    bulk.insert(
        ImportedRecord,
        [
            {
                "profile_id": profile.pk,
                "key_hash": key_hash(reading.key),
                "key": reading.key,
                "system": system,
                "kind": "results",
                "object_uuid": entry.uuid,
                "content_hash": _content_hash(reading),
                "values": {},
                "job_id": None,
            }
            for reading, entry in zip(new, entries, strict=True)
        ],
    )
    log_action(
        Action.ENTRY_CREATED,
        request=request,
        actor=actor,
        profile=profile,
        object_type="readings",
    )
    found.update(
        {reading.key: (entry.uuid, True) for reading, entry in zip(new, entries, strict=True)}
    )
    return found


def _sources(profile: Profile, labels: set[str], actor: User) -> dict[str, Source]:
    """The device source of each label, made the first time a device sends."""
    sources: dict[str, Source] = {}
    for source in Source.objects.filter(
        profile_id=profile.pk, kind=SourceKind.DEVICE, label__in=labels
    ).order_by("id"):
        sources.setdefault(source.label, source)
    for label in labels - set(sources):
        sources[label] = Source.objects.create(
            profile=profile, kind=SourceKind.DEVICE, label=label, author=actor
        )
    return sources


def _result(
    profile: Profile, reading: Checked, source: Source, actor: User, system: str
) -> Observation:
    """A result as ``add_home_readings`` makes it, on the clock the reading was taken on."""
    display = _(reading.reading.name)
    offset = reading.at.utcoffset() or dt.timedelta()
    fields: dict[str, Any]
    if reading.components is not None:
        fields = {
            "components": [
                {"code": code, "display": _(name), "value": value, "unit": "mm[Hg]"}
                for (code, name), value in zip(
                    (SYSTOLIC, DIASTOLIC), reading.components, strict=True
                )
            ]
        }
    else:
        fields = {
            "value_number": reading.value,
            "unit": reading.reading.unit or reading.unit,
            "unit_text": reading.reading.unit or reading.unit,
        }
    return Observation(
        profile=profile,
        source=source,
        created_by=actor,
        updated_by=actor,
        category="vital-signs",
        date=reading.at.date(),
        effective_time=reading.at.time().replace(microsecond=0, tzinfo=None),
        effective_offset=round(offset.total_seconds() / 60),
        display=display,
        codings=[{"system": LOINC, "code": reading.reading.loinc, "display": display}],
        code_system=LOINC,
        code=reading.reading.loinc,
        source_identifiers=[{"system": system, "value": reading.key}],
        **fields,
    )


def _content_hash(reading: Checked) -> str:
    said = repr(
        (reading.reading.loinc, reading.value, reading.components, reading.unit, reading.at)
    )
    return hashlib.sha256(said.encode()).hexdigest()
