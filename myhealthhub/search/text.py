"""Folding and splitting text, the same way for what is indexed and what is asked.

Both databases receive words already folded here, so "José", "JOSE" and
"jose" are one word on SQLite and on PostgreSQL alike, with no ``unaccent``
extension (it needs a superuser) and no language stemmer (an English stemmer
mangles Spanish; prefix matching serves both: "diabet" finds "diabetes" and
"diabético").

Folding is compatibility decomposition (NFKD: "ﬁ" becomes "fi", "é" becomes
"e" and a combining accent), then the combining marks dropped, then case
folding. A word is a run of letters and digits; everything else separates.
Scripts whose vowel signs are spacing marks get split inside words, but the
same way on both sides, so they still match.
"""

from __future__ import annotations

import re
import unicodedata
from typing import NamedTuple

# Longer words are cut: PostgreSQL refuses lexemes over 2 KB, and nobody
# types sixty letters to find one word. A query term is cut the same way and
# matches as a prefix, so a long word still finds itself.
MAX_WORD = 60
# What a query may ask at most; the rest is ignored.
MAX_QUERY = 200
MAX_TERMS = 8

WORD = re.compile(r"[^\W_]+")

# Every code point with a non-zero combining class below U+20000 (none above
# combine with letters). Built once: about 900 entries.
_MARKS = {cp: None for cp in range(0x20000) if unicodedata.combining(chr(cp))}


def fold(text: str) -> str:
    if text.isascii():
        return text.lower()
    stripped = unicodedata.normalize("NFKD", text).translate(_MARKS)
    # Case folding can bring a mark back ("İ" becomes "i" and a dot above).
    return stripped.casefold().translate(_MARKS)


def words(text: str) -> list[str]:
    """The folded words of ``text``, in order, each at most MAX_WORD long."""
    return [word[:MAX_WORD] for word in WORD.findall(fold(text))]


def word_set(text: str, *, max_chars: int) -> str:
    """The distinct folded words of ``text``, space-separated, at most ``max_chars`` long.

    Order and repetition do not matter to a search with no phrases, and
    leaving them out makes the index a fraction of the text's size.
    """
    joined = " ".join(dict.fromkeys(words(text)))
    if len(joined) <= max_chars:
        return joined
    return joined[:max_chars].rpartition(" ")[0]


class Term(NamedTuple):
    """One folded word of a query; all but one-letter terms match as prefixes."""

    text: str
    prefix: bool

    def matches(self, word: str) -> bool:
        return word.startswith(self.text) if self.prefix else word == self.text


def query_terms(query: str) -> list[Term]:
    """The distinct terms of what a person typed; every one must match.

    A single letter or digit matches only itself ("vitamin d", "tipo 2"):
    as a prefix it would match nearly everything.
    """
    distinct = dict.fromkeys(words(query[:MAX_QUERY]))
    return [Term(word, prefix=len(word) > 1) for word in list(distinct)[:MAX_TERMS]]
