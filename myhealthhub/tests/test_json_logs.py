"""MYHEALTHHUB_LOG_FORMAT=json: every log line one JSON object, and nothing of a record in it.

A web server started as deploy/'s unit starts it, and the command line, each
a process of its own: every line they log parses as JSON with the time in
UTC, the level, the logger and the message; a request's line adds its id,
method, path, status and duration, and a failure its traceback. Plain text
stays the default, and a format MyHealthHub does not know is refused.
"""

from __future__ import annotations

import datetime as dt
import http.client
import json
from functools import partial
from typing import Any

import pytest

from myhealthhub.tests.commands import clean_environment, run_command
from myhealthhub.tests.processes import listening, start, stop, unit_commands, wait_until
from myhealthhub.tests.test_serve import free_port

pytestmark = pytest.mark.slow  # each one a process of its own

SAY = """
import logging, warnings
log = logging.getLogger("myhealthhub")
log.warning("a line")
try:
    1 / 0
except ZeroDivisionError:
    log.exception("it failed")
warnings.warn("a warning")
"""


def json_lines(text: str) -> list[dict[str, Any]]:
    """Each line of ``text`` as the JSON object it must be, with the fields every line has."""
    lines = [json.loads(line) for line in text.splitlines()]
    for line in lines:
        assert {"time", "level", "logger", "message"} <= line.keys(), line
        assert dt.datetime.fromisoformat(line["time"]).utcoffset() == dt.timedelta(0), line
    return lines


def test_a_web_server_logs_its_requests_as_json(tmp_path):
    env = clean_environment(
        tmp_path / "data",
        MYHEALTHHUB_LOG_FORMAT="json",
        # Static files from the apps, so no collectstatic (nor database) is needed.
        MYHEALTHHUB_STATIC_MANIFEST="false",
        MYHEALTHHUB_WEB_WORKERS="1",
        MYHEALTHHUB_WEB_THREADS="2",
    )
    port = free_port()
    (command,) = unit_commands("myhealthhub-web@.service", env, instance=str(port))
    log = tmp_path / "web.log"
    with log.open("wb") as output:
        server = start(command, env, output)
    try:
        wait_until(partial(listening, port), "the web server", 60)
        assert _get(port, "/accounts/login/", {"X-Request-Id": "req-1"}) == 200
        # A search's words are in its query string, which no log line keeps.
        assert _get(port, "/nowhere?q=asthma") == 404
        assert _get(port, "/", {"Host": "elsewhere.example"}) == 400
    finally:
        stop([server])

    written = log.read_text()
    lines = json_lines(written)
    assert "asthma" not in written
    # gunicorn's own lines too, not only the app's.
    assert any(line["message"].startswith("Listening at") for line in lines)
    served = {line["path"]: line for line in lines if line["logger"] == "gunicorn.access"}
    assert (
        served["/accounts/login/"].items()
        >= {
            "request_id": "req-1",
            "method": "GET",
            "status": 200,
            "message": "GET /accounts/login/ 200",
        }.items()
    )
    assert isinstance(served["/accounts/login/"]["duration_ms"], float)
    assert served["/nowhere"]["status"] == 404
    (not_found,) = [line for line in lines if line["logger"] == "django.request"]
    assert not_found.items() >= {"level": "WARNING", "path": "/nowhere", "status": 404}.items()
    (refused,) = [line for line in lines if line["logger"] == "django.security.DisallowedHost"]
    assert refused["status"] == 400
    assert "DisallowedHost" in refused["exception"]


def test_a_command_logs_json_with_its_failures_and_warnings(tmp_path):
    said = run_command(
        clean_environment(tmp_path, MYHEALTHHUB_LOG_FORMAT="json"), "shell", "-c", SAY
    )
    assert said.returncode == 0, said.stderr
    warned, failed, python_warning = json_lines(said.stderr)
    assert warned.items() >= {"level": "WARNING", "logger": "myhealthhub"}.items()
    assert failed["message"] == "it failed"
    assert failed["exception"].endswith("ZeroDivisionError: division by zero")
    assert python_warning["logger"] == "py.warnings" and "a warning" in python_warning["message"]


def test_plain_text_stays_the_default(tmp_path):
    said = run_command(clean_environment(tmp_path), "shell", "-c", SAY)
    assert said.returncode == 0, said.stderr
    assert said.stderr.startswith("a line\nit failed\nTraceback")


def test_a_format_it_does_not_know_is_refused(tmp_path):
    said = run_command(
        clean_environment(tmp_path, MYHEALTHHUB_LOG_FORMAT="xml"), "shell", "-c", SAY
    )
    assert said.returncode != 0
    assert "MYHEALTHHUB_LOG_FORMAT must be text or json, not 'xml'" in said.stderr


def _get(port: int, path: str, headers: dict[str, str] | None = None) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


REFUSED_VALUE = """
import logging
from fhir.resources.R4B.observation import Observation
try:
    Observation.model_validate(
        {"resourceType": "Observation", "status": "final", "code": {"text": "Glucose"},
         "valueQuantity": {"value": "glucose 187 very high"}}
    )
except Exception:
    logging.getLogger("myhealthhub").exception("the file could not be read")
"""


@pytest.mark.parametrize("log_format", ["text", "json"])
def test_a_validation_error_is_logged_without_the_values_it_refused(tmp_path, log_format):
    said = run_command(
        clean_environment(tmp_path, MYHEALTHHUB_LOG_FORMAT=log_format), "shell", "-c", REFUSED_VALUE
    )
    assert said.returncode == 0, said.stderr
    assert "the file could not be read" in said.stderr
    assert "187" not in said.stderr and "very high" not in said.stderr
    assert "valueQuantity.value" in said.stderr and "value withheld" in said.stderr
