"""How fast reconcile groups entries, and what it adds to an import and to a list (issue 17).

Builds a fresh instance in a temporary data folder (SQLite unless DATABASE_URL
is set), with the database task queue as deployed, and one profile of
--entries medications, allergies and problems from 20 sources (import
sources of 20 facilities), written with bulk inserts that do not call the
records' hooks: names from data/medicines.csv and data/rxnorm.csv, some
with their RxNorm coding, some as a name and a strength ("Metformin 500 mg
tablet"), some as a bare name in English or Spanish; allergies by RxNorm
code or by name; problems with SNOMED CT codings or by name. Each source
has its own view of a medicine's frequency and status, an allergy's
reaction or a problem's status and onset, so groups have conflicts as
real records do. Some medicines are listed far more often than others
(the long-term ones, in every visit's summary). Then:

1. From scratch: `grouping.rebuild(profile)` in a transaction (as the
   `reconcile` command runs it), --runs times; the first run starts with
   no groups and the code tables not yet read. Beside it, `groups_of`
   reading every group with its conflicts, as the command and the
   conflicts page do. Goal: the rebuild under 2 s.
2. Incremental: a real C-CDA (one of the Larson documents of the shared
   data, else tests/data) committed through the import pipeline into a
   profile built the same way, with reconcile's hook on
   `records.changes.saved` attached, and with it detached; every commit
   into its own fresh profile, the two alternating, after a warm-up pair.
   Start, read and request are not timed; `commit_job` is. The hook's own
   time inside the attached commits is measured too. Goal: under 100 ms
   added to the commit.
3. The medication list (one row per group) and the other folded lists,
   beside the list of profiles (baseline) in the same run. Goal: under
   100 ms at the 95th percentile.

    python bench/reconcile.py [--entries N] [--runs N] [--requests N]
                              [--document FILE] [--profile] [--write]

--profile also runs cProfile over one rebuild and one request of the
medication list, and prints the top functions (not written anywhere).
--write adds the tables to the "Reconcile" section of bench/RESULTS.md
(--replace: as its only run).
Exits 1 if a goal is missed.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import io
import logging
import os
import pstats
import random
import shutil
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import harness
from imports import DATA, DATABASE_QUEUE

if TYPE_CHECKING:
    from myhealthhub.accounts.models import User
    from myhealthhub.lib.codes import RxNormConcept
    from myhealthhub.profiles.models import Profile
    from myhealthhub.records.models import Entry, Source

GOAL_REBUILD = 2.0  # seconds, every group of the profile made again
GOAL_ADDED = 100.0  # milliseconds the hook adds to one import's commit
GOAL_PAGE = 100.0  # milliseconds, a list page at the 95th percentile
SOURCES = 20
BATCH = 2000
SEED = 17
LARSON = (
    DATA / "reconcile" / "larson" / "Allscripts-FollowMyHealth_Inpatient-Summary-rebeccalarson.xml"
)
FALLBACK = (
    Path(__file__).resolve().parents[1]
    / "tests/data/ccda/jdd_Allscripts-Sunrise_Larson_Rebecca.xml"
)

SECTION = "## Reconcile: grouping, imports and lists (`bench/reconcile.py`)"
INTRO = """
Goals (issue 17): every group of a profile with 5,000 medications,
allergies and problems from 20 sources rebuilt from scratch
(`grouping.rebuild`, in a transaction, as the `reconcile` command does) in
under 2 s; under 100 ms added to one import's commit by keeping the groups
in step (reconcile's hook on `records.changes.saved`, in the commit's
transaction); and the lists, now one row per group with its sources and
conflicts, staying under 100 ms at the 95th percentile (the "results list"
of `bench/records_pages.py`, not folded, answers in about 36 ms, p95 40 ms,
on 100,000 results). The entries are written with bulk inserts that skip
the hooks, then grouped by the rebuild; long-term medicines are stated far
more often than a course of antibiotics, so the largest group has a few
hundred statements. The import is a real C-CDA committed through the
pipeline into profiles built the same way, each commit into its own fresh
profile, with the hook attached and detached in turn; "inside the hook" is
the hook's own time in the attached commits. The difference of the two
medians also takes in whatever the members' rows cost the commit after the
hook returns, and more of the machine's noise. The first rebuild starts
with no groups and reads the code tables for the first time: the max
column shows it. This shared machine's speed varies from day to day: on a
slow day the rebuild took 1.1 to 1.5 s and the hook's difference 86 to 130
ms (its own time, 72 to 110 ms); the run below is from a fast day.

