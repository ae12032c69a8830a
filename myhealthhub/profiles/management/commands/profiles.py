from __future__ import annotations

import json
import uuid
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from myhealthhub.accounts.models import User
from myhealthhub.errors import ActionRefused
from myhealthhub.lib.command_line import COMMAND_LINE_CHECKS
from myhealthhub.lib.dates import PartialDate
from myhealthhub.profiles import actions
from myhealthhub.profiles.counts import entry_counts
from myhealthhub.profiles.models import Grant, Profile, Sex


class Command(BaseCommand):
    help = _("Create, list and show profiles.")
    requires_system_checks = COMMAND_LINE_CHECKS

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help=_("create a profile and print its UUID"))
        create.add_argument("--owner", required=True, help=_("the owner account's e-mail address"))
        create.add_argument(
            "--name", required=True, help=_('given and family name, e.g. "Ana García"')
        )
        create.add_argument("--birth-date", help=_("YYYY, YYYY-MM or YYYY-MM-DD"))
        create.add_argument("--sex", choices=list(Sex.values), default=Sex.UNKNOWN)
        create.add_argument("--language", default="en")
        listing = sub.add_parser("list", help=_("list the profiles an account can open"))
        listing.add_argument("--owner", required=True, help=_("the account's e-mail address"))
        show = sub.add_parser("show", help=_("show one profile"))
        show.add_argument("uuid", type=uuid.UUID)
        show.add_argument("--json", action="store_true", dest="as_json")

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        getattr(self, f"handle_{action}")(**options)

    def handle_create(
        self,
        *,
        owner: str,
        name: str,
        birth_date: str | None,
        sex: str,
        language: str,
        **_options: Any,
    ) -> None:
        account = _account(owner)
        given, _space, family = name.strip().partition(" ")
        try:
            birth = PartialDate.parse(birth_date) if birth_date else None
        except ValueError:
            raise CommandError(
                _("--birth-date %(value)s is not YYYY, YYYY-MM or YYYY-MM-DD")
                % {"value": repr(birth_date)}
            ) from None
        try:
            profile = actions.create_profile(
                account,
                request=None,
                given_name=given,
                family_name=family.strip(),
                birth_date=birth.earliest if birth else None,
                birth_date_precision=birth.precision.value if birth else "day",
                sex=sex,
                language=language,
            )
        except ActionRefused as refusal:
            raise CommandError(refusal.message) from None
        self.stdout.write(str(profile.uuid))

    def handle_list(self, *, owner: str, **_options: Any) -> None:
        grants = Grant.objects.in_force().filter(account=_account(owner)).select_related("profile")
        for grant in grants.order_by("profile__given_name"):
            self.stdout.write(f"{grant.profile.uuid}  {grant.role:<6}  {grant.profile.name}")

    def handle_show(self, *, uuid: uuid.UUID, as_json: bool, **_options: Any) -> None:
        profile = Profile.objects.filter(uuid=uuid).first()
        if profile is None:
            raise CommandError(_("No profile %(uuid)s.") % {"uuid": uuid})
        birth = profile.birth
        data = {
            "uuid": str(profile.uuid),
            "name": profile.name,
            "given_name": profile.given_name,
            "family_name": profile.family_name,
            "birth_date": birth.isoformat() if birth else None,
            "sex": profile.sex,
            "language": profile.language,
            "owners": sorted(
                Grant.objects.in_force()
                .filter(profile=profile, role="owner")
                .values_list("account__email", flat=True)
            ),
            "counts": entry_counts(profile),
        }
        if as_json:
            self.stdout.write(json.dumps(data, indent=2, ensure_ascii=False))
        else:
            for key, value in data.items():
                self.stdout.write(f"{key}: {value}")


def _account(email: str) -> User:
    account = User.objects.filter(email=email.strip().lower()).first()
    if account is None:
        raise CommandError(_("No account with the e-mail address %(email)s.") % {"email": email})
    return account
