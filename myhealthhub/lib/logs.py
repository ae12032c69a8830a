"""Log lines as plain text, or as one JSON object a line for a log collector.

``MYHEALTHHUB_LOG_FORMAT=json`` chooses JSON: each line says when (UTC, ISO
8601), how grave, which logger and what; a request's line adds its id,
method, path, status and duration where the record knows them, and a
failure its traceback as text. Only these named fields are written: whatever
else a record carries (``extra``, a request's query string, gunicorn's
referrer and user agent) could hold a search for a condition, and stays out.
Every line is ASCII, so no text inside it can start a line of its own.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Mapping
from typing import Any

import pydantic

from myhealthhub.lib.env import PREFIX, ConfigurationError, env

FORMATS = ("text", "json")
# The proxy makes one per request (Caddy's {http.request.uuid}); a client
# reaching the server some other way could send any text.
REQUEST_ID_MAX = 100


def log_format() -> str:
    """The format ``MYHEALTHHUB_LOG_FORMAT`` names: "text" (the default) or "json"."""
    chosen = env("LOG_FORMAT").strip().lower() or "text"
    if chosen not in FORMATS:
        raise ConfigurationError(f"{PREFIX}LOG_FORMAT must be text or json, not {chosen!r}")
    return chosen


def formatter() -> logging.Formatter:
    """The formatter LOGGING gives its handler, in the chosen format."""
    if log_format() == "text":
        return TextFormatter()
    # Python's warnings ("No directory at: …/static/") would be lines of plain
    # text among the JSON ones: they go through logging ("py.warnings") instead.
    logging.captureWarnings(True)
    return JsonFormatter()


class WithholdsValues(logging.Formatter):
    """Tracebacks without the values an exception's message repeats from its input.

    pydantic's validation errors (fhir.resources reading an imported file)
    print each refused value (``input_value=…``): a blood sugar, a diagnosis.
    Where each error was and why stays; the value does not.
    """

    def formatException(self, ei: Any) -> str:
        text = super().formatException(ei)
        error = ei[1]
        if isinstance(error, pydantic.ValidationError):
            text = text.replace(str(error), _without_input(error))
        return text


def _without_input(error: pydantic.ValidationError) -> str:
    lines = [f"{error.error_count()} validation errors for {error.title}"]
    for item in error.errors(include_input=False, include_url=False, include_context=False):
        where = ".".join(str(part) for part in item["loc"])
        lines.append(f"{where}: {item['msg']} [type={item['type']}, value withheld]")
    return "\n".join(lines)


class TextFormatter(WithholdsValues):
    pass


class JsonFormatter(WithholdsValues):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC)
            .isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        access = _gunicorn_access(record)
        if access is not None:
            line.update(access)
            # gunicorn's own line follows --access-logformat, which may name the
            # query string, the referrer or the user agent.
            line["message"] = f"{access['method']} {access['path']} {access['status']}"
        else:
            line.update(_django_request(record))
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            line["stack"] = self.formatStack(record.stack_info)
        return json.dumps(line, default=str)


def _gunicorn_access(record: logging.LogRecord) -> dict[str, Any] | None:
    """A gunicorn access line's request, from the atoms its access log is given."""
    atoms = record.args
    if record.name != "gunicorn.access" or not isinstance(atoms, Mapping):
        return None
    status = str(atoms.get("s"))
    fields: dict[str, Any] = {
        "method": atoms.get("m"),
        "path": atoms.get("U"),
        "status": int(status) if status.isdigit() else status,
    }
    microseconds = atoms.get("D")
    if isinstance(microseconds, int):
        fields["duration_ms"] = round(microseconds / 1000, 1)
    return _with_request_id(fields, atoms.get("{x-request-id}i"))


def _django_request(record: logging.LogRecord) -> dict[str, Any]:
    """What Django's loggers (django.request, django.security.*) say of the request."""
    fields: dict[str, Any] = {}
    request: Any = getattr(record, "request", None)
    # runserver's records carry a socket as their "request": only Django's HttpRequest has these.
    if hasattr(request, "method") and hasattr(request, "headers"):
        fields = {"method": request.method, "path": request.path}
        fields = _with_request_id(fields, request.headers.get("X-Request-Id"))
    status = getattr(record, "status_code", None)
    if isinstance(status, int):
        fields["status"] = status
    return fields


def _with_request_id(fields: dict[str, Any], request_id: object) -> dict[str, Any]:
    if isinstance(request_id, str) and request_id:
        return {"request_id": request_id[:REQUEST_ID_MAX], **fields}
    return fields
