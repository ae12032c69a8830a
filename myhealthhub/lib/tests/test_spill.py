"""Lists and shelves that keep what a large import reads on disk, not in memory."""

from __future__ import annotations

import datetime as dt

import pytest

from myhealthhub.lib.spill import NEWEST_KEPT, Shelf, SpillList


def test_a_list_past_its_size_gives_back_every_item_in_order():
    items = [
        {"n": number, "when": dt.date(2020, 1, 1) + dt.timedelta(days=number)}
        for number in range(2000)
    ]
    spilled = SpillList(items, in_memory=NEWEST_KEPT + 1)
    assert len(spilled) == 2000 and spilled
    assert list(spilled) == items
    assert list(spilled) == items  # read again, the same
    spilled.append({"n": 2000})
    assert [item["n"] for item in spilled][-3:] == [1998, 1999, 2000]


def test_items_written_out_are_copies_and_only_the_newest_can_be_changed():
    spilled = SpillList(({"n": number} for number in range(1000)), in_memory=NEWEST_KEPT + 1)
    newest = spilled.tail(len(spilled) - 1)
    assert newest == [{"n": 999}]
    newest[0]["changed"] = True
    assert spilled[-1] == {"n": 999, "changed": True}
    with pytest.raises(IndexError):
        spilled.tail(0)
    with pytest.raises(IndexError):
        spilled[0]
    first = next(iter(spilled))
    first["changed"] = True
    assert next(iter(spilled)) == {"n": 0}


def test_a_small_list_stays_in_memory():
    small = SpillList(range(10))
    assert small[0] == 0 and small[-1] == 9 and small[3:] == [3, 4, 5, 6, 7, 8, 9]
    assert list(small) == list(range(10))
    assert not SpillList()


def test_a_shelf_gives_back_what_was_put_on_it():
    shelf = Shelf(kept_at_hand=2)
    values = [
        {"resourceType": "Observation", "id": str(number), "value": number / 3}
        for number in range(5)
    ]
    places = [shelf.put(value) for value in values]
    assert [shelf.get(*place) for place in places] == values
    # The last read is the same object while it is at hand.
    assert shelf.get(*places[-1]) is shelf.get(*places[-1])
