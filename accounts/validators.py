"""Validation of learners' professional identifiers: the shape of each, checked when the
learner enters it (model field validators and the profile form)."""

import calendar
import re

from django.core.exceptions import ValidationError
from stdnum import luhn

# The NPI check digit is the Luhn check digit over this constant prefix (the card-issuer
# prefix assigned to US health applications) followed by the first nine digits.
NPI_LUHN_PREFIX = "80840"


def validate_npi(value: str) -> None:
    """Accept a 10-digit US National Provider Identifier with a valid check digit."""
    if not value.isdigit():
        raise ValidationError("An NPI has digits only.", code="npi_not_digits")
    if len(value) != 10:
        raise ValidationError("An NPI has exactly 10 digits.", code="npi_length")
    if not luhn.is_valid(NPI_LUHN_PREFIX + value):
        raise ValidationError(
            "This NPI's check digit does not match; please check for a typing error.",
            code="npi_check_digit",
        )


def validate_board_id(value: str) -> None:
    """Accept a certifying board's ID for a learner: letters and digits only (boards issue
    alphanumeric IDs). Board IDs go into the PARS file as they are, so nothing else (no
    spaces, signs or punctuation, nothing a spreadsheet could run as a formula) is taken."""
    if not (value.isascii() and value.isalnum()):
        raise ValidationError(
            "A board ID has letters and digits only (no spaces, dashes or other signs).",
            code="board_id_not_alphanumeric",
        )


def validate_birth_month_and_day(*, month: int, day: int) -> None:
    """Accept a month (1 to 12) and a day that month has, as certifying boards (PARS, month and
    day of birth) and NABP CPE Monitor (MMDD) identify a learner by them. 29 February is a
    real birthday, so the month's length is taken from a leap year; 30 February is refused.

    Raises ValidationError keyed on "birth_day", e.g. "February has no day 30."."""
    if not 1 <= month <= 12:
        raise ValidationError(
            {"birth_month": "Choose a month from January to December."}, code="birth_month"
        )
    days_in_month = calendar.monthrange(2000, month)[1]  # 2000 was a leap year
    if not 1 <= day <= days_in_month:
        raise ValidationError(
            {"birth_day": f"{calendar.month_name[month]} has no day {day}."}, code="birth_day"
        )


# NABP e-Profile IDs as pharmacists see them on their NABP e-Profile are short numbers. NABP
# publishes no format; CPE Monitor matches the ID with the month and day of birth (DOMAIN.md,
# interprofessional credit table). We assume digits only, at most 7 of them.
NABP_EPID_MAX_DIGITS = 7


def validate_nabp_epid(value: str) -> None:
    """Accept an NABP e-Profile ID (ePID), the number NABP's CPE Monitor knows a pharmacist
    or pharmacy technician by: 1 to 7 digits. The shape is our assumption (NABP publishes
    none; IDs seen are 6 or 7 digits), kept loose enough for shorter, older IDs; CPE
    Monitor itself refuses an ePID that does not match the date of birth."""
    if not (value.isascii() and value.isdigit()):
        raise ValidationError(
            "An NABP e-Profile ID has digits only: 1 to 7 digits, e.g. 1234567.",
            code="nabp_epid_not_digits",
        )
    if len(value) > NABP_EPID_MAX_DIGITS:
        raise ValidationError(
            "An NABP e-Profile ID has at most 7 digits, e.g. 1234567.",
            code="nabp_epid_length",
        )


# NCCPA IDs are the numbers NCCPA issues to physician assistants. NCCPA publishes no format;
# we assume digits only, 6 to 10 of them.
NCCPA_ID_DIGITS = (6, 10)


def validate_nccpa_id(value: str) -> None:
    """Accept an NCCPA ID (the National Commission on Certification of Physician Assistants'
    number for a PA, optional on AAPA rosters): 6 to 10 digits. The shape is our assumption
    (NCCPA publishes none; the IDs seen are 7 to 10 digits), kept a little loose."""
    if not (value.isascii() and value.isdigit()):
        raise ValidationError(
            "An NCCPA ID has digits only: 6 to 10 digits, e.g. 1234567.",
            code="nccpa_id_not_digits",
        )
    low, high = NCCPA_ID_DIGITS
    if not low <= len(value) <= high:
        raise ValidationError(
            "An NCCPA ID has 6 to 10 digits, e.g. 1234567.", code="nccpa_id_length"
        )


LICENSE_NUMBER_MAX_LENGTH = 20
_LICENSE_NUMBER = re.compile(r"[A-Za-z0-9-]+")
# A value starting with one of these is run as a formula by spreadsheets (OWASP "CSV
# injection"); a state registry roster is often opened in one.
_FORMULA_STARTS = ("=", "+", "-", "@")


def validate_license_number(value: str) -> None:
    """Accept a state license number: 1 to 20 letters, digits and hyphens, e.g. "MD-123456"
    or "036123456". States number licenses in their own ways (prefixes by profession,
    leading zeros, hyphens), so only the characters and length are checked. A number may not
    start with "=", "+", "-" or "@": registry rosters are opened in spreadsheets, which would
    run it as a formula. The length (at most LICENSE_NUMBER_MAX_LENGTH) is the field's
    max_length, checked by Django with its own message."""
    if value.startswith(_FORMULA_STARTS):
        raise ValidationError(
            "A license number cannot start with =, +, - or @; "
            "give it as your state prints it, e.g. MD-123456.",
            code="license_number_formula",
        )
    if not _LICENSE_NUMBER.fullmatch(value):
        raise ValidationError(
            "A license number has letters, digits and hyphens only, e.g. MD-123456.",
            code="license_number_characters",
        )