Where the time goes: each group keeps its name, number of sources and
unsettled conflicts (`reconcile/standing.py`), worked out again in the
commit's transaction from its statements' distinct values counted in SQL,
so a list reads only its 50 rows and their groups. What the medication
list still pays for is finding the first statement of each group in the
list's order: every medication's UUID and every member's group (2,500
rows each here); on the slow day its median was 70 to 85 ms and its p95
85 to 135 ms, over the goal; below, 42 and 46 ms. Folding in SQL instead
(each entry's group by a subquery, the first of each by a ROW_NUMBER
window, paginated by the database) was slower on SQLite: 57 ms median,
62 ms p95, since the count and the page each compute the window. Before the
groups kept their standing, the same list read every statement of the
groups on its page: 542 ms median, 826 ms p95. The rebuild spends most of
its time inserting the 5,000 members and reading the entries; the hook,
in finding the groups a new statement may join and in the one
aggregate query per kind that refreshes them.
"""

RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
SNOMED = "http://snomed.info/sct"

# Kinds and their share of the entries.
SHARES = (("medications", 0.50), ("allergies", 0.15), ("conditions", 0.35))

TOWNS = (
    "Springfield",
    "Riverside",
    "Fairview",
    "Madison",
    "Georgetown",
    "Clinton",
    "Salem",
    "Franklin",
    "Greenville",
    "Bristol",
)
PLACES = ("General Hospital", "Family Clinic")

FREQUENCIES = (
    "once a day",
    "twice a day",
    "every 12 hours",
    "three times a day",
    "at bedtime",
    "as needed",
    "once a week",
)
MEDICATION_STATUSES = (("active", 80), ("stopped", 9), ("completed", 5), ("on-hold", 3))
ROUTES = ("oral", "by mouth", "PO")
# The lists timed, one row per group: kind and name.
LISTS = {
    "medications": "medication list",
    "conditions": "problem list",
    "allergies": "allergy list",
}

# Medicines some records carry that no table knows: their names are their own groups.
UNKNOWN_MEDICINES = ("Vitamin D3 1000 IU", "Fish oil 1000 mg capsule", "Calcium with vitamin D")

# (names, RxNorm code or "", category, usual reaction)
ALLERGENS: tuple[tuple[tuple[str, ...], str, str, str], ...] = (
    (("Penicillin", "Penicilina"), "70618", "medication", "Hives"),
    (("Codeine", "Codeína"), "2670", "medication", "Nausea and vomiting"),
    (("Aspirin", "Acetylsalicylic acid"), "1191", "medication", "Wheezing"),
    (("Sulfamethoxazole and trimethoprim",), "10831", "medication", "Rash"),
    (("Ampicillin",), "733", "medication", "Hives"),
    (("Penicillin G",), "7980", "medication", "Rash"),
    (("Ibuprofen",), "", "medication", "Swelling of the face"),
    (("Amoxicillin",), "", "medication", "Rash"),
    (("Sulfa drugs",), "", "medication", "Rash"),
    (("Peanut", "Peanuts"), "", "food", "Anaphylaxis"),
    (("Shellfish",), "", "food", "Hives"),
    (("Eggs",), "", "food", "Stomach pain"),
    (("Latex",), "", "environment", "Itching"),
    (("Bee venom",), "", "environment", "Swelling"),
    (("Cat dander",), "", "environment", "Sneezing"),
)
REACTIONS = ("Hives", "Rash", "Anaphylaxis", "Swelling", "Nausea", "Itching")
CRITICALITIES = ("low", "high", "unable-to-assess")
SEVERITIES = ("mild", "moderate", "severe")

# (SNOMED CT code, its fully specified name, what people call it)
PROBLEMS = (
    ("44054006", "Diabetes mellitus type 2 (disorder)", "Type 2 diabetes"),
    ("38341003", "Hypertensive disorder, systemic arterial (disorder)", "High blood pressure"),
    ("55822004", "Hyperlipidemia (disorder)", "High cholesterol"),
    ("195967001", "Asthma (disorder)", "Asthma"),
    ("13645005", "Chronic obstructive lung disease (disorder)", "COPD"),
    ("49436004", "Atrial fibrillation (disorder)", "Atrial fibrillation"),
    ("84114007", "Heart failure (disorder)", "Heart failure"),
    ("35489007", "Depressive disorder (disorder)", "Depression"),
    ("197480006", "Anxiety disorder (disorder)", "Anxiety"),
    ("40930008", "Hypothyroidism (disorder)", "Underactive thyroid"),
    ("235595009", "Gastroesophageal reflux disease (disorder)", "Acid reflux"),
    ("69896004", "Rheumatoid arthritis (disorder)", "Rheumatoid arthritis"),
    ("396275006", "Osteoarthritis (disorder)", "Osteoarthritis"),
    ("64859006", "Osteoporosis (disorder)", "Osteoporosis"),
    ("709044004", "Chronic kidney disease (disorder)", "Chronic kidney disease"),
    ("414545008", "Ischemic heart disease (disorder)", "Coronary heart disease"),
    ("37796009", "Migraine (disorder)", "Migraine"),
    ("68566005", "Urinary tract infectious disease (disorder)", "Urinary tract infection"),
    ("233604007", "Pneumonia (disorder)", "Pneumonia"),
    ("414916001", "Obesity (disorder)", "Obesity"),
    ("22298006", "Myocardial infarction (disorder)", "Heart attack"),
    ("230690007", "Cerebrovascular accident (disorder)", "Stroke"),
    ("78275009", "Obstructive sleep apnea syndrome (disorder)", "Sleep apnea"),
    ("271737000", "Anemia (disorder)", "Anaemia"),
    ("267036007", "Dyspnea (finding)", "Shortness of breath"),
)
CONDITION_STATUSES = (("active", 80), ("resolved", 12), ("inactive", 4), ("remission", 4))


# The profile ----------------------------------------------------------------------


@dataclass(frozen=True)
class Medicine:
    names: tuple[str, ...]  # the INN first, then its other names and its Spanish one
    concepts: tuple[RxNormConcept, ...]  # its RxNorm codes in data/rxnorm.csv
    strength: str  # as names write it: "500 mg"
    form: str  # "tablet", "inhaler", "injection"


def medicines() -> list[Medicine]:
    """Every medicine of data/medicines.csv with its RxNorm codes, and a few no table knows."""
    from myhealthhub.lib import codes

    concepts = list(codes.rxnorm_concepts().values())
    found = []
    for medicine in codes.medicines():
        same = tuple(c for c in concepts if c.ingredients == medicine.ingredients)
        strength = next((c.strength for c in same if c.strength), "")
        found.append(Medicine(medicine.names, same, strength or "10 mg", _form(strength)))
    found.extend(Medicine((name,), (), "", "") for name in UNKNOWN_MEDICINES)
    return found


def _form(strength: str) -> str:
    if "actuat" in strength:
        return "inhaler"
    return "injection" if "/mL" in strength else "tablet"


@dataclass
class Built:
    """What went into the profile: entries by kind, and how their statements were written."""

    kinds: Counter[str] = field(default_factory=Counter)
    written: Counter[str] = field(default_factory=Counter)


class Filler:
    """One profile's entries, the same for every profile built with the same seed.

    A source's view of a medicine (how often, its status), of an allergy or of
    a problem is drawn once and repeated by every statement of that source,
    sometimes differing from the other sources': those are the conflicts.
    """

    def __init__(self, profile: Profile, owner: User, sources: list[Source], seed: int) -> None:
        self.profile = profile
        self.owner = owner
        self.sources = sources
        self.weights = [1 + at % 5 for at in range(len(sources))]
        self.rng = random.Random(seed)  # noqa: S311  (synthetic data, repeatable by its seed)
        self.views: dict[tuple[str, int, int], dict[str, Any]] = {}
        self.today = dt.date(2026, 11, 1)
        self.built = Built()

    def _source(self) -> tuple[int, Source]:
        # Some facilities send far more than others.
        at = self.rng.choices(range(len(self.sources)), weights=self.weights)[0]
        return at, self.sources[at]

    def _view(
        self, kind: str, source: int, item: int, draw: Callable[[], dict[str, Any]]
    ) -> dict[str, Any]:
        key = (kind, source, item)
        if key not in self.views:
            self.views[key] = draw()
        return self.views[key]

    def _common(
        self, source: Source, display: str, codings: list[dict[str, str]]
    ) -> dict[str, Any]:
        first = codings[0] if codings else {}
        return {
            "profile": self.profile,
            "source": source,
            "display": display,
            "codings": codings,
            "code_system": first.get("system", ""),
            "code": first.get("code", ""),
            "created_by": self.owner,
            "updated_by": self.owner,
        }

    def _day(self) -> dt.date:
        return self.today - dt.timedelta(days=self.rng.randrange(3650))

    def medications(self, count: int, catalog: list[Medicine]) -> Iterator[Entry]:
        from myhealthhub.records.models import Medication

        rng = self.rng
        # Long-term medicines are in every visit's summary; a course of antibiotics in one.
        weights = [1 / (rank + 1) ** 0.9 for rank in range(len(catalog))]
        order = rng.sample(range(len(catalog)), len(catalog))
        for _ in range(count):
            item = order[rng.choices(range(len(catalog)), weights=weights)[0]]
            medicine = catalog[item]
            at, source = self._source()

            def draw(item: int = item) -> dict[str, Any]:
                usual = FREQUENCIES[item % len(FREQUENCIES)]
                return {
                    "frequency": rng.choice(FREQUENCIES) if rng.random() < 0.1 else usual,
                    "status": _weighted(rng, MEDICATION_STATUSES),
                }

            view = self._view("medications", at, item, draw)
            codings: list[dict[str, str]] = []
            strength = medicine.strength
            chance = rng.random()
            if medicine.concepts and chance < 0.4:
                concept = rng.choice(medicine.concepts)
                display, strength = concept.name, concept.strength
                codings = [{"system": RXNORM, "code": concept.code, "display": concept.name}]
                self.built.written["medicines by RxNorm code"] += 1
            elif medicine.form and chance < 0.75:
                display = f"{rng.choice(medicine.names)} {strength} {medicine.form}"
                self.built.written["medicines by name and strength"] += 1
            else:
                display = rng.choice(medicine.names)
                self.built.written["medicines by name"] += 1
            yield Medication(
                **self._common(source, display, codings),
                date=self._day(),
                strength=strength,
                dose="1 tablet" if medicine.form == "tablet" else "",
                route=rng.choice(ROUTES) if medicine.form == "tablet" else "",
                frequency=view["frequency"],
                as_needed=view["frequency"] == "as needed",
                status=view["status"],
            )

    def allergies(self, count: int) -> Iterator[Entry]:
        from myhealthhub.lib import codes
        from myhealthhub.records.models import Allergy

        rng = self.rng
        concepts = codes.rxnorm_concepts()
        weights = [1 / (rank + 1) for rank in range(len(ALLERGENS))]
        for _ in range(count):
            item = rng.choices(range(len(ALLERGENS)), weights=weights)[0]
            names, code, category, usual = ALLERGENS[item]
            at, source = self._source()

            def draw(usual: str = usual) -> dict[str, Any]:
                return {
                    "reaction": rng.choice(REACTIONS) if rng.random() < 0.1 else usual,
                    "criticality": rng.choice(CRITICALITIES),
                    "reaction_severity": rng.choice(SEVERITIES),
                    "status": "resolved" if rng.random() < 0.05 else "active",
                }

            view = self._view("allergies", at, item, draw)
            codings = []
            if code and rng.random() < 0.6:
                codings = [{"system": RXNORM, "code": code, "display": concepts[code].name}]
                self.built.written["allergies by RxNorm code"] += 1
            else:
                self.built.written["allergies by name"] += 1
            yield Allergy(
                **self._common(source, rng.choice(names), codings),
                category=category,
                **view,
            )

    def conditions(self, count: int) -> Iterator[Entry]:
        from myhealthhub.records.models import Condition

        rng = self.rng
        weights = [1 / (rank + 1) ** 0.7 for rank in range(len(PROBLEMS))]
        onsets = [self._day() - dt.timedelta(days=365 * rng.randrange(10)) for _ in PROBLEMS]
        for _ in range(count):
            item = rng.choices(range(len(PROBLEMS)), weights=weights)[0]
            code, specified, said = PROBLEMS[item]
            at, source = self._source()

            def draw(item: int = item) -> dict[str, Any]:
                onset = onsets[item]
                if rng.random() < 0.1:  # a source that dates it years off
                    onset -= dt.timedelta(days=365 * rng.randrange(2, 5))
                precise = rng.random() < 0.5
                return {
                    "clinical_status": _weighted(rng, CONDITION_STATUSES),
                    "date": onset if precise else onset.replace(month=1, day=1),
                    "date_precision": "day" if precise else "year",
                }

            view = self._view("conditions", at, item, draw)
            display = specified if rng.random() < 0.5 else said
            codings = []
            if rng.random() < 0.7:
                codings = [{"system": SNOMED, "code": code, "display": specified}]
                self.built.written["problems by SNOMED CT code"] += 1
            else:
                self.built.written["problems by name"] += 1
            yield Condition(**self._common(source, display, codings), **view)

    def fill(self, entries: int) -> Built:
        counts = {kind: int(entries * share) for kind, share in SHARES}
        counts["medications"] += entries - sum(counts.values())
        for rows in (
            self.medications(counts["medications"], medicines()),
            self.allergies(counts["allergies"]),
            self.conditions(counts["conditions"]),
        ):
            for kind, written in _bulk(rows):
                self.built.kinds[kind] += written
        return self.built


def _weighted(rng: random.Random, choices: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([value for value, _ in choices], weights=[w for _, w in choices])[0]


def _bulk(rows: Iterable[Entry]) -> Iterator[tuple[str, int]]:
    """Bulk inserts, without the records' hooks: no group is made here."""
    from myhealthhub.records.kinds import KIND_OF_MODEL

    batch: list[Entry] = []
    for row in rows:
        batch.append(row)
        if len(batch) == BATCH:
            type(row).objects.bulk_create(batch)
            yield KIND_OF_MODEL[type(row)].slug, len(batch)
            batch = []
    if batch:
        type(batch[0]).objects.bulk_create(batch)
        yield KIND_OF_MODEL[type(batch[0])].slug, len(batch)


