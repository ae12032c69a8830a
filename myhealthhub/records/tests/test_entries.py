"""Every kind of entry through its web pages: add, list, view, edit, delete, restore."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from myhealthhub.audit.models import Action, AuditEvent
from myhealthhub.conftest import World
from myhealthhub.records.actions import create_entry
from myhealthhub.records.kinds import KINDS
from myhealthhub.records.models import EntryVersion, Observation
from myhealthhub.records.presenting import field_label

# A valid form for each kind, as a person would fill it in, and one field to change.
SAMPLES: dict[str, tuple[dict[str, str], tuple[str, str]]] = {
    "medications": (
        {
            "display": "Lisinopril",
            "strength": "10 mg",
            "dose": "1 tablet",
            "frequency": "once a day",
            "status": "active",
            "date_year": "2019",
            "date_month": "4",
        },
        ("dose", "2 tablets"),
    ),
    "conditions": (
        {
            "display": "Hypertension",
            "clinical_status": "active",
            "verification": "confirmed",
            "date_year": "2015",
        },
        ("severity", "moderate"),
    ),
    "allergies": (
        {
            "display": "Penicillin",
            "allergy_type": "allergy",
            "category": "medication",
            "criticality": "high",
            "reaction": "Hives",
            "status": "active",
        },
        ("reaction", "Hives and swelling"),
    ),
    "no-known-allergies": (
        {"date_year": "2024", "date_month": "1", "date_day": "15"},
        ("notes", "Asked at the GP"),
    ),
    "immunizations": (
        {
            "display": "Influenza, seasonal",
            "code": "141",
            "status": "completed",
            "date_year": "2025",
            "date_month": "10",
            "date_day": "2",
            "dose_number": "1",
            "lot_number": "AB123",
        },
        ("site", "Left arm"),
    ),
    "results": (
        {
            "display": "Hemoglobin A1c",
            "code": "4548-4",
            "category": "laboratory",
            "date_year": "2025",
            "date_month": "9",
            "date_day": "1",
            "value_number": "7.1",
            "unit_text": "%",
            "reference_high": "5.7",
        },
        ("interpretation", "H"),
    ),
    "procedures": ({"display": "Colonoscopy", "date_year": "2022"}, ("outcome", "Normal")),
    "visits": (
        {"display": "Annual check-up", "date_year": "2025", "date_month": "3", "date_day": "3"},
        ("facility", "Health Centre North"),
    ),
    "appointments": (
        {
            "display": "Cardiology follow-up",
            "starts_at": "2031-05-06T09:30",
            "status": "booked",
            "questions": "Can I stop the aspirin?",
        },
        ("bring", "Blood pressure diary"),
    ),
    "care-team": (
        {"display": "Dr. Ana Ruiz", "role": "clinician", "phone": "+34 912 345 678"},
        ("specialty", "Cardiology"),
    ),
    "family-history": (
        {"display": "Breast cancer", "relative": "Mother", "onset_age": "52"},
        ("deceased", "on"),
    ),
    "medication-reviews": (
        {
            "display": "Yearly review",
            "date_year": "2025",
            "date_month": "2",
            "date_day": "10",
            "with_whom": "pharmacist",
        },
        ("outcome", "Stopped omeprazole"),
    ),
    "workouts": (
        {
            "activity": "running",
            "starts_at": "2025-06-11T18:00",
            "duration_hours": "0",
            "duration_minutes": "32",
            "duration_seconds": "10",
            "distance": "5.2",
        },
        ("notes", "Felt strong"),
    ),
    "notes": (
        {
            "display": "Dizzy after new dose",
            "date_year": "2025",
            "body": "Felt dizzy in the morning.",
        },
        ("body", "Better now."),
    ),
}


def test_every_kind_has_a_sample():
    assert set(SAMPLES) == set(KINDS)


def url(name: str, world: World, kind: str, **kwargs) -> str:
    return reverse(
        f"records:{name}", kwargs={"profile_uuid": world.profile.uuid, "kind": kind, **kwargs}
    )


@pytest.mark.parametrize("slug", sorted(KINDS))
def test_add_edit_delete_restore_through_the_pages(world: World, slug: str):
    kind = KINDS[slug]
    data, (field, new_value) = SAMPLES[slug]
    client = world.client("editor")

    response = client.post(url("create", world, slug), data)
    assert response.status_code == 302, (
        response.context["form"].errors if response.context else response
    )
    entry = kind.model.objects.filter(profile_id=world.profile.pk).latest("id")
    assert entry.source.author == world.accounts["editor"]
    listing = client.get(url("list", world, slug)).content.decode()
    assert (
        reverse(
            "records:detail",
            kwargs={"profile_uuid": world.profile.uuid, "kind": slug, "entry_uuid": entry.uuid},
        )
        in listing
    )

    edit_url = url("edit", world, slug, entry_uuid=entry.uuid)
    form = client.get(edit_url).context["form"]
    assert form.initial["version"] == 1
    response = client.post(edit_url, {**data, field: new_value, "version": "1"})
    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.version == 2
    stored = getattr(entry, field)
    assert stored is True if new_value == "on" else str(stored) == new_value
    version = EntryVersion.objects.get(entry_uuid=entry.uuid)
    assert version.changed_fields == [field]
    detail = client.get(url("detail", world, slug, entry_uuid=entry.uuid)).content.decode()
    assert "History" in detail
    assert f"Fields: {field_label(kind, field)}" in detail

    client.post(url("delete", world, slug, entry_uuid=entry.uuid))
    assert entry.uuid.hex not in client.get(url("list", world, slug)).content.decode().replace(
        "-", ""
    )
    assert client.get(url("detail", world, slug, entry_uuid=entry.uuid)).status_code == 404
    deleted_page = client.get(
        reverse("records:deleted", kwargs={"profile_uuid": world.profile.uuid})
    )
    assert str(entry.uuid) in deleted_page.content.decode()

    response = client.post(url("restore", world, slug, entry_uuid=entry.uuid))
    assert response.status_code == 302
    assert client.get(url("detail", world, slug, entry_uuid=entry.uuid)).status_code == 200
    actions = set(
        AuditEvent.objects.filter(object_uuid=entry.uuid).values_list("action", flat=True)
    )
    assert actions == {
        Action.ENTRY_CREATED,
        Action.ENTRY_UPDATED,
        Action.ENTRY_DELETED,
        Action.ENTRY_RESTORED,
    }


def test_partial_dates_are_kept_as_given(world: World):
    client = world.client("owner")
    client.post(
        url("create", world, "conditions"),
        {
            "display": "Asthma",
            "clinical_status": "active",
            "verification": "confirmed",
            "date_year": "1998",
        },
    )
    condition = KINDS["conditions"].model.objects.get(display="Asthma")
    assert condition.when is not None and condition.when.isoformat() == "1998"
    page = client.get(
        url("detail", world, "conditions", entry_uuid=condition.uuid)
    ).content.decode()
    assert "1998" in page


def test_required_fields_and_bad_values_are_refused_clearly(world: World):
    client = world.client("owner")
    before = KINDS["results"].model.objects.count()
    response = client.post(
        url("create", world, "results"),
        {"display": "", "category": "laboratory", "value_number": "high"},
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert errors["display"] == ["This field is required."]
    assert errors["value_number"] == ["Enter a number."]
    assert KINDS["results"].model.objects.count() == before


def test_a_reference_range_upside_down_is_refused(world: World):
    client = world.client("owner")
    before = KINDS["results"].model.objects.count()
    typed = {"display": "Glucose", "category": "laboratory", "value_number": "92"}
    response = client.post(
        url("create", world, "results"),
        typed | {"reference_low": "100", "reference_high": "70"},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["reference_high"] == [
        "The upper limit of the range is below its lower limit."
    ]
    assert KINDS["results"].model.objects.count() == before
    # One limit alone, or both the same, is a range.
    for limits in ({"reference_low": "70"}, {"reference_low": "70", "reference_high": "70"}):
        assert client.post(url("create", world, "results"), typed | limits).status_code == 302
    assert KINDS["results"].model.objects.count() == before + 2


def test_a_stale_edit_is_refused_and_shows_what_changed(world: World):
    edit_url = url("edit", world, "medications", entry_uuid=world.medication.uuid)
    base = {
        "display": "Metformin",
        "strength": "500 mg",
        "frequency": "twice a day",
        "status": "active",
    }
    first, second = world.client("owner"), world.client("editor")
    assert first.get(edit_url).context["form"].initial["version"] == 1
    assert second.get(edit_url).context["form"].initial["version"] == 1
    assert first.post(edit_url, {**base, "dose": "2 tablets", "version": "1"}).status_code == 302

    response = second.post(edit_url, {**base, "dose": "half a tablet", "version": "1"})
    assert response.status_code == 409
    page = response.content.decode()
    assert "Someone else saved this entry while you were editing it, so your changes" in page
    assert "Dose: “1 tablet” became “2 tablets”" in page
    world.medication.refresh_from_db()
    assert world.medication.dose == "2 tablets"


def test_deleted_entries_can_be_restored_for_thirty_days_only(world: World):
    restore_url = url("restore", world, "conditions", entry_uuid=world.deleted_condition.uuid)
    later = timezone.now() + dt.timedelta(days=31)
    with time_machine.travel(later, tick=False):
        client = world.client("owner")
        response = client.post(restore_url, follow=True)
        assert "Nothing was deleted in the last 30 days." in response.content.decode()
    assert (
        "Deleted entries can be restored for 30 days; this one is older."
        in response.content.decode()
    )
    world.deleted_condition.refresh_from_db()
    assert world.deleted_condition.deleted_at is not None


def test_lists_filter_sort_and_search(world: World):
    owner = world.accounts["owner"]
    for name, status in (("Aspirin", "active"), ("Ibuprofen", "stopped"), ("Zinc", "active")):
        create_entry(
            KINDS["medications"],
            world.profile,
            actor=owner,
            request=None,
            values={"display": name, "status": status},
        )
    client = world.client("viewer")
    page = client.get(url("list", world, "medications") + "?status=stopped").content.decode()
    assert "Ibuprofen" in page and "Aspirin" not in page
    page = client.get(url("list", world, "medications") + "?q=zin").content.decode()
    assert "Zinc" in page and "Aspirin" not in page
    names = [
        entry.display
        for entry in client.get(url("list", world, "medications") + "?sort=name").context["page"]
    ]
    assert names == sorted(names)


def counted_queries(client, address: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(address).status_code == 200
    return len(queries)


@pytest.mark.parametrize("page", ["overview", "list", "detail"])
def test_page_queries_do_not_grow_with_the_profile(world: World, page: str):
    client = world.client("owner")
    addresses = {
        "overview": reverse("profiles:overview", kwargs={"profile_uuid": world.profile.uuid}),
        "list": url("list", world, "medications"),
        "detail": url("detail", world, "medications", entry_uuid=world.medication.uuid),
    }
    owner = world.accounts["owner"]

    def add(indexes: range) -> None:
        for index in indexes:
            for slug in ("medications", "conditions", "allergies", "results"):
                data = dict(SAMPLES[slug][0])
                data.pop("code", None)
                values = {"display": f"{data['display']} {index}"}
                create_entry(KINDS[slug], world.profile, actor=owner, request=None, values=values)

    # One of each first: a list that is empty asks nothing about its lines.
    add(range(1))
    before = counted_queries(client, addresses[page])
    add(range(1, 30))
    create_entry(
        KINDS["appointments"],
        world.profile,
        actor=owner,
        request=None,
        values={"display": "Dentist", "starts_at": timezone.now() + dt.timedelta(days=3)},
    )
    assert counted_queries(client, addresses[page]) <= before


def test_overview_shows_what_matters_at_the_next_visit(world: World):
    owner = world.accounts["owner"]
    client = world.client("viewer")
    overview_url = reverse("profiles:overview", kwargs={"profile_uuid": world.profile.uuid})
    page = client.get(overview_url).content.decode()
    assert "Metformin" in page
    assert "Not recorded. Add allergies, or record that there are none known." in page
    create_entry(KINDS["no-known-allergies"], world.profile, actor=owner, request=None, values={})
    assert "No known allergies" in client.get(overview_url).content.decode()
    create_entry(
        KINDS["allergies"], world.profile, actor=owner, request=None, values={"display": "Latex"}
    )
    create_entry(
        KINDS["medications"],
        world.profile,
        actor=owner,
        request=None,
        values={"display": "Omeprazole", "status": "stopped"},
    )
    create_entry(
        KINDS["appointments"],
        world.profile,
        actor=owner,
        request=None,
        values={"display": "Eye exam", "starts_at": timezone.now() + dt.timedelta(days=10)},
    )
    page = client.get(overview_url).content.decode()
    assert "Latex" in page
    assert "Omeprazole" not in page, "only medications taken now"
    assert "Eye exam" in page
    assert "Type 2 diabetes" not in page, "a deleted condition is not shown"


def test_pages_in_spanish(world: World):
    client = world.client("owner")
    client.post(reverse("accounts:set_language"), {"language": "es"})
    page = client.get(url("list", world, "medications")).content.decode()
    assert "Medicamentos" in page
    assert "Añadir medicamento" in page


def test_suggested_names_bring_their_codes(world: World):
    client = world.client("owner")
    page = client.get(url("create", world, "immunizations")).content.decode()
    assert 'list="entry-suggestions"' in page and '<option value="Tdap">' in page
    assert (
        "Paracetamol (Acetaminophen)"
        in client.get(url("create", world, "medications")).content.decode()
    )
    client.post(
        url("create", world, "immunizations"),
        {"display": "Tdap", "status": "completed", "date_year": "2024"},
    )
    tdap = KINDS["immunizations"].model.objects.get(display="Tdap")
    assert (tdap.code, tdap.code_system) == ("115", "http://hl7.org/fhir/sid/cvx")
    client.post(
        url("create", world, "results"),
        {"display": "Potassium", "category": "laboratory", "value_number": "4.1"},
    )
    potassium = Observation.objects.get(display="Potassium")
    assert (potassium.code, potassium.unit_text) == ("2823-3", "mmol/L")
    client.post(
        url("create", world, "results"),
        {"display": "My own test", "category": "other", "value_number": "1"},
    )
    assert KINDS["results"].model.objects.get(display="My own test").code == ""


@pytest.mark.parametrize("slug", sorted(KINDS))
def test_every_list_page_makes_a_fixed_number_of_queries(world: World, slug: str):
    client = world.client("owner")
    data = SAMPLES[slug][0]
    client.post(url("create", world, slug), data)
    before = counted_queries(client, url("list", world, slug))
    for _ in range(20):
        client.post(url("create", world, slug), data)
    assert counted_queries(client, url("list", world, slug)) <= before


def test_undated_entries_sort_last_on_every_database(world: World):
    owner = world.accounts["owner"]
    create_entry(
        KINDS["notes"],
        world.profile,
        actor=owner,
        request=None,
        values={"display": "Undated", "body": "."},
    )
    create_entry(
        KINDS["notes"],
        world.profile,
        actor=owner,
        request=None,
        values={"display": "Dated", "body": ".", "date": dt.date(2020, 1, 1)},
    )
    client = world.client("owner")
    for sort in ("newest", "oldest"):
        names = [
            entry.display
            for entry in client.get(url("list", world, "notes"), {"sort": sort}).context["page"]
        ]
        assert names == ["Dated", "Undated"], sort


def test_editing_keeps_the_codes_a_source_gave(world: World):
    from myhealthhub.records.models import Immunization

    owner = world.accounts["owner"]
    vaccine = create_entry(
        KINDS["immunizations"],
        world.profile,
        actor=owner,
        request=None,
        values={
            "display": "Flu",
            "codings": [
                {"system": "http://snomed.info/sct", "code": "86198006"},
                {"system": "http://hl7.org/fhir/sid/cvx", "code": "141"},
            ],
            "code_system": "http://snomed.info/sct",
            "code": "86198006",
        },
    )
    edit_url = url("edit", world, "immunizations", entry_uuid=vaccine.uuid)
    client = world.client("owner")
    form = client.get(edit_url).context["form"]
    assert form.initial["code"] == "141", "the form shows the CVX code, not the first one"
    client.post(
        edit_url,
        {
            "display": "Flu",
            "code": "141",
            "status": "completed",
            "notes": "Left arm",
            "version": "1",
        },
    )
    saved = Immunization.objects.get(pk=vaccine.pk)
    assert saved.notes == "Left arm"
    assert saved.codings == vaccine.codings
    assert (saved.code_system, saved.code) == ("http://snomed.info/sct", "86198006")
    assert EntryVersion.objects.get(entry_uuid=vaccine.uuid).changed_fields == ["notes"]


def test_a_retyped_unit_replaces_the_sources_ucum_code(world: World):
    owner = world.accounts["owner"]
    result = create_entry(
        KINDS["results"],
        world.profile,
        actor=owner,
        request=None,
        values={
            "display": "Glucose",
            "code": "2339-0",
            "value_number": 5.5,
            "unit": "mg/dL",
            "unit_text": "mg/dL",
            "date": dt.date(2025, 1, 1),
            "category": "laboratory",
        },
    )
    client = world.client("owner")
    client.post(
        url("edit", world, "results", entry_uuid=result.uuid),
        {
            "display": "Glucose",
            "code": "2339-0",
            "category": "laboratory",
            "value_number": "5.5",
            "unit_text": "mmol/L",
            "date_year": "2025",
            "date_month": "1",
            "date_day": "1",
            "version": "1",
        },
    )
    saved = Observation.objects.get(pk=result.pk)
    assert (saved.unit, saved.unit_text) == ("", "mmol/L")


def test_saving_an_appointment_unchanged_in_another_time_zone_changes_nothing(
    world: World, settings
):
    settings.TIME_ZONE = "Europe/Madrid"
    from django.utils import timezone as tz

    tz.activate("Europe/Madrid")
    try:
        client = world.client("owner")
        edit_url = url("edit", world, "appointments", entry_uuid=world.appointment.uuid)
        form = client.get(edit_url).context["form"]
        data = {name: form[name].value() or "" for name in ("display", "status")}
        starts = tz.localtime(world.appointment.starts_at).strftime("%Y-%m-%dT%H:%M")
        world.appointment.starts_at = world.appointment.starts_at.replace(second=0, microsecond=0)
        world.appointment.save(update_fields=["starts_at"])
        client.post(edit_url, {**data, "starts_at": starts, "version": "1"})
        world.appointment.refresh_from_db()
        assert world.appointment.version == 1
    finally:
        tz.deactivate()


def test_delete_works_on_the_stored_row_not_a_stale_copy(world: World):
    from myhealthhub.records.actions import delete_entry, update_entry

    stale = KINDS["medications"].model.objects.get(pk=world.medication.pk)
    update_entry(
        world.medication,
        actor=world.accounts["owner"],
        request=None,
        values={"dose": "2 tablets"},
        expected_version=1,
    )
    delete_entry(stale, actor=world.accounts["owner"], request=None)
    versions = list(
        EntryVersion.objects.filter(entry_uuid=world.medication.uuid).order_by("version")
    )
    assert [version.version for version in versions] == [1, 2]
    assert versions[1].data["dose"] == "2 tablets"
    assert stale.version == 3
