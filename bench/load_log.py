"""What bench/load.py finds in the server's log: "database is locked", timeouts, tracebacks."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

# Lines other processes write into the same log, in the middle of a traceback:
# gunicorn's own, its access log, the task worker's.
OTHER_PROCESSES = re.compile(r"\[\d{4}-\d\d-\d\d |\S+ \[\d\d/\w+/\d{4}:|Task id=")


@dataclass(frozen=True)
class LogFindings:
    locked: int
    timeouts: int
    tracebacks: Counter[str]  # by their last line
    examples: dict[str, str]  # the first whole traceback of each


TRACEBACK = "Traceback (most recent call last):"
CHAINED = ("The above exception", "During handling")


def read_log(text: str) -> LogFindings:
    tracebacks: Counter[str] = Counter()
    examples: dict[str, str] = {}
    lines = [line for line in text.splitlines() if not OTHER_PROCESSES.match(line)]
    index = 0
    while index < len(lines):
        if not lines[index].startswith(TRACEBACK):
            index += 1
            continue
        # The line before is the logger's message ("Internal Server Error: /p/…").
        begun = max(index - 1, 0)
        index = end_of_traceback(lines, index)
        last = lines[index] if index < len(lines) else "(the log ends mid-traceback)"
        # psycopg and sqlite3 add DETAIL and HINT lines after the exception's.
        after = index + 1
        while after < len(lines) and after - index <= 6 and lines[after].strip():
            after += 1
        tracebacks[last] += 1
        examples.setdefault(last, "\n".join(lines[begun:after]))
        index = after
    return LogFindings(
        locked=text.count("database is locked"),
        timeouts=text.count("WORKER TIMEOUT"),
        tracebacks=tracebacks,
        examples=examples,
    )


def end_of_traceback(lines: list[str], index: int) -> int:
    """The line of the exception that ends the traceback at ``index``, chained ones followed."""
    while True:
        index += 1
        while index < len(lines) and (not lines[index].strip() or lines[index].startswith(" ")):
            index += 1
        # "The above exception was the direct cause…" a few lines on: the chain goes on.
        following = index + 1
        while following < len(lines) and following - index <= 8:
            if lines[following].startswith(CHAINED):
                break
            following += 1
        else:
            return index
        while following < len(lines) and not lines[following].startswith(TRACEBACK):
            following += 1
        if following == len(lines):
            return index
        index = following
