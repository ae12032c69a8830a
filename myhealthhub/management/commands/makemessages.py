"""Django's makemessages, knowing the project's alias for marking strings translated later.

Word tables (visit classes, relatives, timings) are marked with
``gettext_noop as N_`` and translated where they are shown; without the
keyword, xgettext would leave every one of them out of the catalogue.
"""

from __future__ import annotations

from django.core.management.commands import makemessages


class Command(makemessages.Command):
    xgettext_options = [*makemessages.Command.xgettext_options, "--keyword=N_"]
