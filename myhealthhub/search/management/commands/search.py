from __future__ import annotations

import uuid
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from myhealthhub.profiles.models import Profile
from myhealthhub.search.index import reindex_profile


class Command(BaseCommand):
    help = "Maintain the search index of entries and documents."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        reindex = sub.add_parser(
            "reindex", help="rebuild the index of one profile, or of every profile"
        )
        reindex.add_argument("--profile", type=uuid.UUID, help="the profile's UUID")

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        getattr(self, f"handle_{action}")(**options)

    def handle_reindex(self, *, profile: uuid.UUID | None, **_: Any) -> None:
        profiles = Profile.objects.order_by("pk")
        if profile is not None:
            profiles = profiles.filter(uuid=profile)
            if not profiles.exists():
                raise CommandError(f"No profile {profile}.")
        for one in profiles.iterator():
            count = reindex_profile(one)
            self.stdout.write(f"{one.uuid}  {count} items")
