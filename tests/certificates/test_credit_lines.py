"""One claim, several credit lines: which lines each profession gets, and their amounts."""

from decimal import Decimal

import pytest

from certificates.credit_lines import quote_lines, validate_hours
from certificates.exceptions import InvalidAmount
from courses.credit_kinds import (
    AAPA_CATEGORY_1,
    ACPE_CONTACT_HOURS,
    AMA_PRA_CATEGORY_1,
    ANCC_CONTACT_HOURS,
    MOC_POINTS,
    standard_kind,
)
from courses.credit_rules import RecordKind
from courses.models import ModuleCredit
from tests.factories import ModuleFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def interprofessional():
    """A module designated for the whole team: AMA 0.75, ABIM and ABP MOC 0.75, ANCC 0.75,
    ACPE 0.5, AAPA 0.75."""
    module = ModuleFactory()
    for code, maximum, extra in (
        (AMA_PRA_CATEGORY_1, "0.75", {}),
        (MOC_POINTS, "0.75", {"moc_board": "ABIM", "moc_category": "MK"}),
        (MOC_POINTS, "0.75", {"moc_board": "ABP", "moc_category": "LL"}),
        (ANCC_CONTACT_HOURS, "0.75", {}),
        (ACPE_CONTACT_HOURS, "0.50", {"uan": "JA4008162-0000-26-123-H01-P"}),
        (AAPA_CATEGORY_1, "0.75", {}),
    ):
        ModuleCredit.objects.create(
            module=module, credit_type=standard_kind(code), max_credits=Decimal(maximum), **extra
        )
    return module


def learner(designation, *, boards=()):
    user = UserFactory(profile__designation=designation)
    for board in boards:
        user.profile.board_ids.create(board=board, identifier="123456")
    return user.profile


def chosen(quote):
    return [(line.label, line.amount) for line in quote.chosen]


def test_an_internist_with_an_abim_id_gets_ama_credit_and_abim_points(interprofessional):
    quote = quote_lines(learner("MD", boards=["ABIM"]), interprofessional, hours=Decimal("0.5"))

    assert chosen(quote) == [
        ("AMA PRA Category 1 Credit™", Decimal("0.5")),
        ("ABIM MOC point (Medical Knowledge)", Decimal("0.5")),
    ]
    assert [line.label for line in quote.optional if not line.chosen] == [
        "ABP MOC point (Lifelong Learning)"
    ]


def test_the_pediatrics_board_takes_its_full_amount_once_the_physician_chooses_it(
    interprofessional,
):
    abp = interprofessional.credits.get(moc_board="ABP")
    quote = quote_lines(
        learner("MD"), interprofessional, hours=Decimal("0.25"), chosen_optional={abp.pk}
    )

    assert ("ABP MOC point (Lifelong Learning)", Decimal("0.25")) in chosen(quote)


def test_a_pharmacist_gets_acpe_contact_hours_as_a_record_of_participation(interprofessional):
    quote = quote_lines(learner("PharmD"), interprofessional, hours=Decimal("0.75"))

    assert chosen(quote) == [("ACPE contact hour", Decimal("0.50"))]
    assert quote.chosen[0].record_kind == RecordKind.PARTICIPATION_RECORD
    assert quote.chosen[0].reporting_channel == "cpe_monitor"


def test_a_nurse_practitioner_gets_ancc_hours_and_may_add_ama_credit(interprofessional):
    profile = learner("NP")
    ama = interprofessional.credits.get(credit_type__code=AMA_PRA_CATEGORY_1)

    without = quote_lines(profile, interprofessional, hours=Decimal("0.5"))
    with_ama = quote_lines(
        profile, interprofessional, hours=Decimal("0.5"), chosen_optional={ama.pk}
    )

    assert chosen(without) == [("ANCC contact hour", Decimal("0.50"))]
    assert chosen(with_ama) == [
        ("AMA PRA Category 1 Credit™", Decimal("0.5")),
        ("ANCC contact hour", Decimal("0.50")),
    ]


def test_a_pa_gets_aapa_credit_rounded_to_the_quarter_hour(interprofessional):
    quote = quote_lines(learner("PA"), interprofessional, hours=Decimal("0.5"))

    assert chosen(quote) == [("AAPA Category 1 CME credit", Decimal("0.50"))]


def test_a_profession_no_designation_is_for_gets_a_record_of_participation():
    module = ModuleFactory()
    ModuleCredit.objects.create(
        module=module, credit_type=standard_kind(AMA_PRA_CATEGORY_1), max_credits=Decimal("1")
    )

    quote = quote_lines(learner("RN"), module, hours=Decimal("0.75"))

    assert quote.participation_only
    assert chosen(quote) == [
        ("Record of participation (activity designated for AMA PRA Category 1 Credits™)",
         Decimal("0.75")),
    ]  # fmt: skip
    assert quote.chosen[0].reporting_channel == "none"


def test_a_line_is_offered_even_when_the_profile_lacks_what_its_registry_needs(
    interprofessional,
):
    quote = quote_lines(
        learner("PharmD"),
        interprofessional,
        hours=Decimal("0.5"),
        missing_for=lambda designation: ["your NABP e-Profile ID"],
    )

    assert quote.chosen[0].missing == ("your NABP e-Profile ID",)


@pytest.mark.parametrize(
    ("hours", "message"),
    [
        ("0", "Claim more than zero hours."),
        ("0.3", "Credit is claimed in steps of 0.25 (0.25, 0.5, 0.75, 1 …)."),
        ("2", "This activity is designated for at most 0.75 hours of credit."),
        ("NaN", "Claim more than zero hours."),
        ("abc", "Enter the time as a number of hours, e.g. 0.25 or 0.5."),
    ],
)
def test_hours_off_the_grid_or_above_the_maximum_are_refused(hours, message):
    with pytest.raises(InvalidAmount) as excinfo:
        validate_hours(hours, maximum=Decimal("0.75"))

    assert str(excinfo.value) == message
