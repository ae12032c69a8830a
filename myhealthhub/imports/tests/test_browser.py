"""Importing a portal's FHIR export in a real browser, in English and Spanish.

The upload goes through the page's form; the preview shows what would change
and the commit adds it. A second import waits for a worker: the page polls
its progress with htmx and shows the preview by itself once the reading is
done. The browser must log no error. Screenshots land in
``test-artifacts/imports/`` for a human to look at.
"""

from __future__ import annotations

import io
import threading
from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright

from myhealthhub.conftest import PASSWORD, make_account
from myhealthhub.imports.fhir.tests.files import SYNTHEA, bundle, condition, patient
from myhealthhub.imports.models import ImportJob
from myhealthhub.imports.pipeline import read_job, start_import
from myhealthhub.profiles import actions as profile_actions
from myhealthhub.tests.test_browser_journey import (
    CHROMIUM,
    CHROMIUM_ARGS,
    DESKTOP,
    collect_browser_errors,
    sign_in,
)

ARTIFACTS = Path(__file__).resolve().parents[3] / "test-artifacts" / "imports"
SMALLEST = min(SYNTHEA, key=lambda path: path.stat().st_size)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"no Chromium at {CHROMIUM} to drive"),
]

WORDS = {
    "en": {
        "read": "Read the file",
        "review": "What would change",
        "confirm": "I have checked",
        "add": "Add to",
        "done": "Imported:",
    },
    "es": {
        "read": "Leer el archivo",
        "review": "Qué cambiaría",
        "confirm": "Lo he comprobado",
        "add": "Añadir al historial",
        "done": "Importado:",
    },
}


@pytest.mark.parametrize("language", ["en", "es"])
def test_importing_a_portal_export(live_server, language: str):
    account = make_account(f"ana.{language}@example.org", language=language)
    profile = profile_actions.create_profile(account, request=None, given_name="Ana")
    words = WORDS[language]
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    waiting = start_import(
        profile,
        [("portal.json", io.BytesIO(bundle(patient("Ana", ""), condition("Asma"))))],
        actor=account,
        request=None,
        enqueue=False,
    )
    ImportJob.objects.filter(pk=waiting.pk).update(progress=0.3)

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport=DESKTOP)
            errors = collect_browser_errors(page)
            sign_in(page, live_server.url, account.email, PASSWORD)

            page.goto(f"{live_server.url}/p/{profile.uuid}/imports/")
            page.set_input_files("input[name=files]", str(SMALLEST))
            page.get_by_role("button", name=words["read"]).click()
            expect(page.get_by_role("heading", name=words["review"])).to_be_visible()
            expect(page.locator(".import-preview tbody tr")).not_to_have_count(0)
            page.screenshot(path=ARTIFACTS / f"preview-{language}.png", full_page=True)

            # Clemente's export is not Ana's: the page asks before mixing them.
            page.get_by_label(words["confirm"]).check()
            page.get_by_role("button", name=words["add"]).click()
            expect(page.get_by_text(words["done"])).to_be_visible()
            page.screenshot(path=ARTIFACTS / f"imported-{language}.png", full_page=True)

            # An import that waits for a worker: the page follows its progress.
            page.goto(f"{live_server.url}/p/{profile.uuid}/imports/{waiting.uuid}/")
            expect(page.locator("#import-status progress")).to_be_visible()
            page.screenshot(path=ARTIFACTS / f"reading-{language}.png", full_page=True)
            # The worker's part, in a thread: Playwright's loop owns this one.
            worker = threading.Thread(target=read_job, args=(waiting,))
            worker.start()
            worker.join()
            expect(page.get_by_role("heading", name=words["review"])).to_be_visible(timeout=10_000)
            expect(page.locator(".import-preview")).to_contain_text("Asma")
            assert errors == []
        finally:
            browser.close()
