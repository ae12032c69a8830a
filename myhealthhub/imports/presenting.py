"""An import's preview as the page and the command line show it."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.text import capfirst
from django.utils.translation import gettext as _

from myhealthhub.imports.fitting import CONTROL
from myhealthhub.imports.models import ImportJob
from myhealthhub.imports.people import PersonShown
from myhealthhub.imports.preview import KindCounts, Preview
from myhealthhub.lib.dates import PartialDate
from myhealthhub.profiles.models import Profile, Sex
from myhealthhub.records.kinds import KINDS
from myhealthhub.records.models import Metric

SHOWN_WARNINGS = 20


@dataclass(frozen=True)
class KindRow:
    label: str
    counts: KindCounts


def kind_rows(preview: Preview) -> list[KindRow]:
    return [
        KindRow(capfirst(KINDS[row.kind].plural), row) for row in preview.kinds if row.kind in KINDS
    ]


def metric_label(metric: str) -> str:
    return str(dict(Metric.choices).get(metric, metric))


def demographic_rows(profile: Profile, preview: Preview) -> list[tuple[str, str, str]]:
    """(field, in the profile now, in the file) for each field the file would change."""
    labels = {
        "given_name": _("Given name"),
        "family_name": _("Family name"),
        "birth": _("Birth date"),
        "sex": _("Sex"),
        "deceased": _("Date of death"),
    }
    now = {
        "given_name": profile.given_name,
        "family_name": profile.family_name,
        "birth": profile.birth.localized() if profile.birth else "",
        "sex": profile.get_sex_display(),
        "deceased": profile.deceased.localized() if profile.deceased else "",
    }
    rows = []
    for name, value in preview.demographics.items():
        if name == "sex":
            shown = str(dict(Sex.choices).get(value, value))
        elif name in ("birth", "deceased"):
            shown = PartialDate.parse(value).localized()
        else:
            shown = value
        rows.append((str(labels[name]), now[name] or "—", shown))
    return rows


def describe_preview(job: ImportJob) -> str:
    """The preview as plain text for a terminal."""
    preview = Preview.of(job)
    lines = [f"{job.label} → {job.profile.name}"]
    if preview.sender:
        lines.append(f"{_('From')}: {preview.sender}")
    person = job.patient_named(job.patient) if job.patient else None
    if person is not None:
        shown = PersonShown.of(person)
        match = (
            _("the file does not say who this is")
            if preview.unnamed
            else _("does not match the profile")
            if preview.mismatch
            else _("matches")
        )
        lines.append(f"{_('Person in the file')}: {shown.label} — {match}")
    lines.append("")
    lines.append(f"{'':28}{_('new'):>9}{_('present'):>9}{_('changed'):>9}")
    for row in kind_rows(preview):
        counts = row.counts
        lines.append(f"  {row.label[:26]:26}{counts.new:>9}{counts.present:>9}{counts.changed:>9}")
    documents = preview.documents
    if documents.any:
        lines.append(
            f"  {_('Documents')[:26]:26}{documents.new:>9}{documents.present:>9}"
            f"{documents.changed:>9}"
        )
    readings = preview.readings
    if readings.any:
        lines.append(f"  {_('Readings')[:26]:26}{readings.new:>9}{readings.present:>9}")
        if readings.first and readings.last:
            first, last = (
                PartialDate.parse(day).localized() for day in (readings.first, readings.last)
            )
            lines.append(
                "    "
                + _("New readings from %(first)s to %(last)s") % {"first": first, "last": last}
            )
        if devices := [f"{name} ({count})" for name, count in readings.devices.items() if name]:
            lines.append("    " + _("measured by") + " " + ", ".join(devices))
    if changed := preview.changed_examples:
        lines += ["", _("Changed since the last import:"), *(f"  {text}" for text in changed)]
    if preview.skipped:
        lines += ["", _("Skipped: %(count)d") % {"count": preview.skipped_count}]
        for group in preview.skipped:
            example = f"  ({group.examples[0]})" if group.examples else ""
            lines.append(f"  {group.count:>6}  {group.origin}: {group.reason}{example}")
    if preview.warnings:
        lines += ["", _("Warnings: %(count)d") % {"count": preview.warning_count}]
        for warning in preview.warnings[:SHOWN_WARNINGS]:
            where = f"{warning.where}: " if warning.where else ""
            lines.append(f"  {where}{warning.message}")
    offered = demographic_rows(job.profile, preview)
    if offered:
        lines += ["", _("The file would update the profile (with --apply-demographics):")]
        lines += [f"  {label}: {before} → {after}" for label, before, after in offered]
    # What came from the file must not move the cursor or recolour the terminal.
    return "\n".join(CONTROL.sub("", line) for line in lines)
