"""Servers that tests start as processes of their own, and a browser to talk to them.

The tests that put MyHealthHub behind a real Caddy or run deploy/'s recipe
(test_behind_a_proxy, test_scale_out, test_json_logs) share these: a process
in its own session, stopped with everything it started; the commands and the
environment of deploy/'s units; Caddy on a Caddyfile of the test's; and a
browser that keeps its cookies and signs in through the real form.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import re
import secrets
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from typing import IO, Any

import pytest

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
# Where deploy/'s units find MyHealthHub's programs; in tests, the virtualenv running them.
UNIT_PROGRAMS = "/opt/myhealthhub/venv/bin/"
needs_caddy = pytest.mark.skipif(
    shutil.which("caddy") is None, reason="needs Caddy (apt-get install caddy)"
)
STOP_SECONDS = 30


def start(
    command: Iterable[str], env: dict[str, str], output: IO[Any] | int = subprocess.DEVNULL
) -> subprocess.Popen[bytes]:
    """``command`` in a session of its own, so that stopping it stops what it started."""
    return subprocess.Popen(
        list(command),
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=output,
        stderr=output,
        start_new_session=True,
    )


def stop(processes: Iterable[subprocess.Popen[bytes]]) -> None:
    """SIGTERM to each process and all it started, as systemd stops a unit; SIGKILL if it lingers."""
    processes = list(processes)
    for process in processes:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
    for process in processes:
        try:
            process.wait(timeout=STOP_SECONDS)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=STOP_SECONDS)


def environment_file(path: Path) -> dict[str, str]:
    """The variables of a systemd EnvironmentFile: NAME=value lines, # comments."""
    variables = {}
    for line in path.read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, _equals, value = line.partition("=")
            value = value.strip()
            if len(value) > 1 and value[0] == value[-1] and value[0] in "\"'":
                value = value[1:-1]
            variables[name.strip()] = value
    return variables


def unit_commands(unit: str, env: dict[str, str], instance: str = "") -> list[list[str]]:
    """The ExecStart commands of deploy/UNIT as systemd would run them, on this virtualenv.

    ``%i`` is ``instance``, ``${NAME}`` comes from ``env`` (the EnvironmentFile's
    variables), and a program in /opt/myhealthhub/venv/bin is this virtualenv's.
    """
    text = (DEPLOY / unit).read_text().replace("\\\n", " ")
    specifiers = {"%": "%", "i": instance}
    commands = []
    for line in text.splitlines():
        key, _equals, value = line.partition("=")
        if key.strip() != "ExecStart":
            continue
        value = re.sub(r"%(.)", lambda found: specifiers[found.group(1)], value)
        value = re.sub(r"\$\{(\w+)\}", lambda found: env[found.group(1)], value)
        program, *arguments = shlex.split(value)
        assert program.startswith(UNIT_PROGRAMS), program
        commands.append([str(Path(sys.executable).parent / Path(program).name), *arguments])
    assert commands, f"{unit} has no ExecStart"
    return commands


def caddy(folder: Path, caddyfile: str, env: dict[str, str]) -> subprocess.Popen[bytes]:
    """Caddy on ``caddyfile``, keeping what it makes (its local CA, certificates) in ``folder``."""
    config = folder / "Caddyfile"
    config.write_text(caddyfile)
    return start(
        ["caddy", "run", "--config", str(config), "--adapter", "caddyfile"],
        env | {"XDG_DATA_HOME": str(folder), "XDG_CONFIG_HOME": str(folder)},
    )


def caddy_root_certificate(folder: Path) -> Path:
    """The root of the CA Caddy makes for ``tls internal`` (and localhost) in ``folder``."""
    return folder / "caddy" / "pki" / "authorities" / "local" / "root.crt"


def listening(port: int) -> bool:
    """Whether something accepts connections on loopback's ``port``."""
    with socket.create_connection(("127.0.0.1", port), timeout=1):
        return True


def wait_until(check: Callable[[], object], what: str, seconds: float = 60) -> Any:
    """``check()``'s first true answer, asked again until it gives one."""
    deadline = time.monotonic() + seconds
    while True:
        with contextlib.suppress(OSError):
            answer = check()
            if answer:
                return answer
        assert time.monotonic() < deadline, f"waited {seconds} s for {what}"
        time.sleep(0.1)


@dataclass(frozen=True)
class Response:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode()


@dataclass
class Browser:
    """One person's browser: their cookies, and a new connection from ``connect`` per request.

    ``headers`` go with every request (an Origin, as a browser sends on a POST).
    """

    connect: Callable[[], http.client.HTTPConnection]
    headers: dict[str, str] = field(default_factory=dict)
    cookies: dict[str, str] = field(default_factory=dict)

    def request(
        self,
        method: str,
        path: str,
        form: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
        files: dict[str, tuple[str, bytes]] | None = None,
    ) -> Response:
        sent = self.headers | (headers or {})
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        body = None
        if files:
            body, sent["Content-Type"] = _multipart(form or {}, files)
        elif form is not None:
            body = urllib.parse.urlencode(form).encode()
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        connection = self.connect()
        try:
            connection.request(method, path, body=body, headers=sent)
            response = connection.getresponse()
            for value in response.headers.get_all("Set-Cookie") or []:
                for name, morsel in SimpleCookie(value).items():
                    self.cookies[name] = morsel.value
            return Response(response.status, response.headers, response.read())
        finally:
            connection.close()

    def submit(
        self,
        page: str,
        form: dict[str, str],
        headers: dict[str, str] | None = None,
        files: dict[str, tuple[str, bytes]] | None = None,
    ) -> Response:
        """Open ``page`` and post ``form`` to it with the page's CSRF token, as its form would."""
        shown = self.request("GET", page, headers=headers)
        found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', shown.text)
        assert found, f"{page} answered {shown.status} with no form: {shown.text[:500]}"
        posted = {"csrfmiddlewaretoken": found.group(1), **form}
        return self.request("POST", page, posted, headers, files)

    def sign_in(self, email: str, password: str, headers: dict[str, str] | None = None) -> int:
        form = {"login": email, "password": password}
        return self.submit("/accounts/login/", form, headers).status


def _multipart(form: dict[str, str], files: dict[str, tuple[str, bytes]]) -> tuple[bytes, str]:
    boundary = secrets.token_hex(16)
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in form.items()
    ]
    for name, (filename, content) in files.items():
        head = (
            f"--{boundary}\r\n"
            f'Content-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n"
        )
        parts.append(head.encode() + content + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"
