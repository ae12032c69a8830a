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
from django.utils.translation import ngettext

from myhealthhub.accounts import console_mail
from myhealthhub.cli import prepare_database
from myhealthhub.documents import spool
from myhealthhub.documents.actions import purge_deleted
from myhealthhub.lib.env import env, env_int

# The web server listens once its arbiter has loaded and warmed the app
# (management/preload.py): seconds on a slow machine the first time, with no bytecode yet.
READY_TIMEOUT_SECONDS = 120


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
        prepare_database(sys.stdout)
        call_command("collectstatic", interactive=False, verbosity=0)
        # Documents deleted more than 30 days ago go for good at each start;
        # `myhealthhub documents purge` does the same from a daily timer.
        removed = purge_deleted()
        if removed:
            self.stdout.write(
                ngettext(
                    "Removed %(count)d deleted documents for good.",
                    "Removed %(count)d deleted documents for good.",
                    removed,
                )
                % {"count": removed}
            )
        # The private folder uploads wait in, swept of what a killed process
        # left; the worker sweeps it hourly after this.
        spool.prepare()

        self.stdout.write(_("Starting the web server…"))
        self.stdout.flush()
        child_env = {**os.environ, "MYHEALTHHUB_DATA_DIR": str(settings.DATA_DIR)}
        children = [
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    # Loaded and warmed once, before the workers are forked
                    # from it: no worker answers its first request cold.
                    "myhealthhub.management.preload:warmed_application()",
                    "--preload",
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

        def stop(signum: int, frame: Any) -> None:
            for child in children:
                if child.poll() is None:
                    child.send_signal(signal.SIGTERM)

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)

        ready = _wait_for_port(host, port, children[0])
        # The task worker starts once the web server answers, so that the two
        # do not share the machine while the first page is being made ready.
        if ready and not options["no_task_worker"]:
            children.append(
                subprocess.Popen(
                    [sys.executable, "-m", "myhealthhub.cli", "worker", "--no-startup-delay"],
                    env=child_env,
                )
            )
        if ready:
            self._banner(host, port)
        # If either process dies, stop the other too: a server without its
        # worker would accept work it never does.
        while all(child.poll() is None for child in children):
            time.sleep(0.5)
        stop(signal.SIGTERM, None)
        codes = [child.wait() for child in children]
        if any(code not in (0, -signal.SIGTERM) for code in codes):
            sys.exit(1)

    def _banner(self, host: str, port: int) -> None:
        shown_host = f"[{host}]" if ":" in host else host
        url = f"http://{shown_host}:{port}/"
        lines = [
            "",
            self.style.SUCCESS(_("MyHealthHub is running at %(url)s") % {"url": url}),
            _("Open it in your browser. Data folder: %(folder)s") % {"folder": settings.DATA_DIR},
        ]
        if console_mail.prints_to_terminal(settings.EMAIL_BACKEND):
            lines.append(
                _(
                    "No mail server is set up (MYHEALTHHUB_EMAIL_HOST): e-mails, and the "
                    "sign-up codes in them, are printed in this terminal."
                )
            )
        lines += [_("Press Ctrl+C to stop."), ""]
        self.stdout.write("\n".join(lines))
        self.stdout.flush()


def _wait_for_port(host: str, port: int, server: subprocess.Popen[bytes]) -> bool:
    deadline = time.monotonic() + READY_TIMEOUT_SECONDS
    while time.monotonic() < deadline and server.poll() is None:
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return True
        except OSError:
            time.sleep(0.2)
    return False
