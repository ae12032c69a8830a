"""An instance older than groups: its entries are grouped on the migrate that brings them."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from myhealthhub.conftest import make_account
from myhealthhub.profiles.actions import create_profile
from myhealthhub.reconcile.models import Group, Member
from myhealthhub.records.actions import create_entry
from myhealthhub.records.kinds import KINDS
from myhealthhub.records.models import Source, SourceKind


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_database_older_than_groups_is_grouped_by_the_next_migrate():
    owner = make_account("keeper@example.org")
    profile = create_profile(owner, request=None, given_name="Ana")
    pharmacy = Source.objects.create(profile=profile, kind=SourceKind.IMPORT, facility="Pharmacy")
    for source, frequency in ((None, "twice a day"), (pharmacy, "once a day")):
        create_entry(
            KINDS["medications"],
            profile,
            actor=owner,
            request=None,
            values={"display": "Metformin 500 mg", "frequency": frequency},
            source=source,
        )
    # As the database was before reconcile's tables: every entry in place, no group.
    MigrationExecutor(connection).migrate([("reconcile", None)])

    call_command("migrate", verbosity=0)

    (group,) = Group.objects.filter(profile=profile)
    assert Member.objects.filter(group=group).count() == 2
    assert group.sources == 2 and group.open_fields == ["frequency"]
