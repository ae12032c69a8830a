from myhealthhub.records.models.activity import ActivityDay
from myhealthhub.records.models.allergies import Allergy, NoKnownAllergies
from myhealthhub.records.models.base import Entry, EntryVersion, Source, SourceKind
from myhealthhub.records.models.care_team import CareTeamMember
from myhealthhub.records.models.conditions import Condition, FamilyHistory
from myhealthhub.records.models.immunizations import Immunization
from myhealthhub.records.models.measurements import ChosenMeasurement, MeasurementSeries
from myhealthhub.records.models.medications import Medication, MedicationReview
from myhealthhub.records.models.notes import Note
from myhealthhub.records.models.observations import Observation
from myhealthhub.records.models.samples import DailySummary, DeviceOrder, Metric, Sample
from myhealthhub.records.models.visits import Appointment, Encounter, Procedure
from myhealthhub.records.models.workouts import Activity, Workout

__all__ = [
    "Activity",
    "ActivityDay",
    "Allergy",
    "Appointment",
    "CareTeamMember",
    "ChosenMeasurement",
    "Condition",
    "DailySummary",
    "DeviceOrder",
    "Encounter",
    "Entry",
    "EntryVersion",
    "FamilyHistory",
    "Immunization",
    "MeasurementSeries",
    "Medication",
    "MedicationReview",
    "Metric",
    "NoKnownAllergies",
    "Note",
    "Observation",
    "Procedure",
    "Sample",
    "Source",
    "SourceKind",
    "Workout",
]
