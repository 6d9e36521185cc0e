"""The rules of each kind of credit (courses.credit_rules): amounts, the UAN, statements."""

from decimal import Decimal

import pytest

from courses.credit_rules import (
    AmountRule,
    accreditation_statement,
    line_amount,
    uan_audience,
    uan_problem,
)


@pytest.mark.parametrize(
    ("rule", "hours", "maximum", "amount"),
    [
        # AMA: the physician claims in 0.25 steps, never above the maximum.
        (AmountRule.CLAIMED_QUARTERS, "0.75", "1.00", "0.75"),
        (AmountRule.CLAIMED_QUARTERS, "1.50", "1.00", "1.00"),
        # ANCC and ACPE contact hours: the hours, to two decimals.
        (AmountRule.HOURS_TWO_DECIMALS, "0.75", "1.00", "0.75"),
        (AmountRule.HOURS_TWO_DECIMALS, "0.333", "1.00", "0.33"),
        (AmountRule.HOURS_TWO_DECIMALS, "0.335", "1.00", "0.34"),
        (AmountRule.HOURS_TWO_DECIMALS, "2.00", "1.25", "1.25"),
        # AAPA: hours rounded to the nearest quarter hour (an eighth rounds up).
        (AmountRule.NEAREST_QUARTER_HOUR, "0.30", "1.00", "0.25"),
        (AmountRule.NEAREST_QUARTER_HOUR, "0.375", "1.00", "0.50"),
        (AmountRule.NEAREST_QUARTER_HOUR, "0.40", "1.00", "0.50"),
        (AmountRule.NEAREST_QUARTER_HOUR, "1.90", "1.50", "1.50"),
        # MOC points equal the credit claimed.
        (AmountRule.SAME_AS_CLAIMED, "0.50", "0.75", "0.50"),
        # ABP MOC and IPCE: the full designated amount, whatever was claimed.
        (AmountRule.FULL_MAXIMUM, "0.25", "1.00", "1.00"),
    ],
)
def test_each_rule_gives_its_amount_never_above_the_maximum(rule, hours, maximum, amount):
    assert line_amount(rule, hours=Decimal(hours), maximum=Decimal(maximum)) == Decimal(amount)


def test_an_unknown_rule_is_a_configuration_error():
    with pytest.raises(KeyError):
        line_amount("per_slide", hours=Decimal("1"), maximum=Decimal("1"))


@pytest.mark.parametrize(
    "uan",
    ["JA4008162-0000-26-123-H01-P", "0197-0000-26-001-H04-T", "JA0000001-9999-25-999-L05-P"],
)
def test_a_universal_activity_number_of_the_right_shape_is_accepted(uan):
    assert uan_problem(uan) == ""


@pytest.mark.parametrize(
    "uan",
    [
        "JA4008162-0000-26-123-H01",  # no audience
        "JA4008162-0000-26-123-H01-X",  # neither P nor T
        "4008162-0000-26-123-H01-P",  # seven digits without JA
        "JA4008162-0000-2026-123-H01-P",  # four-digit year
        "=HYPERLINK(1)",
        "",
    ],
)
def test_a_universal_activity_number_of_another_shape_is_refused_with_an_example(uan):
    assert uan_problem(uan) == (
        f"“{uan}” is not a Universal Activity Number; it looks like "
        "JA4008162-0000-26-123-H01-P (provider, joint provider, year, sequence, format and "
        "topic, P or T)."
    )


def test_the_audience_is_the_last_letter_of_the_uan():
    assert uan_audience("JA4008162-0000-26-123-H01-T") == "T"
    assert uan_audience("not a uan") == ""


def test_a_jointly_accredited_provider_prints_the_joint_accreditation_statement():
    assert accreditation_statement(provider="Acme CE", jointly_accredited=True) == (
        "In support of improving patient care, Acme CE is jointly accredited by the "
        "Accreditation Council for Continuing Medical Education (ACCME), the Accreditation "
        "Council for Pharmacy Education (ACPE), and the American Nurses Credentialing Center "
        "(ANCC), to provide continuing education for the healthcare team."
    )
    assert accreditation_statement(provider="Acme CE", jointly_accredited=False) == (
        "Acme CE is accredited by the Accreditation Council for Continuing Medical Education "
        "(ACCME) to provide continuing medical education for physicians."
    )
