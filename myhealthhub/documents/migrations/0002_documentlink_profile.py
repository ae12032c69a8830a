"""A document's links carry the document's profile, so they are found by profile (DESIGN.md, 10)."""

import django.db.models.deletion
from django.db import migrations, models


def carry_the_documents_profile(apps, schema_editor):
    link = apps.get_model("documents", "DocumentLink")
    document = apps.get_model("documents", "Document")
    link.objects.update(
        profile_id=models.Subquery(
            document.objects.filter(pk=models.OuterRef("document_id")).values("profile_id")[:1]
        )
    )


class Migration(migrations.Migration):
    dependencies = [
        ("documents", "0001_initial"),
        ("profiles", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="documentlink",
            name="profile",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="profiles.profile",
            ),
        ),
        migrations.RunPython(carry_the_documents_profile, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="documentlink",
            name="profile",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="profiles.profile",
            ),
        ),
        migrations.RemoveIndex(model_name="documentlink", name="documents_d_entry_u_514bf0_idx"),
        migrations.AddIndex(
            model_name="documentlink",
            index=models.Index(fields=["profile", "entry_uuid"], name="document_links_entry"),
        ),
    ]
