"""AllergyIntolerance to an allergy, or to a statement that there are none known.

"No known allergies" is written many ways: SNOMED codes, IPS codes, or only
text in the language of the sender. A Composition's allergy section can say
it too (``documents.py``).
"""

from __future__ import annotations

import re

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop as N_

from myhealthhub.imports.base import date_values
from myhealthhub.imports.fhir.context import Context
from myhealthhub.imports.fhir.fields import (
    codes_of,
    codings_of,
    concept_text,
    items,
    notes_of,
    objs,
    texts_of,
)
from myhealthhub.imports.fhir.parse import Found

NO_KNOWN_ALLERGY_CODES = {
    "716186003": "all",
    "409137002": "drug",
    "428607008": "environmental",
    "429625007": "food",
    "428197003": "insect",
    "no-known-allergies": "all",
    "no-known-medication-allergies": "drug",
    "no-known-environmental-allergies": "environmental",
    "no-known-food-allergies": "food",
    "no-known-biologic-allergies": "biologic",
}
NO_KNOWN_ALLERGIES_TEXT = re.compile(
    r"\b(no known (drug |medication |food )?allerg|nkda?\b|keine (bekannten )?allergien"
    r"|sin alergias conocidas|no se conocen alergias|aucune allergie connue"
    r"|geen bekende allergie|nessuna allergia nota)",
    re.IGNORECASE,
)
NO_KNOWN_ALLERGIES = {
    "all": N_("No known allergies"),
    "drug": N_("No known drug allergies"),
    "food": N_("No known food allergies"),
    "environmental": N_("No known environmental allergies"),
    "insect": N_("No known insect allergies"),
    "biologic": N_("No known allergies to biologics"),
}


def allergy(ctx: Context, found: Found) -> None:
    resource = found.resource
    code = resource.get("code")
    codes = codes_of(code)
    extent = next((NO_KNOWN_ALLERGY_CODES[c] for c in codes if c in NO_KNOWN_ALLERGY_CODES), "")
    if not extent and not codes and NO_KNOWN_ALLERGIES_TEXT.search(concept_text(code)):
        extent = "all"
    recorded = ctx.when(found, "/recordedDate", resource.get("recordedDate"))[0]
    if extent:
        ctx.entry(
            found,
            "no-known-allergies",
            {
                "display": no_known_allergies(extent),
                "codings": codings_of(code),
                **date_values("date", recorded or ctx.date_of(found, "onset")),
                "notes": "\n".join(notes_of(resource)),
            },
        )
        return
    if "no-allergy-info" in codes:
        ctx.skip(found, _("the file says it has no information about allergies"))
        return
    if ctx.absent_or_unknown(found, code) or ctx.only_a_placeholder(found, code):
        return
    verification = ctx.coded(
        found,
        "/verificationStatus",
        resource.get("verificationStatus"),
        ("unconfirmed", "presumed", "confirmed", "refuted"),
    )
    if verification == "refuted":
        ctx.skip(found, _("the allergy was ruled out"), concept_text(code))
        return
    patients = ctx.owner(found)
    categories = [
        ctx.enum(
            found,
            f"/category/{index}",
            value,
            ("food", "medication", "environment", "biologic"),
        )
        for index, value in enumerate(items(resource.get("category")))
    ]
    reactions = []
    for index, reaction in enumerate(objs(resource.get("reaction"))):
        # texts_of passes over "Not available", "unknown" and data-absent-reasons.
        manifestation = ", ".join(texts_of(reaction.get("manifestation")))
        severity = ctx.enum(
            found,
            f"/reaction/{index}/severity",
            reaction.get("severity"),
            ("mild", "moderate", "severe"),
        )
        if manifestation or severity:
            reactions.append({"manifestation": manifestation, "severity": severity})
    notes = notes_of(resource)
    if verification in ("unconfirmed", "presumed"):
        notes.insert(0, _("Not confirmed"))
    ctx.entry(
        found,
        "allergies",
        {
            "display": ctx.display(found, concept_text(code)),
            "codings": codings_of(code),
            **date_values("date", ctx.date_of(found, "onset")),
            **date_values("recorded_date", recorded),
            "allergy_type": ctx.enum(
                found, "/type", resource.get("type"), ("allergy", "intolerance")
            )
            or "allergy",
            "category": next((c for c in categories if c), ""),
            "criticality": ctx.enum(
                found,
                "/criticality",
                resource.get("criticality"),
                ("low", "high", "unable-to-assess"),
            ),
            "status": ctx.coded(
                found,
                "/clinicalStatus",
                resource.get("clinicalStatus"),
                ("active", "inactive", "resolved"),
            )
            or "active",
            "reaction": reactions[0]["manifestation"] if reactions else "",
            "reaction_severity": reactions[0]["severity"] if reactions else "",
            "reactions": reactions,
            "notes": "\n".join(notes),
        },
        patients,
    )


def no_known_allergies(extent: str) -> str:
    """How a statement of no known allergies of one ``extent`` ("drug", "food"...) reads."""
    return _(NO_KNOWN_ALLERGIES.get(extent, NO_KNOWN_ALLERGIES["all"]))
