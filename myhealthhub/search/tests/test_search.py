"""One search over a profile's entries and documents, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import datetime as dt
import io
import uuid

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from myhealthhub.conftest import World
from myhealthhub.documents.actions import Details, add_document, delete_document
from myhealthhub.documents.demo import pdf_with_text
from myhealthhub.profiles import actions as profile_actions
from myhealthhub.profiles.models import Profile
from myhealthhub.records.actions import create_entry, delete_entry, restore_entry, update_entry
from myhealthhub.records.demo import create_demo
from myhealthhub.records.kinds import KINDS
from myhealthhub.records.models import Entry
from myhealthhub.search.models import SearchItem
from myhealthhub.search.query import Hit, search
from myhealthhub.search.snippets import Fragment
from myhealthhub.search.text import MAX_QUERY


def add(world: World, slug: str, profile: Profile | None = None, **values) -> Entry:
    return create_entry(
        KINDS[slug],
        profile or world.profile,
        actor=world.accounts["owner"],
        request=None,
        values=values,
    )


def titles(hits: list[Hit]) -> list[str]:
    return [hit.title for hit in hits]


def marked(fragments: list[Fragment]) -> list[str]:
    return [fragment.text for fragment in fragments if fragment.matched]


# Accents, case and languages


def test_accents_are_ignored_both_ways(world: World):
    add(world, "care-team", display="Dr. José Núñez")
    add(world, "notes", display="Llamar a jose", body="Sobre la cita")
    assert titles(search(world.profile, "jose")) == ["Llamar a jose", "Dr. José Núñez"]
    assert titles(search(world.profile, "José")) == ["Llamar a jose", "Dr. José Núñez"]
    assert titles(search(world.profile, "nunez")) == ["Dr. José Núñez"]


def test_case_is_ignored(world: World):
    add(world, "conditions", display="ASTHMA")
    assert titles(search(world.profile, "asthma")) == ["ASTHMA"]
    assert titles(search(world.profile, "AsThMa")) == ["ASTHMA"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("diabet", {"Diabetes tipo 2", "Diabetic eye screening", "Pie diabético"}),
        ("corazon", {"Ecografía del corazón"}),
        ("CORAZÓN", {"Ecografía del corazón"}),
        ("higado", {"Hígado graso"}),
        ("vacuna", {"Vacuna de la gripe"}),
        ("heart", {"Heart murmur"}),
    ],
)
def test_prefixes_find_spanish_and_english_words(world: World, query: str, expected: set[str]):
    add(world, "conditions", display="Diabetes tipo 2")
    add(world, "procedures", display="Diabetic eye screening")
    add(world, "conditions", display="Pie diabético")
    add(world, "procedures", display="Ecografía del corazón")
    add(world, "conditions", display="Hígado graso")
    add(world, "immunizations", display="Vacuna de la gripe")
    add(world, "conditions", display="Heart murmur")
    assert set(titles(search(world.profile, query))) == expected


def test_every_word_must_match(world: World):
    add(world, "conditions", display="Diabetes tipo 2")
    add(world, "conditions", display="Diabetes tipo 1")
    assert titles(search(world.profile, "diabetes 2")) == ["Diabetes tipo 2"]
    assert search(world.profile, "diabetes gestacional") == []


def test_a_single_letter_matches_only_itself(world: World):
    add(world, "results", display="Vitamina D", value_number=31, unit_text="ng/mL")
    assert titles(search(world.profile, "vitamina d")) == ["Vitamina D"]
    assert "Vitamina D" not in titles(search(world.profile, "v"))


def test_the_details_of_an_entry_are_found_too(world: World):
    add(
        world,
        "medications",
        display="Enalapril",
        reason="Tensión alta",
        pharmacy="Farmacia López",
        notes="Tomar por la mañana",
    )
    add(
        world,
        "appointments",
        display="Cardiología",
        starts_at=dt.datetime(2030, 1, 10, 9, 0, tzinfo=dt.UTC),
        questions="¿Puedo dejar el enalapril?",
    )
    add(
        world,
        "conditions",
        display="Azúcar alto",
        codings=[
            {"system": "http://snomed.info/sct", "code": "44054006", "display": "Diabetes type 2"}
        ],
    )
    assert titles(search(world.profile, "tension")) == ["Enalapril"]
    assert titles(search(world.profile, "lopez")) == ["Enalapril"]
    assert titles(search(world.profile, "manana")) == ["Enalapril"]
    assert set(titles(search(world.profile, "enalapril"))) == {"Enalapril", "Cardiología"}
    assert titles(search(world.profile, "mellitus")) == []
    assert titles(search(world.profile, "diabetes")) == ["Azúcar alto"]
    assert titles(search(world.profile, "44054006")) == ["Azúcar alto"]


# What is found, and in which order


def test_another_profiles_matches_never_appear(world: World):
    other = profile_actions.create_profile(world.accounts["owner"], request=None, given_name="Luis")
    add(world, "conditions", display="Migraña")
    add(world, "conditions", other, display="Migraña crónica")
    assert titles(search(world.profile, "migrana")) == ["Migraña"]
    assert titles(search(other, "migrana")) == ["Migraña crónica"]


def test_deleted_entries_are_not_found_until_restored(world: World):
    owner = world.accounts["owner"]
    assert search(world.profile, "type 2 diabetes") == []  # the world's deleted condition
    entry = add(world, "conditions", display="Gota")
    delete_entry(entry, actor=owner, request=None)
    assert search(world.profile, "gota") == []
    restore_entry(entry, actor=owner, request=None)
    assert titles(search(world.profile, "gota")) == ["Gota"]


def test_edits_are_found_and_the_old_words_are_not(world: World):
    entry = add(world, "conditions", display="Rinitis")
    update_entry(
        entry,
        actor=world.accounts["owner"],
        request=None,
        values={"display": "Sinusitis"},
        expected_version=entry.version,
    )
    assert search(world.profile, "rinitis") == []
    assert titles(search(world.profile, "sinusitis")) == ["Sinusitis"]


def test_title_matches_come_first_then_the_newest(world: World):
    add(world, "notes", display="Visita", body="Hablamos del asma", date=dt.date(2024, 5, 1))
    add(world, "notes", display="Control", body="Asma estable", date=dt.date(2025, 5, 1))
    add(world, "conditions", display="Asma", date=dt.date(2010, 1, 1))
    add(world, "notes", display="Sin fecha", body="asma")
    assert titles(search(world.profile, "asma")) == ["Asma", "Control", "Visita", "Sin fecha"]


def test_the_limit_is_kept(world: World):
    for number in range(5):
        add(world, "notes", display=f"Tos {number}", body="tos seca")
    assert len(search(world.profile, "tos", limit=3)) == 3
    assert search(world.profile, "tos", limit=0) == []


def test_old_matches_behind_many_newer_items_are_found(world: World, monkeypatch):
    # PostgreSQL first looks at the newest items only; this makes that window tiny.
    monkeypatch.setattr("myhealthhub.search.engines.NEWEST_WINDOW", 2)
    for year in (2001, 2002, 2003):
        add(world, "notes", display=f"Asma {year}", body="crisis", date=dt.date(year, 1, 1))
    for year in (2020, 2021, 2022):
        add(world, "notes", display=f"Gripe {year}", body="fiebre", date=dt.date(year, 1, 1))
    assert titles(search(world.profile, "asma", limit=2)) == ["Asma 2003", "Asma 2002"]
    assert titles(search(world.profile, "crisis", limit=2)) == ["Asma 2003", "Asma 2002"]


def test_entries_added_in_bulk_are_found(world: World):
    adult, _child = create_demo(world.accounts["owner"], language="es", entries=30)
    notes = [hit for hit in search(adult, "mareo", limit=100) if hit.kind == "notes"]
    # The demo's own note and the thirty added in bulk, which bypass the actions.
    assert len(notes) == 31


def test_reindex_rebuilds_a_profile(world: World):
    add(world, "conditions", display="Celiaquía")
    SearchItem.objects.filter(profile_id=world.profile.pk).delete()  # an index from before search
    assert search(world.profile, "celiaquia") == []
    call_command("search", "reindex", "--profile", str(world.profile.uuid), stdout=io.StringIO())
    assert titles(search(world.profile, "celiaquia")) == ["Celiaquía"]
    assert search(world.profile, "diabetes") == []  # still not the deleted one


def test_reindex_of_an_unknown_profile_is_a_clear_error(world: World):
    with pytest.raises(CommandError, match="No profile"):
        call_command("search", "reindex", "--profile", str(uuid.uuid4()))


def test_a_deleted_profile_leaves_nothing_to_find(world: World):
    owner = world.accounts["owner"]
    gone = profile_actions.create_profile(owner, request=None, given_name="Eva")
    add(world, "conditions", gone, display="Psoriasis")
    profile_actions.delete_profile(gone, actor=owner, request=None)
    assert not SearchItem.objects.filter(profile_id=gone.pk).exists()
    kept = profile_actions.create_profile(owner, request=None, given_name="Eva")
    add(world, "conditions", kept, display="Psoriasis leve")
    assert titles(search(kept, "psoriasis")) == ["Psoriasis leve"]


# Documents


def test_documents_are_found_by_their_text_and_details(world: World):
    document = add_document(
        world.profile,
        io.BytesIO(pdf_with_text("Informe de ecocardiografía", "Válvula mitral normal")),
        filename="eco.pdf",
        actor=world.accounts["owner"],
        request=None,
        details=Details(title="Eco 2024", facility="Clínica Zurbarán"),
    )
    assert titles(search(world.profile, "valvula mitral")) == ["Eco 2024"]
    assert titles(search(world.profile, "zurbaran")) == ["Eco 2024"]
    [hit] = search(world.profile, "mitral")
    assert hit.kind == "document"
    assert hit.url == reverse(
        "documents:detail",
        kwargs={"profile_uuid": world.profile.uuid, "document_uuid": document.uuid},
    )
    assert marked(hit.snippet) == ["mitral"]
    delete_document(document, actor=world.accounts["owner"], request=None)
    assert search(world.profile, "mitral") == []


# Snippets


def test_snippets_mark_the_matching_words_as_written(world: World):
    add(
        world,
        "notes",
        display="Revisión",
        body="El médico dijo que el CORAZÓN está bien y que la diabetes está controlada.",
    )
    [hit] = search(world.profile, "corazon diabet")
    assert marked(hit.snippet) == ["CORAZÓN", "diabetes"]
    assert "".join(fragment.text for fragment in hit.snippet) == (
        "El médico dijo que el CORAZÓN está bien y que la diabetes está controlada."
    )


def test_a_long_texts_snippet_is_cut_around_the_first_match(world: World):
    body = "palabra " * 200 + "una fractura de muñeca " + "otra " * 200
    add(world, "notes", display="Caída", body=body)
    [hit] = search(world.profile, "muneca")
    text = "".join(fragment.text for fragment in hit.snippet)
    assert text.startswith("…") and text.endswith("…")
    assert len(text) < 300
    assert marked(hit.snippet) == ["muñeca"]


def test_the_title_is_marked_too(world: World):
    add(world, "conditions", display="Dolor de espalda")
    [hit] = search(world.profile, "espalda")
    assert hit.title_fragments == [Fragment("Dolor de ", False), Fragment("espalda", True)]
    assert hit.label == "Condition"
    assert hit.url.endswith(f"/conditions/{hit.target_uuid}/")


# Hostile input

HOSTILE = [
    "",
    "   ",
    '"',
    '"""',
    "'",
    "*",
    "-",
    "^",
    "a*",
    "NEAR(diabetes metformin)",
    "diabetes NOT metformin",
    "diabetes OR 1=1",
    "title:diabetes",
    "{title words}: x",
    "profile : p1",
    "col:'x' & !y | z <-> w",
    "'); DROP TABLE search_searchitem; --",
    "\x00",
    "a\x00b",
    "\\",
    "ℌ𝔢𝔩𝔩𝔬 ﬁ ß ẞ İ ǅ",
    "한국어 日本語 العربية हिन्दी",
    "🙂🙂",
    "x" * 5000,
    "s" * 200,
    "ß" * 100,
    "fi" * 100,
    "ffi" * 70,
    "word " * 500,
]


