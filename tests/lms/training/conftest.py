import itertools

import pytest

from lms.training.models import Institution
from lms.training.validators import credit_code_check_char

_serial = itertools.count(1)


def make_credit_code(number=None):
    """A valid credit code: a company (91) in county 430599 with the given serial number."""
    body = f"91430599{number if number is not None else next(_serial):09d}"
    return body + credit_code_check_char(body)


@pytest.fixture
def make_institution(db):
    def make(*, all_met=False, **fields):
        defaults = {
            "legal_name": f"培训机构{next(_serial)}",
            "credit_code": make_credit_code(),
            "contact_person": "李四",
            "contact_phone": "13800000001",
            "address": "测试县人民路1号",
        }
        if all_met:
            for name in ("legal_personality", "clean_record", "capacity", "teaching_team"):
                defaults[f"{name}_met"] = True
        defaults.update(fields)
        return Institution.objects.create(**defaults)

    return make
