"""One claim per learner and activity (whatever the credit type), and the revocation's date,
reason and notice kept on the certificate.

Before the new unique constraint is added, the existing claims are checked: if a learner
holds two claims for one activity (possible before, with two credit types), the migration
stops and lists them, so that an administrator decides which claim stands (revoke the
other's certificate and remove the duplicate claim by hand) before migrating again.
Revoked certificates get their date and reason from their "revoked" audit event.
"""

from django.db import migrations, models
from django.db.models import Count


class DuplicateClaims(Exception):
    """Existing rows break the new rule; the message says which and what to do."""


def refuse_duplicate_claims(apps, schema_editor):
    CreditClaim = apps.get_model("certificates", "CreditClaim")
    duplicates = (
        CreditClaim.objects.values("learner_id", "module_id")
        .annotate(claims=Count("pk"))
        .filter(claims__gt=1)
        .order_by("learner_id", "module_id")
    )
    lines = []
    for row in duplicates:
        ids = CreditClaim.objects.filter(
            learner_id=row["learner_id"], module_id=row["module_id"]
        ).values_list("pk", flat=True)
        lines.append(
            f"  learner {row['learner_id']}, module {row['module_id']}: "
            f"claims {', '.join(str(pk) for pk in sorted(ids))}"
        )
    if lines:
        raise DuplicateClaims(
            f"Cannot add the rule 'one claim per learner and activity': {len(lines)} "
            "learner-activity pair(s) have more than one credit claim:\n"
            + "\n".join(lines)
            + "\nDecide which claim stands for each pair, revoke the certificates of the "
            "others and delete those claims (with their certificates and events), then "
            "run the migration again. Nothing has been changed."
        )


def copy_revocation_details(apps, schema_editor):
    Certificate = apps.get_model("certificates", "Certificate")
    CertificateEvent = apps.get_model("certificates", "CertificateEvent")
    for certificate in Certificate.objects.filter(status="revoked", revoked_at__isnull=True):
        event = (
            CertificateEvent.objects.filter(certificate=certificate, kind="revoked")
            .order_by("at", "pk")
            .last()
        )
        certificate.revoked_at = event.at if event else certificate.issued_at
        certificate.revocation_reason = event.reason if event else ""
        certificate.save(update_fields=["revoked_at", "revocation_reason"])
    if schema_editor.connection.vendor == "postgresql":
        # Run the deferred checks of the rows just written now, so that the ALTER TABLE
        # that follows finds no pending trigger events.
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")


class Migration(migrations.Migration):
    dependencies = [
        ("certificates", "0002_exportjob"),
    ]

    operations = [
        migrations.RunPython(refuse_duplicate_claims, migrations.RunPython.noop),
        migrations.RemoveConstraint(
            model_name="creditclaim",
            name="one_claim_per_credit_type",
        ),
        migrations.AddConstraint(
            model_name="creditclaim",
            constraint=models.UniqueConstraint(
                fields=("learner", "module"), name="one_claim_per_learner_and_module"
            ),
        ),
        migrations.AddField(
            model_name="certificate",
            name="revocation_emailed_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="certificate",
            name="revocation_reason",
            field=models.TextField(
                blank=True,
                help_text="Why it was revoked, as told to the learner (not shown publicly).",
            ),
        ),
        migrations.AddField(
            model_name="certificate",
            name="revoked_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AlterField(
            model_name="certificateevent",
            name="kind",
            field=models.CharField(
                choices=[
                    ("claimed", "Claimed"),
                    ("issued", "Issued"),
                    ("emailed", "E-mailed"),
                    ("requeued", "Re-queued"),
                    ("revoked", "Revoked"),
                    ("revocation_emailed", "Revocation e-mailed"),
                    ("reissued", "Re-issued"),
                ],
                max_length=20,
            ),
        ),
        migrations.RunPython(copy_revocation_details, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="certificate",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("revoked_at__isnull", False), ("status", "revoked")),
                    models.Q(
                        models.Q(("status", "revoked"), _negated=True),
                        ("revoked_at__isnull", True),
                    ),
                    _connector="OR",
                ),
                name="revoked_certificates_have_a_revocation_date",
            ),
        ),
    ]
