"""Conditions, immunizations, procedures and visits: one resource, one entry.

Allergies, medications and results, which need more reading, have modules
of their own; care plans and goals become notes (``plans.py``).
"""

from __future__ import annotations

import re

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop as N_

from myhealthhub.imports.base import date_values
from myhealthhub.imports.fhir.context import Context, example_of
from myhealthhub.imports.fhir.fields import (
    codes_of,
    codings_of,
    concept_text,
    notes_of,
    obj,
    objs,
    quantity_text,
    string,
    texts_of,
    unique,
)
from myhealthhub.imports.fhir.parse import Found, Json
from myhealthhub.lib.dates import PartialDate

CVX = "http://hl7.org/fhir/sid/cvx"
# SNOMED CT "Review of medication": a procedure that is a medication review.
MEDICATION_REVIEW = "182836005"
# SNOMED CT roles to whom a medication was reviewed with.
REVIEWERS = {"46255001": "pharmacist", "309343006": "physician", "106292003": "nurse"}
# HL7 v2 table 0443 "Ordering Provider": who ordered a vaccine, not who gave it
# ("AP", Administering Provider, did).
ORDERING_PROVIDER = "OP"

VISIT_CLASSES = {
    "AMB": N_("Outpatient visit"),
    "EMER": N_("Emergency visit"),
    "IMP": N_("Hospital stay"),
    "ACUTE": N_("Hospital stay"),
    "NONAC": N_("Hospital stay"),
    "OBSENC": N_("Observation stay"),
    "SS": N_("Day surgery"),
    "HH": N_("Home visit"),
    "VR": N_("Virtual visit"),
    "FLD": N_("Field visit"),
}


def condition(ctx: Context, found: Found) -> None:
    resource = found.resource
    code = resource.get("code")
    if ctx.absent_or_unknown(found, code) or ctx.only_a_placeholder(found, code):
        return
    # "entered-in-error" never reaches here (map.py skips it); "differential" is
    # its own choice, less certain than "provisional".
    verification = ctx.coded(
        found,
        "/verificationStatus",
        resource.get("verificationStatus"),
        ("unconfirmed", "provisional", "differential", "confirmed", "refuted"),
    )
    clinical = ctx.coded(
        found,
        "/clinicalStatus",
        resource.get("clinicalStatus"),
        ("active", "recurrence", "relapse", "inactive", "remission", "resolved"),
    )
    onset = ctx.date_of(found, "onset")
    resolved = ctx.date_of(found, "abatement", end=True) or _came_back_after(ctx, found)
    notes = []
    if categories := texts_of(resource.get("category")):
        notes.append(_("Category: %(names)s") % {"names": ", ".join(categories)})
    onset_text = string(resource.get("onsetString"))
    if onset_text and onset is None:
        notes.append(_("Since: %(when)s") % {"when": onset_text})
    if age := quantity_text(resource.get("onsetAge")):
        notes.append(_("Since age %(age)s") % {"age": age})
    ctx.entry(
        found,
        "conditions",
        {
            "display": ctx.display(found, concept_text(code)),
            "codings": codings_of(code),
            **date_values("date", onset),
            "clinical_status": {"relapse": "recurrence"}.get(clinical, clinical)
            or ("resolved" if resolved else "active"),
            "verification": verification or "confirmed",
            "severity": _severity(resource.get("severity")),
            **date_values("resolved_date", resolved),
            "notes": "\n".join(notes + notes_of(resource)),
        },
    )


def immunization(ctx: Context, found: Found) -> None:
    resource = found.resource
    patients = ctx.owner(found)
    code = resource.get("vaccineCode")
    if ctx.absent_or_unknown(found, code) or ctx.only_a_placeholder(found, code):
        return
    codings = sorted(codings_of(code), key=lambda coding: coding["system"] != CVX)
    cvx = next((c["display"] for c in codings if c["system"] == CVX and c["display"]), "")
    occurrence = ctx.date_of(found, "occurrence")
    notes = notes_of(resource)
    # "_occurrenceString" with a data-absent-reason: the text only says it is unknown.
    if (
        (text := string(resource.get("occurrenceString")))
        and occurrence is None
        and "_occurrenceString" not in resource
    ):
        notes.append(_("When: %(when)s") % {"when": text})
    if reason := concept_text(resource.get("statusReason")):
        notes.append(_("Not given because: %(reason)s") % {"reason": reason})
    performers = objs(resource.get("performer"))
    ordered = [p for p in performers if ORDERING_PROVIDER in codes_of(p.get("function"))]
    given = [p for p in performers if p not in ordered]
    if ordered_by := ctx.names([obj(p.get("actor")) for p in ordered], found, patients):
        notes.append(_("Ordered by: %(name)s") % {"name": ordered_by})
    doses = objs(resource.get("protocolApplied"))
    ctx.entry(
        found,
        "immunizations",
        {
            "display": ctx.display(found, concept_text(code), cvx),
            "codings": codings,
            **date_values("date", occurrence),
            "status": ctx.enum(found, "/status", resource.get("status"), ("completed", "not-done"))
            or "completed",
            "dose_number": _dose_number(doses[0]) if doses else None,
            "lot_number": string(resource.get("lotNumber")),
            "site": concept_text(resource.get("site")),
            "location": ctx.name_of(resource.get("location"), found, patients),
            "performer": ctx.names([obj(p.get("actor")) for p in given], found, patients),
            "notes": "\n".join(notes),
        },
        patients,
    )


