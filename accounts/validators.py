"""Validation of learners' professional identifiers."""

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
