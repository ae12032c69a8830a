"""The words around a match, from the original text, with the matching words marked.

Built here rather than by the database, so SQLite and PostgreSQL show the
same thing, and from the text as it was written, so accents show. A word is
marked when its folded form matches a query term, exactly as the index
matched it.

Finding the first match must not fold a whole long document: a regular
expression built from the terms, where each letter also accepts its accented
and upper-case forms, finds candidates in the original text at C speed, and
each candidate word is then checked by folding that word alone.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from functools import cache, lru_cache
from typing import NamedTuple

from myhealthhub.search.text import WORD, Term, fold, words

# Characters around the first match; a document's snippet is one line or two.
BEFORE = 70
AFTER = 170
ELLIPSIS = "…"
# Candidates that fold to something else ("ß" found by "s") are skipped; past
# this many, the snippet shows the beginning instead of searching on.
MAX_CANDIDATES = 50
# Where accented and compatibility forms live (Latin, Greek, Cyrillic,
# letterlike symbols, ligatures, full-width forms). Elsewhere a letter
# matches itself, and a match the expression cannot see only costs the
# snippet its highlight, never the hit.
VARIANT_RANGES = (
    (0x00C0, 0x058F),
    (0x1E00, 0x1FFF),
    (0x2100, 0x218F),
    (0x2460, 0x24FF),
    (0xFB00, 0xFB4F),
    (0xFF00, 0xFFEF),
)
MAX_LIGATURE_SPOTS = 3
NOT_AFTER_WORD = r"(?<![^\W_])"
WORD_STARTED_HERE = r"(?<![^\W_].)"
NOT_BEFORE_WORD = r"(?![^\W_])"
SPACE = re.compile(r"\s")


class Fragment(NamedTuple):
    text: str
    matched: bool


def _variant_tables() -> tuple[dict[str, str], dict[str, str]]:
    """Folded letter -> the characters that fold to it; folded letters -> ligatures."""
    single: dict[str, str] = {}
    multiple: dict[str, str] = {}
    for start, end in VARIANT_RANGES:
        for code_point in range(start, end + 1):
            char = chr(code_point)
            folded = fold(char)
            if not folded or folded == char:
                continue
            table = single if len(folded) == 1 else multiple
            table[folded] = table.get(folded, "") + char
    for char in "abcdefghijklmnopqrstuvwxyz":
        single[char] = char.upper() + single.get(char, "")
    return single, multiple


SINGLE, MULTIPLE = _variant_tables()


def _letter(char: str) -> str:
    return "[" + re.escape(char + SINGLE.get(char, "")) + "]"


def _alternatives(term: str, *, with_ligatures: bool) -> Callable[[int], list[str]]:
    """For each position in ``term``, the patterns that match the rest of it from there."""

    @cache
    def rest(start: int) -> list[str]:
        if start == len(term):
            return [""]
        options = [_letter(term[start]) + _either(rest(start + 1))]
        for folded, chars in MULTIPLE.items() if with_ligatures else ():
            if term.startswith(folded, start):
                options.append("[" + re.escape(chars) + "]" + _either(rest(start + len(folded))))
        return options

    return rest


def _either(options: list[str]) -> str:
    return options[0] if len(options) == 1 else "(?:" + "|".join(options) + ")"


def _term_finder(term: Term) -> re.Pattern[str]:
    # Each place a ligature could stand doubles the alternatives: "ssssss…"
    # would grow the pattern exponentially, so such terms go without them.
    spots = sum(term.text.count(folded) for folded in MULTIPLE)
    rest = _alternatives(term.text, with_ligatures=spots <= MAX_LIGATURE_SPOTS)
    if len(rest(0)) == 1:
        # A character class first lets the regex engine skip ahead at C speed;
        # the word boundary is checked behind the first letter, once it matched.
        pattern = _letter(term.text[0]) + WORD_STARTED_HERE + _either(rest(1))
    else:
        pattern = NOT_AFTER_WORD + _either(rest(0))
    return re.compile(pattern if term.prefix else pattern + NOT_BEFORE_WORD)


@lru_cache(maxsize=256)
def _finders(terms: tuple[Term, ...]) -> list[re.Pattern[str]]:
    return [_term_finder(term) for term in terms]


def word_matches(word: str, terms: Sequence[Term]) -> bool:
    # One written word can fold to several ("½" to "1" and "2").
    return any(term.matches(part) for part in words(word) for term in terms)


def highlight(text: str, terms: Sequence[Term]) -> list[Fragment]:
    """``text`` cut into fragments, the words that match a term marked."""
    return _marked(
        text, [word for word in WORD.finditer(text) if word_matches(word.group(), terms)]
    )


def _highlight_found(text: str, terms: Sequence[Term]) -> list[Fragment]:
    """Like highlight, checking only the words the expressions find: for longer texts."""
    found: dict[int, re.Match[str]] = {}
    for finder in _finders(tuple(terms)):
        for candidate in finder.finditer(text):
            word = WORD.match(text, candidate.start())
            if word and word.start() not in found and word_matches(word.group(), terms):
                found[word.start()] = word
    return _marked(text, [found[start] for start in sorted(found)])


def _marked(text: str, found: list[re.Match[str]]) -> list[Fragment]:
    fragments: list[Fragment] = []
    plain_from = 0
    for word in found:
        if word.start() > plain_from:
            fragments.append(Fragment(text[plain_from : word.start()], False))
        fragments.append(Fragment(word.group(), True))
        plain_from = word.end()
    if plain_from < len(text):
        fragments.append(Fragment(text[plain_from:], False))
    return fragments


def first_match(text: str, terms: Sequence[Term]) -> int | None:
    """Where the first word matching a term begins, if one is found cheaply."""
    starts = [_first(finder, text, terms) for finder in _finders(tuple(terms))]
    return min((start for start in starts if start is not None), default=None)


def _first(finder: re.Pattern[str], text: str, terms: Sequence[Term]) -> int | None:
    for tried, candidate in enumerate(finder.finditer(text)):
        if tried == MAX_CANDIDATES:
            break
        word = WORD.match(text, candidate.start())
        if word and word_matches(word.group(), terms):
            return candidate.start()
    return None


def snippet(text: str, terms: Sequence[Term]) -> list[Fragment]:
    """A short window of ``text`` around its first match (or its beginning), marked."""
    if not text.strip():
        return []
    at = first_match(text, terms) or 0
    start = max(at - BEFORE, 0)
    end = min(at + AFTER, len(text))
    # Cut between words, not inside one.
    if start > 0:
        space = SPACE.search(text, start, at)
        start = space.end() if space else start
    if end < len(text):
        spaces = [space.start() for space in SPACE.finditer(text, at, end)]
        end = spaces[-1] if spaces else end
    window = " ".join(text[start:end].split())
    fragments = _highlight_found(window, terms) if terms else [Fragment(window, False)]
    if start > 0:
        fragments.insert(0, Fragment(ELLIPSIS, False))
    if end < len(text):
        fragments.append(Fragment(ELLIPSIS, False))
    return fragments
