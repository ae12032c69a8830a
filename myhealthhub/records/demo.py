"""Realistic synthetic records for people trying MyHealthHub, and for the benchmarks.

Two profiles: an adult with long-term conditions followed over several years,
and a child with a vaccination schedule and growth measurements. Texts come
in English or Spanish. The record agrees with the demo's documents
(documents/demo.py): the GP's letter names the doses on the medication list,
and comes from the visit and the health centre the record names.

``observations`` and ``entries`` scale the adult's record up for benchmarks;
those rows go in as an import's do (lib/bulk.py), one transaction a batch:
PostgreSQL analyses the tables each batch fills once it commits, so the pages
read right after are planned on real numbers.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from typing import Any

from django.db import transaction
from django.utils import timezone

from myhealthhub.accounts.models import User
from myhealthhub.lib import bulk
from myhealthhub.profiles import actions as profile_actions
from myhealthhub.profiles.models import Profile
from myhealthhub.profiles.zones import zone_for
from myhealthhub.records import changes
from myhealthhub.records.kinds import CVX, KIND_OF_MODEL, KINDS, LOINC
from myhealthhub.records.models import Entry, Note, Observation, Source, SourceKind
from myhealthhub.records.samples import add_samples

BATCH = 5000
# The GP's letter (documents/demo.py) is dated this many days back; the visit it sums up too.
GP_VISIT_DAYS_AGO = 40

TEXT = {
    "en": {
        "adult": ("Carmen", "Vidal"),
        "child": ("Leo", "Vidal"),
        "diabetes": "Type 2 diabetes",
        "hypertension": "High blood pressure",
        "lipids": "High cholesterol",
        "metformin": "Metformin",
        "lisinopril": "Lisinopril",
        "atorvastatin": "Atorvastatin",
        "paracetamol": "Paracetamol (acetaminophen)",
        "twice": "twice a day",
        "daily": "once a day",
        "as_needed": "up to 4 times a day",
        "tablet": "1 tablet",
        "penicillin": "Penicillin",
        "hives": "Hives",
        "peanut": "Peanut",
        "swelling": "Swollen lips",
        "nurse": "Diabetes nurse review",
        "gp": "GP visit",
        "questions": "Ask about the dizziness when standing up quickly.",
        "bring": "Glucose diary, medication boxes",
        "review": "Yearly medication review",
        "outcome": "No changes; keep taking everything as before.",
        "mother": "Mother",
        "note": "Felt dizzy after standing up quickly",
        "body": "Happened twice this week.",
        "walk": "Evening walk",
        "dentist": "Dentist check-up",
        "glucose": "Glucose",
        "hba1c": "Hemoglobin A1c",
        "ldl": "LDL cholesterol",
        "creatinine": "Creatinine",
        "weight": "Body weight",
        "height": "Body height",
        "bp": "Blood pressure",
        "flu": "Influenza, seasonal",
        "covid": "COVID-19 vaccine",
        "dr": "Dr. Ana Ruiz",
        "pharmacy": "Central Pharmacy",
        "health_centre": "Riverside Health Centre",
        "watch": "Smart watch",
        "procedure": "Cataract surgery, right eye",
        "source": "Demo data",
    },
    "es": {
        "adult": ("Carmen", "Vidal"),
        "child": ("Leo", "Vidal"),
        "diabetes": "Diabetes tipo 2",
        "hypertension": "Hipertensión arterial",
        "lipids": "Colesterol alto",
        "metformin": "Metformina",
        "lisinopril": "Lisinopril",
        "atorvastatin": "Atorvastatina",
        "paracetamol": "Paracetamol",
        "twice": "dos veces al día",
        "daily": "una vez al día",
        "as_needed": "hasta 4 veces al día",
        "tablet": "1 comprimido",
        "penicillin": "Penicilina",
        "hives": "Urticaria",
        "peanut": "Cacahuete",
        "swelling": "Hinchazón de labios",
        "nurse": "Revisión con enfermería de diabetes",
        "gp": "Consulta de medicina de familia",
        "questions": "Preguntar por el mareo al levantarme deprisa.",
        "bring": "Diario de glucosa, cajas de los medicamentos",
        "review": "Revisión anual de la medicación",
        "outcome": "Sin cambios; seguir tomando todo igual.",
        "mother": "Madre",
        "note": "Mareo al levantarme deprisa",
        "body": "Me ha pasado dos veces esta semana.",
        "walk": "Paseo de la tarde",
        "dentist": "Revisión en el dentista",
        "glucose": "Glucosa",
        "hba1c": "Hemoglobina A1c",
        "ldl": "Colesterol LDL",
        "creatinine": "Creatinina",
        "weight": "Peso",
        "height": "Talla",
        "bp": "Presión arterial",
        "flu": "Gripe estacional",
        "covid": "Vacuna COVID-19",
        "dr": "Dra. Ana Ruiz",
        "pharmacy": "Farmacia Central",
        "health_centre": "Centro de Salud Ribera",
        "watch": "Reloj inteligente",
        "procedure": "Cirugía de cataratas, ojo derecho",
        "source": "Datos de demostración",
    },
}

# (LOINC, text key, UCUM unit, low, high, typical value, spread)
LAB_SERIES = (
    ("2345-7", "glucose", "mg/dL", 70.0, 100.0, 135.0, 25.0),
    ("4548-4", "hba1c", "%", None, 5.7, 7.2, 0.6),
    ("13457-7", "ldl", "mg/dL", None, 100.0, 125.0, 20.0),
    ("2160-0", "creatinine", "mg/dL", 0.6, 1.1, 0.9, 0.15),
    ("29463-7", "weight", "kg", None, None, 78.0, 3.0),
)


def create_demo(
    owner: User,
    *,
    language: str = "en",
    observations: int = 0,
    entries: int = 0,
    samples: int = 0,
    seed: int = 7,
) -> list[Profile]:
    text = TEXT[language]
    rng = random.Random(seed)  # noqa: S311  (synthetic data, repeatable by its seed)
    today = timezone.localdate()
    with transaction.atomic():
        adult = profile_actions.create_profile(
            owner,
            request=None,
            given_name=text["adult"][0],
            family_name=text["adult"][1],
            birth_date=dt.date(1961, 4, 1),
            birth_date_precision="month",
            sex="female",
            language=language,
        )
        child = profile_actions.create_profile(
            owner,
            request=None,
            given_name=text["child"][0],
            family_name=text["child"][1],
            birth_date=dt.date(today.year - 6, 9, 14),
            birth_date_precision="day",
            sex="male",
            language=language,
        )
        profile_actions.add_contact(
            adult,
            actor=owner,
            request=None,
            name="Marta Vidal",
            relationship="Daughter",
            phone="+34 600 123 456",
        )
        _adult_record(adult, owner, text, rng, today)
        _child_record(child, owner, text, today)
    if observations or entries:
        scale_up(adult, owner, text, rng, today, observations=observations, entries=entries)
    if samples:
        add_heart_rate(adult, text, rng, samples)
    return [adult, child]


def _add(slug: str, profile: Profile, owner: User, **values: Any) -> Entry:
    from myhealthhub.records.actions import create_entry

    return create_entry(KINDS[slug], profile, actor=owner, request=None, values=values)


def _adult_record(
    profile: Profile, owner: User, text: dict[str, Any], rng: random.Random, today: dt.date
) -> None:
    _add(
        "conditions",
        profile,
        owner,
        display=text["diabetes"],
        date=dt.date(2016, 1, 1),
        date_precision="year",
        codings=[
            {
                "system": "http://snomed.info/sct",
                "code": "44054006",
                "display": "Diabetes mellitus type 2",
            }
        ],
        code_system="http://snomed.info/sct",
        code="44054006",
    )
    _add(
        "conditions",
        profile,
        owner,
        display=text["hypertension"],
        date=dt.date(2018, 3, 1),
        date_precision="month",
    )
    _add(
        "conditions",
        profile,
        owner,
        display=text["lipids"],
        date=dt.date(2019, 1, 1),
        date_precision="year",
    )
    _add(
        "medications",
        profile,
        owner,
        display=text["metformin"],
        strength="500 mg",
        dose=text["tablet"],
        frequency=text["twice"],
        date=dt.date(2016, 2, 1),
        date_precision="month",
        prescriber=text["dr"],
        pharmacy=text["pharmacy"],
    )
    _add(
        "medications",
        profile,
        owner,
        display=text["lisinopril"],
        strength="10 mg",
        dose=text["tablet"],
        frequency=text["daily"],
    )
    _add(
        "medications",
        profile,
        owner,
        display=text["atorvastatin"],
        strength="20 mg",
        dose=text["tablet"],
        frequency=text["daily"],
    )
    _add(
        "medications",
        profile,
        owner,
        display=text["paracetamol"],
        strength="500 mg",
        dose=text["tablet"],
        frequency=text["as_needed"],
        as_needed=True,
    )
    _add(
        "allergies",
        profile,
        owner,
        display=text["penicillin"],
        category="medication",
        criticality="high",
        reaction=text["hives"],
    )
    for year in range(today.year - 4, today.year + 1):
        _add(
            "immunizations",
            profile,
            owner,
            display=text["flu"],
            code="141",
            code_system=CVX,
            codings=[{"system": CVX, "code": "141", "display": "Influenza, seasonal, injectable"}],
            date=dt.date(year, 10, 15),
        )
    for code, key, unit, low, high, typical, spread in LAB_SERIES:
        for index in range(12):
            day = today - dt.timedelta(days=90 * (12 - index))
            _add(
                "results",
                profile,
                owner,
                display=text[key],
                code=code,
                code_system=LOINC,
                codings=[{"system": LOINC, "code": code, "display": text[key]}],
                category="laboratory" if key != "weight" else "vital-signs",
                value_number=round(rng.gauss(typical, spread), 1),
                unit=unit,
                unit_text=unit,
                reference_low=low,
                reference_high=high,
                date=day,
            )
    _add(
        "results",
        profile,
        owner,
        display=text["bp"],
        code="85354-9",
        category="vital-signs",
        date=today - dt.timedelta(days=20),
        components=[
            {"code": "8480-6", "display": "Systolic", "value": 138, "unit": "mm[Hg]"},
            {"code": "8462-4", "display": "Diastolic", "value": 86, "unit": "mm[Hg]"},
        ],
    )
    _add(
        "appointments",
        profile,
        owner,
        display=text["nurse"],
        starts_at=weekday_at(profile, owner, days_ahead=12, hour=10, minute=30),
        facility=text["health_centre"],
        clinician=text["dr"],
        questions=text["questions"],
        bring=text["bring"],
    )
    _add(
        "procedures",
        profile,
        owner,
        display=text["procedure"],
        date=dt.date(2023, 5, 1),
        date_precision="month",
    )
    _add(
        "visits",
        profile,
        owner,
        display=text["gp"],
        date=today - dt.timedelta(days=GP_VISIT_DAYS_AGO),
        clinician=text["dr"],
        facility=text["health_centre"],
    )
    _add(
        "care-team",
        profile,
        owner,
        display=text["dr"],
        role="clinician",
        specialty="Family medicine",
        phone="+34 912 345 678",
    )
    _add(
        "care-team",
        profile,
        owner,
        display=text["pharmacy"],
        role="pharmacy",
        phone="+34 913 000 111",
    )
    _add(
        "family-history",
        profile,
        owner,
        display=text["diabetes"],
        relative=text["mother"],
        onset_age=55,
    )
    _add(
        "medication-reviews",
        profile,
        owner,
        display=text["review"],
        with_whom="pharmacist",
        date=today - dt.timedelta(days=300),
        outcome=text["outcome"],
        next_due=today + dt.timedelta(days=65),
    )
    _add(
        "notes",
        profile,
        owner,
        display=text["note"],
        date=today - dt.timedelta(days=5),
        body=text["body"],
    )
    _add(
        "workouts",
        profile,
        owner,
        display=text["walk"],
        activity="walking",
        starts_at=timezone.now().replace(hour=18, minute=30, second=0, microsecond=0)
        - dt.timedelta(days=3),
        duration=46 * 60 + 20,
        distance=3840.0,
        active_energy=182.0,
        average_heart_rate=104.0,
    )


def _child_record(profile: Profile, owner: User, text: dict[str, Any], today: dt.date) -> None:
    birth = profile.birth_date
    assert birth is not None
    # A typical schedule: (CVX, name, age in months).
    for cvx, name, months in (
        ("08", "Hepatitis B", 0),
        ("110", "DTaP-Hep B-IPV", 2),
        ("133", "Pneumococcal conjugate PCV 13", 2),
        ("110", "DTaP-Hep B-IPV", 4),
        ("03", "MMR", 12),
        ("21", "Varicella", 15),
        ("03", "MMR", 48),
    ):
        _add(
            "immunizations",
            profile,
            owner,
            display=name,
            code=cvx,
            code_system=CVX,
            codings=[{"system": CVX, "code": cvx, "display": name}],
            date=birth + dt.timedelta(days=30 * months),
        )
    _add(
        "allergies",
        profile,
        owner,
        display=text["peanut"],
        category="food",
        criticality="high",
        reaction=text["swelling"],
    )
    for year in range(1, 7):
        day = birth + dt.timedelta(days=365 * year)
        if day > today:
            break
        _add(
            "results",
            profile,
            owner,
            display=text["height"],
            code="8302-2",
            category="vital-signs",
            value_number=74.0 + 9 * year,
            unit="cm",
            unit_text="cm",
            date=day,
        )
    _add(
        "appointments",
        profile,
        owner,
        display=text["dentist"],
        # After school.
        starts_at=weekday_at(profile, owner, days_ahead=30, hour=16, minute=30),
    )


def weekday_at(
    profile: Profile, owner: User, *, days_ahead: int, hour: int, minute: int
) -> dt.datetime:
    """``hour``:``minute`` in the profile's time zone, ``days_ahead`` days from now.

    A day that falls on a weekend moves to the Monday after: clinics are closed.
    """
    zone = zone_for(profile, owner)
    day = timezone.localdate(timezone=zone) + dt.timedelta(days=days_ahead)
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=zone)


def scale_up(
    profile: Profile,
    owner: User,
    text: dict[str, Any],
    rng: random.Random,
    today: dt.date,
    *,
    observations: int,
    entries: int,
) -> None:
    """Add ``observations`` lab values and ``entries`` notes in bulk, spread over ten years."""
    source = Source.objects.create(profile=profile, kind=SourceKind.IMPORT, label=text["source"])

    def spread(index: int, count: int) -> dt.date:
        return today - dt.timedelta(days=int(3650 * (1 - index / max(count, 1))))

    def lab_values() -> Iterator[Observation]:
        for index in range(observations):
            code, key, unit, low, high, typical, deviation = LAB_SERIES[index % len(LAB_SERIES)]
            yield Observation(
                profile=profile,
                source=source,
                display=text[key],
                code=code,
                code_system=LOINC,
                value_number=round(rng.gauss(typical, deviation), 1),
                unit=unit,
                unit_text=unit,
                reference_low=low,
                reference_high=high,
                date=spread(index, observations),
                created_by=owner,
                updated_by=owner,
            )

    def notes() -> Iterator[Note]:
        for index in range(entries):
            yield Note(
                profile=profile,
                source=source,
                display=f"{text['note']} ({index + 1})",
                body=text["body"],
                date=spread(index, entries),
                created_by=owner,
                updated_by=owner,
            )

    for rows in (lab_values(), notes()):
        _bulk(rows)


def _bulk(rows: Iterator[Entry]) -> None:
    batch: list[Entry] = []
    for row in rows:
        batch.append(row)
        if len(batch) == BATCH:
            _save(batch)
            batch = []
    if batch:
        _save(batch)


@transaction.atomic
def _save(batch: list[Entry]) -> None:
    # Bulk inserts bypass the actions, so they index what they insert themselves
    # (by UUID, as an import's entries: they need no primary keys). One transaction
    # a batch: each lands whole, and PostgreSQL analyses the tables it filled before
    # the next batch's grouping reads them.
    model = type(batch[0])
    bulk.insert(model, batch)
    changes.saved(KIND_OF_MODEL[model].slug, batch)


def add_heart_rate(profile: Profile, text: dict[str, Any], rng: random.Random, count: int) -> None:
    """A watch's heart rate every five minutes, going back from now."""
    watch = Source.objects.create(profile=profile, kind=SourceKind.DEVICE, label=text["watch"])
    now = timezone.now().replace(second=0, microsecond=0)
    readings = (
        ("heart_rate", now - dt.timedelta(minutes=5 * index), float(round(rng.gauss(72, 9))))
        for index in range(count)
    )
    add_samples(profile, watch, readings)
