"""A workout's distance, time and energy, and a day's rings, as the formatter writes them."""

from __future__ import annotations

import pytest
from django.utils import translation

from myhealthhub.lib import formatting
from myhealthhub.lib.formatting import Preferences

METRIC = Preferences(body=formatting.METRIC)
US = Preferences(body=formatting.US)


@pytest.mark.parametrize(
    ("metres", "account", "language", "text"),
    [
        (5200.0, METRIC, "en", "5.20 km"),
        (5200.0, METRIC, "es", "5,20 km"),
        (5200.0, US, "en", "3.23 mi"),
        (800.12, METRIC, "en", "800 m"),
        (800.12, US, "en", "0.50 mi"),
        (42_195.0, None, "en", "42.20 km"),
        (None, METRIC, "en", ""),
    ],
)
def test_a_distance_reads_in_kilometres_or_miles(metres, account, language, text):
    with translation.override(language):
        assert formatting.distance(metres, account=account) == text


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (45, "45 s"),
        (1930, "32 min 10 s"),
        (1920, "32 min"),
        (3900, "1 h 05 min"),
        (7199.6, "2 h 00 min"),
        (None, ""),
    ],
)
def test_a_duration_reads_to_the_second_under_an_hour(seconds, text):
    assert formatting.duration(seconds) == text


def test_energy_and_goals_read_in_whole_numbers():
    with translation.override("es"):
        assert formatting.energy(1412.4) == "1412 kcal"
    assert formatting.energy(48.745) == "49 kcal"
    assert formatting.against_goal(590.252, 630, "kcal") == "590 / 630 kcal"
    assert formatting.against_goal(39, 30, "min") == "39 / 30 min"
    assert formatting.against_goal(9, None, "h") == "9 h"
    assert formatting.against_goal(None, 12, "h") == ""
