"""The import models, taking over the tables interop had (interop/0003).

A fresh database makes them in interop's first migrations and renames them
there; an existing one keeps its rows. Either way, this migration only tells
Django the models are here now: it changes nothing in the database but
the names the rest of the database knows them by (content types, queued tasks).
"""

import uuid

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def move_content_types_and_tasks(apps, schema_editor):
    content_type = apps.get_model("contenttypes", "ContentType")
    for model in ("importjob", "importoriginal", "importedrecord"):
        content_type.objects.filter(app_label="interop", model=model).update(app_label="imports")
    task = apps.get_model("django_tasks_database", "DBTaskResult")
    for old, new in (
        ("myhealthhub.interop.tasks.", "myhealthhub.imports.tasks."),
        ("myhealthhub.interop.exporting.", "myhealthhub.exports.jobs."),
    ):
        for queued in task.objects.filter(task_path__startswith=old):
            queued.task_path = new + queued.task_path.removeprefix(old)
            queued.save(update_fields=["task_path"])


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("interop", "0003_hand_over_to_imports_and_exports"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("django_tasks_database", "0021_conditional_partial_index_ordering"),
        ("documents", "0001_initial"),
        ("profiles", "0001_initial"),
        ("records", "0002_samples"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
        migrations.CreateModel(
            name='ImportJob',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('uuid', models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
                ('format', models.CharField(max_length=40)),
                ('label', models.CharField(max_length=500, verbose_name='files')),
                ('state', models.CharField(choices=[('reading', 'Reading the file'), ('choosing', 'Waiting for you to choose the person'), ('ready', 'Waiting for you to review'), ('committing', 'Adding to the record'), ('committed', 'Imported'), ('discarded', 'Discarded'), ('refused', 'Refused'), ('failed', 'Failed')], default='reading', max_length=12, verbose_name='state')),
                ('progress', models.FloatField(default=0)),
                ('message', models.TextField(blank=True)),
                ('where', models.CharField(blank=True, max_length=300)),
                ('preview', models.JSONField(blank=True, default=dict)),
                ('warning_count', models.PositiveIntegerField(default=0)),
                ('patients', models.JSONField(blank=True, default=list)),
                ('patient', models.TextField(blank=True)),
                ('counts', models.JSONField(blank=True, default=dict)),
                ('language', models.CharField(default='en', max_length=8)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('finished_at', models.DateTimeField(blank=True, null=True)),
                ('worker', models.CharField(blank=True, max_length=200)),
                ('heartbeat_at', models.DateTimeField(blank=True, null=True)),
                ('pending_folder', models.CharField(blank=True, max_length=200)),
                ('created_by', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('profile', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='profiles.profile')),
                ('source', models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='import_job', to='records.source')),
            ],
            options={
                'ordering': ('-created_at', '-id'),
            },
        ),
        migrations.CreateModel(
            name='ImportedRecord',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('key_hash', models.CharField(max_length=64)),
                ('key', models.TextField()),
                ('kind', models.CharField(max_length=40)),
                ('object_uuid', models.UUIDField()),
                ('content_hash', models.CharField(max_length=64)),
                ('values', models.JSONField(default=dict)),
                ('profile', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='profiles.profile')),
                ('job', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='imports.importjob')),
            ],
        ),
        migrations.CreateModel(
            name='ImportOriginal',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(max_length=255)),
                ('size', models.BigIntegerField()),
                ('position', models.PositiveSmallIntegerField()),
                ('document', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='documents.document')),
                ('job', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='originals', to='imports.importjob')),
                ('profile', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='profiles.profile')),
            ],
            options={
                'ordering': ('position',),
            },
        ),
        migrations.AddIndex(
            model_name='importjob',
            index=models.Index(fields=['profile', 'created_at'], name='interop_imp_profile_6bfa5e_idx'),
        ),
        migrations.AddConstraint(
            model_name='importedrecord',
            constraint=models.UniqueConstraint(fields=('profile', 'key_hash'), name='one_record_per_key'),
        )
            ],
        ),
        migrations.RunPython(move_content_types_and_tasks, migrations.RunPython.noop),
    ]
