"""The database cache table, made by migrate so every way of deploying gets it.

Rate limits and TOTP replay protection live in this cache and must be shared
by every worker process, so it is the database, not process memory.
"""

from django.core.management import call_command
from django.db import migrations


def create_cache_table(apps, schema_editor):
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies: list[tuple[str, str]] = []

    operations = [migrations.RunPython(create_cache_table, migrations.RunPython.noop)]
