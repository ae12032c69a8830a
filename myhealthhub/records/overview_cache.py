"""The overview's record panels kept in the cache per profile, forgotten when the record changes.

What is kept depends on the profile's entries, on how their groups fold them
(names, sources, disagreements to verify), and on the clock only through the
upcoming appointments, read again once the first one listed has started
(overview.record). Entries and groups change in two ways only, and each
forgets the profile's copy:

- an entry written or removed, by an action, an import or a bulk insert:
  the records hooks (``changes.saved``, ``changes.removed``);
- anything else done to the profile by an action (a disagreement reviewed,
  groups split or linked, the profile edited): each action records an
  AuditEvent for the profile (DESIGN.md principle 2).

The copy is forgotten inside the writing transaction and again once it
commits, so a page drawn meanwhile from the old rows does not outlive the
change; a copy expires after ``KEPT_FOR`` at the latest anyway. A long
transaction (an import's commit, an archive's restore) forgets only as it
commits (``only_on_commit``): the cache is a table of the same database, and
deleting its row there would lock it until the commit, so every other writer
of the profile would wait for the whole import (and, on PostgreSQL, some
deadlock with it). It is keyed
by the profile's id and carries its UUID, so it can never be shown for
another profile that ends up with the same id.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TypeVar

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_save

from myhealthhub.audit.models import AuditEvent
from myhealthhub.profiles.models import Profile
from myhealthhub.records import changes
from myhealthhub.records.models import Entry

T = TypeVar("T")

# Bumped when what is kept changes shape, so that no older copy is read.
VERSION = 1
KEPT_FOR = 15 * 60


def _key(profile_id: int) -> str:
    return f"records.overview.{VERSION}.{profile_id}"


def kept_panels(profile: Profile, read: Callable[[Profile], T]) -> T:
    """The profile's kept copy, or ``read(profile)`` kept for the next request."""
    kept = cache.get(_key(profile.pk))
    if kept is not None and kept[0] == profile.uuid:
        return kept[1]
    return read_again(profile, read)


def read_again(profile: Profile, read: Callable[[Profile], T]) -> T:
    """``read(profile)``, kept in place of a copy the clock made stale."""
    value = read(profile)
    cache.set(_key(profile.pk), (profile.uuid, value), KEPT_FOR)
    return value


_only_on_commit: ContextVar[bool] = ContextVar("only_on_commit", default=False)


@contextmanager
def only_on_commit() -> Iterator[None]:
    """Within a long transaction: forget kept copies as it commits, and never lock them before."""
    token = _only_on_commit.set(True)
    try:
        yield
    finally:
        _only_on_commit.reset(token)


def forget(profile_ids: Iterable[int]) -> None:
    """Drop the kept copies of these profiles, now and once the transaction commits."""
    keys = [_key(profile_id) for profile_id in set(profile_ids)]
    if not keys:
        return
    if not _only_on_commit.get():
        cache.delete_many(keys)
    transaction.on_commit(lambda: cache.delete_many(keys), robust=True)


def entries_saved(_kind: str, entries: Iterable[Entry]) -> None:
    forget(entry.profile_id for entry in entries)


def entry_removed(profile_id: int, _entry_uuid: uuid.UUID) -> None:
    forget([profile_id])


def action_recorded(sender: type[AuditEvent], instance: AuditEvent, **kwargs: Any) -> None:
    if instance.profile_id is not None:
        forget([instance.profile_id])


def connect() -> None:
    """Listen to what changes the kept panels (from the records app's ready())."""
    changes.saved.add(entries_saved)
    changes.removed.add(entry_removed)
    post_save.connect(action_recorded, sender=AuditEvent, dispatch_uid="records.overview_cache")
