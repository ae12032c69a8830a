"""The kinds of entry, registered in one dict: adding a kind means adding one line.

Each kind names its model, the fields its form shows (in order), the columns
of its list, and how its URL spells it. The generic views, forms, history and
counts all work from this registry.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from myhealthhub.profiles.counts import counts_entries
from myhealthhub.profiles.models import Profile
from myhealthhub.records.models import (
    Allergy,
    Appointment,
    CareTeamMember,
    Condition,
    Encounter,
    Entry,
    FamilyHistory,
    Immunization,
    Medication,
    MedicationReview,
    NoKnownAllergies,
    Note,
    Observation,
    Procedure,
    Workout,
)
from myhealthhub.records.models.base import EntryQuerySet

LOINC = "http://loinc.org"
CVX = "http://hl7.org/fhir/sid/cvx"


@dataclass(frozen=True)
class Kind:
    slug: str
    model: type[Entry]
    display_label: str | Promise
    form_fields: tuple[str, ...]
    list_columns: tuple[str, ...] = ()
    # A choice field that the list can filter on.
    status_field: str = ""
    # The code system of the form's "code" field, when it has one.
    code_system: str = ""
    date_label: str | Promise = field(default_factory=lambda: _("Date"))

    @property
    def label(self) -> str:
        return str(self.model._meta.verbose_name)

    @property
    def plural(self) -> str:
        return str(self.model._meta.verbose_name_plural)

    def queryset(self, profile: Profile) -> EntryQuerySet:
        return self.model.objects.filter(profile_id=profile.pk)

    def model_field(self, name: str) -> models.Field[Any, Any]:
        field = self.model._meta.get_field(name)
        assert isinstance(field, models.Field), f"{name} is not a column of {self.model.__name__}"
        return field


KINDS: dict[str, Kind] = {
    kind.slug: kind
    for kind in (
        Kind(
            "medications",
            Medication,
            _("Medicine"),
            (
                "display",
                "strength",
                "dose",
                "frequency",
                "route",
                "as_needed",
                "reason",
                "status",
                "date",
                "end_date",
                "prescriber",
                "pharmacy",
                "notes",
            ),
            ("strength", "dose", "frequency", "status"),
            status_field="status",
            date_label=_("Started"),
        ),
        Kind(
            "conditions",
            Condition,
            _("Condition"),
            (
                "display",
                "clinical_status",
                "verification",
                "severity",
                "date",
                "resolved_date",
                "notes",
            ),
            ("clinical_status", "severity"),
            status_field="clinical_status",
            date_label=_("Since"),
        ),
        Kind(
            "allergies",
            Allergy,
            _("Substance"),
            (
                "display",
                "allergy_type",
                "category",
                "criticality",
                "reaction",
                "reaction_severity",
                "status",
                "date",
                "recorded_date",
                "notes",
            ),
            ("category", "reaction", "criticality", "status"),
            status_field="status",
            date_label=_("Since"),
        ),
        Kind(
            "no-known-allergies",
            NoKnownAllergies,
            _("Statement"),
            ("date", "notes"),
            date_label=_("Stated on"),
        ),
        Kind(
            "immunizations",
            Immunization,
            _("Vaccine"),
            (
                "display",
                "code",
                "status",
                "date",
                "dose_number",
                "lot_number",
                "site",
                "location",
                "performer",
                "notes",
            ),
            ("dose_number", "status", "location"),
            status_field="status",
            code_system=CVX,
        ),
        Kind(
            "results",
            Observation,
            _("Test or measurement"),
            (
                "display",
                "code",
                "category",
                "date",
                "effective_time",
                "comparator",
                "value_number",
                "unit_text",
                "value_text",
                "reference_low",
                "reference_high",
                "reference_text",
                "interpretation",
                "notes",
            ),
            ("value_display", "interpretation", "category"),
            status_field="category",
            code_system=LOINC,
        ),
        Kind(
            "procedures",
            Procedure,
            _("Procedure"),
            ("display", "date", "performer", "location", "reason", "outcome", "notes"),
            ("performer", "location"),
        ),
        Kind(
            "visits",
            Encounter,
            _("Visit"),
            ("display", "date", "end_date", "clinician", "facility", "reason", "notes"),
            ("clinician", "facility", "reason"),
        ),
        Kind(
            "appointments",
            Appointment,
            _("Title"),
            (
                "display",
                "starts_at",
                "ends_at",
                "status",
                "clinician",
                "facility",
                "address",
                "reason",
                "questions",
                "bring",
                "notes",
            ),
            ("starts_at", "clinician", "facility", "status"),
            status_field="status",
        ),
        Kind(
            "care-team",
            CareTeamMember,
            _("Name"),
            (
                "display",
                "role",
                "specialty",
                "organization",
                "phone",
                "email",
                "address",
                "portal_url",
                "member_number",
                "notes",
            ),
            ("role", "organization", "phone"),
            status_field="role",
        ),
        Kind(
            "family-history",
            FamilyHistory,
            _("Condition"),
            ("display", "relative", "onset_age", "deceased", "notes"),
            ("relative", "onset_age"),
        ),
        Kind(
            "medication-reviews",
            MedicationReview,
            _("Summary"),
            ("display", "date", "with_whom", "reviewer", "outcome", "next_due", "notes"),
            ("with_whom", "reviewer", "next_due"),
            date_label=_("Reviewed on"),
        ),
        Kind(
            "workouts",
            Workout,
            _("Name"),
            (
                "activity",
                "display",
                "starts_at",
                "duration",
                "distance",
                "active_energy",
                "average_heart_rate",
                "device",
                "notes",
            ),
            ("activity", "duration", "distance", "active_energy"),
            status_field="activity",
        ),
        Kind(
            "notes",
            Note,
            _("Title"),
            ("display", "date", "body"),
            (),
        ),
    )
}

KIND_OF_MODEL: dict[type[Entry], Kind] = {kind.model: kind for kind in KINDS.values()}


def _register_counter(kind: Kind) -> None:
    @counts_entries(kind.slug)
    def count(profile: Profile) -> int:
        return kind.queryset(profile).alive().count()


for _kind in KINDS.values():
    _register_counter(_kind)
