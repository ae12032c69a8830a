"""Adding documents and reading one, in a real browser, in English and Spanish.

The upload goes through the page's progress-bar script; the PDF is shown in
the sandboxed frame beside its extracted text. The browser must log no error
(a Content-Security-Policy violation would be one). Screenshots land in
``test-artifacts/documents/`` for a human to look at.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright

from myhealthhub.conftest import PASSWORD, make_account
from myhealthhub.documents.tests.files import pdf_with_text, picture
from myhealthhub.profiles import actions as profile_actions
from myhealthhub.tests.test_browser_journey import (
    CHROMIUM,
    CHROMIUM_ARGS,
    DESKTOP,
    collect_browser_errors,
    sign_in,
)

ARTIFACTS = Path(__file__).resolve().parents[3] / "test-artifacts" / "documents"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"no Chromium at {CHROMIUM} to drive"),
]

WORDS = {
    "en": {"keep": "Keep these documents", "kept": "2 documents kept.", "text": "Text"},
    "es": {"keep": "Guardar estos documentos", "kept": "2 documentos guardados.", "text": "Texto"},
}


@pytest.mark.parametrize("language", ["en", "es"])
def test_adding_documents_and_reading_one(live_server, tmp_path: Path, language: str):
    account = make_account(f"ana.{language}@example.org", language=language)
    profile = profile_actions.create_profile(account, request=None, given_name="Ana")
    report = tmp_path / "informe.pdf"
    report.write_bytes(pdf_with_text("Informe de cardiología", "Ecocardiograma normal"))
    photo = tmp_path / "receta.png"
    photo.write_bytes(picture("PNG"))
    words = WORDS[language]
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport=DESKTOP)
            errors = collect_browser_errors(page)
            sign_in(page, live_server.url, account.email, PASSWORD)

            page.goto(f"{live_server.url}/p/{profile.uuid}/documents/add/")
            page.set_input_files("input[name=files]", [str(report), str(photo)])
            page.select_option("select[name=kind]", "lab_report")
            page.fill("input[name=facility]", "Hospital Clínico")
            page.get_by_role("button", name=words["keep"]).click()
            page.wait_for_url(f"{live_server.url}/p/{profile.uuid}/documents/")
            expect(page.get_by_text(words["kept"])).to_be_visible()
            expect(page.locator(".document-card")).to_have_count(2)
            expect(page.locator(".document-card img.thumbnail")).to_have_count(2)
            page.screenshot(path=ARTIFACTS / f"list-{language}.png", full_page=True)

            page.get_by_role("link", name="informe.pdf").click()
            expect(page.locator("iframe.document-frame")).to_be_visible()
            expect(page.locator(".document-text")).to_contain_text("Ecocardiograma normal")
            expect(page.get_by_role("heading", name=words["text"])).to_be_visible()
            page.wait_for_timeout(1000)  # the PDF viewer draws the page
            page.screenshot(path=ARTIFACTS / f"document-{language}.png", full_page=True)
            assert errors == []
        finally:
            browser.close()
