"""The summary and the checklist in a real browser: no CSP violation, charts shown, PDF offered.

Full-page screenshots land in ``test-artifacts/summary/`` for a human to look at.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright

from myhealthhub.conftest import PASSWORD, make_account
from myhealthhub.records.demo import create_demo
from myhealthhub.tests.test_browser_journey import (
    CHROMIUM,
    CHROMIUM_ARGS,
    DESKTOP,
    collect_browser_errors,
    sign_in,
)

ARTIFACTS = Path(__file__).resolve().parents[3] / "test-artifacts" / "summary"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"no Chromium at {CHROMIUM} to drive"),
]


def test_summary_page_and_checklist_in_a_browser(live_server, monkeypatch):
    # Playwright's sync API runs an event loop in this thread, and Django
    # refuses database calls from a thread with a running loop.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    owner = make_account("keeper@example.org", PASSWORD)
    adult, _child = create_demo(owner)
    base = live_server.url
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            page = browser.new_context(viewport=DESKTOP, locale="en-US").new_page()
            page.set_default_timeout(15_000)
            errors = collect_browser_errors(page)
            sign_in(page, base, "keeper@example.org", PASSWORD)

            page.goto(f"{base}/p/{adult.uuid}/summary/")
            heading = page.get_by_role("heading", level=1)
            expect(heading).to_have_count(1)
            expect(heading).to_have_text("Personal health summary Carmen Vidal")
            expect(page.get_by_text("Patient-generated summary, not an official")).to_be_visible()
            charts = page.locator("td.trend img")
            assert charts.count() >= 4
            # Every chart decoded (a CSP refusal would leave it at zero width).
            for index in range(charts.count()):
                assert charts.nth(index).evaluate("image => image.naturalWidth") > 0
            page.screenshot(path=ARTIFACTS / "web-summary-en.png", full_page=True)

            # Choosing fewer sections, in Spanish, through the form.
            page.get_by_role("checkbox", name="Recent results").uncheck()
            page.select_option("select[name=language]", "es")
            page.get_by_role("button", name="Show").click()
            expect(page.locator("article.summary")).to_have_attribute("lang", "es")
            assert page.locator("td.trend img").count() == 0
            page.screenshot(path=ARTIFACTS / "web-summary-es-choices.png", full_page=True)

            with page.expect_download() as download:
                page.get_by_role("button", name="Download PDF").click()
            assert download.value.suggested_filename.endswith(".pdf")

            page.goto(f"{base}/p/{adult.uuid}/checklist/")
            # The review is 300 days old and the demo keeps no documents yet.
            expect(page.locator(".progress-text")).to_have_text("4 of 6 done")
            page.screenshot(path=ARTIFACTS / "web-checklist.png", full_page=True)
            assert errors == []
        finally:
            browser.close()
