"""Which reminders an account wants, in the app and by e-mail: every kind unless turned off."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from myhealthhub.reminders.models import Choice, Kind


@dataclass(frozen=True)
class Wants:
    in_app: bool = True
    by_email: bool = True

    @property
    def any(self) -> bool:
        return self.in_app or self.by_email


EVERYTHING = Wants()


@dataclass(frozen=True)
class Choices:
    """The choices of some accounts, by (account id, kind)."""

    made: dict[tuple[int, str], Wants] = field(default_factory=dict)

    def of(self, account_id: int, kind: str) -> Wants:
        return self.made.get((account_id, kind), EVERYTHING)


def choices_of(account_ids: Iterable[int]) -> Choices:
    rows = Choice.objects.filter(account_id__in=set(account_ids))
    return Choices({(row.account_id, row.kind): Wants(row.in_app, row.by_email) for row in rows})


def account_choices(account_id: int) -> dict[Kind, Wants]:
    """One account's choice for every kind, in the order the settings page lists them."""
    made = choices_of([account_id])
    return {kind: made.of(account_id, kind) for kind in Kind}
