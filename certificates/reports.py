"""Completion reports for CME administrators: who completed which activity for what credit,
and the learner batch file for ACCME's PARS.

Every report counts a claim whose current certificate counts: issued or still being
prepared. A revoked certificate's claim is left out; a superseded certificate is replaced by
its successor, so a re-issued claim appears once. (The constraint
`one_current_certificate_per_claim` allows at most one pending-or-issued certificate per
claim, which is why joining claims to their counted certificate never duplicates a row.)

Rows come straight from a database cursor as tuples, never as model instances, so the
dashboard, a streamed download and the export task all run in constant memory.
"""

import datetime
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Exists, FilteredRelation, OuterRef, Q, QuerySet, Sum

from accounts.models import BoardIdentifier, CertifyingBoard, Designation, User
from certificates.models import CertificateKind, CertificateStatus, CreditClaim
from courses.models import CreditType, Module, ModuleStatus, format_credits

COUNTED_STATUSES = (CertificateStatus.ISSUED, CertificateStatus.PENDING)
CHUNK_SIZE = 2000


# Filters ----------------------------------------------------------------------


@dataclass(frozen=True)
class CompletionFilter:
    """Which completions a report covers; every part is optional.

    `start` and `end` bound the completion date (both inclusive); `profession` is a
    designation code (MD, DO, RN …) from the learner's profile.
    """

    start: datetime.date | None = None
    end: datetime.date | None = None
    module_id: int | None = None
    credit_type_id: int | None = None
    profession: str = ""

    @classmethod
    def from_query(cls, query: Mapping[str, str]) -> tuple["CompletionFilter", dict[str, str]]:
        """Read a filter from query-string values (`start`, `end`, `module`,
        `credit_type`, `profession`; blank means "any").

        Returns the filter made of the valid parts and the errors, keyed by parameter,
        in words an administrator can act on; no error means the filter is complete.
        """
        errors: dict[str, str] = {}
        start = _date(query, "start", "start date", errors)
        end = _date(query, "end", "end date", errors)
        if start and end and start > end:
            errors["end"] = "The start date is after the end date."
            end = None
        module_id = _known_id(query, "module", Module, "activity", errors)
        credit_type_id = _known_id(query, "credit_type", CreditType, "credit type", errors)
        profession = _text(query, "profession")
        if profession and profession not in Designation.values:
            errors["profession"] = f"“{profession}” is not a profession this site knows."
            profession = ""
        return (
            cls(
                start=start,
                end=end,
                module_id=module_id,
                credit_type_id=credit_type_id,
                profession=profession,
            ),
            errors,
        )

    def as_query(self) -> dict[str, str]:
        """The filter as query-string values, the inverse of `from_query` (blank parts
        omitted); an export job stores its filters this way."""
        values = {
            "start": self.start.isoformat() if self.start else "",
            "end": self.end.isoformat() if self.end else "",
            "module": str(self.module_id or ""),
            "credit_type": str(self.credit_type_id or ""),
            "profession": self.profession,
        }
        return {key: value for key, value in values.items() if value}


def _text(query: Mapping[str, str], key: str) -> str:
    return str(query.get(key) or "").strip()


def _date(query, key: str, label: str, errors: dict[str, str]) -> datetime.date | None:
    text = _text(query, key)
    if not text:
        return None
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        errors[key] = f"The {label} “{text}” is not a date; write it as YYYY-MM-DD."
        return None


def _known_id(query, key: str, model, label: str, errors: dict[str, str]) -> int | None:
    text = _text(query, key)
    if not text:
        return None
    if not text.isascii() or not text.isdigit() or len(text) > 18:  # 18 digits fit a bigint
        errors[key] = f"Choose the {label} from the list (“{text}” is not one)."
        return None
    pk = int(text)
    if not model.objects.filter(pk=pk).exists():
        errors[key] = f"There is no {label} with id {pk}; it may have been deleted."
        return None
    return pk


