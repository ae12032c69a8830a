"""The production configuration, run as a deployment would: in its own process."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from myhealthhub.tests.commands import clean_environment, run_command

pytestmark = pytest.mark.slow  # each command is a new process

HOST = "health.example.org"


def run(args: list[str], data_dir: Path, **extra_env: str) -> subprocess.CompletedProcess[str]:
    return run_command(clean_environment(data_dir, **extra_env), *args)


PRODUCTION = {"MYHEALTHHUB_HTTPS": "true", "MYHEALTHHUB_ALLOWED_HOSTS": HOST}


def test_check_deploy_is_clean_in_production(tmp_path):
    result = run(["check", "--deploy", "--fail-level", "WARNING"], tmp_path, **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_check_deploy_fails_on_its_warnings_and_on_any_host(tmp_path):
    """Run as a deployment script runs it, without --fail-level: a warning is a failure."""
    assert run(["check", "--deploy"], tmp_path, **PRODUCTION).returncode == 0
    laptop = run(["check", "--deploy"], tmp_path)
    assert laptop.returncode != 0 and "SESSION_COOKIE_SECURE" in laptop.stderr
    any_host = run(
        ["check", "--deploy"], tmp_path, **(PRODUCTION | {"MYHEALTHHUB_ALLOWED_HOSTS": "*"})
    )
    assert any_host.returncode != 0
    assert "myhealthhub.W002" in any_host.stderr and "ALLOWED_HOSTS" in any_host.stderr


def test_check_deploy_warns_without_https(tmp_path):
    """The same check does fail on the plain-HTTP laptop default, so the test above means something."""
    result = run(["check", "--deploy", "--fail-level", "WARNING"], tmp_path)
    assert result.returncode != 0
    assert "SESSION_COOKIE_SECURE" in result.stdout + result.stderr


SIGN_IN_SCRIPT = """
from django.test import Client
from myhealthhub.accounts.actions import create_account
create_account("ana@example.org", "correct horse battery staple")
plain = Client(HTTP_HOST="{host}")
print("PLAIN", plain.get("/accounts/login/").status_code, plain.get("/accounts/login/").get("Location"))
client = Client(HTTP_HOST="{host}")
page = client.get("/accounts/login/", secure=True)
print("HSTS", page.get("Strict-Transport-Security"))
response = client.post("/accounts/login/", {{"login": "ana@example.org", "password": "correct horse battery staple"}}, secure=True)
print("STATUS", response.status_code)
for morsel in list(page.cookies.values()) + list(response.cookies.values()):
    print("COOKIE", morsel.OutputString())
"""


def test_production_cookies_are_secure_host_only_and_httponly(tmp_path):
    assert run(["migrate", "-v0"], tmp_path, **PRODUCTION).returncode == 0
    # No collectstatic here: pages are rendered, not their assets served.
    result = run(
        ["shell", "-c", SIGN_IN_SCRIPT.format(host=HOST)],
        tmp_path,
        MYHEALTHHUB_STATIC_MANIFEST="false",
        **PRODUCTION,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert f"PLAIN 301 https://{HOST}/accounts/login/" in lines
    assert "HSTS max-age=31536000; includeSubDomains; preload" in lines
    assert "STATUS 302" in lines
    cookies = {
        line.split("=", 1)[0].removeprefix("COOKIE "): line
        for line in lines
        if line.startswith("COOKIE")
    }
    assert {"__Host-sessionid", "__Host-csrftoken"} <= set(cookies), cookies
    for name in ("__Host-sessionid", "__Host-csrftoken"):
        attributes = cookies[name].lower()
        assert "; secure" in attributes
        assert "; httponly" in attributes
        assert "samesite=lax" in attributes
        assert "domain=" not in attributes, "__Host- cookies must not name a domain"
        assert "path=/" in attributes
