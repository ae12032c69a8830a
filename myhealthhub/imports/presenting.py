"""An import's preview as the page and the command line show it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.text import capfirst
from django.utils.translation import gettext as _

from myhealthhub.imports.fitting import CONTROL
from myhealthhub.imports.models import ImportJob
from myhealthhub.profiles.models import Profile, Sex
from myhealthhub.records.kinds import KINDS
from myhealthhub.records.models import Metric

SHOWN_WARNINGS = 20


@dataclass(frozen=True)
class KindRow:
    slug: str
    label: str
    new: int
    present: int
    changed: int
    examples: list[dict[str, str]]


def kind_rows(preview: dict[str, Any]) -> list[KindRow]:
    return [
        KindRow(
            row["kind"],
            capfirst(KINDS[row["kind"]].plural),
            row["new"],
            row["present"],
            row["changed"],
            row["examples"],
        )
        for row in preview.get("kinds", [])
        if row["kind"] in KINDS
    ]


def metric_label(metric: str) -> str:
    return str(dict(Metric.choices).get(metric, metric))


def demographic_rows(profile: Profile, preview: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(field, in the profile now, in the file) for each field the file would change."""
    labels = {
        "given_name": _("Given name"),
        "family_name": _("Family name"),
        "birth": _("Birth date"),
        "sex": _("Sex"),
    }
    now = {
        "given_name": profile.given_name,
        "family_name": profile.family_name,
        "birth": profile.birth.isoformat() if profile.birth else "",
        "sex": profile.get_sex_display(),
    }
    rows = []
    for name, value in (preview.get("demographics") or {}).items():
        shown = str(dict(Sex.choices).get(value, value)) if name == "sex" else value
        rows.append((str(labels[name]), now[name] or "—", shown))
    return rows


def describe_preview(job: ImportJob) -> str:
    """The preview as plain text for a terminal."""
    preview = job.preview
    lines = [f"{job.label} → {job.profile.name}"]
    if preview.get("sender"):
        lines.append(f"{_('From')}: {preview['sender']}")
    person = job.patient_named(job.patient) if job.patient else None
    if person is not None:
        name = f"{person['given_name']} {person['family_name']}".strip() or person["key"]
        match = (
            _("the file does not say who this is")
            if preview.get("unnamed")
            else _("does not match the profile")
            if preview.get("mismatch")
            else _("matches")
        )
        lines.append(f"{_('Person in the file')}: {name} ({person['birth'] or '?'}) — {match}")
    lines.append("")
    lines.append(f"{'':28}{_('new'):>9}{_('present'):>9}{_('changed'):>9}")
    for row in kind_rows(preview):
        lines.append(f"  {row.label[:26]:26}{row.new:>9}{row.present:>9}{row.changed:>9}")
    documents = preview.get("documents", {})
    if documents.get("new") or documents.get("present") or documents.get("changed"):
        lines.append(
            f"  {_('Documents')[:26]:26}{documents['new']:>9}{documents['present']:>9}"
            f"{documents.get('changed', 0):>9}"
        )
    readings = preview.get("readings", {})
    if readings.get("new") or readings.get("present"):
        lines.append(f"  {_('Readings')[:26]:26}{readings['new']:>9}{readings['present']:>9}")
    changed = [
        example["text"]
        for row in kind_rows(preview)
        for example in row.examples
        if example["change"] == "changed"
    ]
    if changed:
        lines += ["", _("Changed since the last import:"), *(f"  {text}" for text in changed)]
    skipped = preview.get("skipped", [])
    if skipped:
        lines += ["", _("Skipped: %(count)d") % {"count": preview.get("skipped_count", 0)}]
        for group in skipped:
            example = f"  ({group['examples'][0]})" if group["examples"] else ""
            lines.append(f"  {group['count']:>6}  {group['origin']}: {group['reason']}{example}")
    warnings = preview.get("warnings", [])
    if warnings:
        lines += ["", _("Warnings: %(count)d") % {"count": preview.get("warning_count", 0)}]
        for warning in warnings[:SHOWN_WARNINGS]:
            where = f"{warning['where']}: " if warning["where"] else ""
            lines.append(f"  {where}{warning['message']}")
    offered = demographic_rows(job.profile, preview)
    if offered:
        lines += ["", _("The file would update the profile (with --apply-demographics):")]
        lines += [f"  {label}: {before} → {after}" for label, before, after in offered]
    # What came from the file must not move the cursor or recolour the terminal.
    return "\n".join(CONTROL.sub("", line) for line in lines)
