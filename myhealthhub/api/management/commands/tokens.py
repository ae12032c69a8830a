"""`myhealthhub tokens create|list|revoke`: personal access tokens from the command line.

`create` prints the token, once, as the only line on standard output, so a
script can take it with `$(...)`; what it allows goes to standard error.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _

from myhealthhub.accounts.models import User
from myhealthhub.api import tokens
from myhealthhub.api.actions import create_token, revoke_token
from myhealthhub.api.models import AccessToken, Scope
from myhealthhub.api.views import state_of
from myhealthhub.errors import ActionRefused
from myhealthhub.lib.command_line import COMMAND_LINE_CHECKS

_DAYS = re.compile(r"^(\d{1,4})d?$")


def lifetime(text: str) -> dt.timedelta:
    """ "90d" or "90": days, from 1 to 366; CommandError for anything else."""
    found = _DAYS.match(text.strip())
    days = int(found.group(1)) if found else 0
    if not 1 <= days <= tokens.LONGEST_LIFETIME.days:
        raise CommandError(
            _('--expires takes a number of days from 1 to %(most)d, such as "90d".')
            % {"most": tokens.LONGEST_LIFETIME.days}
        )
    return dt.timedelta(days=days)


class Command(BaseCommand):
    help = _("Make, list and revoke an account's personal access tokens for the API.")
    requires_system_checks = COMMAND_LINE_CHECKS

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help=_("make a token and print it, once"))
        create.add_argument("--email", required=True, help=_("the account's e-mail address"))
        create.add_argument("--name", required=True, help=_("what will use it"))
        create.add_argument(
            "--scope",
            action="append",
            default=[],
            choices=Scope.values,
            help=_("what it may do (repeat for more)"),
        )
        create.add_argument(
            "--profile",
            action="append",
            default=[],
            help=_("a profile UUID it reaches (repeat for more)"),
        )
        create.add_argument(
            "--expires",
            default=f"{tokens.DEFAULT_LIFETIME.days}d",
            help=_('how long it works, in days: "90d" (default), at most "366d"'),
        )
        listing = sub.add_parser("list", help=_("list an account's tokens"))
        listing.add_argument("--email", required=True, help=_("the account's e-mail address"))
        revoke = sub.add_parser("revoke", help=_("revoke a token"))
        revoke.add_argument("--email", required=True, help=_("the account's e-mail address"))
        revoke.add_argument(
            "token", help=_("the token's ID or its first characters, as `tokens list` shows")
        )

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        getattr(self, f"handle_{action}")(**options)

    def handle_create(
        self,
        *,
        email: str,
        name: str,
        scope: list[str],
        profile: list[str],
        expires: str,
        **_options: Any,
    ) -> None:
        account = _account(email)
        ends = lifetime(expires)
        if not scope:
            raise CommandError(_("Choose what the token may do: --scope read, readings…"))
        profile_uuids = []
        for text in profile:
            try:
                profile_uuids.append(uuid.UUID(text))
            except ValueError:
                raise CommandError(_("%(text)s is not a profile UUID.") % {"text": text}) from None
        try:
            made = create_token(
                account,
                request=None,
                name=name,
                scopes=scope,
                profile_uuids=profile_uuids,
                lifetime=ends,
            )
        except ActionRefused as refusal:
            raise CommandError(refusal.message) from None
        self.stdout.write(made.secret)
        self.stderr.write(
            _(
                "Made the token “%(name)s” (%(id)s) for %(email)s: %(scopes)s, until %(expires)s. "
                "It is shown only this once."
            )
            % {
                "name": made.token.name,
                "id": made.token.uuid,
                "email": account.email,
                "scopes": ", ".join(made.token.scopes),
                "expires": made.token.expires_at.isoformat(timespec="minutes"),
            },
            style_func=None,
        )

    def handle_list(self, *, email: str, **_options: Any) -> None:
        account = _account(email)
        now = timezone.now()
        found = AccessToken.objects.filter(account=account).prefetch_related("profiles")
        for token in found:
            used = (
                f"{token.last_used_at.isoformat(timespec='minutes')} {token.last_used_from or '-'}"
                if token.last_used_at
                else "-"
            )
            profiles = ",".join(sorted(str(profile.uuid) for profile in token.profiles.all()))
            self.stdout.write(
                "  ".join(
                    (
                        str(token.uuid),
                        f"{token.prefix}…",
                        f"{state_of(token, now).value:<7}",
                        token.expires_at.isoformat(timespec="minutes"),
                        f"used {used}",
                        ",".join(token.scopes),
                        profiles or "-",
                        token.name,
                    )
                )
            )

    def handle_revoke(self, *, email: str, token: str, **_options: Any) -> None:
        account = _account(email)
        found = _token(account, token)
        revoke_token(found, actor=account, request=None)
        self.stdout.write(
            _("Revoked “%(name)s”: programs that use it are refused from now on.")
            % {"name": found.name}
        )


def _account(email: str) -> User:
    account = User.objects.filter(email=email.strip().lower()).first()
    if account is None:
        raise CommandError(_("No account with the e-mail address %(email)s.") % {"email": email})
    return account


def _token(account: User, text: str) -> AccessToken:
    """One of the account's tokens, by its ID or the first characters `tokens list` shows."""
    text = text.strip().rstrip("…")
    try:
        by_id: uuid.UUID | None = uuid.UUID(text)
    except ValueError:
        by_id = None
    own = AccessToken.objects.filter(account=account)
    if by_id is not None:
        found = list(own.filter(uuid=by_id))
    elif len(text) > len(tokens.PREFIX):
        found = list(own.filter(prefix__startswith=text)[:2])
    else:
        found = []
    if not found:
        raise CommandError(
            _("%(email)s has no token %(token)s.") % {"email": account.email, "token": text}
        )
    if len(found) > 1:
        raise CommandError(
            _("Several tokens begin with %(token)s: give its ID, as `tokens list` shows.")
            % {"token": text}
        )
    return found[0]
