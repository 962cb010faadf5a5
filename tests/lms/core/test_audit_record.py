"""lms.audit.actions.record: what an audit row keeps of the changes it is given."""

import datetime
from decimal import Decimal

import pytest

from lms.audit.actions import record
from lms.audit.models import AuditEvent
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_changes_keep_their_shape_as_json():
    user = UserFactory()
    event = record(
        "test.changed",
        user,
        actor=user,
        changes={
            "score": [Decimal("1.50"), Decimal("2.00")],
            "rubric": [None, [{"criterion": "标题", "points": Decimal("2")}]],
            "when": [None, datetime.date(2026, 12, 3)],
        },
    )
    event.refresh_from_db()
    assert event.changes == {
        "score": ["1.50", "2.00"],
        "rubric": [None, [{"criterion": "标题", "points": "2"}]],
        "when": [None, "2026-12-03"],
    }


def test_an_audit_row_is_not_put_in_wagtails_reference_index():
    from wagtail.models import ReferenceIndex

    user = UserFactory()
    event = record("test.changed", user, actor=user)
    assert AuditEvent.objects.filter(pk=event.pk).exists()
    assert not ReferenceIndex.objects.filter(object_id=str(event.pk)).exists()
    assert not ReferenceIndex.model_is_indexable(AuditEvent)
