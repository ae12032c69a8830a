"""Every file shipped in myhealthhub/data is declared here, and parses strictly as declared.

A table read leniently fails quietly: DictReader once kept "MMR (measles"
of a vaccine name with an unquoted comma. So each file is named below with
what it must hold, and read the strict way, whatever code loads it later. A
file nobody declared fails until someone does: adding a table means adding
its line to DECLARED.

The rules, for every CSV table: UTF-8 without a byte order mark, composed
(NFC) like what browsers send; written exactly as ``csv.writer`` with the
ShippedCsv dialect writes its rows (which rules out stray quotes, quoting
where none is needed, and "\\r\\n"); the declared header; every row as many
cells as the header, none with spaces around it; key cells filled and
unique together; required cells filled, and so is every column named for a
language the site speaks (settings.LANGUAGES), so no row lacks its Spanish.
JSON files load with ``json.loads``, without repeated keys or NaN.
"""

from __future__ import annotations

import csv
import io
import json
import unicodedata
from dataclasses import dataclass
from itertools import zip_longest
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

import myhealthhub

DATA = Path(myhealthhub.__file__).parent / "data"
LANGUAGE_CODES = tuple(code for code, _name in settings.LANGUAGES)


class ShippedCsv(csv.Dialect):
    """How every shipped table is written: plain CSV, quoted only where needed, "\\n" endings."""

    delimiter = ","
    quotechar = '"'
    escapechar = None
    doublequote = True
    skipinitialspace = False
    lineterminator = "\n"
    quoting = csv.QUOTE_MINIMAL
    strict = True


@dataclass(frozen=True)
class Table:
    """A CSV file with exactly these columns, in this order."""

    columns: tuple[str, ...]
    # Filled in every row and, taken together, never the same in two rows.
    key: tuple[str, ...]
    # Filled in every row, beyond the key and the language columns.
    required: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        unknown = set(self.key + self.required) - set(self.columns)
        assert not unknown, f"key or required names columns the table lacks: {sorted(unknown)}"

    @property
    def filled(self) -> tuple[str, ...]:
        languages = tuple(column for column in self.columns if column in LANGUAGE_CODES)
        return tuple(dict.fromkeys(self.key + self.required + languages))


@dataclass(frozen=True)
class Json:
    """A JSON file: any value, read strictly."""


@dataclass(frozen=True)
class Text:
    """A file for people to read, such as the licenses: UTF-8, nothing more."""


DECLARED: dict[str, Table | Json | Text] = {
    "LICENSES.md": Text(),
    "cvx.csv": Table(("code", "en", "es"), key=("code",)),
    # A test in no usual panel (ferritin, INR) has an empty "panel".
    "loinc.csv": Table(("code", "en", "es", "unit", "panel"), key=("code",), required=("unit",)),
    # "ingredients": RxNorm's lower-case English names, ";" between two (lib/medicine_names.py).
    "medicines.csv": Table(
        ("en", "also_known_as", "es", "ingredients"), key=("en",), required=("ingredients",)
    ),
    # The RxNorm codes the real files use; a brand or a pack may state no strength.
    # "found_in": the folders of ../shared/data whose files carry the code.
    "rxnorm.csv": Table(
        ("code", "name", "ingredients", "strength", "found_in"),
        key=("code",),
        required=("name", "ingredients", "found_in"),
    ),
    # Brands and a salt's own name ("mycophenolate sodium"); "kind" is brand or form.
    "medicine_names.csv": Table(
        ("name", "ingredients", "kind"), key=("name",), required=("ingredients", "kind")
    ),
    # UCUM is case-sensitive: "[IU]/L" and "[iU]/L" are two codes.
    "units.csv": Table(("ucum", "shown"), key=("ucum",), required=("shown",)),
    # The same phrase may mean "nothing known" in two languages, not twice in one.
    "nothing_known.csv": Table(
        ("phrase", "language", "kind"), key=("phrase", "language"), required=("kind",)
    ),
}


def problems(declaration: Table | Json | Text, data: bytes) -> list[str]:
    """What is wrong with a file's bytes under its declaration; empty when nothing is."""
    if data.startswith(b"\xef\xbb\xbf"):
        return ["starts with a byte order mark: it would become part of the first column's name"]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        return [f"is not UTF-8: byte {error.start}"]
    if isinstance(declaration, Text):
        return []
    if unicodedata.normalize("NFC", text) != text:
        return ["is not in composed form (NFC): a typed name would not equal its row"]
    if isinstance(declaration, Json):
        return _json_problems(text)
    return _table_problems(declaration, text)


def _table_problems(table: Table, text: str) -> list[str]:
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), ShippedCsv))
    except csv.Error as error:
        return [f"is not valid CSV: {error}"]
    if not rows:
        return ["is empty: it needs at least its header"]
    found = _misquoted(rows, text)
    header, *body = rows
    if tuple(header) != table.columns:
        return [*found, f"has the header {header}, declared {list(table.columns)}"]
    keys: dict[tuple[str, ...], int] = {}
    for number, cells in enumerate(body, start=2):
        if len(cells) != len(header):
            found.append(f"row {number}: {len(cells)} cells, the header has {len(header)}")
            continue
        row = dict(zip(header, cells, strict=True))
        found += [
            f"row {number}: {column} has spaces around it"
            for column, cell in row.items()
            if cell != cell.strip()
        ]
        found += [f"row {number}: {column} is empty" for column in table.filled if not row[column]]
        key = tuple(row[column] for column in table.key)
        if key in keys:
            found.append(
                f"row {number}: {dict(zip(table.key, key, strict=True))} repeats row {keys[key]}"
            )
        keys.setdefault(key, number)
    return found


