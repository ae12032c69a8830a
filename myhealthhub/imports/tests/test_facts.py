"""Nothing lost (issue 15): what a person would check in each real file is what was stored.

Each file of ../shared/data (the Synthea bundles, the IPS bundles, the bulk
export as one import of its first person, the C-CDA documents) goes through
the pipeline into a fresh profile and is committed. Its facts, read straight
from the file (``facts.py``), are compared with the database's, normalised
alike and matched one to one. Every difference must be in ``EXPECTED`` with
its reason, and every row there must still happen: a fix shows up as a row
to remove.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from myhealthhub.conftest import World
from myhealthhub.imports.models import ImportJob, JobState
from myhealthhub.imports.pipeline import choose_patient
from myhealthhub.imports.tests.facts import (
    KINDS,
    Fact,
    ccda_facts,
    fhir_facts,
    label,
    norm,
    number,
    reading,
)
from myhealthhub.imports.tests.test_pipeline import commit, files_of, new_profile, read
from myhealthhub.profiles.models import Profile
from myhealthhub.records.models import Allergy, Medication, Observation
from myhealthhub.tests.real_files import shared_data, shared_in

BULK = "bulk-ndjson"
FILES = {
    **{path.name: [path] for path in shared_in("fhir/synthea", "*.json")},
    **{path.name: [path] for path in shared_in("ips", "*.json")},
    BULK: shared_in("fhir/bulk-ndjson", "*.ndjson"),
    **{
        path.name: [path]
        for pattern in ("*.xml", "*.XML", "*.ccda")
        for path in shared_in("ccda", pattern)
    },
}


@dataclass(frozen=True)
class Why:
    """Why a fact differs; ``skipped`` is the import's own reason, which its list must show."""

    reason: str
    skipped: str = ""


