"""Statements of one thing are one group; different things never are (issue 17).

Entries are written through the records actions, as the forms and the
importers write them; the groups follow through the records hooks.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.core.management import call_command
from django.urls import reverse
from lxml import html

from myhealthhub.conftest import World
from myhealthhub.reconcile.groups import GroupView, groups_of
from myhealthhub.reconcile.models import Group, How, Member
from myhealthhub.records.actions import create_entry, delete_entry, restore_entry, update_entry
from myhealthhub.records.kinds import CVX, KINDS
from myhealthhub.records.models import Entry, Source, SourceKind
from myhealthhub.summary.tests.markup import find

RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
SNOMED = "http://snomed.info/sct"


def imported(world: World, facility: str) -> Source:
    """A source as an import makes one: another clinic's document."""
    return Source.objects.create(
        profile=world.profile, kind=SourceKind.IMPORT, label="Summary", facility=facility
    )


def add(world: World, kind: str, source: Source | None = None, **values: Any) -> Entry:
    if "code" in values and "system" in values:
        system, code = values.pop("system"), values.pop("code")
        values["codings"] = [{"system": system, "code": code, "display": values["display"]}]
    return create_entry(
        KINDS[kind],
        world.profile,
        actor=world.accounts["owner"],
        request=None,
        values=values,
        source=source,
    )


def group_of(entry: Entry) -> GroupView:
    member = Member.objects.get(entry_uuid=entry.uuid)
    (view,) = groups_of(entry.profile, [member.kind], group_uuids=[member.group.uuid])
    return view


def fields_in_conflict(view: GroupView) -> dict[str, list[str]]:
    return {conflict.field: conflict.keys for conflict in view.conflicts}


def test_paracetamol_typed_by_hand_joins_the_acetaminophen_a_clinic_sent(world: World):
    tylenol = add(
        world,
        "medications",
        imported(world, "Community Health"),
        display="Tylenol 500 mg",
        system=RXNORM,
        code="209459",
        status="active",
    )
    typed = add(world, "medications", display="paracetamol 500 mg", status="active")
    view = group_of(typed)
    assert {entry.uuid for entry in view.entries} == {tylenol.uuid, typed.uuid}
    assert view.member(typed).how == How.NAME
    assert view.conflicts == []


def test_different_ingredients_and_a_combination_are_different_medicines(world: World):
    acetaminophen = add(
        world,
        "medications",
        display="Acetaminophen 500 MG Oral Tablet",
        system=RXNORM,
        code="209459",
    )
    combination = add(
        world,
        "medications",
        display="Tylenol PM Extra Strength 25 mg-500 mg tablet",
        system=RXNORM,
        code="1092189",
    )
    ibuprofen = add(world, "medications", display="Ibuprofen 400 mg")
    groups = {
        Member.objects.get(entry_uuid=e.uuid).group_id
        for e in (acetaminophen, combination, ibuprofen)
    }
    assert len(groups) == 3


def test_two_strengths_of_one_medicine_are_one_group_with_a_strength_conflict(world: World):
    one_mg = add(
        world,
        "medications",
        imported(world, "InteliChart"),
        display="Levothyroxine Sodium 1 MG",
        system=RXNORM,
        code="892279",
    )
    tenth = add(
        world,
        "medications",
        imported(world, "Community Health"),
        display="levothyroxine 100 mcg (0.1 mg) oral tablet",
        system=RXNORM,
        code="892246",
    )
    view = group_of(one_mg)
    assert {entry.uuid for entry in view.entries} == {one_mg.uuid, tenth.uuid}
    assert list(fields_in_conflict(view)) == ["strength"]


def test_two_influenza_doses_a_year_apart_are_two_doses(world: World):
    flu: dict[str, Any] = {
        "display": "Influenza virus vaccine",
        "system": CVX,
        "code": "88",
        "status": "completed",
    }
    first = add(world, "immunizations", date=dt.date(2014, 5, 10), **flu)
    second = add(world, "immunizations", date=dt.date(2015, 5, 12), **flu)
    assert group_of(first).group.pk != group_of(second).group.pk


def test_one_dose_dated_days_apart_by_two_sources_is_one_dose_with_a_date_conflict(world: World):
    flu: dict[str, Any] = {"display": "Influenza, intradermal", "system": CVX, "code": "166"}
    clinic = add(
        world,
        "immunizations",
        imported(world, "Meditech"),
        date=dt.date(2015, 6, 22),
        status="not-done",
        **flu,
    )
    portal = add(
        world,
        "immunizations",
        imported(world, "Portal"),
        date=dt.date(2015, 6, 15),
        status="completed",
        **flu,
    )
    view = group_of(clinic)
    assert {entry.uuid for entry in view.entries} == {clinic.uuid, portal.uuid}
    assert fields_in_conflict(view) == {
        "date": ["2015-06-15", "2015-06-22"],
        "status": ["completed", "not-done"],
    }


