"""Validators for the programme's identity data (pure functions, no database)."""

import datetime
import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

ID_NUMBER_RE = re.compile(r"^\d{17}[\dX]$")
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK_CHARS = "10X98765432"
PHONE_RE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$")


def normalise_id_number(value):
    """Upper-case the check character and drop spaces people type by mistake."""
    return (value or "").replace(" ", "").strip().upper()


def id_number_check_char(first_17):
    total = sum(int(digit) * weight for digit, weight in zip(first_17, ID_WEIGHTS, strict=True))
    return ID_CHECK_CHARS[total % 11]


def id_number_birth_date(value):
    """The date of birth written in an 18-character resident ID number, or None."""
    try:
        return datetime.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except (ValueError, IndexError):
        return None


def id_number_gender(value):
    """'male' or 'female', from the 17th character (odd for men)."""
    return "male" if int(value[16]) % 2 else "female"


def validate_id_number(value):
    """An 18-character PRC resident identity number with a correct check character."""
    value = normalise_id_number(value)
    if not ID_NUMBER_RE.match(value):
        raise ValidationError(
            _("An ID number has 18 characters: 17 digits, then a digit or X."),
            code="id_number_format",
        )
    if id_number_birth_date(value) is None:
        raise ValidationError(
            _("The date of birth inside this ID number is not a real date."),
            code="id_number_date",
        )
    if id_number_check_char(value[:17]) != value[17]:
        raise ValidationError(
            _("This ID number's last character does not match; please check it."),
            code="id_number_checksum",
        )


def validate_phone(value):
    if not PHONE_RE.match((value or "").replace(" ", "")):
        raise ValidationError(
            _("Enter an 11-digit mobile number or a landline with its area code."),
            code="phone",
        )


def mask_id_number(value):
    """Keep the region (first 4) and the last 4 characters: 4305**********123X."""
    if not value:
        return ""
    if len(value) <= 8:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


def mask_phone(value):
    if not value or len(value) < 7:
        return value or ""
    return value[:3] + "*" * (len(value) - 7) + value[-4:]