def offered_modules(*, selected: int | None = None) -> QuerySet[Module]:
    """The activities the report filter offers, by title and edition: the published ones.
    A draft has no completions and an archived module is retired, so neither is offered;
    a link that already names one (`selected`) still shows it chosen, and `from_query`
    still accepts any module id."""
    return Module.objects.filter(Q(status=ModuleStatus.PUBLISHED) | Q(pk=selected)).order_by(
        "title", "edition"
    )


# Completions ------------------------------------------------------------------


def completions(filter: CompletionFilter) -> QuerySet[CreditClaim]:
    """Claims whose current certificate counts (issued or pending), filtered, ordered by
    completion date. One row per claim: see the module docstring."""
    return _filtered(CreditClaim.objects.filter(certificates__status__in=COUNTED_STATUSES), filter)


def revoked_completions(filter: CompletionFilter) -> QuerySet[CreditClaim]:
    """Claims whose certificate was revoked, filtered like `completions` (which leaves
    them out): revocation is final, so one row per claim."""
    return _filtered(
        CreditClaim.objects.filter(certificates__status=CertificateStatus.REVOKED), filter
    )


def _filtered(claims: QuerySet[CreditClaim], filter: CompletionFilter) -> QuerySet[CreditClaim]:
    if filter.start:
        claims = claims.filter(completed_on__gte=filter.start)
    if filter.end:
        claims = claims.filter(completed_on__lte=filter.end)
    if filter.module_id:
        claims = claims.filter(module_id=filter.module_id)
    if filter.credit_type_id:
        claims = claims.filter(credit_type_id=filter.credit_type_id)
    if filter.profession:
        claims = claims.filter(learner__profile__designation=filter.profession)
    return claims.order_by("completed_on", "pk")


@dataclass(frozen=True)
class CreditTotal:
    credit_type_id: int
    credit_type_name: str
    kind: str  # CertificateKind: participation hours are not credit, so they stay apart
    completions: int
    credits: Decimal


@dataclass(frozen=True)
class CompletionTotals:
    learners: int
    completions: int
    by_credit_type: list[CreditTotal]
    revoked: int  # completions left out because their certificate was revoked


def completion_totals(filter: CompletionFilter) -> CompletionTotals:
    """Distinct learners, completions, and the credit summed per credit type (and kind),
    aggregated by the database; and how many completions matching the filter were left
    out because their certificate was revoked."""
    claims = completions(filter).order_by()
    overall = claims.aggregate(learners=Count("learner", distinct=True), completions=Count("pk"))
    groups = (
        claims.values("credit_type_id", "credit_type__name", "kind")
        .annotate(completions=Count("pk"), credits=Sum("amount"))
        .order_by("credit_type__position", "credit_type__name", "kind")
    )
    return CompletionTotals(
        learners=overall["learners"],
        completions=overall["completions"],
        by_credit_type=[
            CreditTotal(
                credit_type_id=g["credit_type_id"],
                credit_type_name=g["credit_type__name"],
                kind=g["kind"],
                completions=g["completions"],
                credits=g["credits"],
            )
            for g in groups
        ],
        revoked=revoked_completions(filter).count(),
    )


# The completion report's columns, in order: (header, lookup on CreditClaim). The
# certificate lookups reach the one counted certificate joined by `completions()`.
COMPLETION_COLUMNS: tuple[tuple[str, str], ...] = (
    ("Completed on", "completed_on"),
    ("Last name", "learner__last_name"),
    ("First name", "learner__first_name"),
    ("E-mail", "learner__email"),
    ("Profession", "learner__profile__designation"),
    ("Activity", "module__title"),
    ("Edition", "module__edition"),
    ("Credit type", "credit_type__name"),
    ("Certificate kind", "kind"),
    ("Credits", "amount"),
    ("Certificate number", "certificates__number"),
    ("Certificate status", "certificates__status"),
)


def completion_count(filter: CompletionFilter) -> int:
    return completions(filter).count()


