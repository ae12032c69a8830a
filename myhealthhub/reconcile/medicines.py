"""A medicine's ingredients and strength, as reconcile compares them (lib/medicine_names.py).

Both are asked for every statement each time a group is compared, and a long
record states the same few medicines hundreds of times: answers are kept by
what they depend on, the name and the codes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from myhealthhub.lib import medicine_names
from myhealthhub.lib.medicine_names import Strength

KEPT = 4096


@dataclass(frozen=True)
class Ingredients:
    names: frozenset[str]
    # The RxNorm code that told them, "" when the name did.
    code: str


Codes = tuple[tuple[str, str, str], ...]


def _codes(codings: Sequence[Mapping[str, Any]]) -> Codes:
    return tuple(
        (str(c.get("system", "")), str(c.get("code", "")), str(c.get("display", "")))
        for c in codings
        if isinstance(c, Mapping)
    )


def ingredients(codings: Sequence[Mapping[str, Any]], display: str) -> Ingredients | None:
    return _ingredients(_codes(codings), display)


def strength(
    codings: Sequence[Mapping[str, Any]], display: str, written: str = ""
) -> Strength | None:
    """The strength the statement's own field gives ("500 mg"), else its code's or name's."""
    if written and (typed := _typed(written)) is not None:
        return typed
    return _strength(_codes(codings), display)


@lru_cache(maxsize=KEPT)
def _typed(written: str) -> Strength | None:
    return medicine_names.parse_strength(written)


@lru_cache(maxsize=KEPT)
def _ingredients(codes: Codes, display: str) -> Ingredients | None:
    found = medicine_names.ingredients_of(_codings(codes), display)
    if found is None:
        return None
    return Ingredients(frozenset(found.ingredients), found.code or "")


@lru_cache(maxsize=KEPT)
def _strength(codes: Codes, display: str) -> Strength | None:
    return medicine_names.strength_of(_codings(codes), display)


def _codings(codes: Codes) -> list[dict[str, str]]:
    return [{"system": system, "code": code, "display": shown} for system, code, shown in codes]
