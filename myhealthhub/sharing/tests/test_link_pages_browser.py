"""SMART Health Links in a real browser: the keeper makes one, a clinician opens it on a phone.

1. The owner signs in at desktop width, goes from the profile's owner tools
   to its links, gives the password again as making a link asks (before the
   form, so that no passcode is kept while it is asked), fills the new-link
   form (a document, a passcode, a label whose characters are counted), and
   reads the link's text and QR code from the page that made it.
2. A second browser with no session, at phone width, opens that text in
   the viewer (/view/), types the passcode, and sees the person's name.
3. The keeper's pages, the wallet card's print preview and the link's
   accesses are photographed in English and in Spanish.
4. The whole journey again in Spanish: the owner makes the link on the
   Spanish pages, and a clinician whose browser asks for Spanish opens it
   on a phone, is asked for the passcode in Spanish and reads the summary's
   sections in Spanish.

The browser must log no error: a Content-Security-Policy violation or a
script error fails the journey. Screenshots land in
``test-artifacts/share-links/`` for a human to look at.
"""

from __future__ import annotations

import re
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from myhealthhub.conftest import PASSWORD, World
from myhealthhub.sharing.tests.test_links import ask, decoded
from myhealthhub.tests.test_browser_journey import (
    CHROMIUM,
    CHROMIUM_ARGS,
    DESKTOP,
    PHONE,
    collect_browser_errors,
    header,
    sign_in,
)

ARTIFACTS = Path(__file__).resolve().parents[3] / "test-artifacts" / "share-links"
PASSCODE = "lighthouse"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"no Chromium at {CHROMIUM} to drive"),
]


@pytest.fixture
def browser(monkeypatch) -> Iterator[Browser]:
    # Playwright's sync API runs an event loop in this thread, and Django
    # refuses database calls from a thread with a running loop.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield launched
        finally:
            launched.close()


def shot(page: Page, name: str) -> None:
    page.screenshot(path=ARTIFACTS / f"{name}.png", full_page=True)


def shot_on_phone(page: Page, name: str) -> None:
    page.set_viewport_size(PHONE)
    try:
        shot(page, name)
    finally:
        page.set_viewport_size(DESKTOP)


def shot_printed(page: Page, name: str) -> None:
    """What the browser's Print would put on paper: the wallet card alone."""
    page.emulate_media(media="print")
    try:
        expect(page.locator(".site-header")).to_be_hidden()
        expect(page.locator(".wallet-card")).to_be_visible()
        shot(page, name)
    finally:
        page.emulate_media(media="screen")


def to_the_new_link_form(page: Page, base: str, world: World) -> None:
    """The new-link form; making a link asks for the password again first (SECURITY.md)."""
    page.goto(f"{base}/p/{world.profile.uuid}/share/new/")
    if "/accounts/reauthenticate/" in page.url:
        page.locator("input[name=password]").fill(PASSWORD)
        page.locator("main form button[type=submit]").click()
    expect(page.locator("form.share-form")).to_be_visible()


def owner_makes_a_link(page: Page, base: str, world: World, *, label: str) -> str:
    """Through the form, as the owner does; the link's text, read from the page that made it."""
    to_the_new_link_form(page, base, world)
    page.locator("#id_label").fill(label)
    page.locator("#id_passcode").fill(PASSCODE)
    page.locator("#id_passcode_again").fill(PASSCODE)
    page.locator("form.share-form button[type=submit]").click()
    expect(page.locator("#link-text")).to_be_visible()
    return page.locator("#link-text").input_value().strip()


def viewer_is_missing(base: str) -> bool:
    try:
        with urllib.request.urlopen(f"{base}/view/", timeout=10):  # noqa: S310 (our live server)
            return False
    except urllib.error.HTTPError as error:
        return error.code == 404


@contextmanager
def a_clinician_s_phone(browser: Browser, base: str, *, locale: str) -> Iterator[Page]:
    """A browser with no session, at phone width, whose language is ``locale``.

    Signed out, the language comes from the browser's Accept-Language
    (Django's LocaleMiddleware), which Playwright sets from ``locale``.
    The page must log no error while it is open.
    """
    if viewer_is_missing(base):
        pytest.skip("the viewer at /view/ is not there yet; this part runs once it lands")
    context = browser.new_context(viewport=PHONE, locale=locale, is_mobile=True)
    try:
        phone = context.new_page()
        phone.set_default_timeout(15_000)
        errors = collect_browser_errors(phone)
        yield phone
        assert errors == [], "the viewer logged errors:\n" + "\n".join(errors)
    finally:
        context.close()


def type_the_passcode(phone: Page, *, recipient: str) -> None:
    """The viewer's passcode form, filled and sent as the clinician does."""
    phone.locator("#shl-passcode").fill(PASSCODE)
    phone.locator("#shl-recipient").fill(recipient)
    phone.locator("form[data-shl-part=passcode] button[type=submit]").click()


