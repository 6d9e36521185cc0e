"""Which credit lines a claim gives a learner, and their amounts (docs/decisions/0006).

The learner states the hours of participation on the 0.25 grid (for a physician, the AMA
credit claimed). Every designation of the module whose kind is for the learner's
profession gives a line; kinds the profession may choose (an NP adding AMA credit, a
physician's MOC points for a board) give a line when the learner ticks them. Each line's
amount follows its kind's rule (courses.credit_rules), never above the designation's
maximum. A learner whose profession no designation is for receives a record of
participation stating the hours and what the activity was designated for.
"""

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from accounts.models import Profile
from certificates.exceptions import InvalidAmount
from courses.credit_rules import RecordKind, ReportingChannel, line_amount
from courses.models import Module, ModuleCredit, format_credits

HOURS_STEP = Decimal("0.25")


@dataclass(frozen=True)
class LineQuote:
    """One line as the learner sees it before confirming."""

    designation: ModuleCredit
    amount: Decimal | None  # None until hours are given
    optional: bool
    chosen: bool
    record_kind: str
    reporting_channel: str
    missing: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        kind = self.designation.credit_type
        return kind.name if self.amount is None else kind.credit_name(self.amount)

    @property
    def label(self) -> str:
        """How the claim page and the certificate name the line, singular up to 1 as the
        AMA's statement does: "AMA PRA Category 1 Credit™", "ABIM MOC point (Medical
        Knowledge)", "Record of participation (activity designated for …)"."""
        kind = self.designation.credit_type
        if self.designation.moc_board:
            category = self.designation.get_moc_category_display()
            return f"{self.designation.moc_board} {self.name} ({category})"
        if self.record_kind == RecordKind.PARTICIPATION_RECORD and kind.record_kind != (
            RecordKind.PARTICIPATION_RECORD
        ):
            return f"Record of participation (activity designated for {kind.name_plural})"
        return self.name


@dataclass(frozen=True)
class ClaimQuote:
    """Every line a claim would give, and whether the learner receives credit or only a
    record of participation."""

    lines: list[LineQuote] = field(default_factory=list)
    participation_only: bool = False

    @property
    def chosen(self) -> list[LineQuote]:
        return [line for line in self.lines if line.chosen]

    @property
    def optional(self) -> list[LineQuote]:
        return [line for line in self.lines if line.optional]


def validate_hours(hours, *, maximum: Decimal) -> Decimal:
    """The hours of participation as a Decimal on the 0.25 grid, more than zero and at most
    `maximum` (the largest designation of the module). Raises InvalidAmount with a message
    the learner can read (the AMA's 0.25-credit steps, AMA PRA Booklet)."""
    try:
        hours = Decimal(str(hours))
    except (InvalidOperation, ValueError) as exc:
        raise InvalidAmount("Enter the time as a number of hours, e.g. 0.25 or 0.5.") from exc
    if not hours.is_finite() or hours <= 0:
        raise InvalidAmount("Claim more than zero hours.")
    if hours % HOURS_STEP:
        raise InvalidAmount("Credit is claimed in steps of 0.25 (0.25, 0.5, 0.75, 1 …).")
    if hours > maximum:
        raise InvalidAmount(
            f"This activity is designated for at most {format_credits(maximum)} hours of credit."
        )
    return hours


def quote_lines(
    profile: Profile,
    module: Module,
    *,
    hours: Decimal | None,
    chosen_optional: set[int] | None = None,
    missing_for=None,
) -> ClaimQuote:
    """The lines a claim by the learner of `profile` would give for `module`.

    `chosen_optional` holds the designation ids of optional lines the learner ticked (None:
    the defaults, i.e. a MOC board whose ID is in the profile). `missing_for(designation)`
    returns what the learner's profile lacks for that line's registry (labels); lines are
    never refused for it, the delivery waits. Raises nothing: amounts are None when `hours`
    is None.
    """
    designation = profile.designation
    designations = list(module.credits.select_related("credit_type"))
    if not designations:
        return ClaimQuote()
    board_ids = {b.board for b in profile.board_ids.all()} if profile.pk else set()
    lines = []
    for offering in designations:
        kind = offering.credit_type
        optional = kind.is_optional_for(designation)
        if not optional and not kind.is_for(designation):
            continue
        if chosen_optional is None:
            chosen = not optional or (bool(offering.moc_board) and offering.moc_board in board_ids)
        else:
            chosen = not optional or offering.pk in chosen_optional
        lines.append(
            _quote(offering, hours, optional=optional, chosen=chosen, missing_for=missing_for)
        )
    if any(line.chosen for line in lines):
        return ClaimQuote(lines=lines)
    # No credit chosen (none is for this profession, or the learner ticked none of the
    # optional ones): a record of participation stating what the activity was designated
    # for, with the hours (reported nowhere).
    participation = [
        LineQuote(
            designation=offering,
            amount=None if hours is None else min(hours, offering.max_credits),
            optional=False,
            chosen=True,
            record_kind=RecordKind.PARTICIPATION_RECORD,
            reporting_channel=ReportingChannel.NONE,
        )
        for offering in designations[:1]
    ]
    return ClaimQuote(
        lines=lines + participation,
        participation_only=not any(line.optional for line in lines),
    )


def _quote(offering: ModuleCredit, hours, *, optional, chosen, missing_for) -> LineQuote:
    kind = offering.credit_type
    amount = None
    if hours is not None:
        amount = line_amount(kind.amount_rule, hours=hours, maximum=offering.max_credits)
    missing = tuple(missing_for(offering)) if (missing_for and chosen) else ()
    return LineQuote(
        designation=offering,
        amount=amount,
        optional=optional,
        chosen=chosen,
        record_kind=kind.record_kind,
        reporting_channel=kind.reporting_channel,
        missing=missing,
    )


def line_snapshot(line: LineQuote, *, provider: str | None = None) -> dict:
    """What a credit line keeps of its kind and designation at claim time (the certificate
    prints it; the registry record is built from it)."""
    offering, kind = line.designation, line.designation.credit_type
    return {
        "code": kind.code,
        "name": kind.name,
        "name_plural": kind.name_plural,
        "italic": kind.italic_name,
        "rule": kind.amount_rule,
        "label": line.label,
        "statement": offering.designation_statement(provider),
        "statement_html": str(offering.designation_statement_html(provider)),
        "max": str(offering.max_credits),
        "uan": offering.uan,
        "moc_board": offering.moc_board,
        "moc_category": offering.moc_category,
    }
