"""CME administrators see and act on deliveries (the reconciliation page; accounts/roles.py)."""

from django.db import migrations


def sync(apps, schema_editor):
    from accounts.roles import sync_roles

    sync_roles(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0008_existing_addresses_confirmed"),
        ("auditlog", "0001_initial"),
        ("quizzes", "0002_regrade"),
        ("reporting", "0002_deadline_warnings"),
    ]

    operations = [migrations.RunPython(sync, migrations.RunPython.noop)]
