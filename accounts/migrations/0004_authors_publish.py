"""Course authors publish, archive and start new editions (see accounts/roles.py)."""

from django.db import migrations


def sync(apps, schema_editor):
    from accounts.roles import sync_roles

    sync_roles(apps)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0003_certificate_roles")]

    operations = [migrations.RunPython(sync, migrations.RunPython.noop)]