def build(owner: User, entries: int, name: str) -> tuple[Profile, Built]:
    """A profile with ``entries`` medications, allergies and problems from 20 sources."""
    from django.db import transaction

    from myhealthhub.profiles.actions import create_profile
    from myhealthhub.records.models import Source, SourceKind

    with transaction.atomic():
        profile = create_profile(owner, request=None, given_name=name, family_name="Bench")
        facilities = [f"{town} {place}" for place in PLACES for town in TOWNS][:SOURCES]
        sources = [
            Source.objects.create(
                profile=profile,
                kind=SourceKind.IMPORT,
                label=f"Summary of care, {facility}",
                facility=facility,
                written=dt.date(2026, 10, 1) - dt.timedelta(days=90 * at),
            )
            for at, facility in enumerate(facilities)
        ]
        built = Filler(profile, owner, sources, SEED).fill(entries)
    return profile, built


# Timing -------------------------------------------------------------------------


def rebuilt(profile: Profile) -> int:
    from django.db import transaction

    from myhealthhub.reconcile.grouping import rebuild

    with transaction.atomic():
        return rebuild(profile)


def timed(step: Callable[[], object], runs: int) -> list[float]:
    """Milliseconds for each of ``runs`` calls (no warm-up: the first run is in them)."""
    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        step()
        timings.append((time.perf_counter() - start) * 1000)
    return timings


