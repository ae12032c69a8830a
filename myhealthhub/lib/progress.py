"""How far a long task has got: a progress bar for the commands, and its pace in words.

The pace (records a second, time left) is worked out the same way for the
command line's bar and for the import page, from how far the task has got,
how many records that is, and how long it has taken.
"""

from __future__ import annotations

import time

from django.core.management.base import OutputWrapper
from django.utils.translation import gettext as _

from myhealthhub.lib import formatting

# Below this much done, or this soon, a rate says more about start-up than the task.
TOO_EARLY = 0.02
TOO_SOON = 2.0


def pace(fraction: float, items: int, elapsed: float) -> str:
    """ "52,000 records a second · about 42 s left", or as much of it as is known yet."""
    if elapsed < TOO_SOON or fraction < TOO_EARLY or fraction >= 1:
        return ""
    parts = []
    if items:
        parts.append(
            _("%(rate)s records a second") % {"rate": formatting.number(items / elapsed, digits=0)}
        )
    left = elapsed * (1 - fraction) / fraction
    parts.append(_("about %(time)s left") % {"time": formatting.duration(max(left, 1))})
    return " · ".join(parts)


class ProgressBar:
    """``Reading file.json  [#####     ]  50%``; silent when the output is not a terminal."""

    WIDTH = 30

    def __init__(self, stream: OutputWrapper, doing: str, label: str) -> None:
        # ``doing`` is the translated verb: "Reading", "Writing".
        self.stream = stream
        self.doing = doing
        self.label = label[:40]
        self.shown = ""
        self.on_terminal = stream.isatty()
        self.started = time.monotonic()

    def __call__(self, fraction: float, /, items: int = 0) -> None:
        if not self.on_terminal:
            return
        percent = int(max(0.0, min(fraction, 1.0)) * 100)
        said = pace(fraction, items, time.monotonic() - self.started)
        line = f"{percent:3d}%  {said}"
        if line == self.shown:
            return
        self.shown = line
        filled = self.WIDTH * percent // 100
        bar = "#" * filled + " " * (self.WIDTH - filled)
        end = "\n" if percent == 100 else ""
        # Cleared to the end of the line: the pace may be shorter than before.
        self.stream.write(f"\r{self.doing} {self.label}  [{bar}] {line}\033[K", ending=end)
        self.stream.flush()
