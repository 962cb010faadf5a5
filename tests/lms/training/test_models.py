import pytest
from django.core.exceptions import ValidationError

from lms.training.models import Condition, Institution

from .conftest import make_credit_code


def test_a_bad_code_or_phone_is_refused(db):
    institution = Institution(
        legal_name="机构",
        credit_code="91350100M000100Y44",
        contact_person="李四",
        contact_phone="12345",
        address="路1号",
    )
    with pytest.raises(ValidationError) as error:
        institution.full_clean()
    assert set(error.value.message_dict) == {"credit_code", "contact_phone"}


def test_the_code_is_normalised_and_unique(make_institution):
    code = make_credit_code(424242)
    make_institution(credit_code=code)
    twin = Institution(
        legal_name="另一个",
        credit_code=code.lower(),
        contact_person="王五",
        contact_phone="13800000002",
        address="路2号",
    )
    with pytest.raises(ValidationError) as error:
        twin.full_clean()
    assert twin.credit_code == code
    assert "credit_code" in error.value.message_dict


def test_unmet_conditions_in_order(make_institution):
    institution = make_institution(capacity_met=True)
    assert institution.unmet_conditions() == [
        Condition.LEGAL_PERSONALITY,
        Condition.CLEAN_RECORD,
        Condition.TEACHING_TEAM,
    ]
    assert make_institution(all_met=True).unmet_conditions() == []
