"""The README's first command: `myhealthhub serve` on a fresh data folder."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import urllib.request

import pytest

from myhealthhub.tests.commands import CLI, clean_environment

pytestmark = pytest.mark.slow  # each command is a new process


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_serve_migrates_and_serves_pages_and_static_files(tmp_path):
    port = free_port()
    server = subprocess.Popen(
        [*CLI, "serve", "--port", str(port), "--workers", "2"],
        env=clean_environment(tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    assert server.stdout is not None
    output: list[str] = []
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            line = server.stdout.readline()
            output.append(line)
            if f"MyHealthHub is running at http://127.0.0.1:{port}/" in line or not line:
                break
        assert any("running at" in line for line in output), "".join(output)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/accounts/login/", timeout=10) as page:
            html = page.read().decode()
            assert page.status == 200
            assert "Content-Security-Policy" in page.headers
        stylesheet = html.split('rel="stylesheet" href="', 1)[1].split('"', 1)[0]
        assert (
            stylesheet.startswith("/static/myhealthhub/app.")
            and stylesheet != "/static/myhealthhub/app.css"
        )
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{stylesheet}", timeout=10) as css:
            assert css.status == 200
            assert "max-age=315360000" in css.headers["Cache-Control"]
        assert (tmp_path / "myhealthhub.sqlite3").exists()
        while time.monotonic() < deadline and not any("Starting worker" in line for line in output):
            output.append(server.stdout.readline())
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            rest, _ = server.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            pytest.fail("serve did not stop on SIGTERM")
    log = "".join(output) + rest
    assert "Starting worker" in log, "the task worker runs beside the web server"
