"""A long list counts its rows only a few pages ahead, and every page still works."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from myhealthhub.conftest import World
from myhealthhub.lib import bulk
from myhealthhub.records.models import Observation, Source, SourceKind
from myhealthhub.records.paging import PAGES_AHEAD
from myhealthhub.records.views.entries import PAGE_SIZE

# Two pages more than the first page counts.
ROWS = (1 + PAGES_AHEAD + 2) * PAGE_SIZE


@pytest.fixture
def long_list(world: World) -> World:
    source = Source.objects.create(profile=world.profile, kind=SourceKind.DEVICE, label="Scale")
    start = dt.date(2000, 1, 1)
    bulk.insert(
        Observation,
        (
            Observation(
                profile=world.profile,
                source=source,
                display="Body weight",
                code="29463-7",
                value_number=70 + index % 5,
                unit_text="kg",
                date=start + dt.timedelta(days=index),
            )
            for index in range(ROWS - 1)
        ),
    )
    return world


def pager(world: World, page: str) -> str:
    response = world.client("viewer").get(
        reverse("records:list", args=[world.profile.uuid, "results"]),
        {"page": page},
        headers={"accept-language": "en"},
    )
    assert response.status_code == 200
    found = re.search(
        r'<nav aria-label="Pages" class="pager">.*?</nav>', response.content.decode(), re.S
    )
    assert found
    return found.group(0)


def test_the_first_page_says_there_are_more_pages_than_it_counted(long_list: World):
    nav = pager(long_list, "1")
    assert f"Page 1 of more than {1 + PAGES_AHEAD}" in nav
    assert "Next" in nav and "Previous" not in nav


def test_the_last_counted_page_still_leads_to_the_next(long_list: World):
    nav = pager(long_list, str(1 + PAGES_AHEAD))
    # Asked further along, the count reaches the end of the list.
    assert f"Page {1 + PAGES_AHEAD} of {ROWS // PAGE_SIZE}" in nav
    assert "Next" in nav


def test_the_last_page_has_no_next(long_list: World):
    nav = pager(long_list, str(ROWS // PAGE_SIZE))
    assert f"Page {ROWS // PAGE_SIZE} of {ROWS // PAGE_SIZE}" in nav
    assert "Next" not in nav


@pytest.mark.parametrize("asked", ["0", "-3", "two", ""])
def test_a_page_below_the_first_or_not_a_number_is_the_first(long_list: World, asked: str):
    assert "Page 1 of more than" in pager(long_list, asked)


def test_a_page_past_the_end_is_the_last(long_list: World):
    assert f"Page {ROWS // PAGE_SIZE} of {ROWS // PAGE_SIZE}" in pager(long_list, "99999999999")


def test_the_list_counts_no_further_than_it_needs(long_list: World):
    with CaptureQueriesContext(connection) as queries:
        pager(long_list, "1")
    counts = [q["sql"] for q in queries.captured_queries if "COUNT(" in q["sql"].upper()]
    assert counts and all(f"LIMIT {(1 + PAGES_AHEAD) * PAGE_SIZE + 1}" in sql for sql in counts)
