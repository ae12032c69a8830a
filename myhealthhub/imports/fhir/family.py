"""FamilyMemberHistory to family history: one entry per condition of the relative."""

from __future__ import annotations

from django.utils.translation import gettext as _

from myhealthhub.imports.base import MappedEntry, Skipped, date_values
from myhealthhub.imports.fhir.context import Context, example_of
from myhealthhub.imports.fhir.fields import (
    codings_of,
    concept_text,
    notes_of,
    number,
    obj,
    objs,
    string,
)
from myhealthhub.imports.fhir.parse import Found, Json
from myhealthhub.imports.fhir.references import identifiers_of

YEARS = frozenset({"a", "year", "years", "yr", "yrs"})


def family_history(ctx: Context, found: Found) -> None:
    resource = found.resource
    patients = ctx.owner(found)
    # Each condition keeps its index in the file: its key must not shift when
    # one before it cannot be read.
    conditions = [
        (index, c)
        for index, c in enumerate(objs(resource.get("condition")))
        if concept_text(c.get("code"))
    ]
    if not conditions:
        ctx.skip(found, _("a relative's history that names no condition"), example_of(found))
        return
    named = {index for index, _condition in conditions}
    for index, _condition in enumerate(objs(resource.get("condition"))):
        if index not in named:
            ctx.mapping.skipped.append(
                Skipped(
                    "FamilyMemberHistory.condition",
                    _("a relative's condition without a name"),
                    found.where(f"/condition/{index}"),
                    patients=patients,
                )
            )
    relationship = obj(resource.get("relationship"))
    relative = (concept_text(relationship) or string(resource.get("name")) or _("relative"))[:100]
    notes = "\n".join(notes_of(resource))
    # When the history was taken down, as precise as the file says.
    recorded = date_values("date", ctx.when(found, "/date", resource.get("date"))[0])
    for index, condition in conditions:
        values = {
            "display": concept_text(condition.get("code"))[:500],
            "codings": codings_of(condition.get("code")),
            **recorded,
            "relative": relative,
            "onset_age": _age(obj(condition.get("onsetAge"))),
            "deceased": condition.get("contributedToDeath") is True,
            "notes": "\n".join(n for n in (notes, *notes_of(condition)) if n),
        }
        if index == conditions[0][0]:
            ctx.entry(found, "family-history", values, patients)
            continue
        # The resource's identifiers, each naming this condition, so that the
        # entry is found again by them: in a later export of the same source, and
        # in our own export (one resource per condition, these identifiers on it),
        # whose key (references.key_of) is then this one's.
        suffix = f"#condition/{index}"
        ctx.mapping.entries.append(
            MappedEntry(
                kind="family-history",
                key=ctx.key(found) + suffix,
                values=values,
                origin="FamilyMemberHistory.condition",
                where=found.where(f"/condition/{index}"),
                identifiers=[
                    {**identifier, "value": identifier["value"] + suffix}
                    for identifier in identifiers_of(found)
                ],
                patients=patients,
                key_is_local=ctx.key_is_local(found),
            )
        )


def _age(quantity: Json) -> int | None:
    value = number(quantity.get("value"))
    unit = (string(quantity.get("code")) or string(quantity.get("unit"))).lower()
    if value is None or unit not in YEARS or not 0 <= value < 200:
        return None
    return int(value)
