"""What a profile holds, counted per kind, for `myhealthhub profiles show`.

Each app that keeps entries in a profile registers a counter here, so the
CLI (and later the overview and the export manifest) need not know them all.
"""

from __future__ import annotations

from collections.abc import Callable

from myhealthhub.profiles.models import Profile

Counter = Callable[[Profile], int]
_counters: dict[str, Counter] = {}


def counts_entries(kind: str) -> Callable[[Counter], Counter]:
    def register(counter: Counter) -> Counter:
        _counters[kind] = counter
        return counter

    return register


def entry_counts(profile: Profile) -> dict[str, int]:
    return {kind: counter(profile) for kind, counter in sorted(_counters.items())}


@counts_entries("emergency_contacts")
def _contacts(profile: Profile) -> int:
    return profile.contacts.count()