def completion_rows(filter: CompletionFilter) -> Iterator[tuple]:
    """The header, then one tuple per completion, read from a server-side cursor in
    chunks: constant memory however many rows there are."""
    yield tuple(header for header, _ in COMPLETION_COLUMNS)
    lookups = [lookup for _, lookup in COMPLETION_COLUMNS]
    yield from completions(filter).values_list(*lookups).iterator(chunk_size=CHUNK_SIZE)


# PARS -------------------------------------------------------------------------

# The PARS activity ID of a module. Modules have no such field yet, so the module's slug
# stands in for it; when the field is added, change this one lookup.
PARS_ACTIVITY_ID_LOOKUP = "module__pars_activity_id"

# The columns of the PARS learner batch file, in order: (header, key of the record built by
# `_pars_record`). This is the ONE place the column list lives. It follows ACCME's learner
# batch template ("Learner Template B", tab-delimited): when ACCME changes the template,
# update this list, and `_pars_record` if a new value is needed, and nothing else.
PARS_COLUMNS: tuple[tuple[str, str], ...] = (
    ("Board", "board"),
    ("Board ID", "board_id"),
    ("NPI", "npi"),
    ("First Name", "first_name"),
    ("Last Name", "last_name"),
    ("Month of Birth", "birth_month"),
    ("Day of Birth", "birth_day"),
    ("PARS Activity ID", "activity_id"),
    ("Completion Date", "completion_date"),  # MM/DD/YYYY
    ("Credits/MOC Points", "credits"),
)

# What PARS needs to identify a learner, in the words `MissingField.fields` uses.
BOARD_ID_OR_NPI = "board ID or NPI"
FIRST_NAME = "first name"
LAST_NAME = "last name"
BIRTH_MONTH = "month of birth"
BIRTH_DAY = "day of birth"

REPORTING_WINDOW = datetime.timedelta(days=30)


@dataclass(frozen=True)
class MissingField:
    """A completion left out of the PARS file because the learner's profile lacks fields."""

    learner: User
    claim: CreditClaim
    fields: tuple[str, ...]


def _pars_claims(filter: CompletionFilter) -> QuerySet[CreditClaim]:
    """Counted credit claims of learners who agreed to have them reported to their boards.

    Certificates of participation are left out: they record participation, not the credit
    or MOC points a board records."""
    return (
        completions(filter)
        .filter(learner__profile__reports_to_boards=True, kind=CertificateKind.CREDIT)
        .alias(has_board_id=_has_board_id())
    )


def _has_board_id() -> Exists:
    """Whether the learner holds an ID for a board that reports through PARS (IDs kept for
    ABD or ABFM never count)."""
    return Exists(
        BoardIdentifier.objects.reported_through_pars().filter(
            profile_id=OuterRef("learner__profile")
        )
    )


_IDENTIFIED = (
    (Q(has_board_id=True) | ~Q(learner__profile__npi=""))
    & ~Q(learner__first_name="")
    & ~Q(learner__last_name="")
    & Q(learner__profile__birth_month__isnull=False, learner__profile__birth_day__isnull=False)
)

_PARS_LOOKUPS = (
    "pars_board_ids__board",
    "pars_board_ids__identifier",
    "learner__profile__npi",
    "learner__first_name",
    "learner__last_name",
    "learner__profile__birth_month",
    "learner__profile__birth_day",
    PARS_ACTIVITY_ID_LOOKUP,
    "completed_on",
    "amount",
)


def _pars_values(filter: CompletionFilter):
    """One tuple per (completion, board ID) of identifiable learners; a learner with no
    board ID gets one row (board fields None) that identifies them by NPI."""
    return (
        _pars_claims(filter)
        .filter(_IDENTIFIED)
        .annotate(
            pars_board_ids=FilteredRelation(
                "learner__profile__board_ids",
                condition=Q(learner__profile__board_ids__board__in=CertifyingBoard.values),
            )
        )
        .values_list(*_PARS_LOOKUPS)
        .order_by("completed_on", "pk", "pars_board_ids__board")
    )


