"""What an import would do, as the page and the command line show it before a commit.

``Preview`` is made from the plan (``preview()``), kept on the job as JSON
(``ImportJob.preview``) and read back with ``Preview.of(job)``: jobs read by
an older version, which lack some fields, read with their defaults. The
commit adds what the person decided (``Decision``).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from myhealthhub.imports.base import MappedEntry, Mapping, Skipped
from myhealthhub.imports.fitting import field_label
from myhealthhub.imports.planning import Change, ImportPlan
from myhealthhub.records.kinds import KINDS

if TYPE_CHECKING:
    from myhealthhub.imports.models import ImportJob

EXAMPLES = 3
MAX_WARNINGS = 200
MAX_GROUPS = 50
MAX_ORIGINS = 200
# A file names a few devices; a hostile one any number.
MAX_DEVICES = 20
ORIGIN_COLUMNS = ("entries", "documents", "used", "skipped")


@dataclass
class Example:
    change: str  # "new" or "changed"
    text: str


@dataclass
class KindCounts:
    kind: str  # a records kind slug
    new: int = 0
    present: int = 0
    changed: int = 0
    examples: list[Example] = field(default_factory=list)

    def count(self, column: str, example: str) -> None:
        setattr(self, column, getattr(self, column) + 1)
        if len(self.examples) < EXAMPLES:
            self.examples.append(Example(column, example))


@dataclass
class DocumentCounts:
    new: int = 0
    present: int = 0
    changed: int = 0
    examples: list[str] = field(default_factory=list)

    @property
    def any(self) -> bool:
        return bool(self.new or self.present or self.changed)


@dataclass
class ReadingCounts:
    new: int = 0
    present: int = 0
    metrics: dict[str, int] = field(default_factory=dict)
    # The new readings' devices (by name, "" for none named) and their first and
    # last day, in the importing person's time zone (ISO dates).
    devices: dict[str, int] = field(default_factory=dict)
    first: str = ""
    last: str = ""
    # Readings the file says twice, left out (and among the skipped).
    repeated: int = 0

    @property
    def any(self) -> bool:
        return bool(self.new or self.present)


@dataclass
class SkippedGroup:
    origin: str
    reason: str
    count: int = 0
    examples: list[str] = field(default_factory=list)


@dataclass
class WarningLine:
    message: str
    where: str = ""


@dataclass
class Preview:
    kinds: list[KindCounts] = field(default_factory=list)
    documents: DocumentCounts = field(default_factory=DocumentCounts)
    readings: ReadingCounts = field(default_factory=ReadingCounts)
    skipped: list[SkippedGroup] = field(default_factory=list)
    skipped_count: int = 0
    warnings: list[WarningLine] = field(default_factory=list)
    warning_count: int = 0
    # Per origin in the file (a resource type, a section): ORIGIN_COLUMNS counted.
    origins: dict[str, dict[str, int]] = field(default_factory=dict)
    # Who the file says it is from.
    sender: str = ""
    # About the person chosen in the file: says nobody's name, or not the profile's.
    unnamed: bool = False
    mismatch: bool = False
    # The profile fields the file would fill or change, with their new values.
    demographics: dict[str, str] = field(default_factory=dict)
    # What the person decided when they accepted it; committed_by is an
    # account's id, None from the command line.
    apply_demographics: bool = False
    committed_by: int | None = None

    @classmethod
    def of(cls, job: ImportJob) -> Preview:
        return cls.from_json(job.preview)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Preview:
        return cls(
            kinds=[
                KindCounts(
                    row["kind"],
                    row.get("new", 0),
                    row.get("present", 0),
                    row.get("changed", 0),
                    [Example(**example) for example in row.get("examples", [])],
                )
                for row in data.get("kinds", [])
            ],
            documents=DocumentCounts(**data.get("documents", {})),
            readings=ReadingCounts(**data.get("readings", {})),
            skipped=[SkippedGroup(**group) for group in data.get("skipped", [])],
            skipped_count=data.get("skipped_count", 0),
            warnings=[WarningLine(**warning) for warning in data.get("warnings", [])],
            warning_count=data.get("warning_count", 0),
            origins=data.get("origins", {}),
            sender=data.get("sender", ""),
            unnamed=data.get("unnamed", False),
            mismatch=data.get("mismatch", False),
            demographics=data.get("demographics") or {},
            apply_demographics=data.get("apply_demographics", False),
            committed_by=data.get("committed_by"),
        )

    def as_json(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def changed_examples(self) -> list[str]:
        return [
            example.text
            for row in self.kinds
            for example in row.examples
            if example.change == "changed"
        ]


def preview(plan: ImportPlan, mapping: Mapping) -> Preview:
    """What the plan would do, to show the person."""
    kinds: dict[str, KindCounts] = {}

    def row(slug: str) -> KindCounts:
        return kinds.setdefault(slug, KindCounts(slug))

    # Each entry is read once (a large file's wait on disk), for its kind and its origin.
    from_origin: Counter[str] = Counter()
    for item in plan.new:
        row(item.kind).count("new", _example(item))
        from_origin[item.origin] += 1
    for (kind, origin), count in plan.present.items():
        row(kind).present += count
        from_origin[origin] += count
    for change in plan.changed:
        from_origin[change.item.origin] += 1
        if not change.shown:
            row(change.item.kind).present += 1
            continue
        row(change.item.kind).count("changed", _change_example(change))
    return Preview(
        kinds=[kinds[slug] for slug in KINDS if slug in kinds],
        documents=DocumentCounts(
            new=len(plan.new_documents),
            present=len(plan.present_documents),
            changed=len(plan.changed_documents),
            examples=[document.title or document.filename for document in plan.documents_to_keep][
                :EXAMPLES
            ],
        ),
        readings=ReadingCounts(
            new=plan.new_readings.total(),
            present=plan.present_readings,
            metrics=dict(plan.new_readings),
            devices=dict(plan.new_readings_by_device.most_common(MAX_DEVICES)),
            first=_day(plan.new_readings_span[0]) if plan.new_readings_span else "",
            last=_day(plan.new_readings_span[1]) if plan.new_readings_span else "",
            repeated=plan.repeated_readings,
        ),
        skipped=_skipped_groups(plan.skipped),
        skipped_count=sum(skipped.count for skipped in plan.skipped),
        warnings=[
            WarningLine(problem.message, problem.where) for problem in plan.warnings[:MAX_WARNINGS]
        ],
        warning_count=len(plan.warnings),
        origins=accounting(plan, mapping, from_origin),
        sender=mapping.sender,
    )


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


def _skipped_groups(skipped: list[Skipped]) -> list[SkippedGroup]:
    """What was skipped, by what and why, the largest groups first (at most MAX_GROUPS)."""
    groups: dict[tuple[str, str], SkippedGroup] = {}
    for left_out in skipped:
        group = groups.setdefault(
            (left_out.origin, left_out.reason), SkippedGroup(left_out.origin, left_out.reason)
        )
        group.count += left_out.count
        if len(group.examples) < EXAMPLES:
            group.examples.append(
                " — ".join(part for part in (left_out.example, left_out.where) if part)
            )
    ordered = sorted(groups.values(), key=lambda group: -group.count)
    if len(ordered) <= MAX_GROUPS:
        return ordered
    rest = ordered[MAX_GROUPS - 1 :]
    other = SkippedGroup(
        _("(other)"),
        _("%(groups)d more kinds of things skipped") % {"groups": len(rest)},
        sum(group.count for group in rest),
    )
    return [*ordered[: MAX_GROUPS - 1], other]


def _day(moment: dt.datetime) -> str:
    return timezone.localtime(moment).date().isoformat()


def _example(item: MappedEntry) -> str:
    date = item.values.get("date")
    return (
        f"{item.values.get('display', '')} ({date:%Y-%m-%d})"
        if date
        else str(item.values.get("display", ""))
    )


def accounting(
    plan: ImportPlan, mapping: Mapping, entries_from: Counter[str]
) -> dict[str, dict[str, int]]:
    """Per origin in the file: how many became entries, documents, were used or skipped.

    ``entries_from`` counts the plan's entries by origin.
    """
    origins: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(ORIGIN_COLUMNS, 0))
    for origin, count in entries_from.items():
        origins[origin]["entries"] += count
    for document in [*plan.documents_to_keep, *plan.present_documents]:
        origins[document.origin]["documents"] += 1
    for origin, count in mapping.used.items():
        origins[origin]["used"] += count
    for skipped in plan.skipped:
        origins[skipped.origin]["skipped"] += skipped.count
    ordered = dict(sorted(origins.items()))
    if len(ordered) <= MAX_ORIGINS:
        return ordered
    # A file may name any number of made-up types: the preview stays small.
    kept = dict(list(ordered.items())[: MAX_ORIGINS - 1])
    other = dict.fromkeys(ORIGIN_COLUMNS, 0)
    for row in list(ordered.values())[MAX_ORIGINS - 1 :]:
        for column, count in row.items():
            other[column] += count
    kept[_("(other)")] = other
    return kept
