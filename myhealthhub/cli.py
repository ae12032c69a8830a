"""The `myhealthhub` command: Django's management commands under one name.

`myhealthhub serve`, `worker`, `createuser`, `profiles`, `documents` and `check`
are the everyday ones; any other Django command (migrate, shell, …) passes through.
"""

from __future__ import annotations

import os
import sys

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
  check        check the configuration (add --deploy for production)

Any other Django management command works too; `myhealthhub help` lists them.
`myhealthhub COMMAND --help` explains one.
"""


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "myhealthhub.settings")
    if not args or args[0] in {"-h", "--help"}:
        sys.stdout.write(USAGE)
        return
    from django.core.management import execute_from_command_line

    execute_from_command_line(["myhealthhub", args[0], *args[1:]])


if __name__ == "__main__":
    main()
