"""The bulk write path: what it writes reads back as the ORM wrote it, on both databases."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.db import IntegrityError, connection, transaction

from myhealthhub.conftest import World
from myhealthhub.lib import bulk
from myhealthhub.reconcile.models import Group, How, Member
from myhealthhub.records.models import Condition, Sample, Source, SourceKind
from myhealthhub.search.models import SearchItem

MOMENT = dt.datetime(2024, 3, 5, 7, 30, tzinfo=dt.UTC)


def source_of(world: World) -> Source:
    return Source.objects.create(profile=world.profile, kind=SourceKind.IMPORT, label="Bulk")


def test_inserted_entries_read_back_as_the_orm_writes_them(world: World):
    source = source_of(world)
    codings = [{"system": "http://snomed.info/sct", "code": "195967001", "display": "Asthma"}]
    made = Condition(
        profile=world.profile,
        source=source,
        display="Asthma «ñ»",
        codings=codings,
        resolved_date=dt.date(2001, 4, 1),
        source_identifiers=[{"system": "urn:x", "value": "7"}],
    )
    assert bulk.insert(Condition, [made]) == 1

    stored = Condition.objects.get(profile=world.profile, uuid=made.uuid)
    assert stored.display == "Asthma «ñ»"
    assert stored.codings == codings
    assert stored.resolved_date == dt.date(2001, 4, 1)
    assert stored.source_id == source.pk
    assert stored.source_identifiers == [{"system": "urn:x", "value": "7"}]
    # Stamped as saving stamps them.
    assert stored.created_at is not None and stored.updated_at is not None


def test_present_rows_are_left_as_they_are_and_the_rest_added(world: World):
    source = source_of(world)
    Sample.objects.create(
        profile=world.profile, source=source, metric="heart_rate", at=MOMENT, value=61
    )
    offered = [
        Sample(profile=world.profile, source=source, metric="heart_rate", at=MOMENT, value=99),
        Sample(
            profile=world.profile,
            source=source,
            metric="heart_rate",
            at=MOMENT + dt.timedelta(minutes=1),
            value=62,
        ),
    ]
    bulk.insert(Sample, offered, skip_present=True)
    stored = Sample.objects.filter(profile=world.profile, source=source).order_by("at")
    assert [(sample.at, sample.value) for sample in stored] == [
        (MOMENT, 61),
        (MOMENT + dt.timedelta(minutes=1), 62),
    ]


def test_an_upsert_replaces_only_the_columns_it_names(world: World):
    target = uuid.uuid4()
    first = SearchItem(
        profile=world.profile,
        target_kind="conditions",
        target_uuid=target,
        title="Asthma",
        body="first",
        title_words="asthma",
        words="asthma first",
    )
    bulk.upsert(SearchItem, [first], unique=["profile", "target_uuid"], update=["body", "words"])
    again = SearchItem(
        profile=world.profile,
        target_kind="conditions",
        target_uuid=target,
        title="Not this title",
        body="second",
        title_words="not",
        words="asthma second",
    )
    bulk.upsert(SearchItem, [again], unique=["profile", "target_uuid"], update=["body", "words"])
    stored = SearchItem.objects.get(profile=world.profile, target_uuid=target)
    assert (stored.title, stored.body, stored.words) == ("Asthma", "second", "asthma second")


def test_reserved_keys_are_never_ones_given_before(world: World):
    """Even the key of a row deleted since: an old link to it must not find a new row."""
    highest = Group.objects.create(profile=world.profile, kind="conditions", key="gone")
    gone = highest.pk
    highest.delete()
    groups = [
        Group(profile=world.profile, kind="conditions", key=f"key {number}") for number in range(3)
    ]
    keys = bulk.reserve_ids(Group, len(groups))
    assert len(set(keys)) == 3 and min(keys) > gone
    for group, key in zip(groups, keys, strict=True):
        group.pk = key
    bulk.insert_with_ids(Group, groups)
    member = Member(
        profile=world.profile,
        kind="conditions",
        entry_uuid=uuid.uuid4(),
        group_id=keys[1],
        how=How.ALONE,
    )
    bulk.insert(Member, [member])
    stored = Member.objects.get(profile=world.profile, entry_uuid=member.entry_uuid)
    assert stored.group.key == "key 1"
    # The ORM's next row takes a key after them.
    assert Group.objects.create(profile=world.profile, kind="conditions", key="next").pk > max(keys)


def test_kept_dates_are_written_as_given_and_only_missing_ones_stamped(world: World):
    when = dt.datetime(2019, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
    dated = Group(profile=world.profile, kind="conditions", key="dated", created_at=when)
    keys = bulk.reserve_ids(Group, 1)
    dated.pk = keys[0]
    bulk.insert_with_ids(Group, [dated], keep_dates=True)
    assert Group.objects.get(pk=keys[0]).created_at == when


def test_a_refused_row_raises_djangos_error_and_leaves_nothing(world: World):
    source = source_of(world)
    same = [
        Sample(profile=world.profile, source=source, metric="steps", at=MOMENT, value=1)
        for _ in range(2)
    ]
    with pytest.raises(IntegrityError), transaction.atomic():
        bulk.insert(Sample, same)
    assert not Sample.objects.filter(profile=world.profile, source=source).exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite keeps no statistics")
def test_a_large_write_leaves_its_table_analysed_after_the_commit(
    world: World, django_capture_on_commit_callbacks
):
    source = source_of(world)
    rows = bulk.ANALYZE_AFTER + 10
    with django_capture_on_commit_callbacks(execute=True):
        bulk.insert(
            Sample,
            (
                Sample(
                    profile=world.profile,
                    source=source,
                    metric="steps",
                    at=MOMENT + dt.timedelta(minutes=number),
                    value=number,
                )
                for number in range(rows)
            ),
        )
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE relname = %s", [Sample._meta.db_table])
        assert cursor.fetchone()[0] >= rows
