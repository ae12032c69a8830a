"""The exports page in a real browser: a job's progress, its download, and a calendar at once.

A CSV export waits for a worker: the page polls its row with htmx and offers
the file by itself once it is written. The browser must log no error.
Screenshots land in ``test-artifacts/exports/`` for a human to look at.
"""

from __future__ import annotations

import threading
import zipfile
from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright

from myhealthhub.conftest import PASSWORD, make_account
from myhealthhub.exports.csv import CsvExport
from myhealthhub.exports.jobs import run_job, start_export
from myhealthhub.exports.models import ExportJob
from myhealthhub.profiles import actions as profile_actions
from myhealthhub.profiles.models import Role
from myhealthhub.summary.options import ExportOptions
from myhealthhub.tests.test_browser_journey import (
    CHROMIUM,
    CHROMIUM_ARGS,
    DESKTOP,
    collect_browser_errors,
    sign_in,
)

ARTIFACTS = Path(__file__).resolve().parents[3] / "test-artifacts" / "exports"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"no Chromium at {CHROMIUM} to drive"),
]


def test_an_export_job_is_followed_and_downloaded(live_server, tmp_path: Path):
    account = make_account("ana@example.org")
    profile = profile_actions.create_profile(account, request=None, given_name="Ana")
    job = start_export(
        profile,
        CsvExport(),
        ExportOptions(),
        actor=account,
        role=Role.OWNER,
        request=None,
        enqueue=False,
    )
    ExportJob.objects.filter(pk=job.pk).update(progress=0.3)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport=DESKTOP, accept_downloads=True)
            errors = collect_browser_errors(page)
            sign_in(page, live_server.url, account.email, PASSWORD)
            page.goto(f"{live_server.url}/p/{profile.uuid}/exports/")
            row = page.locator(f"#export-{job.uuid}")
            expect(row.locator("progress")).to_be_visible()
            expect(row).to_contain_text("30 %")
            # Mark the live region: the polls must swap what is inside it, never it.
            status = row.locator('[role="status"]')
            status.evaluate("element => { element.dataset.marked = 'yes'; }")
            page.screenshot(path=ARTIFACTS / "running.png", full_page=True)
            # The worker's part, in a thread: Playwright's loop owns this one.
            worker = threading.Thread(target=run_job, args=(job,))
            worker.start()
            worker.join()
            link = page.locator(f"#export-{job.uuid} a[download]")
            expect(link).to_be_visible(timeout=10_000)
            expect(status).to_have_attribute("data-marked", "yes")
            expect(status.locator("a[download]")).to_be_visible()
            # Done: nothing polls any more.
            expect(row.locator("[hx-trigger]")).to_have_count(0)
            page.screenshot(path=ARTIFACTS / "ready.png", full_page=True)
            with page.expect_download() as download:
                link.click()
            saved = tmp_path / download.value.suggested_filename
            download.value.save_as(saved)
            assert saved.name.endswith(".zip") and zipfile.is_zipfile(saved)

            # The calendar is short: its button answers the file at once.
            with page.expect_download() as calendar:
                page.locator("#format-ics button").click()
            assert calendar.value.suggested_filename.endswith(".ics")
            assert errors == []
        finally:
            browser.close()
