"""The search table, and each database's own full-text index over it.

SQLite: a contentless FTS5 table whose rowid is the item's date (as a Julian
day, 0 when undated) shifted left 40 bits, or-ed with the item's id. Its
rowid order is then "newest first", which FTS5 walks backwards and stops
after LIMIT rows, however many rows match. Triggers keep it in step with
every insert, update and delete, cascades from a deleted profile included.
The tokenizer only splits the already folded words (categories adds "Cn" for
letters newer than SQLite's Unicode tables).

PostgreSQL: tsvector columns generated from the folded words (no parser, no
dictionary: the lexemes are exactly our words), GIN indexes on them, and a
B-tree that reads a profile's items newest first.
"""

import django.db.models.deletion
import myhealthhub.lib.dates
from django.db import migrations, models


def _fts_values(row):
    # search/engines.py reads the id back from the low 40 bits.
    key = f"((coalesce(CAST(julianday({row}.date) AS INTEGER), 0) << 40) | {row}.id)"
    return f"{key}, {row}.title_words, {row}.words, 'p' || {row}.profile_id"


FTS_INSERT = f"INSERT INTO search_fts(rowid, title, words, profile) VALUES ({_fts_values('new')});"
FTS_DELETE = (
    "INSERT INTO search_fts(search_fts, rowid, title, words, profile) "
    f"VALUES ('delete', {_fts_values('old')});"
)

SQLITE = [
    """CREATE VIRTUAL TABLE search_fts USING fts5(
        title, words, profile,
        content='', columnsize=0, prefix='2 3',
        tokenize="unicode61 remove_diacritics 0 categories 'L* N* Co Cn'"
    )""",
    f"""CREATE TRIGGER search_item_inserted AFTER INSERT ON search_searchitem BEGIN
        {FTS_INSERT}
    END""",
    f"""CREATE TRIGGER search_item_deleted AFTER DELETE ON search_searchitem BEGIN
        {FTS_DELETE}
    END""",
    f"""CREATE TRIGGER search_item_updated
        AFTER UPDATE OF date, title_words, words, profile_id ON search_searchitem BEGIN
        {FTS_DELETE}
        {FTS_INSERT}
    END""",
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS search_item_updated",
    "DROP TRIGGER IF EXISTS search_item_deleted",
    "DROP TRIGGER IF EXISTS search_item_inserted",
    "DROP TABLE IF EXISTS search_fts",
]

POSTGRESQL = [
    """ALTER TABLE search_searchitem
        ADD COLUMN title_vector tsvector GENERATED ALWAYS AS
            (array_to_tsvector(string_to_array(title_words, ' '))) STORED,
        ADD COLUMN words_vector tsvector GENERATED ALWAYS AS
            (array_to_tsvector(string_to_array(words, ' '))) STORED""",
    "CREATE INDEX search_title_vector ON search_searchitem USING gin (title_vector)",
    "CREATE INDEX search_words_vector ON search_searchitem USING gin (words_vector)",
    "CREATE INDEX search_newest ON search_searchitem (profile_id, date DESC NULLS LAST, id DESC)",
]
POSTGRESQL_REVERSE = [
    "DROP INDEX IF EXISTS search_newest",
    "ALTER TABLE search_searchitem DROP COLUMN IF EXISTS words_vector",
    "ALTER TABLE search_searchitem DROP COLUMN IF EXISTS title_vector",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('profiles', '0001_initial'),
    ]

    operations = [
        migrations.CreateModel(
            name='SearchItem',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('profile', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='profiles.profile')),
                ('target_kind', models.CharField(max_length=40)),
                ('target_uuid', models.UUIDField()),
                ('date', models.DateField(blank=True, null=True)),
                ('date_precision', models.CharField(choices=[('year', 'year'), ('month', 'month'), ('day', 'day')], default=myhealthhub.lib.dates.Precision['DAY'], max_length=5)),
                ('title', models.TextField()),
                ('body', models.TextField()),
                ('title_words', models.TextField()),
                ('words', models.TextField()),
            ],
            options={
                'constraints': [models.UniqueConstraint(fields=('profile', 'target_uuid'), name='search_one_item_per_target')],
            },
        ),
        migrations.RunPython(
            _run({"sqlite": SQLITE, "postgresql": POSTGRESQL}),
            _run({"sqlite": SQLITE_REVERSE, "postgresql": POSTGRESQL_REVERSE}),
        ),
    ]
