"""Entries older than groups are grouped on the first migrate that brings them.

An instance that ran before reconcile existed has entries in no group; so
does one restored from a database copy. After a migrate that changed
anything, each profile's ungrouped entries are placed, as an import would
place them, in the same run that made the tables.
"""

from __future__ import annotations

from typing import Any

from django.db import connections, transaction
from django.db.migrations.executor import MigrationExecutor

from myhealthhub.profiles.models import Profile
from myhealthhub.reconcile.grouping import place_missing


def group_what_predates_groups(using: str, plan: list[Any] | None = None, **_: Any) -> None:
    if not plan:
        return  # nothing was migrated: nothing can be older than its groups
    executor = MigrationExecutor(connections[using])
    if executor.migration_plan(executor.loader.graph.leaf_nodes()):
        return  # migrated to an older state: the tables are not the code's
    for profile in Profile.objects.using(using).order_by("pk").iterator():
        with transaction.atomic(using=using):
            place_missing(profile)