NAMED_FROM_CODE = Why(
    "by design: smoking status and sex at birth are named from their codes, in the "
    "person's language (ccda/social.py), not in the vendor's words or bare code"
)
NO_MEDICINES = Why(
    "skipped by design: a statement that no medicines are known is not a medicine",
    skipped="a statement that no medicines are known",
)
NO_NAME = Why(
    "skipped by design: the activity names no medicine (null code, no text)",
    skipped="names no medicine",
)
NO_INFORMATION = Why(
    "skipped by design: the IPS absent/unknown code says there is no information",
    skipped="the file says it has no information here (“No information about medications”)",
)
NEGATED = Why(
    "skipped by design: a negated observation (negationInd) says this does not apply",
    skipped="a statement that this does not apply to the person",
)
NCI_FORM = Why(
    "by design: the file gives the form only as NCI code C42998, no displayName; the "
    "importer names it (ccda/medications.py NCI_NAMES)"
)
REPORT_AS_NOTE = Why(
    "by design: the value is a paragraph over 200 characters (a lipid comment), a report "
    "rather than a result's value; it is kept as a note with the result's name and date "
    "(imports/reports_in_values.py)"
)
LIPID_COMMENT = (
    "result: 49062-3 | a combined cvd risk of which lipids is one component should be "
    "estimated to guide cvd risk management decisions. if lipid modifying medication is "
    "considered suggest checking first for treatable secondary causes of dyslipidaemia. | "
)
# Per file: (side, fact, why). "lost": in the file, not stored; "added": stored, not in
# the file. Facts are shown normalised (facts.norm); a changed fact is one of each.
EXPECTED: dict[str, list[tuple[str, str, Why]]] = {
    "cxn_EU_IPS_wylem_bars.json": [
        ("lost", "medication: no information about medications |  | ", NO_INFORMATION),
    ],
    "cxn_NZ_Peter_Jordan_NNJ9186.json": [
        ("lost", LIPID_COMMENT + "2023-10-31 15:06:00", REPORT_AS_NOTE),
        ("lost", LIPID_COMMENT + "2024-03-11 16:05:00", REPORT_AS_NOTE),
        ("lost", LIPID_COMMENT + "2024-08-30 13:35:00", REPORT_AS_NOTE),
    ],
    "hl7spec_CCD1.XML": [
        ("lost", "result: 72166-2 | ex-smoker | 2012-09-10", NAMED_FROM_CODE),
        ("added", "result: 72166-2 | former smoker | 2012-09-10", NAMED_FROM_CODE),
    ],
    "hl7spec_Discharge_Summary.xml": [
        ("lost", "result: 72166-2 | never smoked tobacco | 2014-09-10 12:54:00", NAMED_FROM_CODE),
        ("added", "result: 72166-2 | never smoker | 2014-09-10 12:54:00", NAMED_FROM_CODE),
    ],
    "jdd_Allscripts-Sunrise_Larson_Rebecca.xml": [
        ("lost", "result: 76689-9 | f | ", NAMED_FROM_CODE),
        ("lost", "result: 72166-2 | 449868002 | 2015-06-22 00:00:00", NAMED_FROM_CODE),
        ("lost", "result: 11367-0 | 428071000124103 | 2005-05-01 00:00:00", NAMED_FROM_CODE),
        ("added", "result: 76689-9 | female | ", NAMED_FROM_CODE),
        (
            "added",
            "result: 72166-2 | current every day smoker | 2015-06-22 00:00:00",
            NAMED_FROM_CODE,
        ),
        (
            "added",
            "result: 11367-0 | current heavy tobacco smoker | 2005-05-01 00:00:00",
            NAMED_FROM_CODE,
        ),
    ],
    "jdd_Allscripts-TouchWorks_Alice_rn.xml": [
        (
            "lost",
            "medication: tylenol extra strength 500 mg oral tablet | 1 | 2016-08-26",
            NCI_FORM,
        ),
        (
            "added",
            "medication: tylenol extra strength 500 mg oral tablet | 1 tablet | 2016-08-26",
            NCI_FORM,
        ),
        ("lost", "result: 76689-9 | f | ", NAMED_FROM_CODE),
        ("lost", "result: 72166-2 | 449868002 | ", NAMED_FROM_CODE),
        ("lost", "result: 72166-2 | 428071000124103 | 2005-05-01", NAMED_FROM_CODE),
        ("added", "result: 76689-9 | female | ", NAMED_FROM_CODE),
        ("added", "result: 72166-2 | current every day smoker | ", NAMED_FROM_CODE),
        ("added", "result: 72166-2 | current heavy tobacco smoker | 2005-05-01", NAMED_FROM_CODE),
    ],
    "jdd_Amrita_Admission_Inpatient_CCD.xml": [
        ("lost", "medication:  |  | ", NO_MEDICINES),
        ("lost", "result: 72166-2 | light tobacco smoker | ", NAMED_FROM_CODE),
        ("lost", "result: 76689-9 | m | ", NAMED_FROM_CODE),
        ("added", "result: 72166-2 | current light tobacco smoker | ", NAMED_FROM_CODE),
        ("added", "result: 76689-9 | male | ", NAMED_FROM_CODE),
    ],
    "jdd_HenrySchein_JonesM_19470501.xml": [
        ("lost", "medication:  |  | ", NO_NAME),
        (
            "lost",
            "result: assertion | smoking status: current every day smoker (449868002) | 2011",
            NAMED_FROM_CODE,
        ),
        (
            "lost",
            "result: assertion | smoking status: former smoker (8517006) | 2005",
            NAMED_FROM_CODE,
        ),
        ("added", "result: assertion | current every day smoker | 2011", NAMED_FROM_CODE),
        ("added", "result: assertion | former smoker | 2005", NAMED_FROM_CODE),
    ],
    "jdd_McKesson-Paragon_CeciliaCummings.xml": [
        ("lost", "result: 72166-2 | light tobacco smoker | ", NAMED_FROM_CODE),
        ("added", "result: 72166-2 | current light tobacco smoker | ", NAMED_FROM_CODE),
    ],
    "jdd_NextGen_1.3AllPatients-C0001597.xml": [
        ("lost", "medication:  |  | ", NO_MEDICINES),
        ("lost", "result: 72166-2 | heavy tobacco smoker | 2017-05-11", NAMED_FROM_CODE),
        ("added", "result: 72166-2 | current heavy tobacco smoker | 2017-05-11", NAMED_FROM_CODE),
        ("lost", "result: 72166-2 | never smoker | 2017-03-24", NEGATED),
        ("lost", "result: 11367-0 | current non-smoker | 2017-03-24", NEGATED),
    ],
    "onc_Cures_b1_toc_cures_sample3.xml": [
        ("lost", "medication: drug or medication |  | ", NO_MEDICINES),
    ],
}


# What the database holds -------------------------------------------------------


def stored_facts(profile: Profile) -> dict[str, list[tuple[str, ...]]]:
    """Each kind's facts as the database holds them, normalised as the file's are."""
    found: dict[str, list[tuple[str, ...]]] = defaultdict(list)
    for medicine in Medication.objects.filter(profile=profile).alive():
        values = (
            medicine.display,
            medicine.dose,
            stored_when(medicine.date, medicine.date_precision),
        )
        found["medication"].append(tuple(norm(value) for value in values))
    for result in Observation.objects.filter(profile=profile).alive():
        time = stored_when(result.date, result.date_precision, result.effective_time)
        if result.value_number is not None:
            amount = result.comparator + number(result.value_number)
            value = reading(amount, result.unit_text or result.unit)
            found["result"].append((norm(result.code), norm(value), norm(time)))
        elif result.value_text:
            found["result"].append((norm(result.code), norm(result.value_text), norm(time)))
        for part in result.components:
            value = reading(
                number(part.get("value")) or str(part.get("value") or ""), part.get("unit", "")
            )
            found["result"].append((norm(part.get("code", "")), norm(value), norm(time)))
    for allergy in Allergy.objects.filter(profile=profile).alive():
        reactions = sorted(
            {norm(r["manifestation"]) for r in allergy.reactions if r["manifestation"]}
        )
        found["allergy"].append((norm(allergy.display), "; ".join(reactions)))
    return found


