"""The WSGI application `myhealthhub serve` has gunicorn load once, warmed, before it forks.

With ``--preload`` gunicorn's arbiter loads the application before it starts
its workers, and each worker is a fork of it: what the arbiter has imported,
compiled and read is every worker's from its first request. So the loading
goes further than Django's own: every URL pattern (and so every view module),
every template, both languages' catalogues, and one request for the sign-in
page through the whole middleware stack. Named on gunicorn's command line as
``myhealthhub.management.preload:warmed_application()``.
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from django.core.handlers.wsgi import WSGIHandler

log = logging.getLogger(__name__)
WARM_PATH = "/accounts/login/"
PACKAGE = Path(__file__).resolve().parents[1]  # myhealthhub/


def warmed_application() -> WSGIHandler:
    from myhealthhub.wsgi import application

    started = time.monotonic()
    try:
        warm(application)
    except Exception:
        # Only a head start: a page that fails here fails, and is logged, when asked for.
        log.exception("warming the application before the workers start failed")
    log.debug("warmed in %.1f s", time.monotonic() - started)
    return application


def warm(application: WSGIHandler) -> None:
    from django.db import connections
    from django.urls import get_resolver

    # Every URL pattern, so every view module and what it imports.
    get_resolver().reverse_dict  # noqa: B018 - fills the resolver's tables
    _compile_templates()
    _load_catalogues()
    try:
        _ask(application, WARM_PATH)
    finally:
        # A connection opened here must not be shared by the forked workers.
        connections.close_all()


def _compile_templates() -> None:
    from django.template import TemplateSyntaxError, engines
    from django.template.backends.django import DjangoTemplates

    for engine in engines.all():
        if not isinstance(engine, DjangoTemplates):
            continue
        for folder in engine.template_dirs:
            root = Path(folder).resolve()
            # Only MyHealthHub's own templates: other packages' are mostly
            # pages (allauth's defaults) that are never shown.
            if not root.is_relative_to(PACKAGE) or not root.is_dir():
                continue
            for path in sorted(root.rglob("*")):
                if path.is_file() and path.suffix in (".html", ".txt", ".svg", ".xml"):
                    try:
                        engine.get_template(path.relative_to(root).as_posix())
                    except TemplateSyntaxError:
                        continue  # a fragment that only compiles inside its parent


def _load_catalogues() -> None:
    from django.conf import settings
    from django.utils import translation

    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            translation.gettext("Sign in")


def _ask(application: WSGIHandler, path: str) -> None:
    """One GET of ``path`` through the application, as the first visitor would make it."""
    from django.conf import settings

    site = urlsplit(settings.SITE_URL)
    host = site.netloc or "127.0.0.1"
    environ: dict[str, Any] = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_NAME": site.hostname or "127.0.0.1",
        "SERVER_PORT": str(site.port or (443 if site.scheme == "https" else 80)),
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": host,
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.url_scheme": site.scheme or "http",
        "wsgi.input": _Empty(),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
        "wsgi.version": (1, 0),
    }
    answer = application(environ, _start_response)
    try:
        for _chunk in answer:
            pass
    finally:
        close = getattr(answer, "close", None)
        if close is not None:
            close()


def _start_response(
    status: str, headers: list[tuple[str, str]], exc_info: Any = None, /
) -> Callable[[bytes], object]:
    return len


class _Empty:
    def read(self, size: int = -1) -> bytes:
        return b""

    def readline(self, size: int = -1) -> bytes:
        return b""
