"""How fast one profile's search answers when the profile is large.

Builds a fresh instance in a temporary data folder (SQLite unless DATABASE_URL
is set). One profile gets 100,000 entries through `create_demo` (lab values
and notes, inserted in bulk and indexed in bulk as an importer would) and
10,000 documents with one to five pages of extracted text each, in Spanish
and English. The documents go in with bulk inserts and `index_documents`:
search reads only their text, so no file is encrypted or read. A second
profile with the same documents makes sure the first one's answers do not
scan its neighbour's.

Then it times the search page (routing, access gate, both index queries,
snippets, template) for words from very common to absent, against a trivial
page (the list of profiles) measured in the same run.

    python bench/search.py [--entries N] [--documents N] [--requests N] [--write]

--write adds the table to the "Search" section of bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import time
from typing import TYPE_CHECKING

import harness

if TYPE_CHECKING:
    from myhealthhub.profiles.models import Profile

# (what the query shows, what is typed)
QUERIES = (
    ("a lab test in 1 entry title in 5 (glucosa)", "glucosa"),
    ("a note title in 1 entry in 10 (mareo)", "mareo"),
    ("two letters in nearly every item (de)", "de"),
    ("a word in about 1 document in 20 (ecocardiograma)", "ecocardiograma"),
    ("a rare word in about 10 documents (feocromocitoma)", "feocromocitoma"),
    ("accents and two words (hígado graso)", "higado GRASO"),
    ("three prefixes (diab tipo 2)", "diab tipo 2"),
    ("no match (zzyzx)", "zzyzx"),
)

VOCABULARY = (
    "de la el en y que paciente con por para los las del se una un al sin dolor "
    "tratamiento control analítica revisión consulta médico informe resultado normal "
    "valores dentro rango recomendaciones seguimiento dieta ejercicio peso tensión "
    "arterial glucosa colesterol hemoglobina creatinina función renal hepática "
    "the patient was seen today for follow up blood pressure is stable results are "
    "within normal limits continue current medication return in three months "
    "corazón pulmón riñón estómago cabeza espalda rodilla cadera hombro "
    "metformina enalapril atorvastatina omeprazol paracetamol ibuprofeno"
)
WORDS = VOCABULARY.split()
UNCOMMON = ("ecocardiograma", "hígado graso", "diabetes tipo 2", "resonancia magnética")
RARE = "feocromocitoma"
TITLES = (
    "Informe de laboratorio",
    "Lab report",
    "Informe de alta",
    "Discharge letter",
    "Consulta de cardiología",
    "Radiografía de tórax",
    "Receta",
)
FACILITIES = ("Hospital Clínico", "Centro de Salud Norte", "City Lab", "Clínica Zurbarán")


def document_text(rng: random.Random) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(300, 1500))]
    if rng.random() < 0.05:
        words.insert(rng.randrange(len(words)), rng.choice(UNCOMMON[:1]))
    if rng.random() < 0.2:
        words.insert(rng.randrange(len(words)), rng.choice(UNCOMMON[1:]))
    if rng.random() < 0.001:
        words.insert(rng.randrange(len(words)), RARE)
    lines = [" ".join(words[start : start + 12]) for start in range(0, len(words), 12)]
    return ".\n".join(line.capitalize() for line in lines) + "."


def add_documents(profile: Profile, count: int, seed: int) -> None:
    from django.utils import timezone

    from myhealthhub.documents.models import Document, SealedFile
    from myhealthhub.search.index import index_documents

    rng = random.Random(seed)  # noqa: S311  (synthetic data, repeatable by its seed)
    today = timezone.localdate()
    for start in range(0, count, 1000):
        size = min(1000, count - start)
        files = SealedFile.objects.bulk_create(
            SealedFile(
                profile=profile,
                name=f"bench/{seed}/{start + index}",
                wrapped_key=b"",
                key_id="bench",
                sha256="0" * 64,
                size=0,
            )
            for index in range(size)
        )
        documents = Document.objects.bulk_create(
            Document(
                profile=profile,
                file=sealed,
                title=f"{rng.choice(TITLES)} {start + index + 1}",
                date=today - dt.timedelta(days=rng.randrange(3650)),
                facility=rng.choice(FACILITIES),
                content_type="application/pdf",
                text=document_text(rng),
                text_state="extracted",
            )
            for index, sealed in enumerate(files)
        )
        index_documents(documents)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--documents", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=60)
    parser.add_argument("--write", action="store_true")
    options = parser.parse_args()

    harness.start_django()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    from myhealthhub.accounts.actions import create_account
    from myhealthhub.records.demo import create_demo
    from myhealthhub.search.models import SearchItem
    from myhealthhub.search.query import search
    from myhealthhub.search.views import RESULTS

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    owner = create_account("bench@example.org", "correct horse battery staple")
    # Nine lab values for each note, as in a long record.
    notes = options.entries // 10
    adult, child = create_demo(
        owner, language="es", observations=options.entries - notes, entries=notes
    )
    add_documents(adult, options.documents, seed=1)
    add_documents(child, options.documents, seed=2)
    if connection.vendor == "postgresql":
        # What autovacuum does soon after a bulk load; the planner needs the statistics.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    built = time.perf_counter() - started
    items = SearchItem.objects.filter(profile_id=adult.pk).count()

    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(owner)
    search_url = reverse("search:results", kwargs={"profile_uuid": adult.uuid})
    pages: list[tuple[str, str, dict[str, str]]] = [
        ("profiles list (baseline)", reverse("home"), {})
    ]
    pages += [(name, search_url, {"q": typed}) for name, typed in QUERIES]
    rows = []
    every_search: list[float] = []
    for name, url, query in pages:
        timings = harness.time_page(client, url, query, options.requests)
        hits = len(search(adult, query["q"], limit=RESULTS)) if query else None
        if query:
            every_search += timings
        rows.append((name, hits, *harness.summary(timings)))

    baseline = rows[0][2]
    table = [
        "| page | hits shown | median ms | p95 ms | median ÷ baseline |",
        "|---|---:|---:|---:|---:|",
        *(
            f"| {name} | {'' if hits is None else hits} | {median:.1f} | {p95:.1f} "
            f"| {median / baseline:.1f}× |"
            for name, hits, median, p95 in rows
        ),
    ]
    header = (
        f"### {time.strftime('%Y-%m-%d')} · {connection.vendor} · "
        f"{items:,} items in the profile searched "
        f"({options.entries:,} entries and {options.documents:,} documents added) · "
        f"{options.requests} requests a query\n\n"
        f"{harness.machine()} Data built and indexed in {built:.0f} s. "
        f"All searches together: median {statistics.median(every_search):.1f} ms, "
        f"p95 {harness.percentile(every_search, 95):.1f} ms. "
        f"{harness.command(connection.vendor)}\n"
    )
    report = header + "\n" + "\n".join(table) + "\n"
    print(report)
    if options.write:
        harness.record(SECTION, INTRO, report)


SECTION = "## Search (`bench/search.py`)"
INTRO = """
Goal (search issue): a profile with 10,000 documents and 100,000 entries
answers under 50 ms at the 95th percentile. The search page shows the 50
newest matches (title matches first) with a snippet each. On SQLite, FTS5
walks the profile's matches newest first and stops at the fiftieth, so
common words cost no more than rare ones. On PostgreSQL, the newest 2,000
items are checked first (enough for common words) and the GIN index finds
rarer ones; words of middling frequency, which need both, are the slowest.
"""


if __name__ == "__main__":
    main()