@contextmanager
def hook(attached: bool, spent: list[float]) -> Iterator[None]:
    """Reconcile's hook detached from records.changes.saved, or timed in its place."""
    from myhealthhub.reconcile import grouping
    from myhealthhub.records import changes

    calls = changes.saved._calls
    at = calls.index(grouping.entries_saved)

    def entries_saved(slug: str, entries: Iterable[Entry]) -> None:
        start = time.perf_counter()
        try:
            grouping.entries_saved(slug, entries)
        finally:
            spent.append((time.perf_counter() - start) * 1000)

    if attached:
        calls[at] = entries_saved
    else:
        del calls[at]
    try:
        yield
    finally:
        if attached:
            calls[at] = grouping.entries_saved
        else:
            calls.insert(at, grouping.entries_saved)


@dataclass
class Commit:
    milliseconds: float
    in_hook: float
    counts: dict[str, int]
    placed: int  # members the commit made


def commit(profile: Profile, owner: User, document: Path, *, attached: bool) -> Commit:
    """The document read and accepted (not timed), then its commit timed."""
    from myhealthhub.imports.models import JobState
    from myhealthhub.imports.pipeline import (
        choose_patient,
        commit_job,
        read_job,
        request_commit,
        start_import,
    )
    from myhealthhub.reconcile.models import Member

    handles = [(document.name, io.BytesIO(document.read_bytes()))]
    job = start_import(profile, handles, actor=owner, request=None, enqueue=False)
    read_job(job)
    job.refresh_from_db()
    if job.state == JobState.CHOOSING:
        choose_patient(job, job.patients[0]["key"], enqueue=False)
        read_job(job)
        job.refresh_from_db()
    if job.state != JobState.READY:
        raise SystemExit(f"The import is {job.state}, not ready: {job.message}")
    request_commit(
        job, actor=owner, apply_demographics=False, other_person_confirmed=True, enqueue=False
    )
    members = Member.objects.filter(profile_id=profile.pk).count()
    spent: list[float] = []
    with hook(attached, spent):
        start = time.perf_counter()
        commit_job(job)
        elapsed = (time.perf_counter() - start) * 1000
    job.refresh_from_db()
    if job.state != JobState.COMMITTED:
        raise SystemExit(f"The import is {job.state}, not committed: {job.message}")
    placed = Member.objects.filter(profile_id=profile.pk).count() - members
    return Commit(elapsed, sum(spent), job.counts, placed)


