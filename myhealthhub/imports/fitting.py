"""Fitting an importer's values to the columns of its kind of entry.

Mappers say what the file says; the columns decide how much of it fits:
texts are clipped to their column, control characters dropped, a choice the
model does not know is left out with a warning. Before that, the same
hygiene for every format: a statement that nothing is known is not an entry
(``nothing_known.py``), and a report is not a result's value
(``reports_in_values.py``).
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from functools import cache
from typing import Any

from django.db import models
from django.utils.translation import gettext as _

from myhealthhub.imports import nothing_known, reports_in_values
from myhealthhub.imports.base import MappedEntry, Problem, Skipped
from myhealthhub.records.kinds import KINDS


@dataclass(frozen=True)
class _Column:
    max_length: int | None
    choices: frozenset[str]
    default: Any
    is_text: bool


@cache
def _columns(slug: str) -> dict[str, _Column]:
    columns = {}
    for model_field in KINDS[slug].model._meta.concrete_fields:
        assert isinstance(model_field, models.Field)
        is_text = isinstance(model_field, models.CharField | models.TextField)
        columns[model_field.name] = _Column(
            max_length=model_field.max_length
            if isinstance(model_field, models.CharField)
            else None,
            choices=frozenset(str(value) for value, _label in model_field.choices or ()),
            default=model_field.get_default(),
            is_text=is_text,
        )
    return columns


# Control characters other than tab and newline: no clinical text needs them,
# PostgreSQL refuses NUL, and escapes could rewrite what a terminal shows.
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")

NOT_FROM_IMPORTS = frozenset(
    {"id", "uuid", "profile", "source", "created_by", "updated_by", "version", "deleted_at"}
)


def fit(
    item: MappedEntry,
    skipped: list[Skipped],
    warnings: list[Problem],
    documented: frozenset[str] = frozenset(),
) -> bool:
    """Clip texts and check choices in place; False (and skipped) if the item is unusable.

    ``documented`` are the keys of entries that a kept document belongs to
    (a report's PDF and its results).
    """
    if item.kind not in KINDS:
        skipped.append(Skipped(item.origin, _("not a kind of entry MyHealthHub keeps")))
        return False
    if not nothing_known.screen(item, skipped):
        return False
    if not reports_in_values.screen(item, documented, skipped, warnings):
        return False
    columns = _columns(item.kind)
    values = item.values
    for name in list(values):
        column = columns.get(name)
        if column is None or name in NOT_FROM_IMPORTS:
            raise ValueError(f"{item.origin} mapped to unknown field {item.kind}.{name}")
        value = values[name]
        if column.is_text:
            value = "" if value is None else CONTROL.sub("", str(value).replace("\r\n", "\n"))
            value = value.strip()
            if column.max_length and len(value) > column.max_length:
                value = value[: column.max_length - 1] + "…"
            if column.choices and value and value not in column.choices:
                warnings.append(
                    Problem(
                        _("“%(value)s” is not a known %(field)s; it was left out.")
                        % {"value": value[:50], "field": field_label(item.kind, name)},
                        item.where,
                    )
                )
                value = column.default if isinstance(column.default, str) else ""
            values[name] = value
    if not values.get("display"):
        values["display"] = _("(no name)")
    if "codings" in values:
        codings = values["codings"] or []
        first = codings[0] if codings else {}
        values["code_system"] = str(first.get("system", ""))[:200]
        values["code"] = str(first.get("code", ""))[:100]
    return True


def field_label(slug: str, name: str) -> str:
    return str(KINDS[slug].model_field(name).verbose_name)


def content_hash(kind: str, values: dict[str, Any]) -> str:
    text = json.dumps([kind, values], sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()