@pytest.mark.parametrize("query", HOSTILE)
def test_hostile_queries_answer_without_error(world: World, query: str):
    assert isinstance(search(world.profile, query), list)


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(query=st.text())
def test_any_text_is_a_valid_query(world: World, query: str):
    # Read-only: the same world serves every example.
    assert isinstance(search(world.profile, query), list)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(word=st.text(st.characters(categories=["L", "N"]), min_size=1, max_size=12))
def test_any_word_finds_itself(world: World, word: str):
    entry = add(world, "notes", display="Palabra", body=f"antes {word} después")
    try:
        assert entry.uuid in [hit.target_uuid for hit in search(world.profile, word)]
    finally:
        delete_entry(entry, actor=world.accounts["owner"], request=None)


# The page


def page(world: World, query: str | None, caller: str = "owner"):
    url = reverse("search:results", kwargs={"profile_uuid": world.profile.uuid})
    return world.client(caller).get(url, {} if query is None else {"q": query})


def test_the_page_lists_hits_with_links_and_marks(world: World):
    entry = add(world, "conditions", display="Tensión alta", notes="Medir la tensión cada día")
    response = page(world, "tension", caller="viewer")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<mark>Tensión</mark> alta" in html
    assert "Medir la <mark>tensión</mark> cada día" in html
    detail = reverse(
        "records:detail",
        kwargs={"profile_uuid": world.profile.uuid, "kind": "conditions", "entry_uuid": entry.uuid},
    )
    assert f'href="{detail}"' in html
    assert 'value="tension"' in html


