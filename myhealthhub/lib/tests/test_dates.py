from __future__ import annotations

import contextlib
import datetime as dt

import pytest
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from myhealthhub.lib.dates import PartialDate, Precision, age_on


@st.composite
def partial_dates(draw) -> PartialDate:
    day = draw(st.dates(min_value=dt.date(1, 1, 1)))
    precision = draw(st.sampled_from(list(Precision)))
    return PartialDate.from_stored(day, precision)


@given(partial_dates())
def test_iso_round_trip(value: PartialDate):
    assert PartialDate.parse(value.isoformat()) == value


@given(partial_dates())
def test_stored_round_trip(value: PartialDate):
    assert PartialDate.from_stored(value.earliest, value.precision) == value


@given(st.text())
def test_parse_refuses_anything_else_with_value_error(text: str):
    # Any other exception escaping parse() would fail this test.
    with contextlib.suppress(ValueError):
        PartialDate.parse(text)


@pytest.mark.parametrize("text", ["2015-02-30", "2015-13", "0000", "15", "2015/03", "2015-3-1x"])
def test_impossible_dates_are_refused(text):
    with pytest.raises(ValueError):
        PartialDate.parse(text)


def test_precision_and_sorting():
    year, month, day = PartialDate(2015), PartialDate(2015, 3), PartialDate(2015, 3, 14)
    assert [year.precision, month.precision, day.precision] == [
        Precision.YEAR,
        Precision.MONTH,
        Precision.DAY,
    ]
    assert sorted([day, year, month]) == [year, month, day]


def test_display_shows_only_what_is_known():
    with translation.override("en"):
        assert PartialDate(2015).localized() == "2015"
        assert PartialDate(2015, 3).localized() == "March 2015"
        assert PartialDate(2015, 3, 14).localized() == "March 14, 2015"
    with translation.override("es"):
        assert PartialDate(2015, 3).localized() == "marzo de 2015"
        assert PartialDate(2015, 3, 14).localized() == "14 de marzo de 2015"


@pytest.mark.parametrize(
    ("birth", "today", "age"),
    [
        (PartialDate(1980, 3, 14), dt.date(2026, 3, 13), 45),
        (PartialDate(1980, 3, 14), dt.date(2026, 3, 14), 46),
        (PartialDate(1980, 3), dt.date(2026, 4, 1), 46),
        (PartialDate(1980, 3), dt.date(2026, 3, 10), None),
        (PartialDate(1980), dt.date(2026, 3, 10), None),
    ],
)
def test_age_only_when_the_date_says_it(birth, today, age):
    assert age_on(birth, today) == age
