"""How allauth signs people up and in, and keeps their second factors."""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context
from allauth.mfa.adapter import DefaultMFAAdapter
from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.forms import BaseForm
from django.http import HttpRequest

from myhealthhub.accounts.models import User
from myhealthhub.lib.dates import validate_time_zone

# The sign-up form's hidden input, filled by static/myhealthhub/time-zone.js.
TIME_ZONE_FIELD = "time_zone"


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return bool(settings.SIGNUP_OPEN)

    def save_user(
        self, request: HttpRequest, user: AbstractBaseUser, form: BaseForm, commit: bool = True
    ) -> AbstractBaseUser:
        """The new account, in the time zone the browser reported at sign-up.

        A missing or unknown zone (no JavaScript, an odd browser) leaves the
        site's: the account page offers the browser's zone again later.
        """
        user = super().save_user(request, user, form, commit=False)
        zone = request.POST.get(TIME_ZONE_FIELD, "").strip()
        try:
            validate_time_zone(zone)
        except ValidationError:
            zone = ""
        if isinstance(user, User):
            user.time_zone = zone
        if commit:
            user.save()
        return user

    def send_account_already_exists_mail(self, email: str) -> None:
        """Tell the owner of a known address that someone tried to sign up with it.

        Signing up with a new address hashes its password (argon2: a few
        hundred milliseconds) before its code is sent; a known one would only
        send this notice, and the answer's speed would tell which addresses
        have an account. So the password typed is hashed here too, the same
        way, and thrown away.
        """
        hash_signup_password_as_a_new_account_would(context.request, email)
        super().send_account_already_exists_mail(email)

    def pre_authenticate(self, request: HttpRequest, **credentials: Any) -> None:
        # Failed passwords are counted by django-axes per (e-mail, address), so the
        # owner can still sign in from elsewhere. allauth's count here is per
        # e-mail from anywhere, which would let a stranger lock the owner out.
        return None


def hash_signup_password_as_a_new_account_would(request: HttpRequest, email: str) -> None:
    # allauth also sends this notice when an address is changed on the code
    # page, where no password is typed and none is hashed for a new address.
    password = request.POST.get("password1", "")  # allauth's sign-up form's name for it
    if password:
        User(email=email).set_password(password)


class MFAAdapter(DefaultMFAAdapter):
    """TOTP keys and recovery-code seeds are stored sealed by the master key."""

    def encrypt(self, text: str) -> str:
        from myhealthhub.accounts import secrets

        return secrets.seal(text)

    def decrypt(self, encrypted_text: str) -> str:
        from myhealthhub.accounts import secrets

        return secrets.open_sealed(encrypted_text)
