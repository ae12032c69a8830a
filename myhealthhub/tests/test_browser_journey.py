"""A brand-new person's first visit, end to end, in a real browser.

The journey this proves, against a live server and headless Chromium:

1. the site root sends an anonymous visitor to sign in, and "Sign up" leads
   to a working sign-up form;
2. the e-mailed verification code confirms the sign-up and signs them in;
3. from Account they can turn on two-factor authentication with an
   authenticator app (after typing their password once more), and are shown
   recovery codes;
4. after signing out, signing in again asks for the second factor and
   accepts a fresh authenticator code;
5. they can add two profiles (one born on a known day, one known only by
   year), and both appear in the header's profile switcher;
6. the header's language button switches the site to Spanish, and the
   choice sticks on the next page.

Along the way the browser must log no error at all: a Content-Security-Policy
violation or a script error fails the journey. A full-page screenshot of every
step lands in ``test-artifacts/journey/`` for a human to look at.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import time_machine
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.core import mail
from playwright.sync_api import Locator, Page, ViewportSize, expect, sync_playwright

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "journey"
DESKTOP: ViewportSize = {"width": 1280, "height": 800}
PHONE: ViewportSize = {"width": 375, "height": 812}
TOTP_PERIOD = 30

EMAIL = "new.person@example.org"
PASSWORD = "a long and unguessable passphrase"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"no Chromium at {CHROMIUM} to drive"),
]


# --- Helpers ----------------------------------------------------------------


class Screenshots:
    """Numbered full-page screenshots, in journey order."""

    def __init__(self, page: Page, folder: Path) -> None:
        self.page = page
        self.folder = folder
        self.count = 0
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.glob("*.png"):
            old.unlink()

    def take(self, name: str) -> None:
        self.count += 1
        self.page.screenshot(path=self.folder / f"{self.count:02d}-{name}.png", full_page=True)

    def take_on_phone(self, name: str) -> None:
        self.page.set_viewport_size(PHONE)
        try:
            self.take(name)
        finally:
            self.page.set_viewport_size(DESKTOP)


def collect_browser_errors(page: Page) -> list[str]:
    """Console errors (CSP violations among them) and uncaught exceptions, as they happen."""
    errors: list[str] = []
    page.on(
        "console",
        lambda message: (
            errors.append(f"console: {message.text} ({page.url})")
            if message.type == "error"
            else None
        ),
    )
    page.on("pageerror", lambda error: errors.append(f"pageerror: {error} ({page.url})"))
    return errors


def sign_in(page: Page, base_url: str, email: str, password: str) -> None:
    """Through the sign-in form, as a person does; back on the home page after."""
    page.goto(f"{base_url}/accounts/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", password)
    page.press("input[name=password]", "Enter")
    page.wait_for_url(f"{base_url}/")


def emailed_code(recipient: str) -> str:
    """The verification code in the last e-mail sent to ``recipient``.

    allauth's codes are dashed groups of capitals and digits ("AB3D-EF7H"),
    alone on their line.
    """
    messages = [message for message in mail.outbox if recipient in message.to]
    assert messages, f"no e-mail was sent to {recipient}"
    body = str(messages[-1].body)
    found = re.search(r"^\s*([A-Z0-9]+(?:-[A-Z0-9]+)+)\s*$", body, re.MULTILINE)
    assert found, f"no code in the e-mail:\n{body}"
    return found.group(1)


def totp_code(
    secret: str, clock: time_machine.Traveller, *, after_counter: int = -1
) -> tuple[str, int]:
    """A TOTP code for ``secret`` that the server will still accept when it arrives.

    Moves the clock on to a later time window when the current one is the
    window of an already used code (used codes cannot be replayed), or when
    the window is about to close (allauth allows no clock tolerance by
    default). The live server is a thread of this process and reads the same
    clock, so no test waits up to 30 seconds for the next window.
    """
    now = time.time()
    counter = int(now) // TOTP_PERIOD
    seconds_left = TOTP_PERIOD - now % TOTP_PERIOD
    if counter > after_counter and seconds_left > 3:
        return format_hotp_value(hotp_value(secret, counter)), counter
    clock.shift(seconds_left + 0.1)
    return totp_code(secret, clock, after_counter=after_counter)


def label(text: str) -> re.Pattern[str]:
    """A form label, exactly: Django's labels end with a colon, allauth's widgets' do not."""
    return re.compile(rf"^\s*{re.escape(text)}:?\s*$")


