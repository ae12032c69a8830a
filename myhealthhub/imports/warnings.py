"""Warnings that a file repeats on every line, shown a few times and then counted.

A bulk export or a vendor's document repeats the same quirk on every line:
each kind of warning is shown a few times, then summed up in one line.
"""

from __future__ import annotations

from collections import Counter

from django.utils.translation import ngettext

from myhealthhub.imports.base import Problem

# The same warning this many times, then one line saying how many more.
WARNINGS_SHOWN = 5


class CappedWarnings:
    """Warnings of one file, each kind shown ``WARNINGS_SHOWN`` times."""

    def __init__(self, warnings: list[Problem]) -> None:
        self.warnings = warnings
        self.warned: Counter[str] = Counter()
        self.last_warned: dict[str, tuple[str, str]] = {}

    def warn(self, kind: str, message: str, where: str) -> None:
        self.warned[kind] += 1
        if self.warned[kind] <= WARNINGS_SHOWN:
            self.warnings.append(Problem(message, where))
        else:
            self.last_warned[kind] = (message, where)

    def flush_warnings(self) -> None:
        """One line for each kind of warning that was given more often than shown."""
        for kind, (message, where) in self.last_warned.items():
            more = self.warned[kind] - WARNINGS_SHOWN
            self.warnings.append(
                Problem(
                    ngettext(
                        "%(count)d more warning like this one: %(message)s",
                        "%(count)d more warnings like this one: %(message)s",
                        more,
                    )
                    % {"count": more, "message": message},
                    where,
                )
            )
