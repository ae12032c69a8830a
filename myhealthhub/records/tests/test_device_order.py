"""A day's steps from a watch and a phone: each hour counted once, from the device that goes
first; the readings page shows each device's own total, and the person can reorder them."""

from __future__ import annotations

import datetime as dt
import html
import re

from django.urls import reverse
from django.utils import timezone

from myhealthhub.audit.models import Action, AuditEvent
from myhealthhub.conftest import World
from myhealthhub.records.models import DailySummary, Sample, Source, SourceKind
from myhealthhub.records.samples import add_measured

DAY = dt.date(2025, 3, 4)


def at(hour: int) -> dt.datetime:
    return dt.datetime(2025, 3, 4, hour, 5, tzinfo=timezone.get_current_timezone())


def steps_of_a_watch_and_a_phone(world: World) -> None:
    # Only these: the world's own steps of today would be the page's last day.
    Sample.objects.filter(profile=world.profile, metric="steps").delete()
    DailySummary.objects.filter(profile=world.profile, metric="steps").delete()

    def device(label: str, model: str) -> Source:
        return Source.objects.create(
            profile=world.profile, kind=SourceKind.DEVICE, label=label, facility=model
        )

    watch = device("Ana's Apple Watch", "Apple Watch")
    phone = device("Ana's iPhone", "iPhone")
    add_measured(
        world.profile,
        [
            (watch, "steps", at(9), 1000.0),
            (watch, "steps", at(10), 1000.0),
            (phone, "steps", at(9), 900.0),
            (phone, "steps", at(10), 950.0),
            # The watch was charging: the phone's hour counts.
            (phone, "steps", at(11), 400.0),
        ],
    )


def day_total(world: World) -> float:
    return DailySummary.objects.get(profile=world.profile, metric="steps", day=DAY).total


def device_rows(page: str) -> list[list[str]]:
    """The cells of each row of the steps' table of devices, as text."""
    table = page.split('id="devices-steps"', 1)[1].split("</table>", 1)[0]
    rows = re.findall(r"<tr>(.*?)</tr>", table, re.DOTALL)[1:]
    return [
        [
            html.unescape(re.sub(r"<[^>]+>|\s+", " ", cell)).strip()
            for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.DOTALL)
        ]
        for row in rows
    ]


def test_the_watch_counts_first_and_the_page_shows_each_device_s_total(world: World):
    steps_of_a_watch_and_a_phone(world)
    assert day_total(world) == 2400.0
    url = reverse("records:readings", args=[world.profile.uuid])
    page = world.client("viewer").get(url).content.decode()
    rows = device_rows(page)
    assert [row[:3] for row in rows] == [
        ["Ana's Apple Watch (Apple Watch)", "2000", "2000"],
        ["Ana's iPhone (iPhone)", "2250", "400"],
    ]
    # A viewer sees the order; only who may edit the record can change it.
    assert "Count earlier" not in page


def test_the_person_puts_the_phone_first_and_every_day_is_totalled_again(world: World):
    steps_of_a_watch_and_a_phone(world)
    url = reverse("records:move_device", args=[world.profile.uuid, "steps"])
    moved = world.client("editor").post(url, {"label": "Ana's iPhone", "direction": "earlier"})
    assert moved.status_code == 302
    assert day_total(world) == 900.0 + 950.0 + 400.0
    page = world.client("editor").get(moved["Location"]).content.decode()
    assert [row[:3] for row in device_rows(page)] == [
        ["Ana's iPhone (iPhone)", "2250", "2250"],
        ["Ana's Apple Watch (Apple Watch)", "2000", "0"],
    ]
    assert AuditEvent.objects.filter(profile=world.profile, action=Action.DEVICES_ORDERED).exists()

    # The first cannot go earlier; a viewer cannot move anything; nor can a stranger see it.
    again = world.client("editor").post(url, {"label": "Ana's iPhone", "direction": "earlier"})
    assert again.status_code == 302 and day_total(world) == 2250.0
    assert (
        world.client("viewer")
        .post(url, {"label": "Ana's iPhone", "direction": "later"})
        .status_code
        == 404
    )
    assert (
        world.client("stranger").post(url, {"label": "x", "direction": "later"}).status_code == 404
    )
    # Only metrics whose days add up have an order of devices.
    heart = reverse("records:move_device", args=[world.profile.uuid, "heart_rate"])
    assert (
        world.client("editor").post(heart, {"label": "x", "direction": "later"}).status_code == 404
    )
