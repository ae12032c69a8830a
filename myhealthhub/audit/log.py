"""The one way to write an audit event; actions call it inside their transaction."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.http import HttpRequest

from myhealthhub.audit.models import Action, AuditEvent

if TYPE_CHECKING:
    from myhealthhub.accounts.models import User
    from myhealthhub.profiles.models import Profile

USER_AGENT_MAX = 300


def log_action(
    action: Action,
    *,
    request: HttpRequest | None,
    actor: User | None = None,
    actor_label: str = "",
    profile: Profile | None = None,
    object_type: str = "",
    object_uuid: uuid.UUID | None = None,
) -> AuditEvent:
    event = _event(action, request, actor, actor_label, profile, object_type, object_uuid)
    event.save()
    return event


def log_actions(
    action: Action,
    *,
    request: HttpRequest | None,
    actor: User | None = None,
    profile: Profile,
    object_type: str,
    object_uuids: Iterable[uuid.UUID],
) -> None:
    """One event per object, written together: an import that keeps many documents."""
    AuditEvent.objects.bulk_create(
        _event(action, request, actor, "", profile, object_type, object_uuid)
        for object_uuid in object_uuids
    )


def _event(
    action: Action,
    request: HttpRequest | None,
    actor: User | None,
    actor_label: str,
    profile: Profile | None,
    object_type: str,
    object_uuid: uuid.UUID | None,
) -> AuditEvent:
    if actor is None and request is not None and request.user.is_authenticated:
        actor = request.user
    return AuditEvent(
        action=action,
        actor=actor,
        actor_label=_single_line(actor_label or (actor.email if actor else ""))[:254],
        profile=profile,
        profile_uuid=profile.uuid if profile else None,
        object_type=object_type,
        object_uuid=object_uuid,
        ip_address=client_ip(request),
        user_agent=_single_line(request.headers.get("User-Agent", "") if request else "")[
            :USER_AGENT_MAX
        ],
    )


def client_ip(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    # django-axes has already resolved the address, proxies included.
    address = getattr(request, "axes_ip_address", None) or request.META.get("REMOTE_ADDR")
    return address or None


def _single_line(text: str) -> str:
    # A newline in a user agent or address must not forge a second log line
    # wherever these values are printed.
    return "".join(ch if ch.isprintable() else " " for ch in text)