def test_the_keeper_makes_a_link_and_a_clinician_opens_it_on_a_phone(
    live_server, world: World, browser: Browser
):
    base = live_server.url
    context = browser.new_context(viewport=DESKTOP, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(15_000)
    errors = collect_browser_errors(page)
    sign_in(page, base, world.accounts["owner"].email, PASSWORD)

    # 1. From the owner tools to the links, then the form.
    page.goto(f"{base}/p/{world.profile.uuid}/")
    page.get_by_role("link", name="Links for clinicians").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Links to the summary of Ana García")
    page.get_by_role("link", name="Make a new link").click()
    # The password first, so that the passcode typed below is never kept while it is asked.
    expect(page.get_by_role("heading", level=1)).to_have_text("Confirm Access")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Confirm", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("A new link")
    page.get_by_label("informe de alta.txt").check()
    page.get_by_label("Label (optional)").fill("For Dr. Sol")
    expect(page.locator(".counter")).to_have_text("11 of 80 characters")
    page.get_by_label("Passcode (optional)").fill(PASSCODE)
    page.get_by_label("The passcode again").fill(PASSCODE)
    shot(page, "01-new-link-form-en")
    page.get_by_role("button", name="Make the link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your new link: For Dr. Sol")
    text = page.locator("#link-text").input_value().strip()
    assert re.fullmatch(rf"{re.escape(base)}/view/#shlink:/[A-Za-z0-9_-]+", text), text
    expect(page.locator(".qr-figure svg.qr")).to_be_visible()
    expect(page.get_by_role("button", name="Copy the link")).to_be_visible()
    expect(page.locator(".passcode-reminder")).to_contain_text("Tell the passcode separately")
    shot(page, "02-created-en")
    shot_on_phone(page, "03-created-en-phone")
    shot_printed(page, "04-wallet-card-print-en")

    assert errors == [], "the browser logged errors:\n" + "\n".join(errors)

    # 2. A clinician with no account, on a phone, opens the link's text.
    with a_clinician_s_phone(browser, base, locale="en-US") as phone:
        phone.goto(text)
        type_the_passcode(phone, recipient="Dr. Sol, Clínica Norte")
        expect(phone.get_by_text("Ana García").first).to_be_visible()
        shot(phone, "05-viewer-phone")

    # 3. The keeper sees who opened it.
    page.goto(f"{base}/p/{world.profile.uuid}/share/")
    page.get_by_role("link", name="For Dr. Sol").click()
    expect(page.locator("td.recipient").first).to_have_text("Dr. Sol, Clínica Norte")
    shot(page, "06-detail-en")
    assert errors == [], "the browser logged errors:\n" + "\n".join(errors)


def test_the_keeper_s_pages_in_spanish(live_server, world: World, browser: Browser):
    base = live_server.url
    context = browser.new_context(viewport=DESKTOP, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(15_000)
    errors = collect_browser_errors(page)
    sign_in(page, base, world.accounts["owner"].email, PASSWORD)
    to_the_new_link_form(page, base, world)
    expect(page.locator("html")).to_have_attribute("lang", "en")
    header(page).get_by_role("button", name="Español").click()
    expect(page.locator("html")).to_have_attribute("lang", "es")
    # Ana's summary is in Spanish: the form offers it first.
    expect(page.locator("#id_language")).to_have_value("es")
    shot(page, "07-new-link-form-es")

    text = owner_makes_a_link(page, base, world, label="Para la Dra. Sol, cardiología")
    expect(page.locator(".wallet-card")).to_have_attribute("lang", "es")
    shot(page, "08-created-es")
    shot_on_phone(page, "09-created-es-phone")
    shot_printed(page, "10-wallet-card-print-es")

    # Two requests as a recipient's software makes them: a wrong passcode, then the right one.
    payload = decoded(text)
    ask(payload, passcode="wrong-one", recipient="Urgencias, Hospital del Mar")
    ask(payload, passcode=PASSCODE, recipient="Dra. Sol, Clínica Norte")
    page.goto(f"{base}/p/{world.profile.uuid}/share/")
    shot(page, "11-list-es")
    page.get_by_role("link", name="Para la Dra. Sol, cardiología").click()
    expect(page.locator("td.recipient")).to_have_count(2)
    shot(page, "12-detail-es")
    shot_on_phone(page, "13-detail-es-phone")
    assert errors == [], "the browser logged errors:\n" + "\n".join(errors)

    # A clinician whose browser asks for Spanish opens the link's text on a phone.
    with a_clinician_s_phone(browser, base, locale="es-ES") as phone:
        phone.goto(text)
        expect(phone.locator("html")).to_have_attribute("lang", "es")
        prompt = phone.locator("form[data-shl-part=passcode]")
        expect(prompt).to_be_visible()
        expect(prompt).to_contain_text(
            "La persona que compartió esto lo protegió con un código de acceso"
        )
        expect(prompt.get_by_label("Código de acceso")).to_be_visible()
        expect(prompt.get_by_label("Tu nombre u organización (opcional)")).to_be_visible()
        expect(prompt.get_by_role("button", name="Abrir")).to_be_visible()
        shot(phone, "14-viewer-phone-es-passcode")
        type_the_passcode(phone, recipient="Dra. Sol, Clínica Norte")
        summary = phone.locator(".shl-summary")
        expect(summary.locator(".shl-person-name")).to_have_text("Ana García")
        expect(summary.locator(".shl-medications .shl-section-title")).to_have_text("Medicamentos")
        expect(phone.locator(".shl-banner").first).to_contain_text(
            "no es una historia clínica oficial"
        )
        shot(phone, "15-viewer-phone-es-summary")

    # The keeper sees the viewer's opening, newest first, beside the two before.
    page.reload()
    expect(page.locator("td.recipient")).to_have_count(3)
    expect(page.locator("td.recipient").first).to_have_text("Dra. Sol, Clínica Norte")
    assert errors == [], "the browser logged errors:\n" + "\n".join(errors)
