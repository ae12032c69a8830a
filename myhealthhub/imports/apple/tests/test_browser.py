"""An Apple Health export through the Imports page in a real browser, in English and Spanish.

The zip goes through the page's form; the preview lists the readings it
would add and the kinds of records it leaves out; after the commit the
readings page shows the heart rate. Screenshots land in
``test-artifacts/imports/`` for a human to look at.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright

from myhealthhub.conftest import PASSWORD, make_account
from myhealthhub.imports.apple.tests.test_apple_health import ZIPPED, export_zip
from myhealthhub.imports.tests.test_browser import ARTIFACTS, WORDS
from myhealthhub.profiles import actions as profile_actions
from myhealthhub.tests.test_browser_journey import (
    CHROMIUM,
    CHROMIUM_ARGS,
    DESKTOP,
    collect_browser_errors,
    sign_in,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"no Chromium at {CHROMIUM} to drive"),
]
HEART_RATE = {"en": "Heart rate", "es": "Frecuencia cardiaca"}
WORKOUTS = {"en": "Workouts", "es": "Entrenamientos"}


@pytest.mark.parametrize("language", ["en", "es"])
def test_importing_an_apple_health_export(live_server, tmp_path: Path, language: str):
    account = make_account(f"ana.apple.{language}@example.org", language=language)
    profile = profile_actions.create_profile(account, request=None, given_name="Ana")
    words = WORDS[language]
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    archive = tmp_path / "export.zip"
    archive.write_bytes(export_zip(ZIPPED))

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport=DESKTOP)
            errors = collect_browser_errors(page)
            sign_in(page, live_server.url, account.email, PASSWORD)
            page.goto(f"{live_server.url}/p/{profile.uuid}/imports/")
            page.set_input_files("input[name=files]", str(archive))
            page.get_by_role("button", name=words["read"]).click()
            expect(page.get_by_role("heading", name=words["review"])).to_be_visible()
            # The export's run is a workout to add, with its route.
            expect(page.locator("table.import-preview")).to_contain_text(WORKOUTS[language])
            page.screenshot(path=ARTIFACTS / f"apple-preview-{language}.png", full_page=True)

            # The export names nobody: the page asks before adding it to Ana's record.
            page.get_by_label(words["confirm"]).check()
            page.get_by_role("button", name=words["add"]).click()
            expect(page.get_by_text(words["done"])).to_be_visible()

            page.goto(f"{live_server.url}/p/{profile.uuid}/readings/")
            expect(page.get_by_role("heading", name=HEART_RATE[language])).to_be_visible()
            page.screenshot(path=ARTIFACTS / f"apple-readings-{language}.png", full_page=True)
            assert errors == []
        finally:
            browser.close()
