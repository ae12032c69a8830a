"""Results whose value is a whole report: kept as notes, not as a value.

A pathology or imaging system may send its report as one result's text value:
a cytopathology letterhead, the findings, the signature. As a value it fills
the overview and every list it appears in. Such a result becomes a note with
the result's name, date and source; or, when the report is kept as a
document the result belongs to (a DiagnosticReport's PDF), it stays with that
document. The pipeline applies ``screen`` to every entry (``fitting.fit``).
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from myhealthhub.imports.base import MappedEntry, Problem, Skipped

# The longest text a result's value may be; longer is a report.
LONGEST_VALUE = 200
# A value of this many lines is a letterhead or paragraphs, however short.
MOST_LINES = 3


def is_report(text: str) -> bool:
    lines = [line for line in text.splitlines() if line.strip()]
    return len(text.strip()) > LONGEST_VALUE or len(lines) >= MOST_LINES


def screen(
    item: MappedEntry,
    documented: frozenset[str],
    skipped: list[Skipped],
    warnings: list[Problem],
) -> bool:
    """False (and skipped) if ``item`` is a report kept with its document; a result whose
    value is a report is turned into a note, in place."""
    if item.kind != "results":
        return True
    values = item.values
    text = str(values.get("value_text") or "")
    if not is_report(text):
        return True
    name = str(values.get("display") or "") or _("Report")
    if item.key in documented:
        skipped.append(
            Skipped(
                item.origin,
                _("a report rather than a value; it is kept with its document"),
                item.where,
                name[:100],
                item.patients,
            )
        )
        return False
    warnings.append(
        Problem(
            _("The value of “%(name)s” is a report, not a result; it was kept as a note.")
            % {"name": name[:100]},
            item.where,
        )
    )
    item.kind = "notes"
    item.values = _note(values, name, text)
    return True


def _note(values: dict[str, Any], name: str, text: str) -> dict[str, Any]:
    note: dict[str, Any] = {"display": name, "codings": values.get("codings") or []}
    if "date" in values:
        note["date"] = values["date"]
    if "date_precision" in values:
        note["date_precision"] = values["date_precision"]
    comments = str(values.get("notes") or "").strip()
    note["body"] = f"{text.strip()}\n\n{comments}" if comments else text.strip()
    return note
