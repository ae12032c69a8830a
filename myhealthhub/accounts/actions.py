from __future__ import annotations

from allauth.account.models import EmailAddress
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _

from myhealthhub.accounts.models import User
from myhealthhub.audit.log import log_action
from myhealthhub.audit.models import Action
from myhealthhub.errors import ActionRefused


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


@transaction.atomic
def set_unit_system(user: User, unit_system: str, *, request: HttpRequest | None) -> None:
    if user.unit_system == unit_system:
        return
    user.unit_system = unit_system
    user.save(update_fields=["unit_system"])


@transaction.atomic
def set_language(user: User, language: str, *, request: HttpRequest | None) -> None:
    if user.language == language:
        return
    user.language = language
    user.save(update_fields=["language"])
    log_action(Action.LANGUAGE_CHANGED, request=request, actor=user)
