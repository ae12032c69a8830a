"""An import's plan as plain data: what the page and the command line show before a commit."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from typing import Any

from django.utils.text import capfirst
from django.utils.translation import gettext as _

from myhealthhub.imports.base import MappedEntry, Mapping, Skipped
from myhealthhub.imports.fitting import field_label
from myhealthhub.imports.plan import Change, Plan
from myhealthhub.records.kinds import KINDS

EXAMPLES = 3
MAX_WARNINGS = 200
MAX_GROUPS = 50
MAX_ORIGINS = 200


def preview(plan: Plan, mapping: Mapping) -> dict[str, Any]:
    """The plan as plain data, stored on the job and shown to the person."""
    kinds: dict[str, dict[str, Any]] = {}

    def row(slug: str) -> dict[str, Any]:
        return kinds.setdefault(
            slug, {"kind": slug, "new": 0, "present": 0, "changed": 0, "examples": []}
        )

    for item in plan.new:
        _count(row(item.kind), "new", _example(item))
    for item in plan.present:
        row(item.kind)["present"] += 1
    for change in plan.changed:
        if not change.shown:
            row(change.item.kind)["present"] += 1
            continue
        _count(row(change.item.kind), "changed", _change_example(change))
    return {
        "kinds": [kinds[slug] for slug in KINDS if slug in kinds],
        "documents": {
            "new": len(plan.new_documents),
            "present": len(plan.present_documents),
            "changed": len(plan.changed_documents),
            "examples": [
                document.title or document.filename for document in plan.documents_to_keep
            ][:EXAMPLES],
        },
        "readings": {
            "new": len(plan.new_readings),
            "present": plan.present_readings,
            "metrics": dict(Counter(reading.metric for reading in plan.new_readings)),
        },
        "skipped": _skipped_groups(plan.skipped),
        "skipped_count": len(plan.skipped),
        "warnings": [
            {"message": problem.message, "where": problem.where}
            for problem in plan.warnings[:MAX_WARNINGS]
        ],
        "warning_count": len(plan.warnings),
        "origins": accounting(plan, mapping),
        "sender": mapping.sender,
    }


def _change_example(change: Change) -> str:
    kind = change.item.kind
    text = _example(change.item)
    if change.fields:
        text += " — " + ", ".join(capfirst(field_label(kind, name)) for name in change.fields)
    if change.kept_edits:
        text += " (%s)" % (
            _("your own changes kept: %(fields)s")
            % {"fields": ", ".join(field_label(kind, name) for name in change.kept_edits)}
        )
    return text


def _skipped_groups(skipped: list[Skipped]) -> list[dict[str, Any]]:
    """What was skipped, by what and why, the largest groups first (at most MAX_GROUPS)."""
    groups: dict[tuple[str, str], dict[str, Any]] = {}
    for left_out in skipped:
        group = groups.setdefault(
            (left_out.origin, left_out.reason),
            {"origin": left_out.origin, "reason": left_out.reason, "count": 0, "examples": []},
        )
        group["count"] += 1
        if len(group["examples"]) < EXAMPLES:
            group["examples"].append(
                " — ".join(part for part in (left_out.example, left_out.where) if part)
            )
    ordered = sorted(groups.values(), key=lambda group: -group["count"])
    if len(ordered) <= MAX_GROUPS:
        return ordered
    rest = ordered[MAX_GROUPS - 1 :]
    other = {
        "origin": _("(other)"),
        "reason": _("%(groups)d more kinds of things skipped") % {"groups": len(rest)},
        "count": sum(group["count"] for group in rest),
        "examples": [],
    }
    return [*ordered[: MAX_GROUPS - 1], other]


def _count(row: dict[str, Any], column: str, example: str) -> None:
    row[column] += 1
    if len(row["examples"]) < EXAMPLES:
        row["examples"].append({"change": column, "text": example})


def _example(item: MappedEntry) -> str:
    date = item.values.get("date")
    return (
        f"{item.values.get('display', '')} ({date:%Y-%m-%d})"
        if date
        else str(item.values.get("display", ""))
    )


def accounting(plan: Plan, mapping: Mapping) -> dict[str, dict[str, int]]:
    """Per origin in the file: how many became entries, documents, were used or skipped."""
    origins: dict[str, dict[str, int]] = defaultdict(
        lambda: {"entries": 0, "documents": 0, "used": 0, "skipped": 0}
    )
    for item in _all_entries(plan):
        origins[item.origin]["entries"] += 1
    for document in [*plan.documents_to_keep, *plan.present_documents]:
        origins[document.origin]["documents"] += 1
    for origin, count in mapping.used.items():
        origins[origin]["used"] += count
    for skipped in plan.skipped:
        origins[skipped.origin]["skipped"] += 1
    ordered = dict(sorted(origins.items()))
    if len(ordered) <= MAX_ORIGINS:
        return ordered
    # A file may name any number of made-up types: the preview stays small.
    kept = dict(list(ordered.items())[: MAX_ORIGINS - 1])
    other = {"entries": 0, "documents": 0, "used": 0, "skipped": 0}
    for row in list(ordered.values())[MAX_ORIGINS - 1 :]:
        for column, count in row.items():
            other[column] += count
    kept[_("(other)")] = other
    return kept


def _all_entries(plan: Plan) -> Iterable[MappedEntry]:
    yield from plan.new
    yield from plan.present
    yield from (change.item for change in plan.changed)
