"""A caregiver's journey, end to end, in a real browser.

1. The keeper, at a desktop, invites a caregiver by e-mail from "Who has
   access", with a consent note and a last day.
2. The caregiver opens the e-mailed link on a phone, in a second browser:
   asked to sign in or sign up, they sign up, confirm the e-mailed code, and
   come back to the invitation; they read whose record, which role and why,
   and accept.
3. The record's pages say whose it is and under which consent, in English and
   in Spanish.
4. The keeper sees the caregiver's access, and revokes it; the caregiver's
   very next page is a 404.

Neither browser may log an error. Screenshots of every step, in English and
Spanish, land in ``test-artifacts/invitations/`` for a human to look at.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import BrowserContext, Page, expect, sync_playwright

from myhealthhub.conftest import make_account
from myhealthhub.profiles import actions as profile_actions
from myhealthhub.records.actions import create_entry
from myhealthhub.records.kinds import KINDS
from myhealthhub.tests.test_browser_journey import (
    CHROMIUM,
    CHROMIUM_ARGS,
    DESKTOP,
    PHONE,
    Screenshots,
    collect_browser_errors,
    emailed_code,
    header,
    label,
    sign_in,
)

ARTIFACTS = Path(__file__).resolve().parents[3] / "test-artifacts" / "invitations"
KEEPER = "keeper@example.org"
CAREGIVER = "daughter@example.org"
PASSWORD = "a long and unguessable passphrase"
NOTE = "To help my mother with her medicines and appointments."

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"no Chromium at {CHROMIUM} to drive"),
]


def emailed_invitation(recipient: str) -> str:
    """The path of the invitation link in the last e-mail to ``recipient``."""
    sent = [message for message in mail.outbox if recipient in message.to]
    assert sent, f"no e-mail was sent to {recipient}"
    found = re.search(r"^(https?://\S+/invitation/\S+/)$", str(sent[-1].body), re.MULTILINE)
    assert found, f"no invitation link in:\n{sent[-1].body}"
    return urlsplit(found.group(1)).path


def new_page(context: BrowserContext) -> tuple[Page, list[str]]:
    page = context.new_page()
    page.set_default_timeout(10_000)
    return page, collect_browser_errors(page)


def test_a_caregiver_is_invited_accepts_sees_the_record_and_loses_it_when_revoked(
    live_server, monkeypatch
):
    # Playwright's sync API runs an event loop in this thread, and Django
    # refuses database calls from a thread with a running loop.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    base = live_server.url
    keeper = make_account(KEEPER, PASSWORD)
    profile = profile_actions.create_profile(
        keeper, request=None, given_name="Carmen", family_name="Ruiz", language="es"
    )
    create_entry(
        KINDS["medications"],
        profile,
        actor=keeper,
        request=None,
        values={"display": "Metformin", "strength": "500 mg", "frequency": "twice a day"},
    )
    last_day = timezone.localdate() + dt.timedelta(days=60)

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            desk = browser.new_context(viewport=DESKTOP, locale="en-US")
            phone = browser.new_context(viewport=PHONE, locale="en-US", is_mobile=True)
            owner, owner_errors = new_page(desk)
            carer, carer_errors = new_page(phone)
            # Both browsers' screenshots in one numbered sequence, in journey order.
            shots = Screenshots(owner, ARTIFACTS)

            def shoot(page: Page, name: str) -> None:
                shots.page = page
                shots.take(name)

            # 1. The keeper invites from "Who has access".
            sign_in(owner, base, KEEPER, PASSWORD)
            owner.get_by_role("link", name="Carmen Ruiz").first.click()
            owner.get_by_role("link", name="Who has access").click()
            expect(owner.get_by_role("heading", level=1)).to_have_text(
                "Who has access to Carmen Ruiz"
            )
            owner.get_by_role("link", name="Invite a caregiver").click()
            owner.get_by_label(label("E-mail address")).fill(CAREGIVER)
            owner.get_by_label(label("Consent note")).fill(NOTE)
            # "Owner" asks a second confirmation first; the keeper settles for editor.
            owner.get_by_label(label("Role")).select_option(label="Owner")
            owner.get_by_role("button", name="Send the invitation").click()
            expect(owner.get_by_label(label("Yes, make them an owner"))).not_to_be_checked()
            expect(owner.get_by_role("main")).to_contain_text("Tick the box to confirm")
            shoot(owner, "invite-owner-confirmation")
            owner.get_by_label(label("Role")).select_option(label="Editor")
            owner.get_by_label(label("Access ends")).fill(last_day.isoformat())
            shoot(owner, "invite-form")
            owner.get_by_role("button", name="Send the invitation").click()
            expect(owner.get_by_role("status")).to_contain_text(f"Invitation sent to {CAREGIVER}.")
            expect(owner.get_by_role("main")).to_contain_text("Waiting for an answer until")
            shoot(owner, "invitation-sent")
            link = emailed_invitation(CAREGIVER)

            # 2. On a phone: sent to sign in, they sign up, and come back to the invitation.
            carer.goto(base + link)
            expect(carer.get_by_role("heading", level=1)).to_have_text("You have an invitation")
            expect(carer.get_by_role("main")).not_to_contain_text("Carmen")
            shoot(carer, "phone-signed-out")
            carer.get_by_role("link", name="Create an account").click()
            expect(carer).to_have_url(re.compile(r"/accounts/signup/\?next="))
            carer.get_by_label(label("Email")).fill(CAREGIVER)
            carer.get_by_label(label("Password")).fill(PASSWORD)
            carer.get_by_label(label("Password (again)")).fill(PASSWORD)
            carer.get_by_role("button", name="Sign Up", exact=True).click()
            expect(carer).to_have_url(re.compile(r"/accounts/confirm-email/"))
            carer.get_by_label(label("Code")).fill(emailed_code(CAREGIVER))
            carer.get_by_role("button", name="Confirm", exact=True).click()
            expect(carer).to_have_url(base + link)
            heading = carer.get_by_role("heading", level=1)
            expect(heading).to_have_text("Invitation to the record of Carmen Ruiz")
            facts = carer.locator("dl.facts")
            for shown in ("Editor", NOTE, KEEPER):
                expect(facts).to_contain_text(shown)
            shoot(carer, "phone-invitation")
            carer.get_by_role("button", name="Accept").click()

            # 3. The record says whose it is, and under which consent.
            expect(carer.get_by_role("heading", level=1)).to_have_text("Carmen Ruiz")
            banner = carer.locator(".caregiver-banner")
            expect(banner).to_contain_text(
                "You are looking at the record of Carmen Ruiz, as editor."
            )
            expect(banner).to_contain_text(NOTE)
            shoot(carer, "phone-record-with-banner")
            record = carer.get_by_role("navigation", name="Record of Carmen Ruiz")
            record.get_by_text("Health record").click()
            record.get_by_role("link", name="Medications").click()
            expect(carer.get_by_role("main")).to_contain_text("Metformin")
            expect(carer.locator(".caregiver-banner")).to_be_visible()
            shoot(carer, "phone-medications-with-banner")
            # On a phone the header's links and languages fold behind its Menu button.
            header(carer).get_by_role("button", name="Menu").click()
            header(carer).get_by_role("button", name="Español").click()
            expect(carer.locator("html")).to_have_attribute("lang", "es")
            expect(carer.locator(".caregiver-banner")).to_contain_text(NOTE)
            shoot(carer, "phone-medications-es")

            # 4. The keeper sees the new access, in Spanish too, and revokes it.
            owner.reload()
            access_row = owner.get_by_role("row").filter(has_text=CAREGIVER).first
            expect(access_row).to_contain_text("Editor")
            expect(access_row).to_contain_text(NOTE)
            shoot(owner, "access-accepted")
            owner.get_by_role("link", name=f"Change the access of {CAREGIVER}").click()
            expect(owner.get_by_role("heading", level=1)).to_have_text(f"Access of {CAREGIVER}")
            expect(owner.get_by_role("main")).to_contain_text("Invitation accepted")
            shoot(owner, "access-of-the-caregiver")
            owner.go_back()
            header(owner).get_by_role("button", name="Español").click()
            expect(owner.locator("html")).to_have_attribute("lang", "es")
            shoot(owner, "access-accepted-es")
            revoke = owner.locator("form[action$='/revoke/']")
            owner.get_by_role("row").filter(has_text=CAREGIVER).filter(has=revoke).locator(
                "button"
            ).click()
            expect(owner.get_by_role("status")).to_contain_text(CAREGIVER)
            shoot(owner, "access-revoked-es")

            # The caregiver's very next page: not found. The browser logs that 404, and only it.
            assert carer_errors == [], "the caregiver's browser logged errors:\n" + "\n".join(
                carer_errors
            )
            response = carer.reload()
            assert response is not None and response.status == 404
            shoot(carer, "phone-after-revocation-es")
            assert len(carer_errors) == 1 and "status of 404" in carer_errors[0], carer_errors
            assert owner_errors == [], "the keeper's browser logged errors:\n" + "\n".join(
                owner_errors
            )
        finally:
            browser.close()
