"""CME administrators read the audit log and regrades (see accounts/roles.py)."""

from django.db import migrations


def sync(apps, schema_editor):
    from accounts.roles import sync_roles

    sync_roles(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_authors_publish"),
        ("auditlog", "0001_initial"),
        ("quizzes", "0002_regrade"),
    ]

    operations = [migrations.RunPython(sync, migrations.RunPython.noop)]
