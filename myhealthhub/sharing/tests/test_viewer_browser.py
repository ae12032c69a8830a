"""The SMART Health Link viewer in a real browser, opening links of another server.

A tiny "other SMART Health Links server" runs in a thread of the test: it
answers manifest requests (POST, with a passcode check that counts wrong
attempts), direct-file requests (GET, flag U) and short-lived file
addresses, with CORS headers as a real one must. Its files are encrypted
here with joserfc (``alg: dir``, ``enc: A256GCM``), from HL7's IPS example
bundle, or are the HL7 guide's own encrypted examples with their key.

Headless Chromium opens ``/view/#shlink:/…`` on this site's live server at
phone width, in a fresh context each time, as a clinician would. No error
may reach the browser's console other than the failed requests a test asks
for (a wrong passcode's 401, a revoked link's 404), and no CSP violation.
Screenshots, in English and in Spanish, land in ``test-artifacts/viewer/``.

The other server is another origin, so this site's Content-Security-Policy
must let the page connect to it: the tests add it to ``connect-src``, as a
site that wants to open other servers' links must (and one test shows what
happens when it does not).
"""

from __future__ import annotations

import base64
import json
import re
import socket
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from joserfc import jwe
from joserfc.jwk import OctKey
from playwright.sync_api import Browser, Page, expect, sync_playwright

from myhealthhub.tests.real_files import ours
from myhealthhub.tests.test_browser_journey import (
    CHROMIUM,
    CHROMIUM_ARGS,
    DESKTOP,
    PHONE,
    collect_browser_errors,
)

DATA = Path(__file__).resolve().parents[3] / "tests" / "data" / "shl"
ARTIFACTS = Path(__file__).resolve().parents[3] / "test-artifacts" / "viewer"
IPS_BUNDLE = "ips/hl7ri_IPS-bundle-01.json"
SPEC_KEY = "rxTgYlOaKJPFtcEd0qcceN8wEU4p94SqAwIWQe6uX7Q"
PASSCODE = "4711"
ATTEMPTS = 5
# Not a real PDF's contents: the viewer offers any PDF as it is, and the bytes must come back.
PDF = b"%PDF-1.4\n% MyHealthHub viewer test\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"no Chromium at {CHROMIUM} to drive"),
]


# --- Another SMART Health Links server ----------------------------------------------


@dataclass
class Answer:
    status: int
    body: bytes
    content_type: str


def json_answer(data: Any, status: int = 200) -> Answer:
    return Answer(status, json.dumps(data).encode(), "application/json")


@dataclass
class Seen:
    method: str
    path: str
    query: dict[str, list[str]]
    body: Any


@dataclass
class OtherServer:
    """Routes by method and path; every request it answered is in ``seen``."""

    routes: dict[tuple[str, str], Callable[[Any], Answer]] = field(default_factory=dict)
    seen: list[Seen] = field(default_factory=list)
    origin: str = ""

    def url(self, path: str) -> str:
        return self.origin + path

    def answer(self, method: str, target: str, body: bytes) -> Answer:
        parts = urlsplit(target)
        data = json.loads(body) if body else None
        self.seen.append(Seen(method, parts.path, parse_qs(parts.query), data))
        route = self.routes.get((method, parts.path))
        return route(data) if route else Answer(404, b"", "text/plain")


