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
import sqlite3
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import pytest

from myhealthhub.tests.commands import CLI, clean_environment, migrated_folder, run_command
from myhealthhub.tests.processes import Browser, caddy, needs_caddy, start, stop, wait_until
from myhealthhub.tests.test_serve import free_port

pytestmark = [
    pytest.mark.slow,  # a server and a proxy, each its own process
    needs_caddy,
]

OWNER = "owner@example.org"
PASSWORD = "a long passphrase here"
FAILURES = 3  # the lockout's limit, low for the test


def person(address: str, port: int) -> Browser:
    """A browser at one address: every request to ``port`` from ``address``."""
    return Browser(
        lambda: http.client.HTTPConnection(
            "127.0.0.1", port, timeout=30, source_address=(address, 0)
        )
    )


@pytest.fixture
def behind_caddy(tmp_path: Path) -> Iterator[tuple[int, int, Path]]:
    """The proxy's port, the server's own port, and its data folder."""
    data = tmp_path / "data"
    env = clean_environment(
        data,
        MYHEALTHHUB_TRUSTED_PROXIES="127.0.0.1",
        MYHEALTHHUB_LOCKOUT_FAILURES=str(FAILURES),
    )
    migrated_folder(data)
    made = run_command(
        env, "createuser", "--email", OWNER, "--password-stdin", stdin=PASSWORD + "\n"
    )
    assert made.returncode == 0, made.stderr
    port, proxy_port = free_port(), free_port()
    caddyfile = (
        "{\n  admin off\n  auto_https off\n}\n"
        f"http://127.0.0.1:{proxy_port} {{\n  reverse_proxy 127.0.0.1:{port}\n}}\n"
    )
    processes = [
        start([*CLI, "serve", "--port", str(port), "--workers", "1", "--no-task-worker"], env),
        caddy(tmp_path, caddyfile, env),
    ]
    try:
        for answering in (proxy_port, port):
            wait_until(partial(_healthy, answering), f"the server on port {answering}", 90)
        yield proxy_port, port, data
    finally:
        stop(processes)


def _healthy(port: int) -> bool:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        connection.request("GET", "/healthz")
        return connection.getresponse().status == 200
    finally:
        connection.close()


def test_wrong_passwords_lock_out_their_own_address_only(behind_caddy):
    proxy_port, server_port, data = behind_caddy
    guesser, owner = person("127.0.0.2", proxy_port), person("127.0.0.3", proxy_port)
    statuses = [guesser.sign_in(OWNER, "not the password") for _ in range(FAILURES + 1)]
    assert statuses[-1] == 429, statuses
    # The owner, elsewhere, signs in: the lockout was the guesser's address's alone.
    assert owner.sign_in(OWNER, PASSWORD) == 302
    assert guesser.sign_in(OWNER, PASSWORD) == 429

    # Reaching the server directly and claiming another address changes nothing.
    claimer = person("127.0.0.4", server_port)
    assert claimer.sign_in(OWNER, PASSWORD, {"X-Forwarded-For": "127.0.0.9"}) == 302

    with sqlite3.connect(data / "myhealthhub.sqlite3") as database:
        rows = database.execute(
            "SELECT action, ip_address FROM audit_auditevent "
            "WHERE action LIKE 'account.sign_in%' ORDER BY id"
        ).fetchall()
    assert ("account.sign_in", "127.0.0.3") in rows
    assert ("account.sign_in", "127.0.0.4") in rows
    assert {address for _action, address in rows} <= {"127.0.0.2", "127.0.0.3", "127.0.0.4"}
    assert ("account.sign_in_failed", "127.0.0.2") in rows
