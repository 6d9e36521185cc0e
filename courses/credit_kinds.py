"""The standard credit kinds, as data (docs/decisions/0006): installed by migration
courses 0005 and by `standard_kind` wherever a kind is needed and may be missing (a test
database flushed between tests). An administrator adds another kind in the admin; one that
follows an existing amount rule needs no code.

Wording: the AMA's designation statement (AMA PRA Booklet), ANCC and ACPE designation
statements as Joint Accreditation providers print them, AAPA's Category 1 statement, the
Joint Accreditation IPCE statement (shared/DOMAIN.md), and ABIM's MOC statement made
generic for every PARS board.
"""

from courses.credit_rules import (
    AmountRule,
    DesignationRequirement,
    RecordKind,
    ReportingChannel,
)

AMA_PRA_CATEGORY_1 = "ama-pra-category-1"
ANCC_CONTACT_HOURS = "ancc-contact-hours"
ACPE_CONTACT_HOURS = "acpe-contact-hours"
AAPA_CATEGORY_1 = "aapa-category-1"
IPCE_CREDIT = "ipce-credit"
MOC_POINTS = "moc-points"

PHYSICIANS = ["MD", "DO"]

STANDARD_KINDS: dict[str, dict] = {
    AMA_PRA_CATEGORY_1: {
        "name": "AMA PRA Category 1 Credit™",
        "name_plural": "AMA PRA Category 1 Credits™",
        "italic_name": True,
        "designation_template": (
            "{provider} designates this enduring material for a maximum of {amount} "
            "{credit}. Physicians should claim only the credit commensurate with the "
            "extent of their participation in the activity."
        ),
        "for_designations": PHYSICIANS,
        "optional_for": ["NP", "PA"],
        "amount_rule": AmountRule.CLAIMED_QUARTERS,
        "requires": [],
        "reporting_channel": ReportingChannel.PARS,
        "learner_identifiers": ["name", "birth_month_day", "npi_or_board_id", "consent_pars"],
        "record_kind": RecordKind.CERTIFICATE,
        "position": 0,
    },
    MOC_POINTS: {
        "name": "MOC point",
        "name_plural": "MOC points",
        "italic_name": False,
        "designation_template": (
            "Successful completion of this CME activity, which includes participation in the "
            "evaluation component, enables the participant to earn up to {amount} "
            "{moc_category} {credit} in the {board_name}'s ({board}) Maintenance of "
            "Certification (MOC) program. It is the CME activity provider's responsibility to "
            "submit participant completion information to ACCME for the purpose of granting "
            "{board} MOC credit."
        ),
        "for_designations": PHYSICIANS,
        # Physicians choose the boards they want points for (ticked when the profile holds
        # that board's ID).
        "optional_for": PHYSICIANS,
        "amount_rule": AmountRule.SAME_AS_CLAIMED,
        "requires": [DesignationRequirement.MOC_BOARD, DesignationRequirement.MOC_CATEGORY],
        "reporting_channel": ReportingChannel.PARS,
        "learner_identifiers": ["name", "birth_month_day", "board_id", "consent_pars"],
        "record_kind": RecordKind.CERTIFICATE,
        "position": 1,
    },
    ANCC_CONTACT_HOURS: {
        "name": "ANCC contact hour",
        "name_plural": "ANCC contact hours",
        "italic_name": False,
        "designation_template": (
            "Nurses: {provider} designates this activity for a maximum of {amount} {credit}."
        ),
        "for_designations": ["RN", "NP"],
        "optional_for": [],
        "amount_rule": AmountRule.HOURS_TWO_DECIMALS,
        "requires": [],
        "reporting_channel": ReportingChannel.NONE,
        "learner_identifiers": [],
        "record_kind": RecordKind.CERTIFICATE,
        "position": 2,
    },
    ACPE_CONTACT_HOURS: {
        "name": "ACPE contact hour",
        "name_plural": "ACPE contact hours",
        "italic_name": False,
        "designation_template": (
            "Pharmacists: {provider} designates this activity for a maximum of {amount} "
            "{credit} (Universal Activity Number {uan}). Credit is recorded in NABP's CPE "
            "Monitor, which holds the pharmacist's official statement of credit."
        ),
        "for_designations": ["PharmD"],
        "optional_for": [],
        "amount_rule": AmountRule.HOURS_TWO_DECIMALS,
        "requires": [DesignationRequirement.UAN],
        "reporting_channel": ReportingChannel.CPE_MONITOR,
        "learner_identifiers": ["nabp_epid", "birth_month_day", "consent_cpe_monitor"],
        "record_kind": RecordKind.PARTICIPATION_RECORD,
        "position": 3,
    },
    AAPA_CATEGORY_1: {
        "name": "AAPA Category 1 CME credit",
        "name_plural": "AAPA Category 1 CME credits",
        "italic_name": False,
        "designation_template": (
            "{provider} has been authorized by the American Academy of PAs (AAPA) to award "
            "AAPA Category 1 CME credit for activities planned in accordance with AAPA CME "
            "Criteria. This activity is designated for {amount} {credit}. PAs should only "
            "claim credit commensurate with the extent of their participation."
        ),
        "for_designations": ["PA"],
        "optional_for": [],
        "amount_rule": AmountRule.NEAREST_QUARTER_HOUR,
        "requires": [],
        "reporting_channel": ReportingChannel.NONE,
        "learner_identifiers": [],
        "record_kind": RecordKind.CERTIFICATE,
        "position": 4,
    },
    IPCE_CREDIT: {
        "name": "Interprofessional Continuing Education (IPCE) credit",
        "name_plural": "Interprofessional Continuing Education (IPCE) credits",
        "italic_name": False,
        "designation_template": (
            "This activity was planned by and for the healthcare team, and learners will "
            "receive {amount} Interprofessional Continuing Education (IPCE) credit for "
            "learning and change."
        ),
        "for_designations": [],
        "optional_for": [],
        "amount_rule": AmountRule.FULL_MAXIMUM,
        "requires": [],
        "reporting_channel": ReportingChannel.NONE,
        "learner_identifiers": [],
        "record_kind": RecordKind.CERTIFICATE,
        "position": 5,
    },
}


def install_standard_kinds(credit_type_model) -> None:
    """Create or update the standard kinds (`credit_type_model` is courses.CreditType, or
    its historical version inside a migration). Idempotent."""
    for code, fields in STANDARD_KINDS.items():
        credit_type_model.objects.update_or_create(code=code, defaults=fields)


def standard_kind(code: str):
    """The standard kind `code` (one of the constants above), created if missing. Raises
    KeyError for a code that is not a standard kind."""
    from courses.models import CreditType

    fields = STANDARD_KINDS[code]
    kind, _ = CreditType.objects.get_or_create(code=code, defaults=fields)
    return kind