def first_page(profile: Profile, kind: str) -> tuple[int, int]:
    """The groups on the list's first page, and the statements read to show them."""
    from myhealthhub.reconcile import listing
    from myhealthhub.records.kinds import KINDS
    from myhealthhub.records.models.base import NEWEST_FIRST
    from myhealthhub.records.views.entries import PAGE_SIZE

    ordered = KINDS[kind].queryset(profile).alive().order_by(*NEWEST_FIRST)
    first = listing.first_of_each_group(profile, kind, ordered.values_list("uuid", flat=True))
    shown = first[:PAGE_SIZE]
    return len(shown), len(listing.group_rows(profile, kind, shown))


def profiled(what: str, step: Callable[[], object]) -> None:
    """cProfile over one call of ``step``; the top functions printed."""
    profiler = cProfile.Profile()
    profiler.enable()
    step()
    profiler.disable()
    print(f"\n--- cProfile: {what} ---")
    stats = pstats.Stats(profiler)
    stats.sort_stats("tottime").print_stats(20)
    stats.sort_stats("cumulative").print_stats(40)


# Report -------------------------------------------------------------------------


def ms(value: float) -> str:
    return f"{value:,.1f}"


def met(value: float, goal: float, unit: str) -> str:
    if value < goal:
        return f"< {goal:g} {unit}: met"
    return f"< {goal:g} {unit}: **missed ({value / goal:.2f}×)**"


