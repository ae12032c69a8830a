"""Imports and exports became apps of their own: their tables move to them, rows and all.

The tables are renamed here (``interop_importjob`` → ``imports_importjob``,
…) and the models leave this app's state; ``imports`` and ``exports`` take
the same tables into theirs in their first migrations, without touching the
database. Nothing is copied: every row, key and constraint stays as it was.
"""

from django.db import migrations

MOVED = {
    "importjob": "imports_importjob",
    "importoriginal": "imports_importoriginal",
    "importedrecord": "imports_importedrecord",
    "exportjob": "exports_exportjob",
}


class Migration(migrations.Migration):
    dependencies = [("interop", "0002_exportjob")]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.AlterModelTable(name, table) for name, table in MOVED.items()
            ],
            state_operations=[
                migrations.DeleteModel("ImportedRecord"),
                migrations.DeleteModel("ImportOriginal"),
                migrations.DeleteModel("ExportJob"),
                migrations.DeleteModel("ImportJob"),
            ],
        )
    ]
