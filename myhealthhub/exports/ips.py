"""The personal health summary as an International Patient Summary: a FHIR ``document`` Bundle.

The Composition comes first (LOINC 60591-5), then the Patient, the Device that
assembled it (MyHealthHub: the person wrote the record, the software chose what
goes in), and every resource a section lists. The three sections IPS requires
(medications, allergies, problems) are always there, with ``emptyReason`` when
nothing is recorded; "no known allergies" is an AllergyIntolerance coded SNOMED
CT 716186003, as IPS STU2 writes it. The recommended sections (immunizations,
results, procedures) appear when there is something to put in them.

Entries are chosen with the same functions as the profile overview and the
summary page (records/overview.py), so they all agree. Results are bounded:
the latest of each test in the last 12 months (or since ``options.since``).
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, BinaryIO

from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _

from myhealthhub.exports.fhir_resources import RESOURCES, bundle_entry, people
from myhealthhub.exports.fhir_resources.common import (
    LOINC,
    Json,
    coded,
    instant,
    prune,
    urn,
)
from myhealthhub.exports.formats import Progress
from myhealthhub.lib.dates import PartialDate
from myhealthhub.profiles.models import Profile, Role
from myhealthhub.records.models import (
    Allergy,
    Condition,
    Entry,
    Immunization,
    Medication,
    NoKnownAllergies,
    Observation,
    Procedure,
)
from myhealthhub.records.models.base import NEWEST_FIRST
from myhealthhub.records.overview import active_conditions, allergy_status, medications_taken_now
from myhealthhub.summary.options import ExportOptions

PATIENT_SUMMARY = "60591-5"
EMPTY_REASON = "http://terminology.hl7.org/CodeSystem/list-empty-reason"
RESULTS_MONTHS = 12
MOST_RESULTS = 40
MOST_IMMUNIZATIONS = 100
MOST_PROCEDURES = 50


@dataclass(frozen=True)
class Section:
    code: str
    display: str  # LOINC's name for the code
    title: str  # in the export's language
    kind: str  # the records kind whose maker turns each entry into a resource
    entries: Sequence[Entry]
    required: bool = False


# The summary's section names (summary/sections.py) that turn the recommended ones off.
CHOSEN_AS = {"11369-6": "immunizations", "30954-2": "results", "47519-4": "events"}


class IpsExport:
    slug = "ips"
    role = Role.VIEWER
    background = False
    media_type = "application/fhir+json"
    extension = "json"

    @property
    def label(self) -> str:
        return str(_("International Patient Summary (IPS)"))

    @property
    def description(self) -> str:
        return str(
            _(
                "The summary as a FHIR document that clinics' systems can read: allergies, "
                "medicines, problems, immunizations, recent results and procedures."
            )
        )

    def write(
        self, profile: Profile, out: BinaryIO, options: ExportOptions, progress: Progress
    ) -> None:
        progress(0.0)
        with translation.override(options.language):
            bundle = summary_bundle(profile, options)
        out.write(json.dumps(bundle, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))
        progress(1.0)


def summary_bundle(profile: Profile, options: ExportOptions) -> Json:
    now = timezone.now()
    patient = people.patient_reference(profile)
    device_id = uuid.uuid4()
    sections = _sections(profile, options, timezone.localdate(now))
    resources: list[Json] = []
    written_sections = []
    for section in sections:
        chosen_as = CHOSEN_AS.get(section.code)
        if chosen_as and options.sections and chosen_as not in options.sections:
            continue
        made = [
            RESOURCES[_kind_of(entry, section.kind)](entry, patient) for entry in section.entries
        ]
        if not made and not section.required:
            continue
        resources += made
        written_sections.append(_section(section, made))
    composition = {
        "resourceType": "Composition",
        "id": str(uuid.uuid4()),
        "language": options.language,
        "status": "final",
        "type": coded(LOINC, PATIENT_SUMMARY, "Patient summary Document"),
        "subject": patient,
        "date": instant(now),
        "author": [{"reference": urn(device_id), "display": "MyHealthHub"}],
        "title": _t("Patient summary"),
        "section": written_sections,
    }
    device = {
        "resourceType": "Device",
        "id": str(device_id),
        "deviceName": [{"name": "MyHealthHub", "type": "manufacturer-name"}],
        "patient": patient,
    }
    entries = [composition, people.patient(profile, profile.contacts.order_by("id")), device]
    return {
        "resourceType": "Bundle",
        "id": str(uuid.uuid4()),
        "language": options.language,
        "identifier": {"system": "urn:ietf:rfc:3986", "value": urn(uuid.uuid4())},
        "type": "document",
        "timestamp": instant(now),
        "entry": [bundle_entry(resource) for resource in entries + resources],
    }


def _kind_of(entry: Entry, kind: str) -> str:
    return "no-known-allergies" if isinstance(entry, NoKnownAllergies) else kind


def _sections(profile: Profile, options: ExportOptions, today: dt.date) -> list[Section]:
    allergies = allergy_status(profile)
    listed: list[Entry] = list(allergies["allergies"])
    if allergies["no_known_allergies"] is not None:
        listed = [allergies["no_known_allergies"]]
    since = options.since or today - dt.timedelta(days=RESULTS_MONTHS * 366 // 12)
    # The person's chosen period narrows history; the current state is always whole.
    dated = {"date__gte": options.since} if options.since else {}
    return [
        Section(
            "10160-0",
            "History of Medication use Narrative",
            _t("Medication summary"),
            "medications",
            list(medications_taken_now(profile)),
            required=True,
        ),
        Section(
            "48765-2",
            "Allergies and adverse reactions Document",
            _t("Allergies and intolerances"),
            "allergies",
            listed,
            required=True,
        ),
        Section(
            "11450-4",
            "Problem list - Reported",
            _t("Problem list"),
            "conditions",
            list(active_conditions(profile)),
            required=True,
        ),
        Section(
            "11369-6",
            "History of Immunization Narrative",
            _t("History of immunizations"),
            "immunizations",
            list(
                Immunization.objects.alive()
                .filter(profile_id=profile.pk, **dated)
                .order_by(*NEWEST_FIRST)[:MOST_IMMUNIZATIONS]
            ),
        ),
        Section(
            "30954-2",
            "Relevant diagnostic tests/laboratory data Narrative",
            _t("Recent results"),
            "results",
            _latest_results(profile, since),
        ),
        Section(
            "47519-4",
            "History of Procedures Document",
            _t("History of procedures"),
            "procedures",
            list(
                Procedure.objects.alive()
                .filter(profile_id=profile.pk, **dated)
                .order_by(*NEWEST_FIRST)[:MOST_PROCEDURES]
            ),
        ),
    ]


def _latest_results(profile: Profile, since: dt.date) -> list[Entry]:
    """The latest result of each test since ``since``, newest first, at most MOST_RESULTS.

    One small query for the tests, then one per test on the (profile, code) index:
    a profile with 100,000 results is not read through.
    """
    recent = Observation.objects.alive().filter(profile_id=profile.pk, date__gte=since)
    # order_by(): the model's default order would make every row distinct.
    codes = recent.exclude(code="").order_by().values_list("code", flat=True).distinct()
    uncoded = recent.filter(code="").order_by().values_list("display", flat=True).distinct()
    latest: list[Entry] = []
    for code in list(codes[: MOST_RESULTS * 2]):
        found = recent.filter(code=code).order_by("-date", "-id").first()
        if found is not None:
            latest.append(found)
    for display in list(uncoded[:MOST_RESULTS]):
        found = recent.filter(code="", display=display).order_by("-date", "-id").first()
        if found is not None:
            latest.append(found)
    latest.sort(key=lambda result: (result.date, result.pk), reverse=True)
    return latest[:MOST_RESULTS]


# Sections ---------------------------------------------------------------------


def _section(section: Section, resources: list[Json]) -> Json:
    lines = [_line(entry) for entry in section.entries]
    if not lines:
        lines = [_t("No information recorded.")]
    return prune(
        {
            "title": section.title,
            "code": coded(LOINC, section.code, section.display),
            "text": {"status": "generated", "div": _div(lines)},
            "entry": [{"reference": urn(uuid.UUID(r["id"]))} for r in resources],
            "emptyReason": (
                None
                if resources
                else {
                    "coding": [
                        {
                            "system": EMPTY_REASON,
                            "code": "unavailable",
                            "display": "Unavailable",
                        }
                    ],
                    "text": _t("Nothing recorded"),
                }
            ),
        }
    )


def _div(lines: Iterable[str]) -> str:
    items = "".join(f"<li>{escape(line)}</li>" for line in lines)
    return f'<div xmlns="http://www.w3.org/1999/xhtml"><ul>{items}</ul></div>'


def _line(entry: Entry) -> str:
    describe: Callable[[Any], list[str]] = _DESCRIBE.get(type(entry), lambda e: [])
    parts = [entry.display, *describe(entry)]
    when = entry.when
    if when is not None:
        parts.append(_dated(entry, when))
    return " · ".join(part for part in parts if part)


def _dated(entry: Entry, when: PartialDate) -> str:
    if isinstance(entry, NoKnownAllergies):
        return _t("stated %(date)s") % {"date": when.localized()}
    if isinstance(entry, Medication | Allergy | Condition):
        return _t("since %(date)s") % {"date": when.localized()}
    return when.localized()


_DESCRIBE: dict[type, Callable[[Any], list[str]]] = {
    Medication: lambda m: [m.strength, m.dose, m.frequency, m.route],
    Allergy: lambda a: [a.reaction, str(a.get_criticality_display()) if a.criticality else ""],
    Observation: lambda o: [o.value_display, o.interpretation],
    Immunization: lambda i: [str(i.get_status_display()) if i.status != "completed" else ""],
}