def run(options: argparse.Namespace) -> tuple[str, list[str]]:
    from django.core.management import call_command
    from django.db import connection
    from django.db.models import Count
    from django.test import Client
    from django.urls import reverse

    from myhealthhub.accounts.actions import create_account
    from myhealthhub.reconcile.groups import groups_of
    from myhealthhub.reconcile.models import Member

    load = os.getloadavg()[0]
    call_command("migrate", verbosity=0)
    logging.getLogger("django_tasks").setLevel(logging.WARNING)
    owner = create_account("bench@example.org", "correct horse battery staple")
    missed = []

    # 1. From scratch.
    started = time.perf_counter()
    profile, built = build(owner, options.entries, "Reconcile")
    seconds_built = time.perf_counter() - started
    groups: list[int] = []
    rebuilds = timed(lambda: groups.append(rebuilt(profile)), options.runs)
    views = groups_of(profile)
    reading = timed(lambda: groups_of(profile), options.runs)
    conflicted = [view for view in views if view.open_conflicts]
    by_kind = Counter(view.kind for view in views)
    hows = dict(
        Member.objects.filter(profile_id=profile.pk)
        .values_list("how")
        .annotate(count=Count("id"))
        .values_list("how", "count")
    )
    largest = max(len(view.entries) for view in views)
    rebuild_median = statistics.median(rebuilds)
    if rebuild_median >= GOAL_REBUILD * 1000:
        missed.append("rebuild")
    scratch = [
        "| step | median ms | max ms | outcome | goal |",
        "|---|---:|---:|---|---|",
        f"| `rebuild(profile)` in a transaction | {ms(rebuild_median)} | {ms(max(rebuilds))} "
        f"| {groups[-1]:,} groups ({', '.join(f'{n} {k}' for k, n in by_kind.items())}); "
        f"{len(conflicted):,} with open conflicts; largest {largest} statements; members "
        f"{', '.join(f'{n:,} {how}' for how, n in sorted(hows.items()))} "
        f"| {met(rebuild_median / 1000, GOAL_REBUILD, 's')} |",
        "| `groups_of(profile)`: every group with its conflicts "
        f"| {ms(statistics.median(reading))} | {ms(max(reading))} "
        f"| {len(views):,} groups read |  |",
    ]

    # 3. The lists, on the profile just rebuilt.
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(owner)
    pages = {"profiles list (baseline)": reverse("home")}
    for kind, label in LISTS.items():
        pages[label] = reverse("records:list", kwargs={"profile_uuid": profile.uuid, "kind": kind})
    rows = [
        (name, *harness.summary(harness.time_page(client, url, {}, options.requests)))
        for name, url in pages.items()
    ]
    baseline = rows[0][1]
    listing = [
        "| page | median ms | p95 ms | median ÷ baseline | page 1 | goal |",
        "|---|---:|---:|---:|---|---|",
        f"| {rows[0][0]} | {ms(rows[0][1])} | {ms(rows[0][2])} | 1.0× |  |  |",
    ]
    for (name, median, p95), kind in zip(rows[1:], LISTS, strict=True):
        if p95 >= GOAL_PAGE:
            missed.append(name)
        shown, read = first_page(profile, kind)
        listing.append(
            f"| {name} | {ms(median)} | {ms(p95)} | {median / baseline:.1f}× "
            f"| {shown} groups, {read:,} statements read | {met(p95, GOAL_PAGE, 'ms p95')} |"
        )
    if options.profile:
        profiled("rebuild(profile)", lambda: rebuilt(profile))
        profiled("medication list", lambda: client.get(pages["medication list"]))

    # 2. Incremental: one import's commit, hook attached or detached, fresh profiles.
    document = options.document
    commits: dict[bool, list[Commit]] = {True: [], False: []}
    for pair in range(options.runs + 1):
        for attached in (True, False) if pair % 2 else (False, True):
            into, _ = build(owner, options.entries, f"Commit {pair} {attached}")
            rebuilt(into)
            done = commit(into, owner, document, attached=attached)
            if pair:  # the first pair warms up
                commits[attached].append(done)
    with_hook = [c.milliseconds for c in commits[True]]
    without = [c.milliseconds for c in commits[False]]
    in_hook = [c.in_hook for c in commits[True]]
    added = statistics.median(with_hook) - statistics.median(without)
    if max(added, statistics.median(in_hook)) >= GOAL_ADDED:
        missed.append("commit")
    last = commits[True][-1]
    if any(c.placed for c in commits[False]) or not last.placed:
        raise SystemExit("The hook was not attached or detached as asked.")
    counts = ", ".join(f"{n:,} {k}" for k, n in last.counts.items() if n)
    incremental = [
        "| commit | median ms | min–max ms | outcome | goal |",
        "|---|---:|---:|---|---|",
        f"| hook detached (baseline) | {ms(statistics.median(without))} "
        f"| {ms(min(without))}–{ms(max(without))} | {counts}; no group touched |  |",
        f"| hook attached | {ms(statistics.median(with_hook))} "
        f"| {ms(min(with_hook))}–{ms(max(with_hook))} "
        f"| {last.placed} entries placed in groups |  |",
        f"| added by the hook (difference of the medians) | {ms(added)} |  |  "
        f"| {met(added, GOAL_ADDED, 'ms')} |",
        f"| inside the hook, in the attached commits | {ms(statistics.median(in_hook))} "
        f"| {ms(min(in_hook))}–{ms(max(in_hook))} |  "
        f"| {met(statistics.median(in_hook), GOAL_ADDED, 'ms')} |",
    ]

    written = ", ".join(f"{n:,} {what}" for what, n in built.written.items())
    size = document.stat().st_size / 1_000_000
    report = (
        f"### {time.strftime('%Y-%m-%d')} · {connection.vendor} · "
        f"{options.entries:,} medications, allergies and problems from {SOURCES} sources · "
        f"{options.runs} runs, {options.requests} requests a page\n\n"
        f"{harness.machine()} Load average {load:.1f} before the run. "
        f"Profile built in {seconds_built:.1f} s. {harness.command(connection.vendor)}\n\n"
        f"Entries: {', '.join(f'{n:,} {k}' for k, n in built.kinds.items())}; {written}.\n\n"
        "From scratch:\n\n" + "\n".join(scratch) + "\n\n"
        f"One import's commit ({document.name}, {size:.2f} MB) into a profile of "
        f"{options.entries:,} entries, median of {options.runs} each after a warm-up pair:\n\n"
        + "\n".join(incremental)
        + "\n\nLists (one row per group), "
        f"{options.requests} requests each:\n\n" + "\n".join(listing) + "\n"
    )
    return report, missed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--entries", type=int, default=5000, help="entries in the profile")
    parser.add_argument("--runs", type=int, default=5, help="timed runs of each step")
    parser.add_argument("--requests", type=int, default=60, help="requests a page")
    parser.add_argument(
        "--document",
        type=Path,
        default=LARSON if LARSON.exists() else FALLBACK,
        help="the C-CDA whose commit is timed",
    )
    parser.add_argument(
        "--profile", action="store_true", help="print cProfile's top functions for two steps"
    )
    parser.add_argument("--write", action="store_true")
    parser.add_argument(
        "--replace", action="store_true", help="with --write: make this the section's only run"
    )
    options = parser.parse_args()
    os.environ.setdefault("MYHEALTHHUB_TASKS_BACKEND", DATABASE_QUEUE)
    harness.start_django()
    data_dir = os.environ["MYHEALTHHUB_DATA_DIR"]
    try:
        report, missed = run(options)
    finally:
        from django.db import connections

        connections.close_all()
        shutil.rmtree(data_dir, ignore_errors=True)
    print(report)
    if options.write:
        harness.record(SECTION, INTRO, report, replace=options.replace)
    if missed:
        print("A goal was missed: " + ", ".join(missed), file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