def test_the_page_without_a_query_explains_itself(world: World):
    for query in (None, "", "   "):
        response = page(world, query)
        assert response.status_code == 200
        assert response.context["hits"] == []
        assert "Accents and capitals do not matter" in response.content.decode()


def test_the_page_says_when_nothing_matches(world: World):
    response = page(world, "zzzzz")
    assert response.context["hits"] == []
    assert "Nothing in this record matches" in response.content.decode()


def test_the_page_escapes_the_query(world: World):
    html = page(world, "<script>alert(1)</script>").content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;" in html


def test_a_long_query_is_cut(world: World):
    add(world, "conditions", display="Epilepsia")
    response = page(world, "epilepsia " + "x" * 1000)
    assert len(response.context["search_query"]) == MAX_QUERY
    assert "Only the first" in response.content.decode()


def test_the_page_says_when_there_are_more(world: World, monkeypatch):
    monkeypatch.setattr("myhealthhub.search.views.RESULTS", 2)
    for number in range(3):
        add(world, "notes", display=f"Fiebre {number}", body="fiebre")
    response = page(world, "fiebre")
    assert len(response.context["hits"]) == 2
    assert response.context["more"]


def test_the_page_takes_a_fixed_number_of_queries(world: World, django_assert_max_num_queries):
    for number in range(20):
        add(world, "notes", display=f"Náusea {number}", body="náuseas por la mañana")
    client = world.client("owner")
    url = reverse("search:results", kwargs={"profile_uuid": world.profile.uuid})
    with django_assert_max_num_queries(12):
        assert client.get(url, {"q": "nausea"}).status_code == 200
