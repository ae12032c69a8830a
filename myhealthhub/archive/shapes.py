"""The shape every JSON column may take in an archive, checked before a row is written.

A JSON column accepts any JSON to the database, but the code that reads it
back (the pages, the exporters, the importer's re-import) expects lists of
codings, components with a value and a unit, a preview with counts. An
archive is as hostile as an upload: a column of another shape would be
restored and then break that code for ever. So each JSON column of an
archived model has a shape here, the one the code that reads it expects
(checked by ``test_archive``: a JSON column without one cannot be archived),
and every value is bounded in nodes and in text. The writer checks what it
writes against the same shapes, so that no export makes an archive that a
restore would refuse.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from django.db import models

from myhealthhub.imports.models import ImportedRecord, ImportJob
from myhealthhub.reconcile.models import Group, Review
from myhealthhub.records.kinds import KINDS
from myhealthhub.records.models import EntryVersion
from myhealthhub.records.models.allergies import Allergy
from myhealthhub.records.models.observations import Observation

# Values in one JSON column, counting every list, object, string and number.
MAX_NODES = 50_000
# Text is bounded by the line (layout.MAX_LINE), and costs little once parsed;
# keys too: a preview counts a file's own names for things, of any length.
MAX_TEXT = 2 * 1024**2
MAX_KEY = 10_000
BIGGEST = 2**63 - 1


class _Budget:
    def __init__(self) -> None:
        self.left = MAX_NODES

    def spend(self) -> bool:
        self.left -= 1
        return self.left >= 0


class Shape:
    def fits(self, value: Any, budget: _Budget) -> bool:
        raise NotImplementedError


class Text(Shape):
    def fits(self, value: Any, budget: _Budget) -> bool:
        return budget.spend() and isinstance(value, str) and len(value) <= MAX_TEXT


class Integer(Shape):
    def __init__(self, lowest: int = 0) -> None:
        self.lowest = lowest

    def fits(self, value: Any, budget: _Budget) -> bool:
        return (
            budget.spend()
            and isinstance(value, int)
            and not isinstance(value, bool)
            and self.lowest <= value <= BIGGEST
        )


class Number(Shape):
    def fits(self, value: Any, budget: _Budget) -> bool:
        return (
            budget.spend()
            and isinstance(value, int | float)
            and not isinstance(value, bool)
            and math.isfinite(value)
            and abs(value) <= BIGGEST
        )


class Boolean(Shape):
    def fits(self, value: Any, budget: _Budget) -> bool:
        return budget.spend() and isinstance(value, bool)


class Nothing(Shape):
    def fits(self, value: Any, budget: _Budget) -> bool:
        return budget.spend() and value is None


class Either(Shape):
    def __init__(self, *shapes: Shape) -> None:
        self.shapes = shapes

    def fits(self, value: Any, budget: _Budget) -> bool:
        return any(shape.fits(value, budget) for shape in self.shapes)


class ListOf(Shape):
    def __init__(self, item: Shape) -> None:
        self.item = item

    def fits(self, value: Any, budget: _Budget) -> bool:
        return (
            budget.spend()
            and isinstance(value, list)
            and all(self.item.fits(item, budget) for item in value)
        )


class MapOf(Shape):
    """An object whose keys are any text and whose values all take one shape."""

    def __init__(self, item: Shape) -> None:
        self.item = item

    def fits(self, value: Any, budget: _Budget) -> bool:
        return (
            budget.spend()
            and isinstance(value, dict)
            and all(
                len(key) <= MAX_KEY and self.item.fits(item, budget) for key, item in value.items()
            )
        )


class Record(Shape):
    """An object with known keys, each of its own shape; ``others`` for any other key."""

    def __init__(
        self,
        fields: Mapping[str, Shape],
        *,
        required: frozenset[str] | None = None,
        others: Shape | None = None,
    ) -> None:
        self.fields = dict(fields)
        self.required = frozenset(fields) if required is None else required
        self.others = others

    def fits(self, value: Any, budget: _Budget) -> bool:
        if not (budget.spend() and isinstance(value, dict) and self.required <= value.keys()):
            return False
        for key, item in value.items():
            shape = self.fields.get(key, self.others)
            if shape is None or len(key) > MAX_KEY or not shape.fits(item, budget):
                return False
        return True


class AnyJson(Shape):
    """Any JSON, within the budget, with finite numbers only."""

    def fits(self, value: Any, budget: _Budget) -> bool:
        if isinstance(value, list):
            return budget.spend() and all(self.fits(item, budget) for item in value)
        if isinstance(value, dict):
            return budget.spend() and all(
                len(key) <= MAX_KEY and self.fits(item, budget) for key, item in value.items()
            )
        return _SCALAR.fits(value, budget)


_SCALAR = Either(Text(), Number(), Boolean(), Nothing())
_COUNT = Integer()
_ANY = AnyJson()

# [{"system": URI, "code": "...", "display": "..."}], and identifiers alike.
_PAIRS = ListOf(MapOf(Text()))
_COMPONENTS = ListOf(
    Record(
        {
            "code": Text(),
            "display": Text(),
            "value": Either(Number(), Text(), Nothing()),
            "unit": Text(),
        },
        required=frozenset(),
        others=_ANY,
    )
)
_PREVIEW = Record(
    {
        "kinds": ListOf(
            Record(
                {
                    "kind": Text(),
                    "new": _COUNT,
                    "present": _COUNT,
                    "changed": _COUNT,
                    "examples": ListOf(Record({"change": Text(), "text": Text()})),
                }
            )
        ),
        "documents": Record(
            {"new": _COUNT, "present": _COUNT, "changed": _COUNT, "examples": ListOf(Text())},
            required=frozenset({"new", "present"}),
        ),
        "readings": Record(
            {
                "new": _COUNT,
                "present": _COUNT,
                "metrics": MapOf(_COUNT),
                "devices": MapOf(_COUNT),
                "first": Text(),
                "last": Text(),
                "repeated": _COUNT,
            },
            required=frozenset({"new", "present"}),
        ),
        "skipped": ListOf(
            Record(
                {"origin": Text(), "reason": Text(), "count": _COUNT, "examples": ListOf(Text())}
            )
        ),
        "skipped_count": _COUNT,
        "warnings": ListOf(Record({"message": Text(), "where": Text()})),
        "warning_count": _COUNT,
        "origins": MapOf(MapOf(_COUNT)),
        "sender": Text(),
        "unnamed": Boolean(),
        "mismatch": Boolean(),
        "apply_demographics": Boolean(),
        "demographics": Record(
            {name: Text() for name in ("given_name", "family_name", "birth", "sex", "deceased")},
            required=frozenset(),
        ),
        # An account's key in the instance that made the archive: dropped on restore.
        "committed_by": Either(Integer(), Nothing()),
    },
    required=frozenset(),
    others=_ANY,
)
_PATIENTS = ListOf(
    Record(
        {
            **{name: Text() for name in ("key", "given_name", "family_name", "birth", "sex")},
            "deceased": Text(),
            "identifiers": ListOf(Text()),
        },
        required=frozenset({"key", "given_name", "family_name", "birth", "sex"}),
        others=_ANY,
    )
)


def _shapes() -> dict[tuple[type[models.Model], str], Shape]:
    found: dict[tuple[type[models.Model], str], Shape] = {}
    for kind in KINDS.values():
        found[(kind.model, "codings")] = _PAIRS
        found[(kind.model, "source_identifiers")] = _PAIRS
    found[(Observation, "components")] = _COMPONENTS
    found[(Allergy, "reactions")] = _PAIRS
    found[(EntryVersion, "changed_fields")] = ListOf(Text())
    found[(EntryVersion, "data")] = MapOf(_ANY)
    found[(ImportJob, "preview")] = _PREVIEW
    found[(ImportJob, "patients")] = _PATIENTS
    found[(ImportJob, "counts")] = MapOf(_COUNT)
    found[(ImportedRecord, "values")] = MapOf(_ANY)
    # The values a person saw when they reviewed a disagreement (reconcile/differences.py).
    found[(Review, "values")] = ListOf(Text())
    found[(Group, "open_fields")] = ListOf(Text())
    return found


SHAPES = _shapes()


def shape_of(model: type[models.Model], name: str) -> Shape | None:
    return SHAPES.get((model, name))


def fits(shape: Shape, value: Any) -> bool:
    return shape.fits(value, _Budget())
