"""The otolaryngology board's IDs were stored under "ABOto"; PARS and the board itself call
it ABOHNS (American Board of Otolaryngology - Head and Neck Surgery). The IDs are kept and
filed under ABOHNS. IDs for ABD and ABFM, which do not report through PARS, are left as they
are (accounts.models.BOARDS_NOT_REPORTING_THROUGH_PARS)."""

from django.db import migrations

OLD_CODE = "ABOto"
NEW_CODE = "ABOHNS"


def file_otolaryngology_ids_under_abohns(apps, schema_editor):
    BoardIdentifier = apps.get_model("accounts", "BoardIdentifier")
    BoardIdentifier.objects.filter(board=OLD_CODE).update(board=NEW_CODE)


def file_otolaryngology_ids_under_aboto(apps, schema_editor):
    BoardIdentifier = apps.get_model("accounts", "BoardIdentifier")
    BoardIdentifier.objects.filter(board=NEW_CODE).update(board=OLD_CODE)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0009_channel_identifiers_and_state_licenses"),
    ]

    operations = [
        migrations.RunPython(
            file_otolaryngology_ids_under_abohns, file_otolaryngology_ids_under_aboto
        ),
    ]
