from __future__ import annotations

import uuid
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from myhealthhub.lib.command_line import COMMAND_LINE_CHECKS
from myhealthhub.profiles.models import Profile
from myhealthhub.search.index import reindex_profile


class Command(BaseCommand):
    help = _("Maintain the search index of entries and documents.")
    requires_system_checks = COMMAND_LINE_CHECKS

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        reindex = sub.add_parser(
            "reindex", help=_("rebuild the index of one profile, or of every profile")
        )
        reindex.add_argument("--profile", type=uuid.UUID, help=_("the profile's UUID"))

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        getattr(self, f"handle_{action}")(**options)

    def handle_reindex(self, *, profile: uuid.UUID | None, **_options: Any) -> None:
        profiles = Profile.objects.order_by("pk")
        if profile is not None:
            profiles = profiles.filter(uuid=profile)
            if not profiles.exists():
                raise CommandError(_("No profile %(uuid)s.") % {"uuid": profile})
        for one in profiles.iterator():
            count = reindex_profile(one)
            self.stdout.write(
                ngettext("%(uuid)s  %(count)d item", "%(uuid)s  %(count)d items", count)
                % {"uuid": one.uuid, "count": count}
            )
