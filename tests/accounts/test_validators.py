import pytest
from django.core.exceptions import ValidationError

from accounts.validators import validate_npi


@pytest.mark.parametrize("npi", ["1234567893", "1245319599", "1003000126"])
def test_npi_with_a_valid_check_digit_is_accepted(npi):
    validate_npi(npi)


@pytest.mark.parametrize(
    ("npi", "message"),
    [
        ("1234567890", "This NPI's check digit does not match; please check for a typing error."),
        ("1234567894", "This NPI's check digit does not match; please check for a typing error."),
        ("123456789", "An NPI has exactly 10 digits."),
        ("12345678931", "An NPI has exactly 10 digits."),
        ("12345678A3", "An NPI has digits only."),
        ("1234 567893", "An NPI has digits only."),
        ("", "An NPI has digits only."),
    ],
)
def test_npi_that_is_not_a_valid_identifier_is_refused_with_the_reason(npi, message):
    with pytest.raises(ValidationError) as excinfo:
        validate_npi(npi)
    assert excinfo.value.messages == [message]
