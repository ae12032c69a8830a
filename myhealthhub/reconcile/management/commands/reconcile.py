from __future__ import annotations

import json
import uuid
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from myhealthhub.lib.command_line import COMMAND_LINE_CHECKS
from myhealthhub.profiles.models import Profile
from myhealthhub.reconcile.grouping import rebuild
from myhealthhub.reconcile.groups import GroupView, groups_of
from myhealthhub.records.sources import source_label


class Command(BaseCommand):
    help = _(
        "Rebuild a profile's groups of entries that state the same thing, and list them "
        "with their sources and conflicts."
    )
    requires_system_checks = COMMAND_LINE_CHECKS

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--profile", type=uuid.UUID, required=True, help=_("the profile's UUID")
        )
        parser.add_argument(
            "--json", action="store_true", help=_("print the groups as JSON, one object")
        )

    def handle(self, *args: Any, profile: uuid.UUID, json: bool, **options: Any) -> None:
        found = Profile.objects.filter(uuid=profile).first()
        if found is None:
            raise CommandError(_("No profile %(uuid)s.") % {"uuid": profile})
        with transaction.atomic():
            count = rebuild(found)
        views = groups_of(found)
        if json:
            self.stdout.write(as_json(views))
            return
        self.stdout.write(ngettext("%(count)d group", "%(count)d groups", count) % {"count": count})
        for view in views:
            if view.open_conflicts:
                fields = ", ".join(conflict.label for conflict in view.open_conflicts)
                self.stdout.write(f"  {view.kind}: {view.label} ({fields})")


def as_json(views: list[GroupView]) -> str:
    """The groups as `reconcile --json` prints them (issue 17)."""
    return json.dumps(
        {
            "groups": [
                {
                    "kind": view.kind,
                    "label": view.label,
                    "codes": view.codes,
                    "entries": [str(entry.uuid) for entry in view.entries],
                    "sources": [source_label(source, None) for source in view.sources],
                    "conflicts": [
                        {
                            "field": conflict.field,
                            "values": [
                                {
                                    "value": said.key,
                                    "sources": sorted(
                                        {source_label(e.source, None) for e in said.entries}
                                    ),
                                }
                                for said in conflict.values
                            ],
                            "state": conflict.state,
                        }
                        for conflict in view.conflicts
                    ],
                }
                for view in views
            ]
        },
        ensure_ascii=False,
        indent=2,
    )
