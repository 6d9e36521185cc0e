"""The "Reviewers" role, review and restore permissions for CME administrators, and authors
without admin change permissions on objectives, faculty, references and designations (they
edit them in the module editor; see accounts/roles.py)."""

from django.db import migrations


def sync(apps, schema_editor):
    from accounts.roles import sync_roles

    sync_roles(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0010_otolaryngology_board_is_abohns"),
        ("courses", "0006_reviews_and_restore"),
        ("reporting", "0003_cme_administrators_see_deliveries"),
    ]

    operations = [migrations.RunPython(sync, migrations.RunPython.noop)]