# Comparing ---------------------------------------------------------------------


@dataclass(frozen=True)
class Difference:
    side: str  # "lost": in the file, not stored; "added": stored, not in the file
    label: str
    where: str = ""


def differences(kind: str, facts: list[Fact], stored: list[tuple[str, ...]]) -> list[Difference]:
    """The facts of the file no stored fact matches, and the stored facts left over.

    A maximum matching (Kuhn's augmenting paths): a stored fact that two file
    facts accept goes to the one that has no other.
    """
    by_first: dict[str, list[int]] = defaultdict(list)
    for index, values in enumerate(stored):
        by_first[values[0]].append(index)
    candidates = [
        [
            index
            for first in each.accepted[0]
            for index in by_first.get(first, [])
            if all(
                value in accepted
                for value, accepted in zip(stored[index], each.accepted, strict=True)
            )
        ]
        for each in facts
    ]
    owner: dict[int, int] = {}

    def place(fact_index: int, seen: set[int]) -> bool:
        for index in candidates[fact_index]:
            if index in seen:
                continue
            seen.add(index)
            if index not in owner or place(owner[index], seen):
                owner[index] = fact_index
                return True
        return False

    placed = {i for i in range(len(facts)) if place(i, set())}
    lost = [
        Difference("lost", facts[i].label, facts[i].where)
        for i in range(len(facts))
        if i not in placed
    ]
    added = [
        Difference("added", label(kind, stored[i])) for i in range(len(stored)) if i not in owner
    ]
    return lost + added


def stored_when(date: dt.date | None, precision: str, time: dt.time | None = None) -> str:
    if date is None:
        return ""
    if precision == "year":
        return f"{date.year:04d}"
    if precision == "month":
        return f"{date.year:04d}-{date.month:02d}"
    return date.isoformat() + (f" {time:%H:%M:%S}" if time is not None else "")


# The files ---------------------------------------------------------------------


@shared_data
@pytest.mark.parametrize("name", sorted(FILES))
def test_every_fact_of_the_file_is_stored_or_its_difference_explained(world: World, name: str):
    paths = FILES[name]
    profile = new_profile(world)
    job = read(profile, files_of(paths), world)
    patient = ""
    if name == BULK:
        # A bulk export holds many people: the first one, as test_pipeline chooses.
        assert job.state == JobState.CHOOSING
        choose_patient(job, job.patients[0]["key"])
        job.refresh_from_db()
        patient = _patient_id(paths, job.patients[0])
    commit(job, world)
    if paths[0].suffix.lower() in (".xml", ".ccda"):
        facts = ccda_facts(paths[0])
    else:
        facts = fhir_facts(paths, patient)
    assert facts or name in NOTHING_TO_CHECK, f"{name}: no facts read; is the reader wrong?"
    stored = stored_facts(profile)
    found: list[Difference] = []
    for kind in KINDS:
        found += differences(kind, [f for f in facts if f.kind == kind], stored.get(kind, []))

    expected = EXPECTED.get(name, [])
    got = Counter((d.side, d.label) for d in found)
    wanted = Counter((side, label) for side, label, _why in expected)
    unexplained = [
        f"{d.side}: {d.label} ({d.where})" for d in found if (d.side, d.label) in got - wanted
    ]
    gone = [f"{side}: {label}" for side, label in (wanted - got).elements()]
    assert not unexplained and not gone, (
        f"{name}\nnot in EXPECTED:\n  "
        + "\n  ".join(unexplained)
        + "\nin EXPECTED, no longer happening (a fix? remove the row):\n  "
        + "\n  ".join(gone)
    )
    for _side, _label, why in expected:
        assert why.reason
        if why.skipped:
            assert why.skipped in _skip_reasons(job), (name, why.skipped)


# Files with no medicine, result or allergy in them: a document whose body is a
# PDF or plain text, a care plan, an IPS that says it has no information.
NOTHING_TO_CHECK = {
    "hl7spec_CDA_Embedded_Text_Plain_Surgical_Consult.xml",
    "hl7spec_Care_Plan.xml",
    "hl7spec_Unstructured_Document_embed_PDF.xml",
    "msconv_CDA_with_Embedded_PDF.ccda",
    "validated_IPS_IG_bundle-no-info-required-sections.json",
}


def _skip_reasons(job: ImportJob) -> set[str]:
    return {group["reason"] for group in job.preview["skipped"]}


def _patient_id(paths: list[Path], chosen: dict[str, Any]) -> str:
    """The id of the Patient resource the job's chosen person was read from."""
    for path in paths:
        if not path.name.startswith("Patient."):
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            resource = json.loads(line)
            names = resource.get("name") or [{}]
            if names[0].get("family") == chosen["family_name"]:
                return str(resource["id"])
    raise AssertionError(f"no Patient resource for {chosen}")
