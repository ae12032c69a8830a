"""Changes to accounts: creating one, its language, units and time zone; each audited."""

from __future__ import annotations

from allauth.account.models import EmailAddress
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _

from myhealthhub.accounts.models import BodyUnits, UnitSystem, User
from myhealthhub.audit.log import log_action
from myhealthhub.audit.models import Action
from myhealthhub.errors import ActionRefused
from myhealthhub.lib.dates import validate_time_zone


@transaction.atomic
def create_account(email: str, password: str, *, language: str = "") -> User:
    """An account made by the administrator: its address counts as verified."""
    email = email.strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise ActionRefused(_("Enter a valid email address.")) from None
    if User.objects.filter(email=email).exists():
        raise ActionRefused(_("An account with this email address already exists."))
    user = User(email=email, language=language)
    try:
        validate_password(password, user)
    except ValidationError as error:
        raise ActionRefused(" ".join(error.messages)) from None
    user.set_password(password)
    user.save()
    EmailAddress.objects.create(user=user, email=email, primary=True, verified=True)
    log_action(Action.ACCOUNT_CREATED, request=None, actor=user)
    return user


# What the account page may change.
PREFERENCES = ("unit_system", "body_units", "time_zone")
CHOICES = {"unit_system": UnitSystem.values, "body_units": BodyUnits.values}


@transaction.atomic
def set_preferences(user: User, *, request: HttpRequest | None, **values: str) -> list[str]:
    """Units and time zone, as checked by the account page's form; the names changed.

    One audit event per kind of change: units, time zone. An unknown time zone
    is refused, not saved: it would be read as the server's without a word.
    """
    changed = [
        name
        for name, value in values.items()
        if name in PREFERENCES and getattr(user, name) != value
    ]
    for name in changed:
        if name in CHOICES and values[name] not in CHOICES[name]:
            raise ActionRefused(_("Choose one of the units offered."))
    if "time_zone" in changed:
        try:
            validate_time_zone(values["time_zone"])
        except ValidationError as error:
            raise ActionRefused(" ".join(error.messages)) from None
    if not changed:
        return []
    for name in changed:
        setattr(user, name, values[name])
    user.save(update_fields=changed)
    if "time_zone" in changed:
        log_action(Action.TIME_ZONE_CHANGED, request=request, actor=user)
    if {"unit_system", "body_units"} & set(changed):
        log_action(Action.UNITS_CHANGED, request=request, actor=user)
    return changed


def set_unit_system(user: User, unit_system: str, *, request: HttpRequest | None) -> None:
    set_preferences(user, request=request, unit_system=unit_system)


@transaction.atomic
def set_language(user: User, language: str, *, request: HttpRequest | None) -> None:
    if user.language == language:
        return
    user.language = language
    user.save(update_fields=["language"])
    log_action(Action.LANGUAGE_CHANGED, request=request, actor=user)
