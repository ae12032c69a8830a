"""Seal the second-factor secrets stored before they were sealed by the master key."""

from django.db import migrations


def seal_plain_secrets(apps, schema_editor):
    from myhealthhub.accounts.secrets import PREFIX, seal

    Authenticator = apps.get_model("mfa", "Authenticator")
    for authenticator in Authenticator.objects.all():
        data = dict(authenticator.data)
        plain = [
            name
            for name in ("secret", "seed")
            if isinstance(data.get(name), str) and not data[name].startswith(PREFIX)
        ]
        for name in plain:
            data[name] = seal(data[name])
        if plain:
            authenticator.data = data
            authenticator.save(update_fields=["data"])


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_unit_system"),
        ("mfa", "0003_authenticator_type_uniq"),
    ]

    operations = [migrations.RunPython(seal_plain_secrets, migrations.RunPython.noop)]
