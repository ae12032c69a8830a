"""The `myhealthhub` command: Django's management commands under one name.

`myhealthhub serve`, `worker`, `createuser`, `profiles`, `documents` and `check`
are the everyday ones; any other Django command (migrate, shell, …) passes through.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Mapping

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


def _speak_the_terminal_s_language(subcommand: str, args: list[str]) -> None:
    """Activate the terminal's language for the command's messages and --help.

    Management commands otherwise run in settings.LANGUAGE_CODE. Broken settings are
    left for Django to report, and so is broken code under runserver's autoreloader.
    """
    import django
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured
    from django.utils import translation

    if subcommand == "runserver" and "--noreload" not in args:
        return
    try:
        settings.INSTALLED_APPS  # noqa: B018 - loads the settings
    except (ImproperlyConfigured, ImportError):
        return
    django.setup()
    translation.activate(
        terminal_language(
            os.environ, (code for code, _name in settings.LANGUAGES), settings.LANGUAGE_CODE
        )
    )


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
    if args[0] == "help" or HELP.intersection(args[1:]):
        # Asking how a command works is not its first run: no data folder, no keys.
        from myhealthhub.lib import keyfiles

        keyfiles.leave_files_alone()
    if args[0] == "check" and "--deploy" in args and not _names_fail_level(args):
        # A deployment check that only prints its warnings lets any script
        # that runs it go on with an unsafe configuration.
        args = [*args, "--fail-level", "WARNING"]
    from django.core.management import execute_from_command_line

    _speak_the_terminal_s_language(args[0], args[1:])
    execute_from_command_line(["myhealthhub", args[0], *args[1:]])


def _names_fail_level(args: list[str]) -> bool:
    return any(arg.startswith("--fail-level") for arg in args)


if __name__ == "__main__":
    main()