def header(page: Page) -> Locator:
    return page.locator("header.site-header")


def open_switcher(page: Page) -> Locator:
    switcher = header(page).locator("details.switcher")
    if switcher.get_attribute("open") is None:
        switcher.locator("summary").click()
    return switcher


def fill_profile_form(
    page: Page,
    *,
    given_name: str,
    family_name: str,
    year: int,
    month: str | None = None,
    day: int | None = None,
    sex: str,
    language: str,
) -> None:
    page.get_by_label(label("Given name")).fill(given_name)
    page.get_by_label(label("Family name")).fill(family_name)
    birth = page.get_by_role("group", name="Birth date")
    birth.get_by_label(label("Year")).fill(str(year))
    if month is not None:
        birth.get_by_label(label("Month")).select_option(label=month)
    if day is not None:
        birth.get_by_label(label("Day (optional)")).fill(str(day))
    page.get_by_label(label("Sex")).select_option(label=sex)
    page.get_by_label(label("Preferred language")).select_option(label=language)


# --- The journey ------------------------------------------------------------


@pytest.fixture
def clock() -> Iterator[time_machine.Traveller]:
    """The process's clock, running as usual until the test moves it on."""
    with time_machine.travel(time.time(), tick=True) as traveller:
        yield traveller


def test_new_person_signs_up_secures_account_adds_profiles_and_switches_language(
    live_server, monkeypatch, clock: time_machine.Traveller
):
    # Playwright's sync API runs an event loop in this thread, and Django
    # refuses database calls from a thread with a running loop.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    base = live_server.url

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            context = browser.new_context(viewport=DESKTOP, locale="en-US")
            page = context.new_page()
            page.set_default_timeout(10_000)
            errors = collect_browser_errors(page)
            shots = Screenshots(page, ARTIFACTS)

            # 1. The root sends a stranger to sign in; "Sign up" leads to the form.
            page.goto(base + "/")
            expect(page).to_have_url(re.compile(r"/accounts/login/"))
            expect(page.get_by_role("heading", level=1)).to_have_text("Sign In")
            shots.take("sign-in")
            header(page).get_by_role("link", name="Sign up", exact=True).click()
            expect(page).to_have_url(re.compile(r"/accounts/signup/$"))
            page.get_by_label(label("Email")).fill(EMAIL)
            page.get_by_label(label("Password")).fill(PASSWORD)
            page.get_by_label(label("Password (again)")).fill(PASSWORD)
            shots.take("sign-up")
            page.get_by_role("button", name="Sign Up", exact=True).click()

            # 2. The e-mailed code confirms the address and signs them in.
            expect(page).to_have_url(re.compile(r"/accounts/confirm-email/"))
            expect(page.get_by_role("heading", level=1)).to_have_text(
                "Enter Email Verification Code"
            )
            page.get_by_label(label("Code")).fill(emailed_code(EMAIL))
            shots.take("email-code")
            page.get_by_role("button", name="Confirm", exact=True).click()
            expect(page).to_have_url(base + "/")
            expect(page.get_by_role("heading", level=1)).to_have_text("Welcome to MyHealthHub")
            shots.take("home-empty")

            # 3. Account → two-factor authentication with an authenticator app.
            header(page).get_by_role("link", name="Account", exact=True).click()
            expect(page.get_by_role("heading", level=1)).to_have_text("Account")
            shots.take("account")
            page.get_by_role("link", name="Turn on two-factor authentication").click()
            expect(page.get_by_role("heading", level=1)).to_have_text("Two-Factor Authentication")
            page.get_by_role("link", name="Activate", exact=True).click()
            # Signing in by confirming the e-mail does not count as a recent
            # authentication to allauth, so the password is asked again first.
            expect(page.get_by_role("heading", level=1)).to_have_text("Confirm Access")
            page.get_by_label(label("Password")).fill(PASSWORD)
            shots.take("confirm-access")
            page.get_by_role("button", name="Confirm", exact=True).click()
            expect(page.get_by_role("heading", level=1)).to_have_text("Activate Authenticator App")
            secret_input = page.locator("#authenticator_secret")
            expect(secret_input).to_be_disabled()
            secret = secret_input.input_value()
            assert re.fullmatch(r"[A-Z2-7]{16,}=*", secret), secret
            code, used_counter = totp_code(secret, clock)
            page.get_by_label(label("Authenticator code")).fill(code)
            shots.take("activate-totp")
            page.get_by_role("button", name="Activate", exact=True).click()
            expect(page.get_by_role("heading", level=1)).to_have_text("Recovery Codes")
            recovery_codes = page.get_by_label(label("Unused codes")).input_value().split()
            assert len(recovery_codes) >= 5
            assert all(re.fullmatch(r"[0-9a-z]{6,}", code) for code in recovery_codes)
            shots.take("recovery-codes")

            # 4. Signing in again asks for a fresh second factor.
            header(page).get_by_role("button", name="Sign out").click()
            expect(page).to_have_url(re.compile(r"/accounts/login/"))
            expect(header(page).get_by_role("link", name="Sign in", exact=True)).to_be_visible()
            page.get_by_label(label("Email")).fill(EMAIL)
            page.get_by_label(label("Password")).fill(PASSWORD)
            page.get_by_role("button", name="Sign In", exact=True).click()
            expect(page.get_by_role("heading", level=1)).to_have_text("Two-Factor Authentication")
            code, _ = totp_code(secret, clock, after_counter=used_counter)
            page.get_by_label(label("Code")).fill(code)
            shots.take("second-factor")
            page.get_by_role("button", name="Sign In", exact=True).click()
            expect(page).to_have_url(base + "/")
            expect(header(page).get_by_role("button", name="Sign out")).to_be_visible()

            # 5. Two profiles, one born on a known day, one known only by year.
            page.get_by_role("main").get_by_role("link", name="Create your first profile").click()
            expect(page).to_have_url(re.compile(r"/p/new/$"))
            expect(page.get_by_role("heading", level=1)).to_have_text("New profile")
            fill_profile_form(
                page,
                given_name="Ana",
                family_name="García",
                year=1984,
                month="March",
                day=7,
                sex="Female",
                language="Spanish",
            )
            shots.take("new-profile-form")
            page.get_by_role("button", name="Create profile").click()
            expect(page.get_by_role("heading", level=1)).to_have_text("Ana García")
            expect(page.get_by_role("status")).to_contain_text("Profile created for Ana García.")

            open_switcher(page).get_by_role("link", name="Add a profile").click()
            expect(page).to_have_url(re.compile(r"/p/new/$"))
            fill_profile_form(
                page,
                given_name="Leo",
                family_name="García",
                year=2019,
                sex="Male",
                language="English",
            )
            page.get_by_role("button", name="Create profile").click()
            expect(page.get_by_role("heading", level=1)).to_have_text("Leo García")
            expect(page.locator("dl.facts")).to_contain_text("2019")
            shots.take("profile")
            shots.take_on_phone("profile-phone")

            switcher = open_switcher(page)
            for name in ("Ana García", "Leo García"):
                expect(switcher.get_by_role("link", name=name)).to_be_visible()
            expect(switcher.get_by_role("link", name="Leo García")).to_have_attribute(
                "aria-current", "page"
            )
            shots.take("switcher-open")

            # 6. Español, and it sticks.
            profile_url = page.url
            header(page).get_by_role("button", name="Español").click()
            expect(page).to_have_url(profile_url)
            expect(page.locator("html")).to_have_attribute("lang", "es")
            expect(header(page).locator(".current-language")).to_have_text("Español")
            shots.take("profile-es")
            page.get_by_role("link", name="MyHealthHub").click()
            expect(page).to_have_url(base + "/")
            expect(page.locator("html")).to_have_attribute("lang", "es")
            expect(header(page).get_by_role("button", name="English")).to_be_visible()
            expect(page.get_by_role("heading", level=1)).to_have_text("Perfiles")
            expect(header(page).get_by_role("link", name="Cuenta", exact=True)).to_be_visible()
            shots.take("home-es")
            shots.take_on_phone("home-es-phone")

            assert errors == [], "the browser logged errors:\n" + "\n".join(errors)
        finally:
            browser.close()
