"""CSV bytes to records and rows, streaming, with the line each starts on.

No Django here beyond translated refusals: the encoding and delimiter are
guessed from the first 64 KiB, then the file is read through a text wrapper
one bounded line at a time, so a file of any size (or a binary file with no
line breaks at all) costs at most one line of memory.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import IO

from django.utils.formats import number_format
from django.utils.translation import gettext as _

from myhealthhub.errors import Refused

SNIFF_BYTES = 64 * 1024
MAX_LINE = 64 * 1024
MAX_ROWS = 5_000_000
DELIMITERS = (",", ";", "\t")
_SEP_LINE = re.compile(r"^sep=(.)\s*$")  # Excel's hint line: "sep=;"


@dataclass(frozen=True)
class Dialect:
    encoding: str
    delimiter: str
    skip_lines: int = 0  # a leading "sep=" line


@dataclass(frozen=True)
class Record:
    line: int  # where the record starts (a quoted note may span lines)
    fields: list[str]


@dataclass(frozen=True)
class Row:
    line: int
    cells: dict[str, str]  # header name -> cell text, stripped; "" when missing


def sniff(head: bytes) -> Dialect:
    """The encoding and delimiter of a file, from its first bytes."""
    encoding = _encoding(head)
    text = head.decode(encoding, errors="replace")
    lines = text.splitlines()[:30]
    if len(head) >= SNIFF_BYTES and len(lines) > 1:
        lines = lines[:-1]  # the last line may be cut short
    skip = 0
    if lines and (hint := _SEP_LINE.match(lines[0].lstrip("\ufeff"))):
        if hint.group(1) in DELIMITERS:
            return Dialect(encoding, hint.group(1), skip_lines=1)
        skip = 1
    return Dialect(encoding, _delimiter(lines[skip:]), skip_lines=skip)


def records(file: IO[bytes], dialect: Dialect) -> Iterator[Record]:
    """The non-blank records of ``file`` from its start; Refused where it stops being CSV."""
    file.seek(0)
    text = io.TextIOWrapper(file, encoding=dialect.encoding, errors="replace", newline="")
    try:
        lines = _bounded_lines(text, dialect.skip_lines)
        reader = csv.reader(lines, delimiter=dialect.delimiter)
        csv.field_size_limit(MAX_LINE)
        count = 0
        previous = dialect.skip_lines
        while True:
            start = previous + 1
            try:
                fields = next(reader)
            except StopIteration:
                return
            except csv.Error:
                raise Refused(
                    _(
                        "This line cannot be read as CSV: a quote is not closed, or a cell is too "
                        "long."
                    ),
                    where_line(start),
                ) from None
            previous = reader.line_num + dialect.skip_lines
            if not any(field.strip() for field in fields):
                continue
            count += 1
            if count > MAX_ROWS:
                raise Refused(
                    _("This file has more than %(limit)s rows; split it into smaller files.")
                    % {"limit": number_format(MAX_ROWS, force_grouping=True)},
                    where_line(start),
                )
            yield Record(start, fields)
    finally:
        text.detach()


def header_names(fields: list[str]) -> list[str]:
    """Column names, unique and never empty, so rows can be dicts."""
    names: list[str] = []
    seen: set[str] = set()
    for index, field in enumerate(fields, start=1):
        name = " ".join(field.replace("\ufeff", "").split()) or f"#{index}"
        unique, copy = name, 2
        while unique in seen:
            unique, copy = f"{name} #{copy}", copy + 1
        seen.add(unique)
        names.append(unique)
    return names


def rows(data: Iterable[Record], header: list[str]) -> Iterator[Row]:
    """Records under ``header`` as dicts; cells past the header are dropped."""
    width = len(header)
    for record in data:
        cells = [field.strip() for field in record.fields[:width]]
        cells.extend([""] * (width - len(cells)))
        yield Row(record.line, dict(zip(header, cells, strict=True)))


def _encoding(head: bytes) -> str:
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"  # Excel's "Unicode text": tab-separated UTF-16
    try:
        # Final=False: a character cut in two at the end of the head is not an error.
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        pass
    else:
        return "utf-8-sig"  # reads UTF-8 with or without a BOM
    try:
        head.decode("cp1252")
    except UnicodeDecodeError:
        return "latin-1"
    return "cp1252"


def _delimiter(lines: list[str]) -> str:
    """The delimiter that splits the most lines into the same number of cells."""
    best, best_score = ",", (0, 0)
    for delimiter in DELIMITERS:
        counts = [line.count(delimiter) for line in lines if line.strip()]
        counts = [count for count in counts if count]
        if not counts:
            continue
        usual = max(set(counts), key=counts.count)
        score = (counts.count(usual), usual)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _bounded_lines(text: io.TextIOWrapper, skip: int) -> Iterator[str]:
    number = 0
    while True:
        line = text.readline(MAX_LINE + 1)
        if not line:
            return
        number += 1
        if len(line) > MAX_LINE:
            raise Refused(
                _(
                    "This line is longer than 64 KiB; this does not look like a CSV file of "
                    "readings."
                ),
                where_line(number),
            )
        if number > skip:
            yield line


def where_line(number: int) -> str:
    """A place in the file, for the person: "line 41"."""
    return _("line %(number)s") % {"number": number}


def line_places() -> Callable[[int], str]:
    """``where_line`` translated once, for the place of every row of a large file."""
    template = _("line %(number)s")
    return lambda number: template % {"number": number}
