"""Imports made before sources had readable names were named after their files.

Such a source now names only what it knows (its sender and date, else
"Imported file"); the file's name stays the import's, shown on an entry's
own page. A source the person renamed is left as it is.
"""

from django.db import migrations
from django.db.models import F


def forget_file_names(apps, schema_editor):
    ImportJob = apps.get_model("imports", "ImportJob")
    Source = apps.get_model("records", "Source")
    named_after_files = ImportJob.objects.filter(
        source__isnull=False, source__label=F("label")
    ).values("source_id")
    Source.objects.filter(pk__in=named_after_files).update(label="")


class Migration(migrations.Migration):
    dependencies = [
        ("imports", "0002_indexes_named_for_imports"),
        ("records", "0005_source_written"),
    ]

    operations = [migrations.RunPython(forget_file_names, migrations.RunPython.noop)]