def _misquoted(rows: list[list[str]], text: str) -> list[str]:
    # Rewriting the rows catches what the reader forgives: a quote inside an
    # unquoted cell, quotes where none are needed, "\r\n", no final newline.
    written = io.StringIO()
    csv.writer(written, ShippedCsv).writerows(rows)
    if written.getvalue() == text:
        return []
    ours, theirs = text.splitlines(keepends=True), written.getvalue().splitlines(keepends=True)
    pairs = zip_longest(ours, theirs, fillvalue="")
    number, (line, should) = next(
        (number, pair) for number, pair in enumerate(pairs, start=1) if pair[0] != pair[1]
    )
    return [
        f"line {number} is {line!r}, csv.writer writes {should!r}: quote a cell only when it "
        "holds a comma, a quote or a line break, double its quotes, end lines with \\n"
    ]


def _json_problems(text: str) -> list[str]:
    try:
        json.loads(text, object_pairs_hook=_unique_keys, parse_constant=_no_constant)
    except ValueError as error:
        return [f"is not strict JSON: {error}"]
    return []


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    keys = [key for key, _value in pairs]
    repeated = sorted({key for key in keys if keys.count(key) > 1})
    if repeated:
        raise ValueError(f"repeated keys {repeated}")
    return dict(pairs)


def _no_constant(name: str) -> None:
    raise ValueError(f"{name} is not JSON")


# The shipped files


def shipped() -> list[str]:
    return sorted(path.name for path in DATA.iterdir() if path.is_file())


def test_every_file_in_data_is_declared():
    undeclared = sorted(set(shipped()) - set(DECLARED))
    assert undeclared == [], (
        f"declare {undeclared} in DECLARED of {Path(__file__).name}: "
        "its columns, key and required columns"
    )


@pytest.mark.parametrize("name", sorted(DECLARED))
def test_a_declared_file_parses_strictly(name: str):
    path = DATA / name
    if not path.is_file():
        pytest.fail(f"data/{name} is declared but not there: add it, or drop its declaration")
    assert problems(DECLARED[name], path.read_bytes()) == [], f"data/{name}"


# The rules themselves, on small files

CODES = Table(("code", "en", "es"), key=("code",))


@pytest.mark.parametrize(
    ("declaration", "text", "problem"),
    [
        (
            CODES,
            "code,en,es\n03,MMR (measles, mumps and rubella),Triple vírica\n",
            "row 2: 4 cells, the header has 3",
        ),
        (CODES, 'code,en,es\n10,Polio "IPV",Polio\n', "line 2 is "),
        (CODES, 'code,en,es\n10,"Polio" (IPV),Polio\n', "is not valid CSV"),
        (CODES, 'code,en,es\n"10",Polio,Polio\n', "line 2 is "),
        (CODES, "code,en,es\r\n10,Polio,Polio\r\n", "line 1 is "),
        (CODES, "code,en,es\n10,Polio,Polio", "line 2 is "),
        (CODES, "\ufeffcode,en,es\n10,Polio,Polio\n", "byte order mark"),
        (CODES, "code,en,es\n10,Polio,Polio\n10,Polio IPV,Polio VPI\n", "repeats row 2"),
        (CODES, "code,en,es\n,Polio,Polio\n", "row 2: code is empty"),
        (CODES, "code,en,es\n10,Polio,\n", "row 2: es is empty"),
        (CODES, "code,en,es\n10,Polio ,Polio\n", "row 2: en has spaces around it"),
        (CODES, "code,name\n10,Polio\n", "has the header ['code', 'name']"),
        (CODES, "code,en,es\n10,Polio,Vacunacio\u0301n\n", "NFC"),
        (CODES, "", "is empty"),
        (Json(), '{"a": 1, "a": 2}', "repeated keys ['a']"),
        (Json(), '{"a": NaN}', "NaN is not JSON"),
        (Json(), "{'a': 1}", "is not strict JSON"),
    ],
)
def test_the_rules_catch_what_a_lenient_reader_forgives(
    declaration: Table | Json | Text, text: str, problem: str
):
    found = problems(declaration, text.encode("utf-8"))
    assert any(problem in line for line in found), found


@pytest.mark.parametrize(
    ("declaration", "text"),
    [
        (CODES, 'code,en,es\n141,"Influenza, seasonal","Gripe ""estacional"""\n'),
        (CODES, 'code,en,es\n141,"Two\nlines",Dos líneas\n'),
        (Table(("en", "note"), key=("en",)), "en,note\nAspirin,\n"),
        (Json(), '{"a": [1, 2.5, "ñ"]}'),
        (Text(), "# Anything, in UTF-8 ✓\n"),
    ],
)
def test_the_rules_accept_plain_csv_and_json(declaration: Table | Json | Text, text: str):
    assert problems(declaration, text.encode("utf-8")) == []


def test_invalid_utf8_is_caught_even_in_a_text_file():
    assert problems(Text(), "café".encode("latin-1")) == ["is not UTF-8: byte 3"]
