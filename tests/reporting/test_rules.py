"""The one table of delivery rules: which rule each line follows, and its dates."""

import datetime

import pytest

from reporting.models import Registry
from reporting.rules import (
    CPE_MONITOR,
    PARS_CREDIT,
    PARS_MOC,
    PARS_MOC_FULL_ONCE,
    RULES,
    deadline_for,
    earliest_for,
    rule_for,
)

COMPLETED = datetime.date(2026, 11, 2)
EVALUATED = datetime.date(2026, 11, 9)


def dates(rule_code):
    rule = RULES[rule_code]
    return (
        deadline_for(rule, completed_on=COMPLETED, evaluated_on=EVALUATED),
        earliest_for(rule, completed_on=COMPLETED, evaluated_on=EVALUATED),
    )


def test_ama_credit_is_due_at_pars_30_days_after_completion():
    assert rule_for(channel="pars").code == PARS_CREDIT
    assert dates(PARS_CREDIT) == (datetime.date(2026, 12, 2), None)
    assert RULES[PARS_CREDIT].needs_consent_to_exist
    assert not RULES[PARS_CREDIT].refused_when_late


def test_moc_points_are_due_30_days_after_the_evaluation():
    assert rule_for(channel="pars", moc_board="ABIM").code == PARS_MOC
    assert dates(PARS_MOC) == (datetime.date(2026, 12, 9), None)
    assert not RULES[PARS_MOC].needs_consent_to_exist


def test_abp_points_go_once_after_the_evaluation_for_the_full_amount():
    rule = rule_for(channel="pars", moc_board="ABP")
    assert rule.code == PARS_MOC_FULL_ONCE
    assert rule.full_amount
    assert dates(PARS_MOC_FULL_ONCE) == (datetime.date(2026, 12, 9), EVALUATED)


def test_cpe_monitor_takes_records_for_60_days_after_completion_and_refuses_later():
    rule = rule_for(channel="cpe_monitor")
    assert rule.code == CPE_MONITOR
    assert rule.registry == Registry.CPE_MONITOR
    assert dates(CPE_MONITOR) == (datetime.date(2027, 1, 1), None)
    assert rule.refused_when_late


def test_a_line_reported_nowhere_has_no_rule_and_an_unknown_channel_is_a_data_error():
    assert rule_for(channel="none") is None
    with pytest.raises(ValueError) as error:
        rule_for(channel="fax")
    assert str(error.value) == "Unknown reporting channel: fax."
