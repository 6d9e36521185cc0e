"""E-mail addresses are unique whatever their case, and stored in lower case.

Before the constraint is added, existing accounts are checked: if two accounts' addresses
differ only in case (`ALICE@example.com` and `alice@example.com`), the migration stops and
lists them, and an administrator merges or renames them first (nothing is changed).
Otherwise every address is stored in lower case, as sign-up and the admin now store them.
"""

import django.db.models.functions.text
from django.db import migrations, models


class AddressesDifferOnlyInCase(Exception):
    pass


def refuse_addresses_that_differ_only_in_case(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    owners: dict[str, list[tuple[int, str]]] = {}
    for pk, email in User.objects.order_by("pk").values_list("pk", "email"):
        owners.setdefault(email.lower(), []).append((pk, email))
    clashes = [accounts for accounts in owners.values() if len(accounts) > 1]
    if clashes:
        listing = "; ".join(
            ", ".join(f"user {pk} <{email}>" for pk, email in accounts) for accounts in clashes
        )
        raise AddressesDifferOnlyInCase(
            f"{len(clashes)} e-mail address(es) belong to more than one account when case is "
            f"ignored: {listing}. Merge or rename these accounts (in the admin), then migrate "
            "again; nothing was changed."
        )
    for pk, email in User.objects.values_list("pk", "email"):
        if email != email.lower():
            User.objects.filter(pk=pk).update(email=email.lower())


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0006_board_id_letters_and_digits"),
    ]

    operations = [
        migrations.RunPython(
            refuse_addresses_that_differ_only_in_case, migrations.RunPython.noop, elidable=False
        ),
        migrations.AddConstraint(
            model_name="user",
            constraint=models.UniqueConstraint(
                django.db.models.functions.text.Lower("email"),
                name="user_email_unique_ignoring_case",
                violation_error_message="An account already uses this e-mail address.",
            ),
        ),
    ]
