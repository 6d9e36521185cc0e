"""When each credit line must reach its registry: the one table of delivery rules.

Facts (shared DOMAIN.md, "Interprofessional credit" and "Reporting learner completions"):

- ACCME PARS (AMA PRA Category 1 Credit™ for boards and states): within 30 days of the
  learner's completion, and only with the learner's permission. PARS still takes a late
  record; the deadline is the provider's obligation, so a late PARS delivery stays to send
  and shows as overdue.
- MOC points (ABA, ABIM, ABOHNS, ABOS, ABPath, ABP, ABPMR, ABS, ABTS, through PARS):
  within 30 days after the learner completed the evaluation. The American Board of
  Pediatrics (ABP) takes no partial or repeated credit: its points are reported once,
  after the evaluation, for the full designated amount.
- NABP CPE Monitor (ACPE contact hours): within 60 days of completion; after 60 days CPE
  Monitor refuses the record, so a delivery not sent by then is `missed`.

A rule is chosen per credit line by `rule_for_line`; `deadline_for` and `earliest_for`
compute its dates. A new registry or board rule is a new row in RULES.
"""

import datetime
from dataclasses import dataclass
from enum import StrEnum

from courses.credit_rules import ReportingChannel
from reporting.models import Registry


class Clock(StrEnum):
    """The learner's date a deadline counts from."""

    COMPLETION = "completion"  # the claim's completed_on: the day the learner passed
    EVALUATION = "evaluation"  # the day the learner submitted the evaluation


@dataclass(frozen=True)
class DeliveryRule:
    """How one kind of credit line is delivered.

    - `registry`: where it goes.
    - `clock`, `days`: the deadline is `days` days after the learner's date on `clock`.
    - `not_before`: the delivery is not sent before the learner's date on this clock
      (ABP: after the evaluation); None when it may go at once.
    - `needs_consent_to_exist`: no delivery at all without the learner's consent (AMA
      credit to PARS); otherwise the delivery waits for the consent like any identifier.
    - `full_amount`: the record carries the designation's maximum, not the line's amount.
    - `refused_when_late`: the registry refuses a record after the deadline; the delivery
      is then `missed` and can no longer be sent.
    """

    code: str
    registry: str
    clock: Clock
    days: int
    not_before: Clock | None = None
    needs_consent_to_exist: bool = False
    full_amount: bool = False
    refused_when_late: bool = False
    description: str = ""


PARS_CREDIT = "pars_credit"
PARS_MOC = "pars_moc"
PARS_MOC_FULL_ONCE = "pars_moc_full_once"
CPE_MONITOR = "cpe_monitor"

RULES: dict[str, DeliveryRule] = {
    PARS_CREDIT: DeliveryRule(
        code=PARS_CREDIT,
        registry=Registry.PARS,
        clock=Clock.COMPLETION,
        days=30,
        needs_consent_to_exist=True,
        description="ACCME PARS: within 30 days of completion, with the learner's consent.",
    ),
    PARS_MOC: DeliveryRule(
        code=PARS_MOC,
        registry=Registry.PARS,
        clock=Clock.EVALUATION,
        days=30,
        description="MOC points through PARS: within 30 days after the evaluation.",
    ),
    PARS_MOC_FULL_ONCE: DeliveryRule(
        code=PARS_MOC_FULL_ONCE,
        registry=Registry.PARS,
        clock=Clock.EVALUATION,
        days=30,
        not_before=Clock.EVALUATION,
        full_amount=True,
        description="ABP MOC points: once, after the evaluation, for the full designated "
        "amount, within 30 days.",
    ),
    CPE_MONITOR: DeliveryRule(
        code=CPE_MONITOR,
        registry=Registry.CPE_MONITOR,
        clock=Clock.COMPLETION,
        days=60,
        refused_when_late=True,
        description="NABP CPE Monitor: within 60 days of completion; refused after that.",
    ),
}

# Boards whose MOC points are reported once, after the evaluation, for the full amount.
FULL_AMOUNT_ONCE_BOARDS = frozenset({"ABP"})

# Registries that refuse a record once its deadline has passed.
REFUSING_LATE_REGISTRIES = frozenset(r.registry for r in RULES.values() if r.refused_when_late)


def rule_for(*, channel: str, moc_board: str = "") -> DeliveryRule | None:
    """The rule for a credit line reported through `channel` (courses ReportingChannel:
    "none", "pars", "cpe_monitor"), for MOC points to `moc_board` (a board code, "" for
    credit that is not MOC). None when the line is not reported. Raises ValueError for an
    unknown channel (a credit kind's data is wrong)."""
    if channel == ReportingChannel.NONE:
        return None
    if channel == ReportingChannel.PARS:
        if not moc_board:
            return RULES[PARS_CREDIT]
        if moc_board in FULL_AMOUNT_ONCE_BOARDS:
            return RULES[PARS_MOC_FULL_ONCE]
        return RULES[PARS_MOC]
    if channel == ReportingChannel.CPE_MONITOR:
        return RULES[CPE_MONITOR]
    raise ValueError(f"Unknown reporting channel: {channel}.")


def deadline_for(
    rule: DeliveryRule, *, completed_on: datetime.date, evaluated_on: datetime.date | None
) -> datetime.date:
    """The last day the delivery may be sent: `rule.days` days after the learner's date on
    the rule's clock (completion, or evaluation, both the learner's calendar days). An
    evaluation clock without an evaluation date counts from completion."""
    return _date_on(rule.clock, completed_on, evaluated_on) + datetime.timedelta(days=rule.days)


def earliest_for(
    rule: DeliveryRule, *, completed_on: datetime.date, evaluated_on: datetime.date | None
) -> datetime.date | None:
    """The first day the delivery may be sent (ABP: the evaluation's day), or None."""
    if rule.not_before is None:
        return None
    return _date_on(rule.not_before, completed_on, evaluated_on)


def _date_on(
    clock: Clock, completed_on: datetime.date, evaluated_on: datetime.date | None
) -> datetime.date:
    if clock == Clock.EVALUATION and evaluated_on is not None:
        return evaluated_on
    return completed_on
