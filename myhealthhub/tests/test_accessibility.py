"""Every main page, in English and Spanish, on a desktop and on a phone: WCAG 2.2 AA as axe-core checks it.

axe-core comes from npm (``tests/axe``, test tooling only; nothing of it is served)
and is injected into each page by Playwright. A serious or critical violation
fails; every violation found, of any impact, is written with the page it was on
to ``test-artifacts/accessibility/<language>-<viewport>.json`` for a person to read.

On the phone (360 px wide, the narrowest common screen) the same pass measures
that no page scrolls sideways: ``scrollWidth`` of the document is its width.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page, ViewportSize, sync_playwright

from myhealthhub.conftest import PASSWORD, make_account
from myhealthhub.documents.demo import add_demo_documents
from myhealthhub.documents.models import Document
from myhealthhub.profiles.models import Profile
from myhealthhub.records.demo import create_demo
from myhealthhub.records.models import Medication, Observation
from myhealthhub.tests.test_browser_journey import (
    CHROMIUM,
    CHROMIUM_ARGS,
    collect_browser_errors,
    sign_in,
)

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "tests" / "axe" / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = ROOT / "test-artifacts" / "accessibility"
VIEWPORTS: dict[str, ViewportSize] = {
    "desktop": {"width": 1280, "height": 800},
    "phone": {"width": 360, "height": 780},
}
WCAG_22_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
FAILING = {"serious", "critical"}

# CI installs axe-core (.ci/run) and sets this: there, a missing axe fails instead of skipping.
AXE_REQUIRED = os.environ.get("MYHEALTHHUB_REQUIRE_AXE") == "1"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"no Chromium at {CHROMIUM} to drive"),
    pytest.mark.skipif(
        not AXE.exists() and not AXE_REQUIRED,
        reason="axe-core is not installed: npm ci --prefix tests/axe",
    ),
]


def main_pages(profile: Profile) -> dict[str, str]:
    """The pages a person spends their time on, by name; each of a profile full of records."""
    on = (profile.uuid,)
    medication = Medication.objects.filter(profile=profile).first()
    result = Observation.objects.filter(profile=profile, value_number__isnull=False).first()
    document = Document.objects.filter(profile=profile).first()
    assert medication and result and document, "the demo has a medication, a result, a document"
    pages = {
        "home": reverse("home"),
        "overview": reverse("profiles:overview", args=on),
        "timeline": reverse("records:timeline", args=on),
        "medication": reverse("records:detail", args=(*on, "medications", medication.uuid)),
        "new medication": reverse("records:create", args=(*on, "medications")),
        "new allergy": reverse("records:create", args=(*on, "allergies")),
        "result": reverse("records:detail", args=(*on, "results", result.uuid)),
        "device readings": reverse("records:readings", args=on),
        "documents": reverse("documents:list", args=on),
        "document": reverse("documents:detail", args=(*on, document.uuid)),
        "add documents": reverse("documents:upload", args=on),
        "imports": reverse("imports:list", args=on),
        "exports": reverse("exports:list", args=on),
        "summary": reverse("summary:page", args=on),
        "checklist": reverse("summary:checklist", args=on),
        "medication list": reverse("reconcile:medication_list", args=on),
        "to verify": reverse("reconcile:conflicts", args=on),
        "search": reverse("search:results", args=on) + "?q=metformin",
        "who has access": reverse("profiles:sharing", args=on),
        "links for clinicians": reverse("sharing:links", args=on),
        "new link": reverse("sharing:link_new", args=on),
        "edit profile": reverse("profiles:edit", args=on),
        "account": reverse("accounts:account"),
        "notices": reverse("reminders:notices"),
        "reminders": reverse("reminders:settings"),
        "calendar feed": reverse("reminders:calendar", args=on),
        "help": reverse("guides:index"),
        "guide": reverse("guides:guide", args=("summary-for-a-new-clinician",)),
        "measurements": reverse("records:measurements", args=on),
    }
    for slug in (
        "medications",
        "conditions",
        "allergies",
        "immunizations",
        "results",
        "procedures",
        "visits",
        "appointments",
        "care-team",
        "family-history",
        "medication-reviews",
    ):
        pages[slug] = reverse("records:list", args=(*on, slug))
    return pages


ANONYMOUS_PAGES = {"sign in": "account_login", "sign up": "account_signup"}


def axe_violations(page: Page, axe_source: str) -> list[dict[str, Any]]:
    # Evaluated through the DevTools protocol, which the pages' CSP does not govern.
    page.evaluate(axe_source)
    found = page.evaluate(
        """async (tags) => {
            const results = await axe.run(document, {runOnly: {type: "tag", values: tags}});
            return results.violations.map((v) => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.map((n) => ({target: n.target.join(" "), summary: n.failureSummary})),
            }));
        }""",
        WCAG_22_AA,
    )
    return list(found)


def sideways_overflow(page: Page) -> int:
    """How many pixels the page is wider than the screen."""
    return int(
        page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    )


@pytest.mark.parametrize("viewport", VIEWPORTS)
@pytest.mark.parametrize("language", ["en", "es"])
def test_every_main_page_meets_wcag_22_aa(live_server, language: str, viewport: str):
    axe_source = AXE.read_text()
    keeper = make_account(f"keeper-{language}@example.org", language=language)
    adult, _child = create_demo(keeper, language=language)
    add_demo_documents(adult, keeper, language, timezone.localdate())
    pages = main_pages(adult)

    report: dict[str, list[dict[str, Any]]] = {}
    overflowing: dict[str, int] = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport=VIEWPORTS[viewport], locale=language)
            errors = collect_browser_errors(page)

            def check(name: str, path: str, settle: Callable[[], None] | None = None) -> None:
                response = page.goto(live_server.url + path)
                assert response is not None and response.ok, f"{name}: {path} answered badly"
                assert page.locator("html").get_attribute("lang") == language, name
                report[name] = axe_violations(page, axe_source)
                if viewport == "phone" and (extra := sideways_overflow(page)) > 0:
                    overflowing[name] = extra

            for name, url_name in ANONYMOUS_PAGES.items():
                check(name, reverse(url_name))
            sign_in(page, live_server.url, keeper.email, PASSWORD)
            for name, path in pages.items():
                check(name, path)
        finally:
            browser.close()

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / f"{language}-{viewport}.json").write_text(
        json.dumps(report, indent=2, ensure_ascii=False)
    )
    failing = {
        name: [
            f"{v['id']} ({v['impact']}): {v['help']} at {v['nodes'][0]['target']}"
            for v in violations
            if v["impact"] in FAILING
        ]
        for name, violations in report.items()
    }
    failing = {name: found for name, found in failing.items() if found}
    assert not failing, json.dumps(failing, indent=2, ensure_ascii=False)
    assert not overflowing, (
        f"pages wider than a {VIEWPORTS['phone']['width']} px phone: {overflowing}"
    )
    assert not errors, errors