def procedure(ctx: Context, found: Found) -> None:
    resource = found.resource
    patients = ctx.owner(found)
    code = resource.get("code")
    if ctx.absent_or_unknown(found, code) or ctx.only_a_placeholder(found, code):
        return
    status = ctx.enum(
        found,
        "/status",
        resource.get("status"),
        (
            "preparation",
            "in-progress",
            "not-done",
            "on-hold",
            "stopped",
            "completed",
            "unknown",
        ),
    )
    if status == "not-done":
        ctx.skip(found, _("marked as not done"), concept_text(code))
        return
    if MEDICATION_REVIEW in codes_of(code):
        medication_review(ctx, found, patients)
        return
    notes = notes_of(resource)
    performed = ctx.date_of(found, "performed")
    if (text := string(resource.get("performedString"))) and performed is None:
        notes.append(_("When: %(when)s") % {"when": text})
    performers = ctx.names(
        [obj(p.get("actor")) for p in objs(resource.get("performer"))], found, patients
    )
    ctx.entry(
        found,
        "procedures",
        {
            "display": ctx.display(found, concept_text(code)),
            "codings": codings_of(code),
            **date_values("date", performed),
            "performer": performers,
            "location": ctx.name_of(resource.get("location"), found, patients),
            "reason": ctx.reasons(found, patients),
            "outcome": concept_text(resource.get("outcome")),
            "notes": "\n".join(notes),
        },
        patients,
    )


def medication_review(ctx: Context, found: Found, patients: frozenset[str]) -> None:
    resource = found.resource
    performers = objs(resource.get("performer"))
    function = obj(performers[0].get("function")) if performers else {}
    with_whom = next((REVIEWERS[c] for c in codes_of(function) if c in REVIEWERS), "")
    with_whom = with_whom or next(
        (w for w in REVIEWERS.values() if w == concept_text(function).lower()), "other"
    )
    reviewer = ctx.names([obj(p.get("actor")) for p in performers], found, patients)
    ctx.entry(
        found,
        "medication-reviews",
        {
            "display": ctx.display(found, concept_text(resource.get("code"))),
            "codings": codings_of(resource.get("code")),
            **date_values("date", ctx.date_of(found, "performed")),
            "with_whom": with_whom,
            # A performer named only by their role ("Pharmacist") is not a name.
            "reviewer": "" if reviewer.lower() == concept_text(function).lower() else reviewer,
            "outcome": concept_text(resource.get("outcome")),
            "notes": "\n".join(notes_of(resource)),
        },
        patients,
    )


def encounter(ctx: Context, found: Found) -> None:
    resource = found.resource
    patients = ctx.owner(found)
    status = ctx.enum(
        found,
        "/status",
        resource.get("status"),
        (
            "planned",
            "arrived",
            "triaged",
            "in-progress",
            "onleave",
            "finished",
            "cancelled",
            "unknown",
        ),
    )
    if status in ("planned", "cancelled"):
        reason = _("a planned visit") if status == "planned" else _("a cancelled visit")
        ctx.skip(found, reason, example_of(found))
        return
    types = objs(resource.get("type"))
    visit_class = obj(resource.get("class"))
    clinicians = ctx.names(
        [obj(p.get("individual")) for p in objs(resource.get("participant"))],
        found,
        patients,
    )
    provider = ctx.name_of(resource.get("serviceProvider"), found, patients)
    places = [
        ctx.name_of(obj(place.get("location")), found, patients)
        for place in objs(resource.get("location"))
    ]
    period = obj(resource.get("period"))
    start = ctx.when(found, "/period/start", period.get("start"))[0]
    end = ctx.when(found, "/period/end", period.get("end"))[0]
    ctx.entry(
        found,
        "visits",
        {
            "display": ctx.display(
                found,
                concept_text(types[0]) if types else "",
                string(visit_class.get("display")),
                _visit_class(string(visit_class.get("code"))),
            ),
            "codings": codings_of(types[0]) if types else [],
            **date_values("date", start),
            **date_values("end_date", end),
            "clinician": clinicians,
            "facility": ", ".join(unique([provider, *places])),
            "reason": ctx.reasons(found, patients),
            "notes": "",
        },
        patients,
    )


def _severity(value: object) -> str:
    codes = codes_of(value)
    by_code = {
        "255604002": "mild",
        "6736007": "moderate",
        "24484000": "severe",
        "LA6752-5": "mild",
        "LA6751-7": "moderate",
        "LA6750-9": "severe",
    }
    found = next((by_code[code] for code in codes if code in by_code), "")
    if found:
        return found
    text = concept_text(value).lower()
    return next((word for word in ("mild", "moderate", "severe") if word in text), "")


def _dose_number(protocol: Json) -> int | None:
    dose = protocol.get("doseNumberPositiveInt")
    if isinstance(dose, int) and not isinstance(dose, bool):
        return dose if 0 < dose <= 32767 else None
    digits = re.match(r"\s*(\d{1,4})\b", string(protocol.get("doseNumberString")))
    if digits is None or int(digits.group(1)) == 0:
        return None
    return int(digits.group(1))


def _visit_class(code: str) -> str:
    shown = VISIT_CLASSES.get(code.upper())
    return _(shown) if shown else ""


# MyHealthHub's own export keeps the resolved date of a condition that came
# back (R4 allows abatement only beside an ended status) in this extension.
RESOLVED_EXTENSION = "urn:myhealthhub:extension:resolved"


def _came_back_after(ctx: Context, found: Found) -> PartialDate | None:
    for index, extension in enumerate(found.resource.get("extension") or []):
        if isinstance(extension, dict) and extension.get("url") == RESOLVED_EXTENSION:
            return ctx.when(
                found, f"/extension/{index}/valueDateTime", extension.get("valueDateTime")
            )[0]
    return None
