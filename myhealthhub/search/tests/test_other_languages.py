"""A coded entry is found by what the shipped tables call it in English and in Spanish."""

from __future__ import annotations

import datetime as dt
import io

from django.core.management import call_command
from django.urls import reverse

from myhealthhub.conftest import World
from myhealthhub.records.actions import create_entry
from myhealthhub.records.kinds import CVX, KINDS, LOINC
from myhealthhub.records.models import Entry
from myhealthhub.search.models import SearchItem

GLUCOSE = "Glucose [Mass/volume] in Serum or Plasma"


def add(
    world: World, slug: str, display: str, system: str = "", code: str = "", **values: object
) -> Entry:
    codings = [{"system": system, "code": code, "display": display}] if code else []
    return create_entry(
        KINDS[slug],
        world.profile,
        actor=world.accounts["owner"],
        request=None,
        values={
            "display": display,
            "codings": codings,
            "code_system": system,
            "code": code,
            **values,
        },
    )


def found(world: World, query: str, caller: str = "owner") -> list[str]:
    """The titles the search page lists for ``query``, in order."""
    url = reverse("search:results", kwargs={"profile_uuid": world.profile.uuid})
    response = world.client(caller).get(url, {"q": query})
    assert response.status_code == 200
    return [hit.title for hit in response.context["hits"]]


def test_spanish_finds_a_result_named_in_english(world: World):
    add(world, "results", GLUCOSE, LOINC, "2345-7")
    assert found(world, "glucosa") == [GLUCOSE]
    assert found(world, "GLUCOSA", caller="viewer") == [GLUCOSE]


def test_english_finds_entries_named_in_spanish(world: World):
    add(world, "immunizations", "Vacuna de la gripe", CVX, "141")
    add(world, "results", "Azúcar en sangre", LOINC, "2345-7")
    assert found(world, "influenza") == ["Vacuna de la gripe"]
    assert found(world, "glucose") == ["Azúcar en sangre"]


def test_a_table_name_counts_as_the_title(world: World):
    # Newer, so it would come first if "glucosa" in its text weighed the same.
    add(
        world, "notes", "Analítica de marzo", body="La glucosa sale alta.", date=dt.date(2025, 3, 1)
    )
    add(world, "results", GLUCOSE, LOINC, "2345-7", date=dt.date(2020, 1, 1))
    assert found(world, "glucosa") == [GLUCOSE, "Analítica de marzo"]


def test_the_page_shows_the_entry_as_written_not_the_tables_name(world: World):
    add(world, "results", GLUCOSE, LOINC, "2345-7")
    url = reverse("search:results", kwargs={"profile_uuid": world.profile.uuid})
    html = world.client("owner").get(url, {"q": "glucosa"}).content.decode()
    assert GLUCOSE in html
    assert "Glucosa" not in html


def test_medicines_are_found_by_their_other_names(world: World):
    add(world, "medications", "Acetaminophen")
    add(world, "medications", "Adrenalina")
    add(world, "allergies", "Aspirin")
    assert found(world, "paracetamol") == ["Acetaminophen"]
    assert found(world, "epinephrine") == ["Adrenalina"]
    assert found(world, "acetilsalicilico") == ["Aspirin"]


def test_a_code_the_tables_do_not_know_adds_nothing(world: World):
    add(world, "results", "Vitamin B12", LOINC, "2132-9")
    add(world, "immunizations", "Flu shot", "http://example.org/not-cvx", "141")
    assert found(world, "vitamin") == ["Vitamin B12"]
    assert found(world, "gripe") == []
    assert found(world, "influenza") == []


def test_reindex_gives_old_items_their_table_names(world: World):
    add(world, "results", GLUCOSE, LOINC, "2345-7")
    # An item indexed before the tables' names counted: its words are the title's only.
    SearchItem.objects.filter(profile_id=world.profile.pk, title=GLUCOSE).update(
        title_words="glucose mass volume in serum or plasma",
        words="glucose mass volume in serum or plasma 2345 7",
    )
    assert found(world, "glucosa") == []
    call_command("search", "reindex", "--profile", str(world.profile.uuid), stdout=io.StringIO())
    assert found(world, "glucosa") == [GLUCOSE]