def test_two_snomed_concepts_of_one_name_are_two_problems(world: World):
    one = add(world, "conditions", display="Hypothyroidism", system=SNOMED, code="40930008")
    severe = add(world, "conditions", display="Hypothyroidism", system=SNOMED, code="83986005")
    typed = add(world, "conditions", display="hypothyroidism")
    assert group_of(one).group.pk != group_of(severe).group.pk
    # Typed with no code, it is the first group stated by that name.
    assert group_of(typed).group.pk in {group_of(one).group.pk, group_of(severe).group.pk}


def test_problem_onsets_years_apart_conflict_but_precision_alone_does_not(world: World):
    coded: dict[str, Any] = {
        "display": "Essential hypertension",
        "system": SNOMED,
        "code": "59621000",
    }
    first = add(world, "conditions", date=dt.date(2015, 5, 10), **coded)
    add(world, "conditions", date=dt.date(2015, 1, 1), date_precision="year", **coded)
    assert group_of(first).conflicts == []
    add(world, "conditions", date=dt.date(2011, 12, 31), **coded)
    assert list(fields_in_conflict(group_of(first))) == ["date"]


def test_an_allergy_beside_no_known_allergies_is_a_conflict(world: World):
    penicillin = add(world, "allergies", display="Penicillin G", system=RXNORM, code="7980")
    assert group_of(penicillin).conflicts == []
    add(world, "no-known-allergies", date=dt.date(2024, 1, 1))
    assert list(fields_in_conflict(group_of(penicillin))) == ["nothing-known"]


def test_deleting_a_statement_takes_it_out_and_restoring_brings_it_back(world: World):
    kept = add(
        world,
        "medications",
        imported(world, "A"),
        display="Torsemide 20 mg",
        system=RXNORM,
        code="198371",
    )
    other = add(
        world,
        "medications",
        imported(world, "B"),
        display="torsemide 20 mg oral tablet",
        system=RXNORM,
        code="198371",
    )
    owner = world.accounts["owner"]
    delete_entry(other, actor=owner, request=None)
    assert [e.uuid for e in group_of(kept).entries] == [kept.uuid]
    assert not Member.objects.filter(entry_uuid=other.uuid).exists()
    restore_entry(other, actor=owner, request=None)
    assert {e.uuid for e in group_of(kept).entries} == {kept.uuid, other.uuid}


def test_an_edit_that_changes_what_it_is_moves_it(world: World):
    torsemide = add(world, "medications", display="Torsemide 20 mg", system=RXNORM, code="198371")
    typed = add(world, "medications", display="torsemide 20mg")
    assert group_of(typed).group.pk == group_of(torsemide).group.pk
    update_entry(
        typed,
        actor=world.accounts["owner"],
        request=None,
        values={"display": "Ibuprofen 400 mg"},
        expected_version=None,
    )
    assert group_of(typed).group.pk != group_of(torsemide).group.pk
    assert [e.uuid for e in group_of(torsemide).entries] == [torsemide.uuid]


def test_a_conflict_reviewed_stays_reviewed_until_a_source_says_something_new(world: World):
    cipro: dict[str, Any] = {"display": "Ciprofloxacin 250 mg", "system": RXNORM, "code": "197511"}
    first = add(world, "medications", imported(world, "A"), frequency="3 times a day", **cipro)
    add(world, "medications", imported(world, "B"), frequency="Every 4 hours", **cipro)
    view = group_of(first)
    assert fields_in_conflict(view) == {"frequency": ["3/day", "6/day"]}
    editor = world.client("editor")
    url = reverse(
        "reconcile:review",
        kwargs={"profile_uuid": world.profile.uuid, "group_uuid": view.group.uuid},
    )
    response = editor.post(
        url, {"field": "frequency", "with_whom": "my pharmacist", "note": "3 a day"}
    )
    assert response.status_code == 302
    (conflict,) = group_of(first).conflicts
    assert conflict.state == "reviewed"
    assert conflict.review is not None and conflict.review.with_whom == "my pharmacist"
    add(world, "medications", imported(world, "C"), frequency="once a day", **cipro)
    (conflict,) = group_of(first).conflicts
    assert conflict.state == "open"
    assert [said.key for said in conflict.new] == ["1/day"]


