import pytest
from django.core.exceptions import ValidationError

from lms.training.validators import (
    CREDIT_CODE_CHARS,
    credit_code_check_char,
    normalise_credit_code,
    validate_credit_code,
)

# Published codes whose check characters were computed by hand from GB 32100-2015.
VALID = ["91350100M000100Y43", "91110108551385082Q", "12100000400000624D", "91440300708461136T"]


@pytest.mark.parametrize("code", VALID)
def test_published_codes_are_valid(code):
    validate_credit_code(code)
    assert credit_code_check_char(code[:17]) == code[17]


def test_lower_case_and_spaces_are_accepted_and_normalised():
    validate_credit_code(" 91350100m000100y43 ")
    assert normalise_credit_code(" 9135 0100m000100y43") == "91350100M000100Y43"


def test_the_check_character_can_be_zero():
    # 31 - (sum % 31) == 31 must map to "0", not to an index out of range.
    for serial in range(2000):
        body = f"91430599{serial:09d}"
        if credit_code_check_char(body) == "0":
            validate_credit_code(body + "0")
            return
    pytest.fail("no body with check character 0 in the range tried")


@pytest.mark.parametrize(
    "code",
    [
        "",
        "91350100M000100Y4",  # 17 characters
        "91350100M000100Y433",  # 19 characters
        "91350100M00O100Y43",  # letter O is not used
        "91350100M00I100Y43",  # letter I is not used
        "91350100M00Z100Y43",  # Z
        "91350100M00S100Y43",  # S
        "91350100M00V100Y43",  # V
        "913501A0M000100Y43",  # division code must be digits
        "01350100M000100Y43",  # registering authority 0 does not exist
        "91350100M000100Y4-",
        "９1350100M000100Y43",  # full-width digit
    ],
)
def test_bad_format_is_refused_with_a_format_message(code):
    with pytest.raises(ValidationError) as error:
        validate_credit_code(code)
    assert error.value.code == "credit_code_format"


def test_every_wrong_check_character_is_refused():
    code = VALID[0]
    for char in CREDIT_CODE_CHARS:
        if char == code[17]:
            continue
        with pytest.raises(ValidationError) as error:
            validate_credit_code(code[:17] + char)
        assert error.value.code == "credit_code_checksum"


def test_a_changed_character_in_the_body_is_caught():
    code = VALID[1]
    for position in range(8, 17):
        for char in "0123456789ABC":
            if char == code[position]:
                continue
            changed = code[:position] + char + code[position + 1 :]
            with pytest.raises(ValidationError):
                validate_credit_code(changed)
