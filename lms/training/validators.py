"""Validators for institutions (pure functions, no database)."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# GB 32100-2015: 18 characters from the digits and the capitals without I, O, Z, S, V.
CREDIT_CODE_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_CODE_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_CHAR = f"[{CREDIT_CODE_CHARS}]"
# 1: registering authority; 2: kind of body; 3-8: administrative division code (digits);
# 9-17: the body's identification code; 18: check character.
CREDIT_CODE_RE = re.compile(rf"^[1-9A-HJ-NP-RTUWXY]{_CHAR}\d{{6}}{_CHAR}{{9}}{_CHAR}$")


def normalise_credit_code(value):
    """Upper-case and drop the spaces people type or paste by mistake."""
    return "".join((value or "").split()).upper()


def credit_code_check_char(first_17):
    """The GB 32100-2015 check character for the first 17 characters of a credit code."""
    total = sum(
        CREDIT_CODE_CHARS.index(char) * weight
        for char, weight in zip(first_17, CREDIT_CODE_WEIGHTS, strict=True)
    )
    return CREDIT_CODE_CHARS[(31 - total % 31) % 31]


def validate_credit_code(value):
    """A unified social credit code (统一社会信用代码) in the GB 32100-2015 format."""
    value = normalise_credit_code(value)
    if not CREDIT_CODE_RE.match(value):
        raise ValidationError(
            _(
                "A unified social credit code has 18 characters: digits and capital letters "
                "except I, O, Z, S and V, with digits in places 3 to 8."
            ),
            code="credit_code_format",
        )
    if credit_code_check_char(value[:17]) != value[17]:
        raise ValidationError(
            _("This credit code's last character does not match; please check it."),
            code="credit_code_checksum",
        )
