"""The migration to one claim per learner and activity stops, saying which claims break the
rule, rather than failing half-way on the database's unique index."""

import importlib

import pytest
from django.apps import apps
from django.db import connection

from certificates.models import CreditClaim
from tests.certificates.conftest import claim, offer_second_credit_type

pytestmark = pytest.mark.django_db

migration = importlib.import_module(
    "certificates.migrations.0003_one_claim_per_activity_and_revocation_details"
)


def test_duplicate_claims_from_before_the_rule_are_listed_and_the_migration_stops(
    evaluated_learner, module
):
    first = claim(evaluated_learner, module)
    moc = offer_second_credit_type(module)
    constraint = next(
        c for c in CreditClaim._meta.constraints if c.name == "one_claim_per_learner_and_module"
    )
    with connection.cursor() as cursor:  # check the rows written so far, before DDL
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    with connection.schema_editor() as editor:  # the database as it was before the rule
        editor.remove_constraint(CreditClaim, constraint)
    second = CreditClaim.objects.create(
        learner=evaluated_learner,
        module=module,
        credit_type=moc.credit_type,
        kind=first.kind,
        amount=first.amount,
        attempt=first.attempt,
        completed_on=first.completed_on,
        attested_at=first.attested_at,
        snapshot=first.snapshot,
    )

    with pytest.raises(migration.DuplicateClaims) as refusal:
        migration.refuse_duplicate_claims(apps, None)

    assert str(refusal.value) == (
        "Cannot add the rule 'one claim per learner and activity': 1 learner-activity "
        "pair(s) have more than one credit claim:\n"
        f"  learner {evaluated_learner.pk}, module {module.pk}: claims {first.pk}, {second.pk}\n"
        "Decide which claim stands for each pair, revoke the certificates of the others and "
        "delete those claims (with their certificates and events), then run the migration "
        "again. Nothing has been changed."
    )


def test_the_check_passes_when_every_learner_has_one_claim_per_activity(evaluated_learner, module):
    claim(evaluated_learner, module)

    migration.refuse_duplicate_claims(apps, None)  # no exception
