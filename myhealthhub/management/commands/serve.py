from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _

from myhealthhub.documents import spool
from myhealthhub.lib.env import env, env_int

READY_TIMEOUT_SECONDS = 30


class Command(BaseCommand):
    help = _("Apply migrations, then run the web server (gunicorn) and the task worker together.")
    requires_system_checks: list[str] = []  # migrate runs them, with the database ones

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default=env("HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=env_int("PORT", 8000))
        parser.add_argument(
            "--workers", type=int, default=env_int("WEB_WORKERS", 3), help=_("web server processes")
        )
        parser.add_argument(
            "--no-task-worker",
            action="store_true",
            help=_("do not start the task worker (run `myhealthhub worker` elsewhere)"),
        )

    def handle(self, *args: Any, host: str, port: int, workers: int, **options: Any) -> None:
        verbosity = options["verbosity"]
        call_command("migrate", interactive=False, verbosity=max(verbosity - 1, 0))
        call_command("collectstatic", interactive=False, verbosity=0)
        # Documents deleted more than 30 days ago go for good at each start;
        # `myhealthhub documents purge` does the same from a daily timer.
        call_command("documents", "purge", stdout=self.stdout)
        # The private folder uploads wait in, swept of what a killed process
        # left; the worker sweeps it hourly after this.
        spool.prepare()

        child_env = {**os.environ, "MYHEALTHHUB_DATA_DIR": str(settings.DATA_DIR)}
        children = [
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "myhealthhub.wsgi:application",
                    "--bind",
                    f"{host}:{port}",
                    "--workers",
                    str(workers),
                    # Threaded workers keep reporting in while a request runs,
                    # so a large upload on a slow link is not killed after
                    # gunicorn's 30-second timeout.
                    "--worker-class",
                    "gthread",
                    "--threads",
                    str(env_int("WEB_THREADS", 4)),
                    "--access-logfile",
                    "-",
                    # Path only: query strings (searches, test names) and the
                    # referrer can carry health information.
                    "--access-logformat",
                    '%(h)s %(t)s "%(m)s %(U)s" %(s)s %(b)s %(L)ss',
                    # gunicorn's own lines in MYHEALTHHUB_LOG_FORMAT, as the app's.
                    "--logger-class",
                    "myhealthhub.lib.gunicorn_logs.Logger",
                    "--graceful-timeout",
                    "20",
                    # Its control socket is one per user account by default, so
                    # two instances on one machine would fight over it.
                    "--no-control-socket",
                ],
                env=child_env,
            )
        ]
        if not options["no_task_worker"]:
            children.append(
                subprocess.Popen(
                    [sys.executable, "-m", "myhealthhub.cli", "worker", "--no-startup-delay"],
                    env=child_env,
                )
            )

        def stop(signum: int, frame: Any) -> None:
            for child in children:
                if child.poll() is None:
                    child.send_signal(signal.SIGTERM)

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)

        if _wait_for_port(host, port, children[0]):
            shown_host = f"[{host}]" if ":" in host else host
            url = f"http://{shown_host}:{port}/"
            self.stdout.write(
                self.style.SUCCESS(_("MyHealthHub is running at %(url)s") % {"url": url})
                + "\n"
                + _("Press Ctrl+C to stop.")
            )
        # If either process dies, stop the other too: a server without its
        # worker would accept work it never does.
        while all(child.poll() is None for child in children):
            time.sleep(0.5)
        stop(signal.SIGTERM, None)
        codes = [child.wait() for child in children]
        if any(code not in (0, -signal.SIGTERM) for code in codes):
            sys.exit(1)


def _wait_for_port(host: str, port: int, server: subprocess.Popen[bytes]) -> bool:
    deadline = time.monotonic() + READY_TIMEOUT_SECONDS
    while time.monotonic() < deadline and server.poll() is None:
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return True
        except OSError:
            time.sleep(0.2)
    return False
