"""Our own exports come back whole: every field of every kind, through FHIR and through IPS.

An entry of each kind is made with every column set to something other than
its default, exported, and read back into a new, empty profile; each column
of each entry must come back equal. The demo adult and real Synthea records
go the same way, compared field by field rather than counted.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest
from django.db import models
from django.utils import timezone
from fhir.resources.R4B.bundle import Bundle

from myhealthhub.accounts.models import User
from myhealthhub.conftest import make_account
from myhealthhub.exports.ips import _kind_of, _sections
from myhealthhub.exports.tests.test_fhir import export, import_into_new_profile
from myhealthhub.exports.tests.test_ips import ips, ips_problems
from myhealthhub.profiles import actions as profile_actions
from myhealthhub.profiles.models import Profile
from myhealthhub.records.actions import create_entry
from myhealthhub.records.demo import create_demo
from myhealthhub.records.kinds import KIND_OF_MODEL, KINDS
from myhealthhub.records.models import Allergy, Entry
from myhealthhub.summary.options import ExportOptions
from myhealthhub.tests.real_files import shared_data, shared_in

pytestmark = pytest.mark.django_db

RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
SNOMED = "http://snomed.info/sct"
LOINC = "http://loinc.org"
CVX = "http://hl7.org/fhir/sid/cvx"
OUR_ENTRIES = "urn:myhealthhub:entry"
SOURCE = "urn:oid:2.16.840.1.113883.19.5"
NO_KNOWN_ALLERGY = {
    "system": SNOMED,
    "code": "716186003",
    "display": "No known allergy (situation)",
}
MEDICATION_REVIEW = {"system": SNOMED, "code": "182836005", "display": "Review of medication"}
# The coding a kind is written with in FHIR, so that an entry without it reads back with it.
IMPLIED_CODING = {"no-known-allergies": NO_KNOWN_ALLERGY, "medication-reviews": MEDICATION_REVIEW}

# Columns that are not the entry's content, and so are not compared.
BOOKKEEPING = {
    "id": "the database's own number, new in every database",
    "uuid": "our name for the entry: a new profile's entry is a new entry",
    "profile": "the profile read into is, by design, another one",
    "source": "the re-import is a source of its own (the export file)",
    "created_by": "who read the file in, not part of the record",
    "created_at": "when the file was read in",
    "updated_by": "who last changed the row, not part of the record",
    "updated_at": "when the row last changed",
    "version": "how often the row was edited here; a new entry starts at 1",
    "deleted_at": "deleted entries are not exported",
}
# Columns set from others, so they cannot be given a value of their own.
DERIVED = {
    "code_system": "the first coding's system (Entry.set_codings)",
    "code": "the first coding's code (Entry.set_codings)",
}
DERIVED_OF_KIND = {
    "appointments": {
        "date": "the day the appointment starts (records/actions.py _derive)",
        "date_precision": "always a day: an appointment has a start time",
    },
    "workouts": {
        "date": "the day the workout starts (records/actions.py _derive)",
        "date_precision": "always a day: a workout has a start time",
    },
}
# Columns a kind never fills: no form field, importer or page sets or shows them.
UNUSED = {
    "care-team": {
        "date": "a care team member has no date of its own",
        "date_precision": "a care team member has no date of its own",
        "codings": "a care team member is a name, not a coded concept",
    },
    "notes": {"codings": "a note is typed as a Patient Note, not coded itself"},
    "no-known-allergies": {"display": "the statement's words are fixed ('No known allergies')"},
}
# Fields whose import is still being written elsewhere, by kind, with why; none now
# (an immunization's "given by", an allergy's recorded date and a differential
# diagnosis are read back by clinical.py and allergies.py).
PENDING: dict[str, dict[str, str]] = {}

# The kinds an International Patient Summary carries, and why the others are not.
NOT_IN_IPS = {
    "visits": "IPS has no section for past visits",
    "appointments": "IPS summarises the record; visits to come are not in it",
    "care-team": "IPS names the patient's practitioners only as authors",
    "family-history": "family history is not an IPS section",
    "medication-reviews": "IPS has no section for reviews of the medication list",
    "notes": "the person's own notes are not an IPS section",
    "workouts": "IPS has no section for exercise",
    "no-known-allergies": "only without active allergies; read back in its own test",
}


def _aware(year: int, month: int, day: int, hour: int, minute: int) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=dt.UTC)


def every_field(today: dt.date) -> dict[str, list[dict[str, Any]]]:
    """For each kind, entries that between them set every column to something not its default.

    The statuses are those the IPS chooses (a medicine taken now, a condition
    the person has), yet none is the model's default.
    """
    recent = today - dt.timedelta(days=20)
    chosen = _every_field(recent)
    for slug, entries in chosen.items():
        # As if a source had named the first one: what it called it must survive too.
        entries[0].setdefault("source_identifiers", [{"system": SOURCE, "value": f"{slug}-1"}])
    return chosen


def _every_field(recent: dt.date) -> dict[str, list[dict[str, Any]]]:
    return {
        "medications": [
            {
                "display": "Metformin",
                "codings": [{"system": RXNORM, "code": "860975", "display": "Metformin 500 MG"}],
                "code_system": RXNORM,
                "code": "860975",
                "date": dt.date(2019, 3, 1),
                "date_precision": "month",
                "notes": "Take with food.",
                "strength": "500 mg",
                "dose": "1 tablet",
                "route": "oral",
                "frequency": "twice a day",
                "as_needed": True,
                "reason": "Type 2 diabetes",
                "prescriber": "Dr. Ana Ruiz",
                "pharmacy": "Farmacia Central",
                "status": "active",
                "end_date": dt.date(2030, 1, 1),
                "end_date_precision": "year",
            },
            {
                "display": "Paracetamol",
                "dose": "half a tablet",
                "strength": "forte",
                "frequency": "every 6 hours",
                "status": "on-hold",
            },
        ],
        "conditions": [
            {
                "display": "Asthma",
                "codings": [{"system": SNOMED, "code": "195967001", "display": "Asthma"}],
                "code_system": SNOMED,
                "code": "195967001",
                "date": dt.date(2010, 1, 1),
                "date_precision": "year",
                "notes": "Worse in spring.",
                "clinical_status": "recurrence",
                "verification": "provisional",
                "severity": "moderate",
                "resolved_date": dt.date(2018, 6, 1),
                "resolved_date_precision": "month",
            },
            {"display": "Gastritis", "verification": "differential"},
        ],
        "allergies": [
            {
                "display": "Peanut",
                "codings": [{"system": SNOMED, "code": "91935009", "display": "Peanut"}],
                "code_system": SNOMED,
                "code": "91935009",
                "date": dt.date(2001, 5, 1),
                "date_precision": "month",
                "notes": "Carries an auto-injector.",
                "allergy_type": "intolerance",
                "category": "food",
                "criticality": "high",
                "status": "active",
                "reaction": "Hives",
                "reaction_severity": "moderate",
                "reactions": [
                    {"manifestation": "Hives", "severity": "moderate"},
                    {"manifestation": "Swelling", "severity": "severe"},
                ],
                "recorded_date": dt.date(2004, 2, 1),
                "recorded_date_precision": "month",
            },
            {"display": "Latex", "status": "resolved"},
        ],
        "no-known-allergies": [
            {
                "codings": [NO_KNOWN_ALLERGY],
                "date": dt.date(2022, 4, 1),
                "date_precision": "month",
                "notes": "Asked twice.",
            },
        ],
        "immunizations": [
            {
                "display": "COVID-19 mRNA",
                "codings": [{"system": CVX, "code": "208", "display": "COVID-19 mRNA"}],
                "code_system": CVX,
                "code": "208",
                "date": dt.date(2021, 6, 2),
                "notes": "Sore arm for a day.",
                "status": "not-done",
                "dose_number": 2,
                "lot_number": "EW0182",
                "site": "Left arm",
                "location": "City Clinic",
                "performer": "Nurse Joy",
            },
            {"display": "Tetanus", "date": dt.date(2005, 1, 1), "date_precision": "year"},
        ],
        "results": [
            {
                "display": "Body weight",
                "codings": [{"system": LOINC, "code": "29463-7", "display": "Body weight"}],
                "code_system": LOINC,
                "code": "29463-7",
                "date": recent,
                "notes": "After breakfast.",
                "category": "vital-signs",
                "value_number": 72.5,
                "comparator": ">",
                "unit": "kg",
                "unit_text": "kilograms",
                "reference_low": 50.0,
                "reference_high": 90.0,
                "reference_text": "50-90 kg",
                "interpretation": "Normal",
                "effective_time": dt.time(8, 15),
                # Taken on another clock than the export's (UTC).
                "effective_offset": -300,
            },
            {
                "display": "Urine colour",
                "date": recent.replace(day=1),
                "date_precision": "month",
                "category": "other",
                "value_text": "amber",
            },
            {
                "display": "Blood pressure",
                "codings": [{"system": LOINC, "code": "85354-9", "display": "Blood pressure"}],
                "date": recent - dt.timedelta(days=2),
                "category": "vital-signs",
                "components": [
                    {"code": "8480-6", "display": "Systolic", "value": 128, "unit": "mm[Hg]"},
                    {"code": "8462-4", "display": "Diastolic", "value": 84, "unit": "mm[Hg]"},
                ],
            },
        ],
        "procedures": [
            {
                "display": "Appendectomy",
                "codings": [{"system": SNOMED, "code": "80146002", "display": "Appendectomy"}],
                "code_system": SNOMED,
                "code": "80146002",
                "date": dt.date(2015, 1, 1),
                "date_precision": "year",
                "notes": "No complications.",
                "performer": "Dr. Luis Mora",
                "location": "General Hospital",
                "reason": "Appendicitis",
                "outcome": "Recovered",
            },
        ],
        "visits": [
            {
                "display": "Check-up",
                "codings": [{"system": SNOMED, "code": "185349003", "display": "Check-up"}],
                "code_system": SNOMED,
                "code": "185349003",
                "date": dt.date(2024, 2, 1),
                "date_precision": "month",
                "notes": "Bring results next time.",
                "clinician": "Dr. Ana Ruiz",
                "facility": "City Clinic",
                "reason": "Yearly review",
                "end_date": dt.date(2024, 2, 1),
                "end_date_precision": "month",
            },
        ],
        "appointments": [
            {
                "display": "Dermatology",
                "codings": [{"system": SNOMED, "code": "394582007", "display": "Dermatology"}],
                "code_system": SNOMED,
                "code": "394582007",
                "notes": "Second floor.",
                "starts_at": _aware(2031, 3, 4, 9, 30),
                "ends_at": _aware(2031, 3, 4, 10, 0),
                "clinician": "Dr. Eva Sol",
                "facility": "Skin Centre",
                "address": "1 Main St",
                "reason": "Mole check",
                "status": "proposed",
                "questions": "Is it growing?",
                "bring": "Photos of the mole",
            },
        ],
        "care-team": [
            {
                "display": "Farmacia Central",
                "notes": "Open on Sundays.",
                "role": "pharmacy",
                "specialty": "Compounding",
                "organization": "Central Group",
                "phone": "+34 600 000 000",
                "email": "farmacia@example.org",
                "address": "2 Main St",
                "portal_url": "https://farmacia.example.org",
                "member_number": "F-123",
            },
            {"display": "Dr. Eva Sol", "role": "clinician", "specialty": "Dermatology"},
        ],
        "family-history": [
            {
                "display": "Breast cancer",
                "codings": [{"system": SNOMED, "code": "254837009", "display": "Breast cancer"}],
                "code_system": SNOMED,
                "code": "254837009",
                "date": dt.date(2020, 1, 1),
                "date_precision": "year",
                "notes": "Diagnosed late.",
                "relative": "Mother",
                "onset_age": 52,
                "deceased": True,
            },
        ],
        "medication-reviews": [
            {
                "display": "Yearly medicines review",
                "codings": [{"system": SNOMED, "code": "428911000124108", "display": "Review"}],
                "date": dt.date(2025, 1, 1),
                "date_precision": "month",
                "notes": "All fine.",
                "with_whom": "nurse",
                "reviewer": "Nurse Joy",
                "outcome": "Stop the antacid",
                "next_due": dt.date(2026, 1, 10),
            },
        ],
        "workouts": [
            {
                "display": "Hill repeats",
                "codings": [{"system": SOURCE, "code": "HILL-6", "display": "Hill repeats"}],
                "notes": "Legs tired.",
                "activity": "running",
                "starts_at": _aware(2025, 6, 11, 22, 0),
                "duration": 1834,
                "distance": 5021.4,
                "active_energy": 412.5,
                "average_heart_rate": 151.25,
                "device": "Apple Watch",
            },
            {
                "display": "Yoga",
                "activity": "yoga",
                "starts_at": _aware(2025, 6, 12, 7, 30),
                "duration": 3600,
            },
        ],
        "notes": [
            {
                "display": "Headache diary",
                "date": dt.date(2024, 5, 1),
                "date_precision": "month",
                "body": "Happened twice this week.\nBetter after sleep.",
                "notes": "Show this to Dr. Ruiz.",
            },
        ],
    }


def compared_fields(slug: str) -> list[str]:
    model = KINDS[slug].model
    skipped = {
        *BOOKKEEPING,
        *DERIVED,
        *DERIVED_OF_KIND.get(slug, {}),
        *UNUSED.get(slug, {}),
    }
    return [
        field.name
        for field in model._meta.get_fields()
        if isinstance(field, models.Field) and field.concrete and field.name not in skipped
    ]


def comparable(entry: Entry, name: str) -> Any:
    value = getattr(entry, name)
    slug = KIND_OF_MODEL[type(entry)].slug
    if name == "source_identifiers":
        # What the export called the entry (its UUID, and the fullUrl made of it) names
        # the export, not what a source called it.
        ours = {str(i.get("value")) for i in value if i.get("system") == OUR_ENTRIES}
        return [i for i in value if not any(uuid in str(i.get("value")) for uuid in ours)]
    if name == "codings":
        return _codings(entry, slug)
    if name == "reactions" and not value and isinstance(entry, Allergy) and entry.reaction:
        # No further reactions is the one of the reaction columns, listed.
        return [{"manifestation": entry.reaction, "severity": entry.reaction_severity}]
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)  # a JSON number 128 is the 128.0 written
    if isinstance(value, list):
        return json.loads(json.dumps(value), parse_int=float)
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC)
    return value


def _codings(entry: Entry, slug: str) -> list[tuple[str, str, str]]:
    """An entry with a code and no codings has that code as its coding (in its kind's
    system); one of a kind FHIR writes with a coding of its own has that one too."""
    written = list(entry.codings)
    if not written and entry.code:
        system = entry.code_system or KINDS[slug].code_system
        written = [{"system": system, "code": entry.code}]
    implied = IMPLIED_CODING.get(slug)
    if implied and not any(c.get("code") == implied["code"] for c in written):
        written.append(implied)
    return [(c.get("system", ""), c.get("code", ""), c.get("display", "")) for c in written]


def fingerprint(entry: Entry, names: Iterable[str]) -> str:
    return json.dumps([comparable(entry, name) for name in names], default=str)


def differences(before: Profile, after: Profile, slugs: Iterable[str]) -> list[str]:
    """Every field of every entry of ``before`` that ``after`` lacks, as "kind.field: ..."."""
    return differences_of(
        {slug: list(KINDS[slug].queryset(before).alive()) for slug in slugs}, after
    )


def differences_of(kept: dict[str, list[Entry]], after: Profile) -> list[str]:
    found = []
    for slug, entries in kept.items():
        pending = PENDING.get(slug, {})
        names = [name for name in compared_fields(slug) if name not in pending]
        read = list(KINDS[slug].queryset(after).alive())
        if len(entries) != len(read):
            found.append(f"{slug}: {len(entries)} entries became {len(read)}")
        unmatched = {fingerprint(entry, names): entry for entry in read}
        for entry in entries:
            if unmatched.pop(fingerprint(entry, names), None) is not None:
                continue
            found += _unlike(slug, entry, list(unmatched.values()), names)
    return found


def _unlike(slug: str, entry: Entry, others: list[Entry], names: list[str]) -> list[str]:
    """How ``entry`` differs from the most alike of ``others``."""

    def alike(other: Entry) -> int:
        return sum(comparable(entry, n) == comparable(other, n) for n in names)

    closest = max(others, key=alike, default=None)
    return [
        f"{slug}.{name}: {comparable(entry, name)!r} came back as "
        f"{comparable(closest, name) if closest is not None else None!r}"
        for name in names
        if closest is None or comparable(entry, name) != comparable(closest, name)
    ]


def chosen_by_ips(profile: Profile) -> dict[str, list[Entry]]:
    """The entries the summary carries, by kind, as the IPS export chooses them."""
    chosen: dict[str, list[Entry]] = {}
    for section in _sections(profile, ExportOptions(), timezone.localdate()):
        for entry in section.entries:
            chosen.setdefault(_kind_of(entry, section.kind), []).append(entry)
    return chosen


@pytest.fixture
def owner() -> User:
    return make_account("keeper@example.org")


def full_profile(owner: User, slugs: Iterable[str]) -> Profile:
    profile = profile_actions.create_profile(owner, request=None, given_name="Every Field")
    chosen = every_field(timezone.localdate())
    for slug in slugs:
        for values in chosen[slug]:
            create_entry(KINDS[slug], profile, actor=owner, request=None, values=values)
    return profile


def test_every_column_of_every_kind_is_set_to_something_not_its_default():
    """So that a column added later is checked too: it has to be given a value here."""
    missing = []
    for slug in KINDS:
        given = every_field(dt.date(2026, 1, 1))[slug]
        for name in compared_fields(slug):
            default = KINDS[slug].model_field(name).get_default()
            if not any(values.get(name, default) != default for values in given):
                missing.append(f"{slug}.{name}")
    assert missing == []


def test_every_field_of_every_kind_survives_our_fhir_export(owner):
    profile = full_profile(owner, KINDS)
    bundle = export(profile)
    Bundle.model_validate(bundle)
    again, _job = import_into_new_profile(owner, "everything.json", json.dumps(bundle).encode())
    assert differences(profile, again, KINDS) == []


def test_every_field_ips_carries_survives_our_ips_export(owner):
    carried = [slug for slug in KINDS if slug not in NOT_IN_IPS]
    profile = full_profile(owner, carried)
    bundle = ips(profile)
    Bundle.model_validate(bundle)
    assert ips_problems(bundle) == []
    again, _job = import_into_new_profile(owner, "summary.json", json.dumps(bundle).encode())
    chosen = chosen_by_ips(profile)
    assert sorted(chosen) == sorted(carried)
    assert differences_of(chosen, again) == []


def test_no_known_allergies_survives_our_ips_export(owner):
    profile = full_profile(owner, ["no-known-allergies"])
    again, _job = import_into_new_profile(owner, "s.json", json.dumps(ips(profile)).encode())
    assert differences(profile, again, ["no-known-allergies"]) == []


def test_the_demo_adult_comes_back_whole(owner):
    adult, _child = create_demo(owner)
    again, _job = import_into_new_profile(owner, "e.json", json.dumps(export(adult)).encode())
    assert differences(adult, again, KINDS) == []
    summary, _job = import_into_new_profile(owner, "s.json", json.dumps(ips(adult)).encode())
    assert differences_of(chosen_by_ips(adult), summary) == []


SHARED_SYNTHEA = shared_in("fhir/synthea", "*.json")


@shared_data
@pytest.mark.parametrize("path", SHARED_SYNTHEA, ids=[p.name.split("_")[1] for p in SHARED_SYNTHEA])
def test_a_synthea_record_comes_back_whole_through_fhir_and_ips(owner, path: Path):
    imported, _job = import_into_new_profile(owner, path.name, path.read_bytes())
    again, _job = import_into_new_profile(owner, "e.json", json.dumps(export(imported)).encode())
    assert differences(imported, again, KINDS) == []
    summary, _job = import_into_new_profile(owner, "s.json", json.dumps(ips(imported)).encode())
    chosen = chosen_by_ips(imported)
    assert any(chosen.values())
    assert differences_of(chosen, summary) == []


# How a medicine is written ------------------------------------------------------


def medicine_as_written(owner: User, language: str = "en", **values: Any) -> dict[str, Any]:
    profile = profile_actions.create_profile(owner, request=None, given_name="Ana")
    create_entry(KINDS["medications"], profile, actor=owner, request=None, values=values)
    bundle = export(profile, language=language)
    Bundle.model_validate(bundle)
    (statement,) = [
        e["resource"]
        for e in bundle["entry"]
        if e["resource"]["resourceType"] == "MedicationStatement"
    ]
    return statement


@pytest.mark.parametrize(
    ("language", "frequency", "repeat"),
    [
        ("en", "twice a day", {"frequency": 2, "period": 1, "periodUnit": "d"}),
        ("en", "every 6 hours", {"frequency": 1, "period": 6, "periodUnit": "h"}),
        ("en", "BID", {"frequency": 2, "period": 1, "periodUnit": "d"}),
        ("es", "una vez al día", {"frequency": 1, "period": 1, "periodUnit": "d"}),
        ("en", "up to 4 times a day", None),
    ],
)
def test_how_often_is_a_structured_timing_beside_the_words(owner, language, frequency, repeat):
    statement = medicine_as_written(
        owner, language, display="Ibuprofen", dose="1 tablet", frequency=frequency, as_needed=True
    )
    (dosage,) = statement["dosage"]
    assert dosage["timing"].get("repeat") == repeat
    assert dosage["timing"]["code"]["text"] == frequency
    assert dosage["text"] == f"1 tablet, {frequency}"
    assert dosage["asNeededBoolean"] is True


def test_the_prescriber_and_pharmacy_are_the_prescriptions(owner):
    statement = medicine_as_written(
        owner, display="Metformin", prescriber="Dr. Ana Ruiz", pharmacy="Farmacia Central"
    )
    (prescription,) = statement["contained"]
    assert statement["basedOn"] == [{"reference": "#prescription"}]
    assert prescription["requester"]["display"] == "Dr. Ana Ruiz"
    assert prescription["dispenseRequest"]["performer"]["display"] == "Farmacia Central"
    assert "extension" not in statement  # nothing left that FHIR has no place for
