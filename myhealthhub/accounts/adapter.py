"""How allauth signs people up and in, and keeps their second factors."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context
from allauth.mfa.adapter import DefaultMFAAdapter
from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.forms import BaseForm
from django.http import HttpRequest
from django.utils.translation import gettext as _

from myhealthhub.accounts import console_mail
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

    def send_mail(self, template_prefix: str, email: str, context: dict[str, Any]) -> None:
        # allauth names the site after the host the request came to
        # ("Hello from 127.0.0.1:8000!"); e-mails name it as people know it.
        site = EmailSite(name=settings.SITE_NAME, domain=settings.SITE_NAME)
        super().send_mail(template_prefix, email, {"current_site": site, **context})

    def render_mail(
        self,
        template_prefix: str,
        email: str | list[str],
        context: dict[str, Any],
        headers: dict[str, str] | None = None,
    ) -> EmailMessage:
        message = super().render_mail(template_prefix, email, context, headers)
        address = email if isinstance(email, str) else ", ".join(email)
        note = terminal_note(template_prefix, address, context)
        if note:
            # Without a mail server the e-mail is printed in the terminal; the
            # code in it gets a line of its own there, easy to find and copy.
            console_mail.add_terminal_note(message, note)
        return message

    def pre_authenticate(self, request: HttpRequest, **credentials: Any) -> None:
        # Failed passwords are counted by django-axes per (e-mail, address), so the
        # owner can still sign in from elsewhere. allauth's count here is per
        # e-mail from anywhere, which would let a stranger lock the owner out.
        return None


@dataclass(frozen=True)
class EmailSite:
    """What allauth's e-mail templates read as ``current_site``."""

    name: str
    domain: str


def terminal_note(template_prefix: str, email: str, context: dict[str, Any]) -> str:
    """The line that says what a person needs from this e-mail: its code or its link."""
    kind = template_prefix.rsplit("/", 1)[-1]
    code = str(context.get("code") or "")
    values = {"email": email, "code": code, "url": context.get("password_reset_url", "")}
    if code and kind == "email_confirmation_signup":
        return _("Sign-up code for %(email)s: %(code)s") % values
    if code and kind == "email_confirmation":
        return _("Confirmation code for %(email)s: %(code)s") % values
    if code and kind == "login_code":
        return _("Sign-in code for %(email)s: %(code)s") % values
    if code and kind == "password_reset_code":
        return _("Password reset code for %(email)s: %(code)s") % values
    if values["url"] and kind == "password_reset_key":
        return _("Password reset link for %(email)s: %(url)s") % values
    return ""


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
