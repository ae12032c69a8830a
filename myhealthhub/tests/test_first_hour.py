"""A new person's first hour, in Chromium: English and Spanish, on a desktop and on a phone.

Sign up → create the first profile → add a medication from the overview's card →
see the measurements → read a guide from the Help menu → be reminded of
tomorrow's appointment (in the app, and by e-mail in the account's language) →
subscribe a calendar to the profile's private feed, fetched as a calendar app
fetches it (no cookies) and read with ``icalendar``.

Two of the four runs go the whole way by keyboard alone (Tab, Enter, typing):
every step of the journey can be done without a mouse. Every step leaves a
full-page screenshot in ``test-artifacts/first-hour/<language>-<viewport>/``.
"""

from __future__ import annotations

import datetime as dt
import re
import urllib.request
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar
import pytest
from django.core import mail
from django.utils import timezone, translation
from django.utils.text import capfirst
from playwright.sync_api import Locator, Page, ViewportSize, expect, sync_playwright

from myhealthhub.profiles.models import Profile
from myhealthhub.records import actions as record_actions
from myhealthhub.records.kinds import KINDS
from myhealthhub.reminders.rounds import run_round
from myhealthhub.tests.test_browser_journey import (
    CHROMIUM,
    CHROMIUM_ARGS,
    collect_browser_errors,
    emailed_code,
)

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "first-hour"
VIEWPORTS: dict[str, ViewportSize] = {
    "desktop": {"width": 1280, "height": 800},
    "phone": {"width": 390, "height": 844},
}
PASSWORD = "a long and unguessable passphrase"


def said(text: str) -> str:
    """What the page says for ``text`` in the language of the run (a variable, so the
    catalogue does not collect the test's words as the app's own)."""
    return translation.gettext(text)


MADRID = ZoneInfo("Europe/Madrid")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"no Chromium at {CHROMIUM} to drive"),
]


class Person:
    """Does what a person does on a page: by mouse, or by keyboard alone."""

    def __init__(self, page: Page, *, keyboard: bool, folder: Path) -> None:
        self.page = page
        self.keyboard = keyboard
        self.folder = folder
        self.shots = 0
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.glob("*.png"):
            old.unlink()

    def reach(self, target: Locator) -> None:
        """Tab until ``target`` has the focus, as a keyboard user would."""
        target.wait_for()
        for _step in range(120):
            if target.evaluate("element => element === document.activeElement"):
                return
            self.page.keyboard.press("Tab")
        raise AssertionError(f"{target} cannot be reached with the Tab key")

    def press(self, target: Locator) -> None:
        """Follow a link, press a button or open a menu."""
        if self.keyboard:
            self.reach(target)
            self.page.keyboard.press("Enter")
        else:
            target.click()

    def type(self, field: Locator, text: str) -> None:
        if self.keyboard:
            self.reach(field)
            self.page.keyboard.type(text)
        else:
            field.fill(text)

    def look(self, name: str) -> None:
        self.shots += 1
        self.page.screenshot(path=self.folder / f"{self.shots:02d}-{name}.png", full_page=True)

    def open_site_menu(self) -> Locator:
        """The header's links; on a phone they fold behind the Menu button."""
        toggle = self.page.locator("header .menu-toggle")
        if toggle.is_visible() and toggle.get_attribute("aria-expanded") != "true":
            self.press(toggle)
        return self.page.locator("#site-menu")

    def open_section(self, title: str) -> Locator:
        """One section of the record's menu (Health record, Visits and care…)."""
        section = self.page.locator("nav.record-nav details.section").filter(
            has=self.page.locator("summary", has_text=title)
        )
        if section.get_attribute("open") is None:
            self.press(section.locator("summary"))
        return section


def field(page: Page, label: str) -> Locator:
    """A form field by its label, exactly (Django's labels end with a colon)."""
    return page.get_by_label(re.compile(rf"^\s*{re.escape(label)}:?\s*$"))


@pytest.mark.parametrize(
    ("language", "viewport", "keyboard"),
    [
        ("en", "desktop", True),
        ("es", "phone", True),
        ("es", "desktop", False),
        ("en", "phone", False),
    ],
)
def test_the_first_hour(
    live_server, monkeypatch, language: str, viewport: str, keyboard: bool
) -> None:
    # The test reads and writes the database between the browser's steps, inside
    # Playwright's event loop; nothing of it runs concurrently.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    email = f"first.hour.{language}.{viewport}@example.org"
    base = live_server.url
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(
                viewport=VIEWPORTS[viewport], locale=language, timezone_id="Europe/Madrid"
            )
            page.set_default_timeout(10_000)
            errors = collect_browser_errors(page)
            person = Person(page, keyboard=keyboard, folder=ARTIFACTS / f"{language}-{viewport}")
            with translation.override(language):
                journey(person, base, email)
        finally:
            browser.close()
    assert not errors, errors