def test_the_group_page_shows_each_source_side_by_side(world: World):
    cipro: dict[str, Any] = {"display": "Ciprofloxacin 250 mg", "system": RXNORM, "code": "197511"}
    first = add(world, "medications", imported(world, "Clinic A"), route="ORAL", **cipro)
    add(world, "medications", imported(world, "Clinic B"), route="Intravenous", **cipro)
    view = group_of(first)
    url = reverse(
        "reconcile:group",
        kwargs={"profile_uuid": world.profile.uuid, "group_uuid": view.group.uuid},
    )
    page = world.client("viewer").get(url).content.decode()
    assert "Clinic A" in page and "Clinic B" in page
    assert "Where the sources disagree" in page
    assert '<tr class="differs">' in page
    listing = (
        world.client("viewer")
        .get(
            reverse(
                "records:list", kwargs={"profile_uuid": world.profile.uuid, "kind": "medications"}
            )
        )
        .content.decode()
    )
    assert listing.count("Ciprofloxacin 250 mg") == 1
    assert "2 sources" in listing and "To verify" in listing


def test_the_command_line_rebuilds_and_prints_the_groups(world: World, capsys):
    torsemide: dict[str, Any] = {"display": "Torsemide 20 mg", "system": RXNORM, "code": "198371"}
    add(world, "medications", imported(world, "A"), status="active", **torsemide)
    add(world, "medications", imported(world, "B"), status="completed", **torsemide)
    Group.objects.filter(profile=world.profile).delete()
    call_command("reconcile", profile=str(world.profile.uuid), json=True)
    printed = json.loads(capsys.readouterr().out)
    (torsemide_group,) = [g for g in printed["groups"] if g["label"].startswith("Torsemide")]
    assert torsemide_group["kind"] == "medications"
    assert len(torsemide_group["entries"]) == 2
    (conflict,) = torsemide_group["conflicts"]
    assert (conflict["field"], conflict["state"]) == ("status", "open")
    assert sorted((v["value"], len(v["sources"])) for v in conflict["values"]) == [
        ("active", 1),
        ("ended", 1),
    ]
    assert len(torsemide_group["sources"]) == 2


@pytest.mark.parametrize(
    "kind", ["medications", "allergies", "conditions", "immunizations", "results"]
)
def test_every_entry_of_a_grouped_kind_is_in_exactly_one_group(world: World, kind: str):
    entries = KINDS[kind].queryset(world.profile).alive()
    members = Member.objects.filter(profile=world.profile, kind=kind)
    assert sorted(str(e.uuid) for e in entries) == sorted(str(m.entry_uuid) for m in members)


def test_the_overview_lists_each_medicine_once_with_its_sources_and_what_to_verify(world: World):
    clinic = imported(world, "Community Health")
    add(world, "allergies", clinic, display="Penicillin", status="active", reaction="Hives")
    add(world, "allergies", display="penicillin", status="active", reaction="Rash")
    client = world.client("viewer")
    page = client.get(reverse("profiles:overview", args=[world.profile.uuid]))
    panels = {
        panel.get("aria-labelledby"): " ".join(panel.text_content().split())
        for panel in find(html.fromstring(page.content), "//section[@class='panel']")
    }
    medicines, allergies = panels["medications-heading"], panels["allergies-heading"]
    # Metformin as the owner typed it and as the pharmacy dispensed it: one line.
    assert medicines.count("Metformin") == 1
    assert "Metformin 500 mg · 1 tablet twice a day · 2 sources To verify" in medicines
    assert allergies.count("enicillin") == 1 and "2 sources To verify" in allergies


def test_a_result_two_sources_state_is_one_row_of_the_results_list(world: World):
    taken = {"date": dt.date(2025, 3, 4), "code": "2345-7", "unit_text": "mg/dL"}
    for source, value in ((imported(world, "City Lab"), 99.0), (None, 99.0)):
        add(world, "results", source, display="Glucose", value_number=value, **taken)
    add(
        world,
        "results",
        imported(world, "Portal"),
        display="Glucose",
        value_number=140.0,
        **{**taken, "date": dt.date(2025, 3, 5)},
    )
    add(
        world,
        "results",
        imported(world, "Clinic"),
        display="Glucose",
        value_number=145.0,
        **{**taken, "date": dt.date(2025, 3, 5)},
    )
    page = world.client("viewer").get(
        reverse("records:list", args=[world.profile.uuid, "results"]), {"sort": "oldest"}
    )
    rows = [
        " ".join(row.text_content().split())
        for row in find(html.fromstring(page.content), "//table/tbody/tr")
        if "Glucose" in row.text_content()
    ]
    # The 4th: two sources, one value. The 5th: two sources, two values to verify.
    assert len(rows) == 2, rows
    assert "2 sources" in rows[0] and "To verify" not in rows[0]
    assert "2 sources" in rows[1] and "To verify" in rows[1]
