"""One test patient, Rebecca Larson, as written by 11 certified EHRs, reconciled (issue 17).

../shared/data/reconcile/larson holds the ONC 2015 Edition inpatient sample
as 11 vendors wrote it, and expected.json, what the clinicians entered.
Imported into one profile, each medicine, allergy, problem and vaccine dose
the clinicians entered is one group stating every file that has it; every
other group, and every disagreement, is listed here with what the files
say, each checked in the XML.

Files are named by their vendor (the part of the file name before "_").
ModuleMD's file is Carefluence's byte for byte, custodian included: the same
source system, so its statements are Carefluence's, already present, and
McKesson's two documents (a CCD and a discharge summary) are one source too.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest

from myhealthhub.conftest import World
from myhealthhub.imports.tests.test_pipeline import commit, new_profile, read
from myhealthhub.lib.medicine_names import ingredients_of
from myhealthhub.profiles.models import Profile
from myhealthhub.reconcile.groups import GroupView, groups_of
from myhealthhub.reconcile.listing import FOLDED
from myhealthhub.records.models import EntryVersion
from myhealthhub.tests.real_files import shared, shared_data, shared_in

LARSON = shared_in("reconcile/larson", "*.xml")
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"

ALL = frozenset(
    {
        "Allscripts-FollowMyHealth",
        "Amrita",
        "Carefluence",
        "Get-Real-Health",
        "Intellichart",
        "McKesson-Paragon",
        "Meditech-Magic",
        "NextTech",
        "iPatientCare",
    }
)


def but(*left_out: str) -> frozenset[str]:
    return ALL - set(left_out)


# Which files state each thing the clinicians entered, and where the files disagree
# on it (each checked in the XML). Medicines: files written in 2015 say the course
# is finished ("completed"), those written in 2017 (Meditech, McKesson,
# iPatientCare…) that it is taken now ("active"). Meditech gives its own
# frequencies: "Every 6 hours" for ceftriaxone, everolimus and cefpodoxime, "Every 4
# hours" for ciprofloxacin and clindamycin, "Twice A Day" for Aranesp; one of
# Allscripts' statements gives fenofibric acid "once a day" where the others say
# "at bedtime", and Tylenol "once a day" where others say "as needed".
EXPECTED_MEDICINES: dict[str, tuple[frozenset[str], dict[str, list[str]]]] = {
    "acetaminophen": (
        but("NextTech"),
        {"frequency": ["1/day", "as needed"], "status": ["active", "ended"]},
    ),
    "cefpodoxime": (
        but("Amrita", "iPatientCare"),
        # Carefluence's "Vantin 100MG" (RxNorm 214077) against the 200 mg the others give.
        {
            "strength": ["100 mg", "200 mg"],
            "frequency": ["2/day", "4/day"],
            "status": ["active", "ended"],
        },
    ),
    "ceftriaxone": (
        ALL,
        {
            "frequency": ["2/day", "4/day"],
            "route": ["intramuscular", "intravenous"],
            "status": ["active", "ended"],
        },
    ),
    "ciprofloxacin": (ALL, {"frequency": ["3/day", "6/day"], "status": ["active", "ended"]}),
    "clindamycin": (ALL, {"frequency": ["3/day", "6/day"], "status": ["active", "ended"]}),
    "darbepoetin alfa": (
        ALL,
        # NextTech and Meditech name Aranesp 100 mcg/0.5 mL (RxNorm 730044).
        {
            "strength": ["0.5 mg/mL", "100 mcg/0.5 mL"],
            "frequency": ["1/week", "2/day"],
            "route": ["intramuscular", "intravenous"],
            "status": ["active", "ended"],
        },
    ),
    "everolimus": (ALL, {"frequency": ["2/day", "4/day"], "status": ["active", "ended"]}),
    "fenofibric acid": (ALL, {"frequency": ["1/day", "bedtime"], "status": ["active", "ended"]}),
    # Allscripts' 100 mcg (0.1 mg) against the 1 mg the ONC sample gives.
    "levothyroxine": (
        but("Amrita", "iPatientCare"),
        {"strength": ["0.1 mg", "1 mg"], "status": ["active", "ended"]},
    ),
    "mycophenolic acid": (ALL, {"status": ["active", "ended"]}),
    # Allscripts 5 mg, McKesson 30 mg, the rest 50 mg; Meditech and NextTech say prednisone.
    "prednisolone": (
        frozenset({"Allscripts-FollowMyHealth", "Carefluence", "Get-Real-Health", "Intellichart"})
        | {"McKesson-Paragon"},
        {"strength": ["30 mg", "5 mg", "50 mg"], "status": ["active", "ended"]},
    ),
    "torsemide": (ALL, {"status": ["active", "ended"]}),
}
# Groups of medicines the clinicians did not enter, and why they are there.
OTHER_MEDICINES = {
    # NextTech's "Tylenol PM Extra Strength 25 mg-500 mg": a combination, not its parts.
    "acetaminophen+diphenhydramine": frozenset({"NextTech"}),
    # Meditech's "Prednisone" (RxNorm 198145) and NextTech's "prednisone 50 mg tablet":
    # another ingredient than prednisolone, whatever the names' likeness.
    "prednisone": frozenset({"Meditech-Magic", "NextTech"}),
}
EXPECTED_ALLERGIES = {"ampicillin": ALL, "penicillin g": ALL}

# Problems by SNOMED CT. Intellichart codes its problems with no name or text: each is
# named by the one row of the section's table that gives its code.
EXPECTED_PROBLEMS: dict[str, tuple[frozenset[str], dict[str, list[str]]]] = {
    "59621000": (ALL, {}),
    # Meditech: since 2015-12-31; the others 2006-12-31.
    "83986005": (ALL, {"date": ["2006-12-31", "2015-12-31"]}),
    # Carefluence's and Get Real Health's second statement: since 2006-12-31.
    "236578006": (ALL, {"date": ["2006-12-31", "2011-12-31"]}),
    # Get Real Health: since 2017-07-25.
    "87522002": (ALL, {"date": ["2015-06-22", "2017-07-25"]}),
    "64667001": (ALL, {"date": ["2015-06-22", "2017-07-25"]}),
    "238131007": (ALL, {}),
}
OTHER_PROBLEMS = {
    # "Anemia in Chronic Kidney Disease", by ICD-10 alone, beside Meditech's SNOMED
    # 234347009 of the same name; Get Real Health dates it 2017-07-25.
    "icd10:D63.1": frozenset({"Carefluence", "Get-Real-Health", "Meditech-Magic"}),
    "name:chronic sickness exhibited by patient": frozenset({"Allscripts-FollowMyHealth"}),
    "snomed:234348004": frozenset({"Meditech-Magic"}),  # Anemia of renal disease
    # NextTech's own problem list: anemia, weight monitoring, hypertension education,
    # hypothyroidism (not "severe"), smoking, a caregiver's health check.
    "snomed:271737000": frozenset({"NextTech"}),
    "snomed:307818003": frozenset({"NextTech"}),
    "snomed:39155009": frozenset({"NextTech"}),
    "snomed:40930008": frozenset({"NextTech"}),
    "snomed:449868002": frozenset({"NextTech"}),
    "snomed:699134002": frozenset({"NextTech"}),
}

# Vaccine doses by CVX and date. The refused intradermal influenza dose of 2015-06-22
# is dated 2015-06-15 (and "completed") by NextTech; Allscripts gives it no date, so it
# cannot be told which dose it is; Amrita and Get Real Health date it in 2017.
EXPECTED_DOSES: dict[str, tuple[frozenset[str], dict[str, list[str]]]] = {
    "cvx:88": (but("Amrita", "iPatientCare"), {}),
    "cvx:106": (ALL, {}),
    "cvx:166": (
        frozenset({"Carefluence", "Meditech-Magic", "NextTech", "iPatientCare"}),
        {"date": ["2015-06-15", "2015-06-22"], "status": ["completed", "not-done"]},
    ),
}
OTHER_DOSES = [
    ("cvx:166", frozenset({"Allscripts-FollowMyHealth"}), {}),
    ("cvx:166", frozenset({"Amrita", "Get-Real-Health"}), {"date": ["2017-07-13", "2017-07-25"]}),
]


def imported(world: World, paths: list[Path]) -> Profile:
    profile = new_profile(world, "Rebecca")
    for path in paths:
        commit(read(profile, [(path.name, path.read_bytes())], world), world)
    return profile


# One document under two names: whichever comes first brings its statements.
SAME_DOCUMENT = {"ModuleMD-Wise": "Carefluence"}


def files_of(view: GroupView) -> frozenset[str]:
    vendors = (entry.source.import_job.label.split("_")[0] for entry in view.entries)
    return frozenset(SAME_DOCUMENT.get(vendor, vendor) for vendor in vendors)


def conflicts_of(view: GroupView) -> dict[str, list[str]]:
    return {conflict.field: conflict.keys for conflict in view.conflicts}


def described(profile: Profile) -> list[tuple[str, str, list[str], str]]:
    """Every group as (kind, key, files, conflicts): what must not depend on the order."""
    return sorted(
        (view.kind, view.group.key, sorted(files_of(view)), json.dumps(conflicts_of(view)))
        for view in groups_of(profile, FOLDED)
    )


def by_key(views: list[GroupView], kind: str) -> dict[str, list[GroupView]]:
    found: dict[str, list[GroupView]] = defaultdict(list)
    for view in views:
        if view.kind == kind:
            found[view.group.key].append(view)
    return found


def ingredient_key(item: dict[str, Any]) -> str:
    name = item.get("name") or item["substance"]
    found = ingredients_of([{"system": RXNORM, "code": item["rxnorm"]}], name)
    assert found is not None, item
    return "ingredients:" + "+".join(sorted(found.ingredients))


@pytest.fixture(scope="module")
def expected() -> dict[str, Any]:
    return json.loads(shared("reconcile/larson/expected.json").read_text())


@shared_data
@pytest.mark.slow
def test_the_eleven_files_make_one_group_per_thing_the_clinicians_entered(world: World, expected):
    assert shared("reconcile/larson/Carefluence_Larson_Rebecca_0_Inpatient.xml").read_bytes() == (
        shared("reconcile/larson/ModuleMD-Wise_Larson_Rebecca_0_Inpatient.xml").read_bytes()
    )
    profile = imported(world, LARSON)
    views = groups_of(profile, FOLDED)

    medicines = by_key(views, "medications")
    entered = {ingredient_key(item): item for item in expected["medications"]}
    assert len(entered) == 12
    for key in entered:
        (view,) = medicines.pop(key)
        files, conflicts = EXPECTED_MEDICINES[key.removeprefix("ingredients:")]
        assert (key, files_of(view), conflicts_of(view)) == (key, files, conflicts)
    assert {key.removeprefix("ingredients:"): files_of(v) for key, (v,) in medicines.items()} == (
        OTHER_MEDICINES
    )

    allergies = by_key(views, "allergies")
    assert {key: files_of(view) for key, (view,) in allergies.items()} == {
        f"ingredients:{name}": files for name, files in EXPECTED_ALLERGIES.items()
    }
    assert {ingredient_key(item) for item in expected["allergies"]} == set(allergies)
    assert all(view.conflicts == [] for (view,) in allergies.values())

    problems = by_key(views, "conditions")
    for item in expected["problems"]:
        (view,) = problems.pop(f"snomed:{item['snomed']}")
        files, conflicts = EXPECTED_PROBLEMS[item["snomed"]]
        assert (item["name"], files_of(view), conflicts_of(view)) == (
            item["name"],
            files,
            conflicts,
        )
    assert {key: files_of(view) for key, (view,) in problems.items()} == OTHER_PROBLEMS

    doses = by_key(views, "immunizations")
    for item in expected["immunizations"]:
        key = f"cvx:{item['cvx']}"
        files, conflicts = EXPECTED_DOSES[key]
        (view,) = [v for v in doses[key] if files_of(v) == files]
        doses[key].remove(view)
        assert conflicts_of(view) == conflicts, key
    others = sorted(
        (key, sorted(files_of(view)), conflicts_of(view))
        for key, left in doses.items()
        for view in left
    )
    assert others == sorted((key, sorted(files), c) for key, files, c in OTHER_DOSES)

    # No file changed an entry another file brought.
    assert not EntryVersion.objects.filter(profile_id=profile.pk).exists()


@shared_data
@pytest.mark.slow
def test_any_order_and_a_second_import_give_the_same_groups(world: World):
    in_order = described(imported(world, LARSON))
    backwards = imported(world, LARSON[::-1])
    assert described(backwards) == in_order
    for path in LARSON:
        commit(read(backwards, [(path.name, path.read_bytes())], world), world)
    assert described(backwards) == in_order
    assert not EntryVersion.objects.filter(profile_id=backwards.pk).exists()