def journey(person: Person, base: str, email: str) -> None:
    page = person.page

    # 1. Sign up; the e-mailed code confirms the address and signs the person in.
    page.goto(base + "/accounts/signup/")
    person.type(field(page, said("Email")), email)
    person.type(field(page, said("Password")), PASSWORD)
    person.type(field(page, said("Password (again)")), PASSWORD)
    person.look("sign-up")
    person.press(page.get_by_role("button", name=said("Sign Up"), exact=True))
    expect(page).to_have_url(re.compile(r"/accounts/confirm-email/"))
    person.type(field(page, said("Code")), emailed_code(email))
    person.press(page.get_by_role("button", name=said("Confirm"), exact=True))
    expect(page.get_by_role("heading", level=1)).to_have_text(said("Welcome to MyHealthHub"))
    person.look("welcome")

    # 2. The first profile, from the welcome page.
    person.press(page.get_by_role("link", name=said("Create your first profile")))
    person.type(field(page, said("Given name")), "Lucía")
    person.type(field(page, said("Family name")), "Ortega")
    person.press(page.get_by_role("button", name=said("Create profile")))
    expect(page.get_by_role("heading", level=1)).to_have_text("Lucía Ortega")
    profile = Profile.objects.get(given_name="Lucía", family_name="Ortega")
    # The empty record says where to begin.
    expect(page.get_by_role("heading", name=said("Next steps"))).to_be_visible()
    person.look("first-profile")

    # 3. A medication, added from the overview's card of medications.
    card = page.locator("section.panel", has=page.locator("#medications-heading"))
    add_medication = said("Add %(kind)s") % {"kind": KINDS["medications"].label}
    person.press(card.get_by_role("link", name=add_medication))
    person.type(field(page, str(KINDS["medications"].display_label)), "Metformin")
    strength = capfirst(KINDS["medications"].model_field("strength").verbose_name)
    person.type(field(page, str(strength)), "500 mg")
    person.look("add-medication")
    person.press(page.get_by_role("button", name=said("Save")))
    expect(page.get_by_role("main")).to_contain_text("Metformin")
    page.goto(base + f"/p/{profile.uuid}/")
    expect(card).to_contain_text("Metformin")
    person.look("overview-with-medication")

    # 4. The measurements a person follows, from the record's menu: their own readings.
    for days_ago, weight in ((60, 71.5), (30, 70.8), (2, 70.1)):
        record_actions.create_entry(
            KINDS["results"],
            profile,
            actor=profile_owner(profile),
            request=None,
            values={
                "display": "Body weight",
                "code": "29463-7",
                "date": timezone.localdate() - dt.timedelta(days=days_ago),
                "value_number": weight,
                "unit": "kg",
                "unit_text": "kg",
            },
        )
    person.press(
        person.open_section(said("Health record")).get_by_role("link", name=said("Measurements"))
    )
    expect(page.get_by_role("heading", level=1)).to_contain_text(said("Measurements"))
    expect(page.get_by_role("main")).to_contain_text(
        "70.1" if translation.get_language() == "en" else "70,1"
    )
    person.look("measurements")

    # 5. A guide, from the Help menu.
    person.press(person.open_site_menu().get_by_role("link", name=said("Help"), exact=True))
    person.press(
        page.get_by_role("link", name=said("Build a one-page summary for a new clinician"))
    )
    expect(page.get_by_role("heading", level=1)).to_have_text(
        said("Build a one-page summary for a new clinician")
    )
    person.look("guide")

    # 6. Tomorrow's appointment: the worker's round reminds the person, here and by e-mail.
    tomorrow = timezone.now().astimezone(MADRID).date() + dt.timedelta(days=1)
    starts = dt.datetime.combine(tomorrow, dt.time(10, 30), tzinfo=MADRID)
    record_actions.create_entry(
        KINDS["appointments"],
        profile,
        actor=profile_owner(profile),
        request=None,
        values={"display": "Check-up with Dr. Ruiz", "starts_at": starts},
    )
    mail.outbox.clear()
    run_round()
    [reminder] = [message for message in mail.outbox if email in message.to]
    assert "Lucía Ortega" in reminder.body
    assert "10:30" in reminder.body
    page.goto(base + f"/p/{profile.uuid}/")
    notices = person.open_site_menu().get_by_role("link", name=re.compile(said("Notices")))
    expect(notices).to_contain_text("1")
    person.press(notices)
    expect(page.get_by_role("main")).to_contain_text("Dr. Ruiz")
    person.look("notice")

    # 7. The private calendar feed, subscribed as a calendar app does.
    page.goto(base + f"/p/{profile.uuid}/")
    person.press(
        person.open_section(said("Visits and care")).get_by_role("link", name=said("Calendar feed"))
    )
    person.press(page.get_by_role("button", name=said("Make an address")))
    webcal = page.locator("#webcal-url").input_value()
    assert webcal.startswith("webcal://"), webcal
    person.look("calendar-feed")
    with urllib.request.urlopen("http://" + webcal.removeprefix("webcal://")) as answer:
        assert answer.headers["Content-Type"].startswith("text/calendar")
        calendar = icalendar.Calendar.from_ical(answer.read())
    events = [event for event in calendar.walk("VEVENT") if "Dr. Ruiz" in str(event["SUMMARY"])]
    assert [event.decoded("DTSTART") for event in events] == [starts]


def profile_owner(profile: Profile):
    return profile.grants.get(role="owner").account
