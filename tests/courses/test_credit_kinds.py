"""The standard credit kinds are data: each statement, each designation's checks."""

from decimal import Decimal

import pytest

from courses.credit_kinds import (
    AAPA_CATEGORY_1,
    ACPE_CONTACT_HOURS,
    AMA_PRA_CATEGORY_1,
    ANCC_CONTACT_HOURS,
    IPCE_CREDIT,
    MOC_POINTS,
    STANDARD_KINDS,
    standard_kind,
)
from courses.models import CreditType, ModuleCredit
from tests.factories import ModuleFactory

pytestmark = pytest.mark.django_db


def designation(code, maximum="1.00", **fields):
    return ModuleCredit(
        module=ModuleFactory.build(), credit_type=standard_kind(code),
        max_credits=Decimal(maximum), **fields,
    )  # fmt: skip


def test_the_migration_installs_every_standard_kind():
    assert set(STANDARD_KINDS) <= set(CreditType.objects.values_list("code", flat=True))


@pytest.mark.parametrize(
    ("code", "fields", "statement"),
    [
        (AMA_PRA_CATEGORY_1, {}, "Provider designates this enduring material for a maximum of "
         "1 AMA PRA Category 1 Credit™. Physicians should claim only the credit commensurate "
         "with the extent of their participation in the activity."),
        (ANCC_CONTACT_HOURS, {}, "Nurses: Provider designates this activity for a maximum of "
         "1 ANCC contact hour."),
        (ACPE_CONTACT_HOURS, {"uan": "JA4008162-0000-26-123-H01-P"}, "Pharmacists: Provider "
         "designates this activity for a maximum of 1 ACPE contact hour (Universal Activity "
         "Number JA4008162-0000-26-123-H01-P). Credit is recorded in NABP's CPE Monitor, "
         "which holds the pharmacist's official statement of credit."),
        (AAPA_CATEGORY_1, {}, "Provider has been authorized by the American Academy of PAs "
         "(AAPA) to award AAPA Category 1 CME credit for activities planned in accordance "
         "with AAPA CME Criteria. This activity is designated for 1 AAPA Category 1 CME "
         "credit. PAs should only claim credit commensurate with the extent of their "
         "participation."),
        (IPCE_CREDIT, {}, "This activity was planned by and for the healthcare team, and "
         "learners will receive 1 Interprofessional Continuing Education (IPCE) credit for "
         "learning and change."),
        (MOC_POINTS, {"moc_board": "ABIM", "moc_category": "MK"}, "Successful completion of "
         "this CME activity, which includes participation in the evaluation component, "
         "enables the participant to earn up to 1 Medical Knowledge MOC point in the "
         "American Board of Internal Medicine's (ABIM) Maintenance of Certification (MOC) "
         "program. It is the CME activity provider's responsibility to submit participant "
         "completion information to ACCME for the purpose of granting ABIM MOC credit."),
    ],
)  # fmt: skip
def test_each_kind_prints_its_designation_statement(code, fields, statement):
    assert designation(code, **fields).designation_statement("Provider") == statement


def test_an_acpe_designation_needs_a_uan_of_the_right_shape():
    assert designation(ACPE_CONTACT_HOURS).designation_problems() == [
        "Give the ACPE Universal Activity Number (UAN) for ACPE contact hour."
    ]
    assert designation(ACPE_CONTACT_HOURS, uan="12-34").designation_problems() == [
        "“12-34” is not a Universal Activity Number; it looks like JA4008162-0000-26-123-H01-P "
        "(provider, joint provider, year, sequence, format and topic, P or T)."
    ]
    assert (
        designation(ACPE_CONTACT_HOURS, uan="JA4008162-0000-26-123-H01-P").designation_problems()
        == []
    )


def test_a_moc_designation_needs_its_board_and_category():
    assert designation(MOC_POINTS).designation_problems() == [
        "Choose the board of the MOC point designation.",
        "Choose the MOC category of the MOC point designation.",
    ]


def test_a_kind_with_an_unknown_placeholder_is_refused():
    from django.core.exceptions import ValidationError

    kind = CreditType(code="x", name="X", name_plural="Xs", designation_template="{slides}")

    with pytest.raises(ValidationError, match="Use only"):
        kind.clean()
