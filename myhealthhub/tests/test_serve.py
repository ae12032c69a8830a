"""The README's first command: `myhealthhub serve` on a fresh data folder, and a first sign-up."""

from __future__ import annotations

import http.client
import os
import re
import signal
import socket
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from myhealthhub.tests.commands import CLI, clean_environment
from myhealthhub.tests.processes import Browser, wait_until

pytestmark = pytest.mark.slow  # each command is a new process

EMAIL = "first@example.org"
PASSWORD = "a long passphrase here"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Served:
    """`myhealthhub serve` running, and what it has printed so far (stdout and stderr)."""

    process: subprocess.Popen[str]
    port: int
    data_dir: Path
    lines: list[str] = field(default_factory=list)

    @property
    def output(self) -> str:
        return "\n".join(self.lines)

    def read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))

    def line_matching(self, pattern: str) -> re.Match[str]:
        def found() -> re.Match[str] | None:
            return next(
                (match for line in self.lines if (match := re.fullmatch(pattern, line))), None
            )

        return wait_until(found, f"serve to print {pattern!r}:\n{self.output}", seconds=120)

    def browser(self) -> Browser:
        return Browser(lambda: http.client.HTTPConnection("127.0.0.1", self.port, timeout=30))


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    data_dir = tmp_path_factory.mktemp("serve")
    port = free_port()
    process = subprocess.Popen(
        [*CLI, "serve", "--port", str(port), "--workers", "2"],
        env=clean_environment(data_dir),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    served = Served(process, port, data_dir)
    reader = threading.Thread(target=served.read, daemon=True)
    reader.start()
    try:
        served.line_matching(rf".*MyHealthHub is running at http://127\.0\.0\.1:{port}/")
        yield served
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            pytest.fail("serve did not stop on SIGTERM")
        reader.join(timeout=10)


def test_serve_says_it_prepares_the_database_then_where_to_go(served):
    lines = served.lines
    start = lines.index("Preparing the database…")
    ready = next(n for n, line in enumerate(lines) if line.startswith("The database is ready ("))
    counters = [line for line in lines[start + 1 : ready] if re.fullmatch(r"  \d+/\d+ .*", line)]
    assert len(counters) > 10, "a line per app's migrations"
    total = counters[0].split("/")[1].split()[0]
    assert counters[0].startswith("  0/") and all(f"/{total} migrations (" in c for c in counters)
    assert "Removed 0 deleted documents" not in served.output, "nothing to say, nothing said"

    banner = lines.index(f"MyHealthHub is running at http://127.0.0.1:{served.port}/")
    after = "\n".join(lines[banner : banner + 4])
    assert f"Data folder: {served.data_dir}" in after
    assert "No mail server is set up (MYHEALTHHUB_EMAIL_HOST)" in after
    assert "sign-up codes in them, are printed in this terminal" in after
    assert "Press Ctrl+C to stop." in after


def test_serve_serves_pages_and_static_files(served):
    browser = served.browser()
    page = browser.request("GET", "/accounts/login/")
    assert page.status == 200
    assert "Content-Security-Policy" in page.headers
    stylesheet = page.text.split('rel="stylesheet" href="', 1)[1].split('"', 1)[0]
    assert (
        stylesheet.startswith("/static/myhealthhub/app.")
        and stylesheet != "/static/myhealthhub/app.css"
    )
    css = browser.request("GET", stylesheet)
    assert css.status == 200
    assert "max-age=315360000" in css.headers["Cache-Control"]
    assert (served.data_dir / "myhealthhub.sqlite3").exists()
    served.line_matching(r".*Starting worker.*")  # the task worker runs beside the web server


def test_a_sign_up_prints_its_code_on_a_line_of_its_own_from_myhealthhub(served):
    browser = served.browser()
    signed_up = browser.submit(
        "/accounts/signup/", {"email": EMAIL, "password1": PASSWORD, "password2": PASSWORD}
    )
    assert signed_up.status == 302, signed_up.text[:500]
    code_line = served.line_matching(rf">>> Sign-up code for {re.escape(EMAIL)}: (\S+)")
    code = code_line.group(1)

    lines = served.lines
    note = lines.index(code_line.group(0))
    start = max(n for n in range(note) if lines[n].startswith("Content-Type: "))
    email = "\n".join(lines[start:note])
    assert "Subject: MyHealthHub: Please Confirm Your Email Address" in email
    assert "Hello from MyHealthHub!" in email
    assert "register an account on MyHealthHub" in email
    assert "Thank you for using MyHealthHub!" in email
    assert code in email
    assert "127.0.0.1" not in email, email

    confirmed = browser.submit("/accounts/confirm-email/", {"code": code})
    assert confirmed.status == 302, confirmed.text[:500]
    assert browser.request("GET", "/accounts/email/").status == 200, "signed in"
