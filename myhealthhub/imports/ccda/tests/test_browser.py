"""Importing a portal's C-CDA in a real browser, in English and Spanish, then reading it.

The document goes through the Imports page's form; the preview counts what
each section brought; the commit adds it; the kept original shows its
sections on its page. The browser must log no error. Screenshots land in
``test-artifacts/ccda/`` for a human to look at.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

import pytest
from playwright.sync_api import expect, sync_playwright

from myhealthhub.conftest import PASSWORD, make_account
from myhealthhub.imports.ccda.tests.files import CCDA
from myhealthhub.imports.models import ImportJob, ImportOriginal
from myhealthhub.imports.tests.test_browser import WORDS
from myhealthhub.profiles import actions as profile_actions
from myhealthhub.records.models import Medication
from myhealthhub.tests.test_browser_journey import (
    CHROMIUM,
    CHROMIUM_ARGS,
    DESKTOP,
    collect_browser_errors,
    sign_in,
)

T = TypeVar("T")
ARTIFACTS = Path(__file__).resolve().parents[4] / "test-artifacts" / "ccda"
EPIC = next(path for path in CCDA if "Epic" in path.name)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"no Chromium at {CHROMIUM} to drive"),
]

SECTIONS = {"en": "Medications", "es": "Medicamentos"}


@pytest.mark.parametrize("language", ["en", "es"])
def test_importing_a_portal_c_cda_and_reading_it(live_server, language: str):
    account = make_account(f"ana.ccda.{language}@example.org", language=language)
    profile = profile_actions.create_profile(account, request=None, given_name="Ana")
    words = WORDS[language]
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport=DESKTOP)
            errors = collect_browser_errors(page)
            sign_in(page, live_server.url, account.email, PASSWORD)

            page.goto(f"{live_server.url}/p/{profile.uuid}/imports/")
            page.set_input_files("input[name=files]", str(EPIC))
            page.get_by_role("button", name=words["read"]).click()
            expect(page.get_by_role("heading", name=words["review"])).to_be_visible()
            # The per-section accounting names the document's sections in the page's language.
            expect(page.locator("main")).to_contain_text(SECTIONS[language])
            page.screenshot(path=ARTIFACTS / f"import-preview-{language}.png", full_page=True)

            page.get_by_label(words["confirm"]).check()
            page.get_by_role("button", name=words["add"]).click()
            expect(page.get_by_text(words["done"])).to_be_visible()
            original: ImportOriginal = in_a_thread(
                lambda: (
                    ImportJob.objects.get(profile=profile)
                    .originals.select_related("document")
                    .get()
                )
            )
            assert original.document is not None
            page.goto(f"{live_server.url}/p/{profile.uuid}/documents/{original.document.uuid}/")
            expect(page.locator("main")).to_contain_text("Results")
            page.screenshot(path=ARTIFACTS / f"original-{language}.png", full_page=True)
            assert errors == []
        finally:
            browser.close()
    assert Medication.objects.filter(profile=profile).count() == 2


def in_a_thread(query: Callable[[], T]) -> T:
    """The database from inside Playwright's loop: Django refuses it in an async context."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(query).result()
