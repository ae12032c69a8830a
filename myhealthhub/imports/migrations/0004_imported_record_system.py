"""Each imported record names the system its source comes from (issue 17, "Reconcile").

An import updates, or finds already present, only the records of its own
system; another system's file reusing the same ids adds its own entries.
Records made before this have no system (""): the next import that finds
them under its keys takes them as its own (imports/planning.py), so
importing an old file again still finds what it brought.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("imports", "0003_source_names_not_file_names"),
    ]

    operations = [
        migrations.AddField(
            model_name="importedrecord",
            name="system",
            field=models.CharField(blank=True, default="", max_length=300),
        ),
        migrations.AddConstraint(
            model_name="importedrecord",
            constraint=models.UniqueConstraint(
                fields=("profile", "key_hash", "system"), name="one_record_per_key_and_system"
            ),
        ),
        migrations.RemoveConstraint(
            model_name="importedrecord",
            name="one_record_per_key",
        ),
    ]
