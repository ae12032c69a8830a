"""Every change to a profile, its contacts and its grants (DESIGN.md principle 2).

Each function makes one change in one transaction and records an AuditEvent.
Callers have already passed the access gate; the actions re-check only the
rules about the change itself (quotas, the last owner).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from myhealthhub.accounts.models import User
from myhealthhub.accounts.plans import allowance
from myhealthhub.audit.log import log_action
from myhealthhub.audit.models import Action
from myhealthhub.errors import ActionRefused, StaleEdit
from myhealthhub.profiles.models import EmergencyContact, Grant, Profile, Role

PROFILE_FIELDS = (
    "given_name",
    "family_name",
    "birth_date",
    "birth_date_precision",
    "sex",
    "language",
    "time_zone",
    "deceased_date",
    "deceased_date_precision",
)
CONTACT_FIELDS = ("name", "relationship", "phone", "email", "notes")


@transaction.atomic
def create_profile(owner: User, *, request: HttpRequest | None, **values: Any) -> Profile:
    quota = allowance(owner, "profiles")
    if not quota.allowed:
        raise ActionRefused(
            ngettext(
                "Your plan allows %(limit)d profile.",
                "Your plan allows %(limit)d profiles.",
                quota.limit or 0,
            )
            % {"limit": quota.limit}
        )
    profile = Profile(**_only(values, PROFILE_FIELDS))
    profile.full_clean()
    profile.save()
    Grant.objects.create(profile=profile, account=owner, role=Role.OWNER, granted_by=owner)
    log_action(
        Action.PROFILE_CREATED,
        request=request,
        actor=owner,
        profile=profile,
        object_type="profile",
        object_uuid=profile.uuid,
    )
    return profile


@transaction.atomic
def update_profile(
    profile: Profile,
    *,
    actor: User | None,
    request: HttpRequest | None,
    expected_version: int | None = None,
    **values: Any,
) -> list[str]:
    """Apply ``values``; returns the names of the fields that changed.

    ``expected_version`` is the version the person started editing from: if
    someone saved the profile since, nothing is saved (StaleEdit).
    """
    changed = _save_versioned(
        profile,
        _only(values, PROFILE_FIELDS),
        expected_version=expected_version,
        stale=_(
            "Someone else saved this profile while you were editing it, so your changes "
            "were not saved. Check what they changed, then make your changes again."
        ),
    )
    if not changed:
        return []
    log_action(
        Action.PROFILE_UPDATED,
        request=request,
        actor=actor,
        profile=profile,
        object_type="profile",
        object_uuid=profile.uuid,
    )
    return changed


# Apps that keep a profile's data outside the database (sealed files in the
# storage backend) register here how to let go of it when the profile goes.
ProfileCleanup = Callable[[Profile], None]
_cleanups: list[ProfileCleanup] = []


def on_profile_delete(cleanup: ProfileCleanup) -> ProfileCleanup:
    _cleanups.append(cleanup)
    return cleanup


@transaction.atomic
def delete_profile(profile: Profile, *, actor: User, request: HttpRequest | None) -> None:
    for cleanup in _cleanups:
        cleanup(profile)
    log_action(
        Action.PROFILE_DELETED,
        request=request,
        actor=actor,
        profile=profile,
        object_type="profile",
        object_uuid=profile.uuid,
    )
    profile.delete()


@transaction.atomic
def add_contact(
    profile: Profile, *, actor: User, request: HttpRequest | None, **values: Any
) -> EmergencyContact:
    contact = EmergencyContact(profile=profile, **_only(values, CONTACT_FIELDS))
    contact.full_clean()
    contact.save()
    _log_contact(Action.CONTACT_ADDED, contact, actor, request)
    return contact


@transaction.atomic
def update_contact(
    contact: EmergencyContact,
    *,
    actor: User,
    request: HttpRequest | None,
    expected_version: int | None = None,
    **values: Any,
) -> None:
    """Apply ``values``; refused (StaleEdit) if someone saved the contact since
    ``expected_version``, the version the person started editing from."""
    changed = _save_versioned(
        contact,
        _only(values, CONTACT_FIELDS),
        expected_version=expected_version,
        stale=_(
            "Someone else saved this contact while you were editing it, so your changes "
            "were not saved. Check what they changed, then make your changes again."
        ),
    )
    if not changed:
        return
    _log_contact(Action.CONTACT_UPDATED, contact, actor, request)


@transaction.atomic
def remove_contact(contact: EmergencyContact, *, actor: User, request: HttpRequest | None) -> None:
    _log_contact(Action.CONTACT_REMOVED, contact, actor, request)
    contact.delete()


@transaction.atomic
def grant_access(
    profile: Profile,
    account: User,
    role: Role,
    *,
    actor: User,
    request: HttpRequest | None,
    consent_note: str = "",
    expires_at: dt.datetime | None = None,
) -> Grant:
    if Grant.objects.in_force().filter(profile=profile, account=account).exists():
        raise ActionRefused(
            _("%(email)s already has access to this profile.") % {"email": account.email}
        )
    # A grant that expired but was never revoked still holds the unique slot.
    Grant.objects.filter(profile=profile, account=account, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    grant = Grant.objects.create(
        profile=profile,
        account=account,
        role=role,
        granted_by=actor,
        consent_note=consent_note,
        expires_at=expires_at,
    )
    _log_grant(Action.GRANT_CREATED, grant, actor, request)
    return grant


@transaction.atomic
def change_role(grant: Grant, role: Role, *, actor: User, request: HttpRequest | None) -> None:
    if grant.role == role:
        return
    if grant.role == Role.OWNER:
        _keep_an_owner(grant)
    grant.role = role
    grant.save(update_fields=["role"])
    _log_grant(Action.GRANT_UPDATED, grant, actor, request)


@transaction.atomic
def revoke_grant(grant: Grant, *, actor: User, request: HttpRequest | None) -> None:
    if grant.revoked_at is not None:
        return
    if grant.role == Role.OWNER:
        _keep_an_owner(grant)
    grant.revoked_at = timezone.now()
    grant.save(update_fields=["revoked_at"])
    _log_grant(Action.GRANT_REVOKED, grant, actor, request)


def _keep_an_owner(grant: Grant) -> None:
    # Lock the profile's grants so two owners cannot remove each other at once.
    owners = list(
        Grant.objects.in_force()
        .select_for_update()
        .filter(profile_id=grant.profile_id, role=Role.OWNER)
        .values_list("pk", flat=True)
    )
    if owners == [grant.pk]:
        raise ActionRefused(_("A profile needs at least one owner."))


def _save_versioned(
    edited: Profile | EmergencyContact,
    values: dict[str, Any],
    *,
    expected_version: int | None,
    stale: str,
) -> list[str]:
    """Save the fields of ``values`` that differ; returns their names.

    The row is locked and its version compared with ``expected_version``, the
    version the person started editing from: if someone saved since, nothing is
    saved and StaleEdit carries ``stale``.
    """
    current = type(edited).objects.select_for_update().get(pk=edited.pk)
    if expected_version is not None and current.version != expected_version:
        raise StaleEdit(stale)
    changed = [name for name, value in values.items() if getattr(current, name) != value]
    if not changed:
        return []
    for name in changed:
        setattr(current, name, values[name])
        setattr(edited, name, values[name])
    current.full_clean()
    current.version += 1
    edited.version = current.version
    # auto_now fields are written only when named.
    timestamps = ["updated_at"] if hasattr(current, "updated_at") else []
    current.save(update_fields=[*changed, "version", *timestamps])
    return changed


def _only(values: dict[str, Any], allowed: tuple[str, ...]) -> dict[str, Any]:
    unknown = set(values) - set(allowed)
    if unknown:
        raise TypeError(f"unexpected fields: {sorted(unknown)}")
    return values


def _log_contact(
    action: Action, contact: EmergencyContact, actor: User, request: HttpRequest | None
) -> None:
    log_action(
        action,
        request=request,
        actor=actor,
        profile=contact.profile,
        object_type="emergency_contact",
        object_uuid=contact.uuid,
    )


def _log_grant(action: Action, grant: Grant, actor: User, request: HttpRequest | None) -> None:
    log_action(
        action,
        request=request,
        actor=actor,
        profile=grant.profile,
        object_type="grant",
        object_uuid=grant.uuid,
    )
