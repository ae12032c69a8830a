"""The `myhealthhub` command: Django's management commands under one name.

`myhealthhub serve`, `worker`, `createuser`, `profiles`, `documents` and `check`
are the everyday ones; any other Django command (migrate, shell, …) passes through.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from django.db.migrations import Migration

USAGE = """\
usage: myhealthhub COMMAND [options]

  serve        apply migrations, then run the web server and the task worker
  worker       run the task worker alone
  createuser   make an account (--email EMAIL [--password-stdin])
  profiles     create, list and show profiles
  documents    add files as encrypted documents, list them, get one back
  import       import FHIR, C-CDA or CSV readings into a profile, or restore an archive
  export       export a profile: summary PDF, IPS, FHIR, CSV, iCalendar or full archive
  keys         rotate the master key that wraps every file's key
  search       rebuild the search index (search reindex)
  reconcile    rebuild a profile's groups of entries that state the same thing (--json)
  share        make, list and revoke SMART Health Links to a profile's summary
  tokens       make, list and revoke personal access tokens for the API
  reminders    send the reminders due now (reminders send); the worker does it hourly
  backup       back the whole instance up to one file, while it serves
  restore      restore such a backup into an empty instance
  check        check the configuration (add --deploy for production)

Any other Django management command works too; `myhealthhub help` lists them.
`myhealthhub COMMAND --help` explains one.
"""


LOCALE_VARIABLES = ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")


def terminal_language(environ: Mapping[str, str], supported: Iterable[str], default: str) -> str:
    """The language the terminal asks for, if MyHealthHub speaks it; else `default`.

    The first non-empty of LANGUAGE, LC_ALL, LC_MESSAGES and LANG decides, as for
    gettext: "es_ES.UTF-8", "es_MX" and "es" are Spanish; "C", "POSIX" and languages
    MyHealthHub does not speak give `default`. LANGUAGE may list several ("fr:es"):
    the first one spoken wins.
    """
    value = next((environ[name] for name in LOCALE_VARIABLES if environ.get(name)), "")
    spoken = {code.lower() for code in supported}
    for locale_name in value.split(":"):
        # language[_territory][.codeset][@modifier]
        code = locale_name.partition(".")[0].partition("@")[0].replace("_", "-").lower()
        for candidate in (code, code.partition("-")[0]):
            if candidate in spoken:
                return candidate
    return default


def _speak_the_terminal_s_language(subcommand: str, args: list[str]) -> bool:
    """Activate the terminal's language for the command's messages and --help.

    Management commands otherwise run in settings.LANGUAGE_CODE. Broken settings are
    left for Django to report, and so is broken code under runserver's autoreloader.
    Says whether Django is set up.
    """
    import django
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured
    from django.utils import translation

    if subcommand == "runserver" and "--noreload" not in args:
        return False
    try:
        settings.INSTALLED_APPS  # noqa: B018 - loads the settings
    except (ImproperlyConfigured, ImportError):
        return False
    django.setup()
    translation.activate(
        terminal_language(
            os.environ, (code for code, _name in settings.LANGUAGES), settings.LANGUAGE_CODE
        )
    )
    return True


# The project's own commands that leave an empty database as it is: `serve`
# prepares it itself, saying so in its own output; `restore` needs it empty;
# `backup` copies what is there; `makemessages` never opens it.
LEAVE_AN_EMPTY_DATABASE = frozenset({"serve", "restore", "backup", "makemessages"})


def _prepare_an_empty_database(subcommand: str) -> None:
    """Migrate a database with no tables yet before a project command that needs them.

    A first `myhealthhub demo` (or createuser, import, worker…) on a new data
    folder then works instead of failing on "no such table". Django's own
    commands (migrate, check, shell…) are left as they are; so is a database
    that has tables, whatever its migrations.
    """
    from django.core.management import get_commands
    from django.db import DatabaseError, connection

    app = get_commands().get(subcommand, "")
    if subcommand in LEAVE_AN_EMPTY_DATABASE or not (
        app == "myhealthhub" or app.startswith("myhealthhub.")
    ):
        return
    try:
        if "django_migrations" in connection.introspection.table_names():
            return
    except DatabaseError:
        return  # an unreachable server: the command itself says so
    # On stderr: a command's own output (a new profile's id, an export) may be read by a script.
    prepare_database(sys.stderr)


class _MigrationCounter:
    """ "Preparing the database… 12/80 migrations (records)", in place on a terminal.

    Elsewhere (a log, a pipe) it writes a line as each app's migrations begin.
    """

    def __init__(self, out: TextIO, total: int) -> None:
        self.out = out
        self.total = total
        self.done = 0
        self.app = ""
        self.on_terminal = out.isatty()

    def __call__(self, action: str, migration: Migration | None = None, fake: bool = False) -> None:
        from django.utils.translation import gettext as _

        from myhealthhub.lib import formatting

        if migration is None or action not in ("apply_start", "apply_success"):
            return
        if action == "apply_success":
            self.done += 1
        app = migration.app_label
        if not self.on_terminal and (action != "apply_start" or app == self.app):
            return
        self.app = app
        line = _("%(done)s/%(total)s migrations (%(app)s)") % {
            "done": formatting.number(self.done),
            "total": formatting.number(self.total),
            "app": app,
        }
        if self.on_terminal:
            self.out.write(f"\r  {line}\x1b[K")
        else:
            self.out.write(f"  {line}\n")
        self.out.flush()


def prepare_database(out: TextIO) -> None:
    """Apply the migrations not applied yet, with a counter on ``out`` when there are some.

    The same as `myhealthhub migrate` (its checks and signals too), only
    quieter: a line, a counter, and how long it took.
    """
    from django.core.management import call_command
    from django.core.management.commands.migrate import Command as Migrate
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor
    from django.utils.translation import gettext as _

    from myhealthhub.lib import formatting

    executor = MigrationExecutor(connection)
    total = len(executor.migration_plan(executor.loader.graph.leaf_nodes()))
    counter = _MigrationCounter(out, total)

    class CountingMigrate(Migrate):
        def migration_progress_callback(self, action: str, *args: Any, **kwargs: Any) -> None:
            counter(action, *args, **kwargs)

    started = time.monotonic()
    if total:
        out.write(_("Preparing the database…") + "\n")
        out.flush()
    call_command(CountingMigrate(), interactive=False, verbosity=0)
    if total:
        if counter.on_terminal:
            out.write("\n")
        out.write(
            _("The database is ready (%(count)s migrations in %(time)s).")
            % {
                "count": formatting.number(total),
                "time": formatting.duration(time.monotonic() - started),
            }
            + "\n"
        )
        out.flush()


HELP = frozenset({"-h", "--help", "--version"})
# Files and folders made from here on (the data folder, the database and its
# journal, documents, exports) are readable by their owner only: they hold a
# family's health record.
PRIVATE = 0o077


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    os.umask(PRIVATE)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "myhealthhub.settings")
    if not args or args[0] in HELP:
        sys.stdout.write(USAGE)
        return
    if asking_for_help(args):
        # Asking how a command works is not its first run: no data folder, no keys.
        from myhealthhub.lib import keyfiles

        keyfiles.leave_files_alone()
    if args[0] == "check" and "--deploy" in args and not _names_fail_level(args):
        # A deployment check that only prints its warnings lets any script
        # that runs it go on with an unsafe configuration.
        args = [*args, "--fail-level", "WARNING"]
    from django.core.management import execute_from_command_line

    if _speak_the_terminal_s_language(args[0], args[1:]) and not asking_for_help(args):
        _prepare_an_empty_database(args[0])
    execute_from_command_line(["myhealthhub", args[0], *args[1:]])


def asking_for_help(args: list[str]) -> bool:
    return args[0] == "help" or bool(HELP.intersection(args[1:]))


def _names_fail_level(args: list[str]) -> bool:
    return any(arg.startswith("--fail-level") for arg in args)


if __name__ == "__main__":
    main()
