"""Behind a real reverse proxy, lockouts and the audit log know one person from another.

`myhealthhub serve` behind Caddy (Debian's), both on loopback. Every request
reaches the server from Caddy's address; the people asking come from
different loopback addresses (127.0.0.2, 127.0.0.3: the whole of 127/8 is
this machine), which Caddy writes in X-Forwarded-For. With
MYHEALTHHUB_TRUSTED_PROXIES naming Caddy, wrong passwords from one address
lock out that address only, and the audit log names who signed in from
where. A client that writes X-Forwarded-For itself, reaching the server
directly, is not believed.
"""

from __future__ import annotations

import http.client
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path

import pytest

from myhealthhub.tests.commands import CLI, clean_environment, run_command
from myhealthhub.tests.test_serve import free_port

pytestmark = [
    pytest.mark.slow,  # a server and a proxy, each its own process
    pytest.mark.skipif(shutil.which("caddy") is None, reason="needs Caddy (apt-get install caddy)"),
]

OWNER = "owner@example.org"
PASSWORD = "a long passphrase here"
FAILURES = 3  # the lockout's limit, low for the test


@dataclass
class Person:
    """A browser at one address: its own cookies, every request from ``address``."""

    address: str
    port: int
    cookies: dict[str, str] = field(default_factory=dict)

    def request(
        self,
        method: str,
        path: str,
        form: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, dict[str, str], str]:
        connection = http.client.HTTPConnection(
            "127.0.0.1", self.port, timeout=30, source_address=(self.address, 0)
        )
        sent = dict(headers or {})
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            connection.request(method, path, body=body, headers=sent)
            response = connection.getresponse()
            for value in response.headers.get_all("Set-Cookie") or []:
                for name, morsel in SimpleCookie(value).items():
                    self.cookies[name] = morsel.value
            return response.status, dict(response.headers), response.read().decode()
        finally:
            connection.close()

    def sign_in(self, password: str, headers: dict[str, str] | None = None) -> int:
        _status, _headers, page = self.request("GET", "/accounts/login/", headers=headers)
        found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        assert found, page[:500]
        form = {"csrfmiddlewaretoken": found.group(1), "login": OWNER, "password": password}
        status, _headers, _page = self.request("POST", "/accounts/login/", form, headers)
        return status


@pytest.fixture
def behind_caddy(tmp_path: Path) -> Iterator[tuple[int, int, Path]]:
    """The proxy's port, the server's own port, and its data folder."""
    data = tmp_path / "data"
    env = clean_environment(
        data,
        MYHEALTHHUB_TRUSTED_PROXIES="127.0.0.1",
        MYHEALTHHUB_LOCKOUT_FAILURES=str(FAILURES),
    )
    assert run_command(env, "migrate", "-v0").returncode == 0
    made = run_command(
        env, "createuser", "--email", OWNER, "--password-stdin", stdin=PASSWORD + "\n"
    )
    assert made.returncode == 0, made.stderr
    port, proxy_port = free_port(), free_port()
    (tmp_path / "Caddyfile").write_text(
        "{\n  admin off\n  auto_https off\n}\n"
        f"http://127.0.0.1:{proxy_port} {{\n  reverse_proxy 127.0.0.1:{port}\n}}\n"
    )
    processes = [
        subprocess.Popen(
            [*CLI, "serve", "--port", str(port), "--workers", "1", "--no-task-worker"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        ),
        subprocess.Popen(
            ["caddy", "run", "--config", str(tmp_path / "Caddyfile"), "--adapter", "caddyfile"],
            env=env | {"XDG_DATA_HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path)},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        ),
    ]
    try:
        _wait_for(proxy_port, port)
        yield proxy_port, port, data
    finally:
        for process in processes:
            os.killpg(process.pid, signal.SIGTERM)
        for process in processes:
            process.wait(timeout=30)


def _wait_for(*ports: int) -> None:
    deadline = time.monotonic() + 90
    for port in ports:
        while True:
            try:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                connection.request("GET", "/healthz")
                if connection.getresponse().status == 200:
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline, f"nothing answers on port {port}"
            time.sleep(0.2)


def test_wrong_passwords_lock_out_their_own_address_only(behind_caddy):
    proxy_port, server_port, data = behind_caddy
    guesser, owner = Person("127.0.0.2", proxy_port), Person("127.0.0.3", proxy_port)
    statuses = [guesser.sign_in("not the password") for _ in range(FAILURES + 1)]
    assert statuses[-1] == 429, statuses
    # The owner, elsewhere, signs in: the lockout was the guesser's address's alone.
    assert owner.sign_in(PASSWORD) == 302
    assert guesser.sign_in(PASSWORD) == 429

    # Reaching the server directly and claiming another address changes nothing.
    claimer = Person("127.0.0.4", server_port)
    assert claimer.sign_in(PASSWORD, {"X-Forwarded-For": "127.0.0.9"}) == 302

    with sqlite3.connect(data / "myhealthhub.sqlite3") as database:
        rows = database.execute(
            "SELECT action, ip_address FROM audit_auditevent "
            "WHERE action LIKE 'account.sign_in%' ORDER BY id"
        ).fetchall()
    assert ("account.sign_in", "127.0.0.3") in rows
    assert ("account.sign_in", "127.0.0.4") in rows
    assert {address for _action, address in rows} <= {"127.0.0.2", "127.0.0.3", "127.0.0.4"}
    assert ("account.sign_in_failed", "127.0.0.2") in rows
