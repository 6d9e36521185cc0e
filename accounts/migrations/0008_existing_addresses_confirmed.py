"""Accounts that existed before e-mail confirmation was introduced keep working: their
addresses are recorded as confirmed (allauth's EmailAddress, primary and verified). They
predate confirmation, and their owners have been receiving certificates at them; asking
every one of them to confirm would lock them out at their next log-in.

Closed accounts (placeholder addresses under closed.invalid) get no record.
"""

from django.db import migrations

CLOSED_DOMAIN = "@closed.invalid"


def record_existing_addresses_as_confirmed(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    EmailAddress = apps.get_model("account", "EmailAddress")
    users = User.objects.exclude(email__endswith=CLOSED_DOMAIN).exclude(emailaddress__isnull=False)
    EmailAddress.objects.bulk_create(
        EmailAddress(user_id=pk, email=email.lower(), verified=True, primary=True)
        for pk, email in users.values_list("pk", "email").iterator()
    )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0007_email_unique_ignoring_case"),
        ("account", "0009_emailaddress_unique_primary_email"),
    ]

    operations = [
        migrations.RunPython(record_existing_addresses_as_confirmed, migrations.RunPython.noop),
    ]