def _pars_record(values: tuple) -> dict[str, str]:
    board, board_id, npi, first, last, month, day, activity_id, completed_on, amount = values
    return {
        "board": board or "",
        "board_id": board_id or "",
        "npi": npi,
        "first_name": first,
        "last_name": last,
        "birth_month": str(month),
        "birth_day": str(day),
        "activity_id": activity_id,
        "completion_date": completed_on.strftime("%m/%d/%Y"),
        "credits": format_credits(amount),
    }


def _pars_row_iterator(filter: CompletionFilter) -> Iterator[tuple[str, ...]]:
    yield tuple(header for header, _ in PARS_COLUMNS)
    for values in _pars_values(filter).iterator(chunk_size=CHUNK_SIZE):
        record = _pars_record(values)
        yield tuple(record[key] for _, key in PARS_COLUMNS)


def pars_row_count(filter: CompletionFilter) -> int:
    """How many data rows `pars_rows` yields (header not counted)."""
    return _pars_values(filter).count()


def pars_rows(
    filter: CompletionFilter,
) -> tuple[Iterator[tuple[str, ...]], list[MissingField]]:
    """The PARS learner batch: the header (`PARS_COLUMNS`), then one row per completion
    and board ID of learners who agreed to board reporting (`Profile.reports_to_boards`),
    or a single NPI row for a learner with no board ID.

    Returns the rows, lazily, and the completions left out because the learner lacks a
    field PARS requires (a board ID or NPI, first and last name, month and day of birth),
    with which fields; those learners are in `missing`, never half-written in the rows.
    The PARS activity ID is the module's slug for now (see PARS_ACTIVITY_ID_LOOKUP).
    """
    return _pars_row_iterator(filter), missing_pars_fields(filter)


def missing_pars_fields(filter: CompletionFilter) -> list[MissingField]:
    claims = (
        _pars_claims(filter)
        .exclude(_IDENTIFIED)
        .annotate(learner_has_board_id=_has_board_id())
        .select_related("learner__profile", "module", "credit_type")
    )
    missing = []
    for claim in claims:
        learner, profile = claim.learner, claim.learner.profile
        lacking = [
            label
            for label, absent in (
                (BOARD_ID_OR_NPI, not claim.learner_has_board_id and not profile.npi),
                (FIRST_NAME, not learner.first_name),
                (LAST_NAME, not learner.last_name),
                (BIRTH_MONTH, profile.birth_month is None),
                (BIRTH_DAY, profile.birth_day is None),
            )
            if absent
        ]
        missing.append(MissingField(learner=learner, claim=claim, fields=tuple(lacking)))
    return missing


def pars_deadline(completed_on: datetime.date) -> datetime.date:
    """The last day to report a completion to PARS: 30 days after it."""
    return completed_on + REPORTING_WINDOW


def reporting_window_filter(
    today: datetime.date, *, within_days: int = 7, since: datetime.date | None = None
) -> CompletionFilter:
    """The completions whose 30-day PARS window closes within `within_days` days of
    `today`, or has already closed: completed on or before today + within_days - 30.

    Nothing records yet which completions were reported, so "not yet exported" is defined
    by the completion date only: pass `since` (the first completion date not in the last
    batch sent) to leave out what was already reported; without it every older completion
    is included.
    """
    return CompletionFilter(
        start=since, end=today + datetime.timedelta(days=within_days) - REPORTING_WINDOW
    )


def reporting_window(
    today: datetime.date, *, within_days: int = 7, since: datetime.date | None = None
) -> QuerySet[CreditClaim]:
    """Credit claims of consenting learners due for PARS (see `reporting_window_filter`),
    oldest first; `pars_deadline(claim.completed_on)` is each one's last day."""
    return _pars_claims(reporting_window_filter(today, within_days=within_days, since=since))
