"""Plans and quotas: the one answer to "may this account do X, and how much is left?".

Plans come from ``settings.PLANS``: each has ``limits`` (a number, or None for
unlimited) and ``features`` (names such as ``share_links`` or ``export.fhir``;
``"*"`` switches on every feature). Later features ask :func:`allowance`
before they act and never read the settings themselves.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.conf import settings

if TYPE_CHECKING:
    from myhealthhub.accounts.models import User

UsageCounter = Callable[["User"], int]
_usage_counters: dict[str, UsageCounter] = {}


def counts_usage(limit: str) -> Callable[[UsageCounter], UsageCounter]:
    """Register how an account's current use of ``limit`` is measured."""

    def register(counter: UsageCounter) -> UsageCounter:
        _usage_counters[limit] = counter
        return counter

    return register


@dataclass(frozen=True)
class Plan:
    key: str
    name: str
    limits: dict[str, int | None] = field(default_factory=dict)
    features: frozenset[str] = frozenset()

    def has_feature(self, feature: str) -> bool:
        return "*" in self.features or feature in self.features


@dataclass(frozen=True)
class Allowance:
    """The answer: allowed or not, and for a limit what is left (None: no limit).

    Callers phrase the refusal themselves ("your plan allows 2 profiles"),
    since only they know what the limit counts.
    """

    allowed: bool
    remaining: int | None = None
    limit: int | None = None


def plan_for(user: User) -> Plan:
    key = user.plan if user.plan in settings.PLANS else settings.DEFAULT_PLAN
    spec: dict[str, Any] = settings.PLANS[key]
    return Plan(
        key=key,
        name=spec.get("name", key),
        limits=dict(spec.get("limits", {})),
        features=frozenset(spec.get("features", [])),
    )


def allowance(user: User, what: str, amount: int = 1) -> Allowance:
    """Whether ``user`` may use ``amount`` more of a limit, or use a feature."""
    plan = plan_for(user)
    if what in _usage_counters:
        limit = plan.limits.get(what)
        if limit is None:
            return Allowance(allowed=True)
        remaining = max(limit - _usage_counters[what](user), 0)
        return Allowance(allowed=amount <= remaining, remaining=remaining, limit=limit)
    return Allowance(allowed=plan.has_feature(what))