def handler_for(server: OtherServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def cors(self) -> None:
            self.send_header("Access-Control-Allow-Origin", "*")
            self.send_header("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
            self.send_header("Access-Control-Allow-Headers", "Content-Type")

        def do_OPTIONS(self) -> None:
            self.send_response(204)
            self.cors()
            self.end_headers()

        def do_GET(self) -> None:
            self.reply(server.answer("GET", self.path, b""))

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            self.reply(server.answer("POST", self.path, self.rfile.read(length)))

        def reply(self, answer: Answer) -> None:
            self.send_response(answer.status)
            self.cors()
            self.send_header("Content-Type", answer.content_type)
            self.send_header("Content-Length", str(len(answer.body)))
            self.end_headers()
            self.wfile.write(answer.body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


@pytest.fixture
def other_server() -> Iterator[OtherServer]:
    server = OtherServer()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler_for(server))
    server.origin = f"http://127.0.0.1:{httpd.server_address[1]}"
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture
def connect_to_other_servers(settings) -> None:
    """What a site must allow to open other servers' links: connecting to them.

    The site's own policy has no ``connect-src``, so ``default-src 'self'``
    keeps the page to this site alone. Any loopback port stands in here for
    the ``https:`` that a site opening links from anywhere would need.
    """
    policy = settings.CONTENT_SECURITY_POLICY
    directives = dict(policy["DIRECTIVES"])
    directives["connect-src"] = [*directives["default-src"], "http://127.0.0.1:*"]
    settings.CONTENT_SECURITY_POLICY = {**policy, "DIRECTIVES": directives}


# --- Links and files ---------------------------------------------------------------


def base64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def link_to(url: str, key: bytes, **more: Any) -> str:
    payload = {"url": url, "key": base64url(key), **more}
    return "shlink:/" + base64url(json.dumps(payload, separators=(",", ":")).encode())


class LargeFiles(jwe.JWERegistry):
    # joserfc refuses a ciphertext past 64 kB by default; an IPS bundle is larger.
    max_ciphertext_length = 16 * 1024 * 1024


def encrypt(plaintext: bytes, key: bytes, content_type: str, *, deflate: bool = False) -> str:
    header = {"alg": "dir", "enc": "A256GCM", "cty": content_type}
    if deflate:
        header["zip"] = "DEF"
    return jwe.encrypt_compact(header, plaintext, OctKey.import_key(key), registry=LargeFiles())


def jose(compact: str) -> Answer:
    return Answer(200, compact.encode(), "application/jose")


def spec(name: str) -> Any:
    return json.loads((DATA / name).read_text(encoding="utf-8"))


class PasscodeCheck:
    """A manifest behind a passcode: a wrong one costs an attempt, counted over the link's life."""

    def __init__(self, files: list[dict[str, str]]) -> None:
        self.files = files
        self.attempts_left = ATTEMPTS

    def __call__(self, body: Any) -> Answer:
        if self.attempts_left <= 0:
            return Answer(404, b"", "text/plain")
        if not isinstance(body, dict) or body.get("passcode") != PASSCODE:
            self.attempts_left -= 1
            return json_answer({"remainingAttempts": self.attempts_left}, 401)
        return json_answer({"files": self.files})


def ips_behind_a_passcode(server: OtherServer, key: bytes) -> str:
    """Flag P: the IPS embedded, and a PDF (compressed, "zip": "DEF") at a short-lived address."""
    server.routes[("GET", "/files/letter")] = lambda body: jose(
        encrypt(PDF, key, "application/pdf", deflate=True)
    )
    ips = ours(IPS_BUNDLE).read_bytes()
    server.routes[("POST", "/shl/summary")] = PasscodeCheck(
        [
            {
                "contentType": "application/fhir+json",
                "embedded": encrypt(ips, key, "application/fhir+json"),
            },
            {"contentType": "application/pdf", "location": server.url("/files/letter")},
        ]
    )
    return link_to(server.url("/shl/summary"), key, flag="P", label="Summary for the new GP")


def the_guides_ips_link(server: OtherServer) -> str:
    """Flag LU: the guide's IPS example, its encrypted file as published, by GET."""
    encrypted = (DATA / "IPS_IG-bundle-01-enc.txt").read_text(encoding="ascii").strip()
    server.routes[("GET", "/ips/IPS_IG-bundle-01-enc.txt")] = lambda body: jose(encrypted)
    stated = spec("IPS_IG-bundle-01-shl-details.json")["shlinkJsonPayload"]
    assert stated["key"] == SPEC_KEY and stated["flag"] == "LU"
    return link_to(
        server.url("/ips/IPS_IG-bundle-01-enc.txt"),
        base64.urlsafe_b64decode(SPEC_KEY + "="),
        flag="LU",
        label=stated["label"],
    )


# --- The browser ---------------------------------------------------------------------


@pytest.fixture
def browser(monkeypatch) -> Iterator[Browser]:
    # Playwright's sync API runs an event loop in this thread, and Django
    # refuses database calls from a thread with a running loop.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture(scope="module")
def shots() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for old in ARTIFACTS.glob("*.png"):
        old.unlink()
    return ARTIFACTS


def phone(browser: Browser, language: str = "en-US") -> tuple[Page, list[str]]:
    """A fresh phone-sized context: no cookie, no cache, the reader's language."""
    context = browser.new_context(viewport=PHONE, locale=language, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(10_000)
    return page, collect_browser_errors(page)


def shoot(page: Page, folder: Path, name: str) -> None:
    page.screenshot(path=folder / f"{name}.png", full_page=True)


def unexpected(errors: list[str], *statuses: int) -> list[str]:
    """The errors besides the failed requests the test asked for (Chromium logs each)."""
    asked = re.compile(
        r"^console: Failed to load resource: the server responded with a status of "
        rf"({'|'.join(str(status) for status in statuses)}) "
    )
    return [error for error in errors if not (statuses and asked.match(error))]


def closed_port() -> int:
    """A loopback port that nothing listens on (one just let go)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def alert(page: Page):
    return page.locator("[data-shl-part=error]")


def open_link(page: Page, base: str, link: str) -> None:
    """As from an e-mail: a new page load, not a change of this page's fragment."""
    page.goto("about:blank")
    page.goto(f"{base}/view/#{link}")


# --- The journeys --------------------------------------------------------------------


def test_a_passcode_link_of_another_server_opens_on_a_phone(
    live_server, browser, other_server, connect_to_other_servers, shots
):
    key = bytes(range(32))
    link = ips_behind_a_passcode(other_server, key)
    page, errors = phone(browser)
    page.goto(f"{live_server.url}/view/#{link}")

    expect(page.get_by_role("heading", level=1)).to_have_text("Shared health information")
    expect(page.locator("[data-shl-part=label]")).to_have_text("Summary for the new GP")
    passcode = page.get_by_label("Passcode")
    expect(passcode).to_be_visible()
    assert other_server.seen == [], "nothing is asked before the passcode is typed"
    shoot(page, shots, "01-en-passcode")

    passcode.fill("0000")
    page.get_by_role("button", name="Open").click()
    expect(alert(page)).to_have_text(f"Wrong passcode. Attempts left: {ATTEMPTS - 1}.")
    expect(passcode).to_be_focused()
    shoot(page, shots, "02-en-wrong-passcode")

    passcode.fill(PASSCODE)
    page.get_by_label("Your name or organization (optional)").fill("Dr. Ruiz, Clínica Norte")
    page.get_by_role("button", name="Open").click()

    summary = page.locator(".shl-summary")
    expect(summary.get_by_role("heading", name="Martha DeLarosa")).to_be_visible()
    expect(summary).to_contain_text("Born May 1, 1972")
    allergies = summary.locator(".shl-allergies")
    expect(allergies.get_by_role("heading")).to_have_text("Allergies")
    expect(allergies).to_contain_text("Substance with penicillin structure")
    expect(allergies).to_contain_text("No known food allergies")
    medications = summary.locator(".shl-medications")
    expect(medications).to_contain_text("Product containing anastrozole (medicinal product)")
    expect(medications).to_contain_text("1 tablet, Oral use")
    expect(medications).to_contain_text("Black Cohosh Extract herbal supplement")
    expect(summary.locator(".shl-problems")).to_contain_text("Malignant tumor of breast")
    expect(summary.locator(".shl-results")).to_contain_text("7.5 %")
    expect(page.locator(".shl-banner")).to_contain_text(
        "Patient-generated summary, not an official medical record."
    )
    expect(page.get_by_label("Passcode")).to_be_hidden()
    expect(alert(page)).to_be_hidden()

    # The PDF, fetched from its own address and inflated, comes back as it was.
    download_section = page.locator(".shl-download")
    expect(download_section).to_contain_text("A PDF document")
    with page.expect_download() as started:
        download_section.get_by_role("link", name="Download").click()
    download = started.value
    assert download.suggested_filename == "shared-document.pdf"
    assert Path(download.path()).read_bytes() == PDF
    shoot(page, shots, "03-en-summary")
    page.set_viewport_size(DESKTOP)
    shoot(page, shots, "03-en-summary-desktop")

    # The passcode went to the other server alone: this page was never submitted.
    assert page.url == f"{live_server.url}/view/#{link}"
    posts = [seen for seen in other_server.seen if seen.method == "POST"]
    assert [post.body for post in posts] == [
        {"recipient": "MyHealthHub viewer", "passcode": "0000"},
        {"recipient": "Dr. Ruiz, Clínica Norte", "passcode": PASSCODE},
    ]
    assert [seen.path for seen in other_server.seen if seen.method == "GET"] == ["/files/letter"]
    assert unexpected(errors, 401) == [], "the browser logged errors:\n" + "\n".join(errors)


def ips_at_locations(server: OtherServer, key: bytes, locations: list[str]) -> str:
    """Flag P: the IPS at a short-lived address, a new one in each manifest answer (the last repeats)."""
    ips = ours(IPS_BUNDLE).read_bytes()
    server.routes[("GET", "/files/renewed")] = lambda body: jose(
        encrypt(ips, key, "application/fhir+json")
    )
    check = PasscodeCheck([])

    def manifest(body: Any) -> Answer:
        answered = sum(seen.method == "POST" for seen in server.seen) - 1
        location = locations[min(answered, len(locations) - 1)]
        check.files = [{"contentType": "application/fhir+json", "location": server.url(location)}]
        return check(body)

    server.routes[("POST", "/shl/renewing")] = manifest
    return link_to(server.url("/shl/renewing"), key, flag="P")


def test_an_expired_file_location_is_renewed_from_the_manifest(
    live_server, browser, other_server, connect_to_other_servers
):
    # /files/expired has no route: it answers 404, as an expired location does.
    link = ips_at_locations(
        other_server, bytes(range(50, 82)), ["/files/expired", "/files/renewed"]
    )
    page, errors = phone(browser)
    page.goto(f"{live_server.url}/view/#{link}")
    page.get_by_label("Passcode").fill(PASSCODE)
    page.get_by_label("Your name or organization (optional)").fill("Dr. Ruiz")
    page.get_by_role("button", name="Open").click()

    expect(
        page.locator(".shl-summary").get_by_role("heading", name="Martha DeLarosa")
    ).to_be_visible()
    expect(page.locator(".shl-file .error-box")).to_have_count(0)
    expect(alert(page)).to_be_hidden()
    assert [(seen.method, seen.path) for seen in other_server.seen] == [
        ("POST", "/shl/renewing"),
        ("GET", "/files/expired"),
        ("POST", "/shl/renewing"),
        ("GET", "/files/renewed"),
    ]
    bodies = [seen.body for seen in other_server.seen if seen.method == "POST"]
    assert bodies == [{"recipient": "Dr. Ruiz", "passcode": PASSCODE}] * 2
    assert unexpected(errors, 404) == [], "the browser logged errors:\n" + "\n".join(errors)


def test_a_location_still_expired_after_the_manifest_is_fetched_again_says_so(
    live_server, browser, other_server, connect_to_other_servers
):
    other_server.routes[("GET", "/files/gone")] = lambda body: Answer(410, b"", "text/plain")
    link = ips_at_locations(other_server, bytes(range(80, 112)), ["/files/gone"])
    page, errors = phone(browser)
    page.goto(f"{live_server.url}/view/#{link}")
    page.get_by_label("Passcode").fill(PASSCODE)
    page.get_by_role("button", name="Open").click()

    expect(page.locator(".shl-file .error-box")).to_have_text(
        "The server that keeps this information answered with an error (410). Try again later."
    )
    # The manifest is asked once more, not again and again.
    assert [(seen.method, seen.path) for seen in other_server.seen] == [
        ("POST", "/shl/renewing"),
        ("GET", "/files/gone"),
        ("POST", "/shl/renewing"),
        ("GET", "/files/gone"),
    ]
    assert unexpected(errors, 410) == [], "the browser logged errors:\n" + "\n".join(errors)


def test_the_same_link_reads_in_spanish(
    live_server, browser, other_server, connect_to_other_servers, shots
):
    key = bytes(range(100, 132))
    link = ips_behind_a_passcode(other_server, key)
    page, errors = phone(browser, "es-ES")
    page.goto(f"{live_server.url}/view/#{link}")
    expect(page.locator("html")).to_have_attribute("lang", "es")
    shoot(page, shots, "04-es-passcode")

    passcode = page.locator("#shl-passcode")
    passcode.fill("1234")
    page.locator("[data-shl-part=passcode] button").click()
    expect(alert(page)).to_contain_text(str(ATTEMPTS - 1))
    shoot(page, shots, "05-es-wrong-passcode")
    passcode.fill(PASSCODE)
    page.locator("[data-shl-part=passcode] button").click()

    summary = page.locator(".shl-summary")
    expect(summary.get_by_role("heading", name="Martha DeLarosa")).to_be_visible()
    expect(summary).to_contain_text("1 may 1972")
    expect(summary.locator(".shl-allergies h3")).to_have_text("Alergias")
    expect(summary.locator(".shl-medications h3")).to_have_text("Medicamentos")
    expect(summary.locator(".shl-immunizations")).to_have_count(0)
    expect(page.locator(".shl-download a")).to_have_text("Descargar")
    shoot(page, shots, "06-es-summary")
    assert unexpected(errors, 401) == [], "the browser logged errors:\n" + "\n".join(errors)


def test_the_guides_direct_file_link_opens_by_get_and_survives_a_language_switch(
    live_server, browser, other_server, connect_to_other_servers, shots
):
    link = the_guides_ips_link(other_server)
    page, errors = phone(browser)
    page.goto(f"{live_server.url}/view/#{link}")
    expect(page.locator("[data-shl-part=label]")).to_have_text("Demo SHL for IPS_IG-bundle-01")
    expect(page.locator(".shl-summary h2")).to_have_text("Martha DeLarosa")
    [request] = other_server.seen
    assert (request.method, request.query) == ("GET", {"recipient": ["MyHealthHub viewer"]})
    shoot(page, shots, "07-en-direct-file")

    # The header's language button goes through the server; the link, in the fragment, stays.
    # On a phone the header's links and languages fold behind its Menu button.
    page.locator("header").get_by_role("button", name="Menu").click()
    page.locator("header").get_by_role("button", name="Español").click()
    expect(page.locator("html")).to_have_attribute("lang", "es")
    assert page.url.endswith(f"/view/#{link}")
    expect(page.locator(".shl-summary .shl-allergies h3")).to_have_text("Alergias")
    shoot(page, shots, "08-es-direct-file")
    assert unexpected(errors) == [], "the browser logged errors:\n" + "\n".join(errors)


def test_a_health_card_shows_as_such_unverified_with_its_bundle(
    live_server, browser, other_server, connect_to_other_servers, shots
):
    """The guide's encrypted SMART Health Card, whose signed payload is DEFLATE-compressed."""
    example = spec("spec-encryption-example.json")
    other_server.routes[("POST", "/shl/card")] = lambda body: json_answer(
        {"files": [{"contentType": example["contentType"], "embedded": example["encrypted"]}]}
    )
    link = link_to(other_server.url("/shl/card"), base64.urlsafe_b64decode(SPEC_KEY + "="))
    page, errors = phone(browser)
    page.goto(f"{live_server.url}/view/#{link}")
    card = page.locator(".shl-card")
    expect(card.get_by_role("heading", name="SMART Health Card")).to_be_visible()
    expect(card).to_contain_text("not verified")
    expect(card).to_contain_text("Issued by https://spec.smarthealth.cards/examples/issuer")
    expect(card.get_by_role("heading", name="John B. Anyperson")).to_be_visible()
    expect(card.locator(".shl-immunizations .shl-item")).to_have_count(3)
    expect(card.locator(".shl-immunizations")).to_contain_text("CVX 207")
    expect(card.locator(".shl-immunizations")).to_contain_text("Jan 29, 2021")
    shoot(page, shots, "09-en-health-card")
    assert unexpected(errors) == [], "the browser logged errors:\n" + "\n".join(errors)


def test_errors_are_said_in_plain_words(
    live_server, browser, other_server, connect_to_other_servers, shots
):
    key = bytes(32)
    page, errors = phone(browser)

    # No link at all: how to open one.
    page.goto(f"{live_server.url}/view/")
    expect(page.get_by_role("status")).to_contain_text("Open the SMART Health Link you received")
    expect(page.get_by_label("SMART Health Link")).to_be_visible()
    expect(alert(page)).to_be_hidden()
    shoot(page, shots, "10-en-no-link")

    # Revoked or expired on the server: 404.
    open_link(page, live_server.url, link_to(other_server.url("/shl/revoked"), key))
    expect(alert(page)).to_have_text(
        "This link has expired or was revoked. Ask the person who shared it for a new one."
    )
    shoot(page, shots, "11-en-expired")

    # Expired by its own date: nothing is asked of the server.
    before = len(other_server.seen)
    open_link(page, live_server.url, link_to(other_server.url("/shl/old"), key, exp=1))
    expect(alert(page)).to_contain_text("This link has expired or was revoked.")
    assert len(other_server.seen) == before

    # Encrypted with another key.
    sealed = encrypt(b"{}", bytes(range(32)), "application/fhir+json")
    other_server.routes[("POST", "/shl/other-key")] = lambda body: json_answer(
        {"files": [{"contentType": "application/fhir+json", "embedded": sealed}]}
    )
    open_link(page, live_server.url, link_to(other_server.url("/shl/other-key"), key))
    expect(page.locator(".shl-file .error-box")).to_have_text(
        "The shared information could not be decrypted. The link may be damaged or incomplete."
    )

    # A server that does not answer.
    port = closed_port()
    open_link(page, live_server.url, link_to(f"http://127.0.0.1:{port}/shl", key))
    expect(alert(page)).to_have_text(
        f"The server that keeps this information (127.0.0.1:{port}) could not be reached. "
        "Check your connection and try again."
    )

    # Not a link at all; the one pasted instead opens.
    open_link(page, live_server.url, "shlink:/not-a-link")
    expect(alert(page)).to_contain_text("This is not a SMART Health Link")
    shoot(page, shots, "12-en-not-a-link")
    page.get_by_label("SMART Health Link").fill(
        f"https://elsewhere.example.org/viewer#{the_guides_ips_link(other_server)}"
    )
    page.get_by_role("button", name="Open").click()
    expect(page.locator(".shl-summary h2")).to_have_text("Martha DeLarosa")

    # Chromium may log the refused connection; the other failed requests are the 404s asked for.
    rest = [error for error in unexpected(errors, 404) if "ERR_CONNECTION_REFUSED" not in error]
    assert rest == [], "the browser logged errors:\n" + "\n".join(rest)


def test_with_the_sites_policy_as_it_is_another_servers_link_is_refused_clearly(
    live_server, browser, other_server, shots
):
    """No ``connect-src``: the page may reach this site alone, and says so in plain words."""
    link = the_guides_ips_link(other_server)
    page, errors = phone(browser)
    page.goto(f"{live_server.url}/view/#{link}")
    host = other_server.origin.removeprefix("http://")
    expect(alert(page)).to_have_text(
        f"This site's security settings do not let it fetch information from {host}. "
        "Open the link in another SMART Health Link viewer, or ask whoever runs this site "
        "to allow it."
    )
    assert other_server.seen == []
    shoot(page, shots, "13-en-blocked-by-policy")
    assert errors and all("Content Security Policy" in error for error in errors), errors
