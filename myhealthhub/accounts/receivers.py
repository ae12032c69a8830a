"""Audit sign-ins: Django's auth signals are the one hook every sign-in path passes."""

from __future__ import annotations

import time
from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest

from myhealthhub.accounts.lockout import username_from_attempt
from myhealthhub.accounts.middleware import SESSION_LAST_SEEN, SESSION_STARTED
from myhealthhub.accounts.models import User
from myhealthhub.audit.log import log_action
from myhealthhub.audit.models import Action


@receiver(user_logged_in)
def on_sign_in(sender: Any, request: HttpRequest | None, user: User, **kwargs: Any) -> None:
    if request is not None and hasattr(request, "session"):
        request.session[SESSION_STARTED] = request.session[SESSION_LAST_SEEN] = time.time()
    log_action(Action.SIGN_IN, request=request, actor=user)


@receiver(user_login_failed)
def on_failed_sign_in(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    if request is None:
        return
    attempted = username_from_attempt(request, credentials)
    actor = User.objects.filter(email=attempted).first() if attempted else None
    log_action(Action.SIGN_IN_FAILED, request=request, actor=actor, actor_label=attempted)


@receiver(user_logged_out)
def on_sign_out(sender: Any, request: HttpRequest | None, user: User | None, **kwargs: Any) -> None:
    if user is not None:
        log_action(Action.SIGN_OUT, request=request, actor=user)
